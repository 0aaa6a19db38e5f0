"""The Ollama engine's failures in words: client, HTTP and socket errors as a `GlmTuiError` with a hint.

Kept apart from the engine (`ollama.py`) so the mapping can be read, and tested, without a server.
What a server said (`server_text`, `clip`) is read here for both engines: the OpenAI-compatible
engine's mapping (`openai_wire`), the model library and the probe quote servers the same way.
"""

from __future__ import annotations

import json
import re

from glmtui.core.errors import GlmTuiError
from glmtui.core.sanitize import sanitize

CONNECT_HINT = "start it with `ollama serve`, point glmtui elsewhere with --host, or try --demo"
NOT_OLLAMA_HINT = "check --host (Ollama listens on port 11434, at the root path), or try --demo"
TOOLS_REFUSED_HINT = (
    "the active preset's tools were offered and this model takes none: pick a preset without `tools` "
    "(Preset…) or a model whose capabilities include tools"
)
# Ollama's own "not found": `model 'NAME' not found` (a 404 with any other text is another server).
MODEL_NOT_FOUND = re.compile(r"model ['\"]?([^'\"]+?)['\"]? not found")
HTML = re.compile(r"^\s*<|<html|<!doctype|<body", re.IGNORECASE)


def clip(text: str, limit: int = 80) -> str:
    """A server's text on one short line (another server may answer with a whole HTML page)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def server_text(error: object, limit: int = 60) -> str:
    """What a server said, as one short sanitised fragment; "" for an HTML page (never shown).

    The client hands over the body's `error` field: a string from Ollama, a dict from an
    OpenAI-compatible server (its `message` is the part worth reading), or the raw body."""
    if isinstance(error, dict):
        error = error.get("message", "")
    text = sanitize(str(error)).strip()
    if HTML.search(text[:200]):
        return ""
    return clip(text, limit)


def map_error(
    exc: BaseException, host: str, model: str | None = None, *, streaming: bool = False
) -> GlmTuiError:
    """Translate client, HTTP and socket errors into something a person can act on.

    `streaming`: a reply was coming in, so a dropped connection is "mid-reply"; for any other call
    (ps, list, show, version) a connection closed before an answer is not that."""
    import httpx
    import ollama

    if isinstance(exc, GlmTuiError):
        return exc
    if isinstance(exc, ollama.ResponseError):
        text = server_text(exc.error, 200)
        missing = MODEL_NOT_FOUND.search(text) if exc.status_code == 404 else None
        if missing is not None:
            name = model or missing.group(1)
            return GlmTuiError(
                f"Model '{name}' is not installed on {host}",
                f"pull it with `ollama pull {name}` (or pick another model)",
                kind="not-found",
            )
        if exc.status_code == 404:  # Ollama names the model; a 404 without one is another server
            said = f" ({clip(text, 60)})" if text else ""
            return GlmTuiError(
                f"{host} answered 404 (not found){said}: it is not Ollama",
                NOT_OLLAMA_HINT,
                kind="not-ollama",
            )
        if "does not support thinking" in text:
            return GlmTuiError(text, "turn thinking off with ctrl+t", kind="bad-request")
        if "does not support tools" in text:
            # Tools are offered only by a preset (`tools` in its config); a retry is refused the same way
            # (ollama/ollama server/routes.go: the CapabilityTools check answers 400 before streaming).
            return GlmTuiError(text, TOOLS_REFUSED_HINT, kind="bad-request")
        if exc.status_code == -1:
            return GlmTuiError(
                f"Ollama reported an error mid-reply: {text}", "the partial reply is kept", "in-band"
            )
        return GlmTuiError(
            f"Ollama error {exc.status_code}: {text or 'no readable message'}",
            "see the server log (`journalctl -u ollama`)",
            "http",
        )
    if isinstance(exc, (ConnectionError, httpx.ConnectError, httpx.ConnectTimeout)):
        return GlmTuiError(f"Cannot reach Ollama at {host}", CONNECT_HINT, kind="connect")
    if isinstance(exc, httpx.RemoteProtocolError) and not streaming:
        return not_http(host)  # as version() says: the same bytes, the same identification
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
        if not streaming:
            return GlmTuiError(
                f"The connection to {host} dropped before it answered", CONNECT_HINT, "dropped"
            )
        return GlmTuiError(
            "The connection to Ollama dropped mid-reply", "the partial reply is kept", "dropped"
        )
    if isinstance(exc, httpx.TimeoutException):
        return GlmTuiError(f"Ollama at {host} timed out", CONNECT_HINT, kind="timeout")
    if isinstance(exc, httpx.HTTPError):
        return GlmTuiError(f"HTTP error talking to {host}: {exc}", CONNECT_HINT, kind="http")
    if isinstance(exc, (json.JSONDecodeError, RecursionError)):
        # The client json-decodes each line: not JSON, or nested past the decoder's recursion limit.
        return GlmTuiError(
            f"{host} sent a line that is not readable JSON",
            "the partial reply is kept" if streaming else NOT_OLLAMA_HINT,
            kind="bad-stream",
        )
    return GlmTuiError(f"Unexpected error: {type(exc).__name__}: {exc}", "", kind="internal")


def not_http(host: str) -> GlmTuiError:
    """Something accepted the connection and answered with bytes that are not HTTP."""
    return GlmTuiError(
        f"Something at {host} accepted the connection but does not speak HTTP",
        NOT_OLLAMA_HINT,
        kind="not-http",
    )
