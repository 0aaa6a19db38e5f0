"""The Ollama engine's `ollama.AsyncClient`: its timeouts, the shared TLS context, and chat lines as dicts.

Kept apart from the engine (`ollama.py`) so how the official client is made, and the one place glmtui
reaches past its public calls, can be read alone. `import ollama` (pydantic and httpx, ~0.45 s of CPU)
happens on first use, off the first-frame path.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from glmtui.services.engines.tls import tls_context

if TYPE_CHECKING:
    import ollama


def make_client(host: str, connect_timeout: float) -> ollama.AsyncClient:
    """The client for one server: read timeout off (the engine's first-token and stall timeouts judge
    silence, per reply), and certificates verified with the process's shared context (`tls.py`)."""
    import httpx

    timeout = httpx.Timeout(connect=connect_timeout, read=None, write=30.0, pool=connect_timeout)
    return _client_class()(host=host, timeout=timeout, verify=tls_context())


@functools.cache
def _client_class() -> type[ollama.AsyncClient]:
    """`ollama.AsyncClient`, except that a streamed chat's lines stay the JSON objects they arrived as.

    The client's `chat` builds and sends the request, raises its errors (an HTTP status, an in-band
    `error` line) and decodes each line as ever; it then hands each line to `_request`'s `cls`, which
    for a chat is `ChatResponse`: a pydantic model validated per token, ~5 µs a token here plus a
    `model_dump` of the last, for the four fields the engine reads. `dict` takes its place for
    streamed chats alone (pulls, lists and the rest keep their models). `_request(cls, *args, stream,
    **kwargs)` is the client's own generic request method in the 0.6 line this project pins; a client
    that stopped calling it would hand over models, and the chat tests would see replies without text."""
    import ollama

    class DictChatClient(ollama.AsyncClient):
        """The official client; streamed chat lines handed over as dicts."""

        async def _request(self, cls: Any, *args: Any, stream: bool = False, **kwargs: Any) -> Any:
            if stream and cls is ollama.ChatResponse:
                cls = dict
            return await super()._request(cls, *args, stream=stream, **kwargs)

    return DictChatClient
