"""Wire-level helpers that make responses look like Go's net/http + encoding/json output.

Ollama is a Go server, so clients see Go's conventions: compact JSON with ``<``, ``>`` and ``&`` escaped as
``\\u003c`` etc., RFC 3339 timestamps with trimmed nanoseconds, chunked NDJSON streams flushed line by line,
and a plain ``404 page not found``. Reproducing these keeps the app honest about what it parses.
"""

from __future__ import annotations

import contextlib
import json
import select
import socket
import threading
import time
from datetime import UTC, datetime
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler
from typing import Any

JSON_TYPE = "application/json; charset=utf-8"
NDJSON_TYPE = "application/x-ndjson"
TEXT_TYPE = "text/plain; charset=utf-8"


class ClientGone(Exception):
    """The peer closed the connection, or the simulator is stopping: abandon the response."""


class BadRequest(Exception):
    """A request that Ollama would reject; carries the status code and Go-style message."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def go_json(obj: Any) -> bytes:
    """Serialise like Go's json.Marshal: compact, UTF-8, HTML-significant characters escaped."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    # These characters can only occur inside JSON strings, so replacing them textually is safe.
    text = (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
    return text.encode("utf-8", "replace")


def rfc3339(moment: datetime) -> str:
    """Go's RFC3339Nano: fractional seconds without trailing zeros, ``Z`` for UTC, else ``+hh:mm``."""
    if moment.tzinfo is None:
        moment = moment.astimezone()
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        stamp += f".{moment.microsecond:06d}".rstrip("0")
    offset = moment.utcoffset()
    if not offset:
        return stamp + "Z"
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    return f"{stamp}{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def utc_now() -> str:
    """``created_at`` value: Ollama stamps responses with time.Now().UTC()."""
    return rfc3339(datetime.now(UTC))


def parse_json_body(raw: bytes) -> dict[str, Any]:
    """Decode a request body the way gin's ShouldBindJSON fails: Go-flavoured messages, status 400."""
    if not raw.strip():
        raise BadRequest("missing request body")
    try:
        data = json.loads(raw)
    except UnicodeDecodeError:
        raise BadRequest("invalid character in string literal") from None
    except json.JSONDecodeError as exc:
        if exc.pos >= len(exc.doc.rstrip()):
            raise BadRequest("unexpected EOF") from None
        char = exc.doc[exc.pos]
        raise BadRequest(f"invalid character {char!r} looking for beginning of value") from None
    if not isinstance(data, dict):
        kind = {list: "array", str: "string", bool: "bool"}.get(type(data), "number")
        raise BadRequest(f"json: cannot unmarshal {kind} into Go value of type map[string]interface {{}}")
    return data


class Responder:
    """Writes one HTTP/1.1 response on a handler's socket, keeping keep-alive semantics intact."""

    def __init__(self, handler: BaseHTTPRequestHandler, stopping: threading.Event) -> None:
        self._handler = handler
        self._stopping = stopping
        self.head_only = handler.command == "HEAD"
        self.started = False

    def _head(self, status: int, headers: list[tuple[str, str]]) -> bytes:
        reason = self._handler.responses.get(status, ("",))[0]
        lines = [f"HTTP/1.1 {status} {reason}"]
        lines += [f"{k}: {v}" for k, v in headers]
        lines.append(f"Date: {formatdate(usegmt=True)}")
        if self._handler.close_connection:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _send(self, data: bytes) -> None:
        if self._stopping.is_set():
            raise ClientGone("simulator stopping")
        try:
            self._handler.wfile.write(data)
        except OSError as exc:
            raise ClientGone(str(exc)) from None

    def body(
        self,
        status: int,
        content_type: str | None,
        payload: bytes,
        extra: list[tuple[str, str]] | None = None,
    ) -> None:
        """A complete response with Content-Length (Go sets it for small, fully buffered bodies)."""
        headers = list(extra or [])
        if content_type:
            headers.append(("Content-Type", content_type))
        headers.append(("Content-Length", str(len(payload))))
        self.started = True
        self._send(self._head(status, headers) + (b"" if self.head_only else payload))

    def json(self, status: int, obj: Any) -> None:
        self.body(status, JSON_TYPE, go_json(obj))

    def error(self, status: int, message: str) -> None:
        self.json(status, {"error": message})

    def text(self, status: int, text: str, content_type: str = TEXT_TYPE) -> None:
        self.body(status, content_type, text.encode())

    def empty(self, status: int = 200) -> None:
        self.body(status, None, b"")

    def stream(self) -> NdjsonStream:
        """Start a chunked ``application/x-ndjson`` stream (status 200)."""
        self.started = True
        head = self._head(200, [("Content-Type", NDJSON_TYPE), ("Transfer-Encoding", "chunked")])
        self._send(head)
        return NdjsonStream(self)

    def chunked(self, content_type: str, extra: list[tuple[str, str]] | None = None) -> ChunkedStream:
        """Start a chunked stream of ``content_type`` (status 200); each write is one flushed chunk."""
        self.started = True
        headers = [*(extra or []), ("Content-Type", content_type), ("Transfer-Encoding", "chunked")]
        self._send(self._head(200, headers))
        return ChunkedStream(self)

    # ----- connection control -----
    def abort(self) -> None:
        """Close the connection abruptly: no more bytes, no terminating chunk (a killed server)."""
        self._handler.close_connection = True
        with contextlib.suppress(OSError):
            self._handler.connection.shutdown(socket.SHUT_RDWR)

    def client_gone(self) -> bool:
        """True if the peer has closed its side (EOF is readable) or the socket is dead."""
        sock = self._handler.connection
        try:
            readable, _, _ = select.select([sock], [], [], 0)
            return bool(readable) and sock.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True

    def wait(self, seconds: float) -> None:
        """Sleep, but give up early (ClientGone) if the simulator stops or the client disconnects."""
        if seconds <= 0:
            return
        if seconds < 0.02:  # short pacing sleeps: not worth a select; stop() also kills the socket
            if self._stopping.wait(seconds):
                raise ClientGone("simulator stopping")
            return
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if self._stopping.wait(min(left, 0.05)):
                raise ClientGone("simulator stopping")
            if self.client_gone():
                raise ClientGone("client disconnected")


class NdjsonStream:
    """One JSON object per line, each line its own HTTP chunk, flushed immediately (like Go's Flush)."""

    def __init__(self, responder: Responder) -> None:
        self._responder = responder
        self.lines_sent = 0

    def send(self, obj: Any) -> None:
        line = go_json(obj) + b"\n"
        self._responder._send(b"%x\r\n%s\r\n" % (len(line), line))
        self.lines_sent += 1

    def end(self) -> None:
        self._responder._send(b"0\r\n\r\n")


class ChunkedStream:
    """Raw chunks on a chunked response, each flushed at once (an ASGI server's per-yield flush)."""

    def __init__(self, responder: Responder) -> None:
        self._responder = responder

    def write(self, data: bytes) -> None:
        self._responder._send(b"%x\r\n%s\r\n" % (len(data), data))

    def end(self) -> None:
        self._responder._send(b"0\r\n\r\n")
