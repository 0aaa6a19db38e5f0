"""Reading a reply stream the way both engines do: in batches, with a first-token and a stall timeout.

Ollama and the OpenAI-compatible engines send one token per chunk. After a read that had to wait on
the network, the reader pauses `batch_s` (`READ_BATCH_S` for a chat on screen) so the chunks that arrive
meanwhile are read together (one wake-up per batch, not per token); a read that found a chunk waiting
goes straight on, and the first chunk is never held back. The first chunk may take as long as a model
load (`first_timeout`); after it, silence longer than `stall_timeout` is a stalled reply, raised as a
GlmTuiError (the caller keeps what was yielded).

The timeouts are one timer for the whole stream (`_Watchdog`), not an `asyncio.timeout` per chunk: that
made a timer handle, a heap push and a cancelled handle left in the event loop's heap for every token
(~12 µs a token here, and a heap the app's own timers then sift through).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from typing import Any

from glmtui.core.errors import GlmTuiError

READ_BATCH_S = 0.02
WAITED_S = 0.002  # a read that took longer than this waited on the network


class _Watchdog:
    """The stall timer of one stream: while a read is pending, its task is cancelled once the read has
    waited `limit` seconds, as `asyncio.timeout` around each read would, with one timer handle that is
    re-armed only when it fires early (a later read's deadline) or would fire too late (a shorter
    limit), so a read costs a clock read and a comparison instead of a timer."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._handle: asyncio.TimerHandle | None = None
        self._due = math.inf  # when the handle fires
        self._deadline: float | None = None  # the pending read's; None between reads
        self._task: asyncio.Task[Any] | None = None
        self._cancelling = 0  # the task's cancellation requests before this read (not ours)
        self._fired = False

    def begin(self, now: float, limit: float) -> None:
        """A read starts now and may wait `limit` seconds."""
        deadline = now + limit
        self._deadline = deadline
        task = asyncio.current_task()
        self._task = task
        self._cancelling = task.cancelling() if task is not None else 0
        if self._due > deadline:
            self._arm(deadline)

    def end(self) -> bool:
        """The read is over; True when it was this watchdog that cancelled it (and nothing else did)."""
        self._deadline = None
        if not self._fired or self._task is None:
            return False
        self._fired = False
        return self._task.uncancel() <= self._cancelling

    def close(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _arm(self, when: float) -> None:
        if self._handle is not None:
            self._handle.cancel()
        self._handle = self._loop.call_at(when, self._fire)
        self._due = when

    def _fire(self) -> None:
        self._handle, self._due = None, math.inf
        deadline = self._deadline
        if deadline is None or self._task is None:
            return  # between reads: the next read arms it again
        if self._loop.time() < deadline:
            self._arm(deadline)  # set for an earlier read: this one has time left
            return
        self._fired = True
        self._task.cancel()


async def paced(
    stream: AsyncIterator[Any],
    *,
    first_timeout: float,
    stall_timeout: float,
    who: str,
    check: str,
    batch_s: float = READ_BATCH_S,
) -> AsyncIterator[Any]:
    """The stream's chunks, read in batches; `who` names the server in the stall message ("Ollama",
    a host) and `check` what to check ("the server", "the engine")."""
    loop = asyncio.get_running_loop()
    watchdog = _Watchdog(loop)
    timeout = first_timeout
    waited = False
    try:
        while True:
            if waited:
                await asyncio.sleep(batch_s)
            started = loop.time()
            watchdog.begin(started, timeout)
            try:
                chunk = await anext(stream)
            except StopAsyncIteration:
                watchdog.end()
                return
            except asyncio.CancelledError:
                if watchdog.end():
                    raise GlmTuiError(
                        f"No data from {who} for {timeout:g} s: the reply stalled",
                        f"the partial reply is kept; check {check}",
                        kind="stalled",
                    ) from None
                raise
            except BaseException:
                watchdog.end()
                raise
            watchdog.end()
            timeout = stall_timeout
            waited = loop.time() - started > WAITED_S
            yield chunk
    finally:
        watchdog.close()
