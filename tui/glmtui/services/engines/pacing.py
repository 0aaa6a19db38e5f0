"""Reading a reply stream the way both engines do: in batches, with a first-token and a stall timeout.

Ollama and the OpenAI-compatible engines send one token per chunk. After a read that had to wait on
the network, the reader pauses `READ_BATCH_S` so the chunks that arrive meanwhile are read together
(one wake-up per batch, not per token); a read that found a chunk waiting goes straight on. The first
chunk may take as long as a model load (`first_timeout`); after it, silence longer than `stall_timeout`
is a stalled reply, raised as a GlmTuiError (the caller keeps what was yielded).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from glmtui.core.errors import GlmTuiError

READ_BATCH_S = 0.02
WAITED_S = 0.002  # a read that took longer than this waited on the network


async def paced(
    stream: AsyncIterator[Any], *, first_timeout: float, stall_timeout: float, who: str, check: str
) -> AsyncIterator[Any]:
    """The stream's chunks, read in batches; `who` names the server in the stall message ("Ollama",
    a host) and `check` what to check ("the server", "the engine")."""
    loop = asyncio.get_running_loop()
    timeout = first_timeout
    waited = False
    while True:
        if waited:
            await asyncio.sleep(READ_BATCH_S)
        started = loop.time()
        try:
            async with asyncio.timeout(timeout):
                chunk = await anext(stream)
        except StopAsyncIteration:
            return
        except TimeoutError:
            raise GlmTuiError(
                f"No data from {who} for {timeout:g} s: the reply stalled",
                f"the partial reply is kept; check {check}",
                kind="stalled",
            ) from None
        timeout = stall_timeout
        waited = loop.time() - started > WAITED_S
        yield chunk
