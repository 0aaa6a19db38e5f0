"""The socket side shared by every simulated server: lifecycle, connection tracking, request parsing.

Stdlib only (``http.server`` with a thread per connection, HTTP/1.1 keep-alive) so that tests, benchmarks,
screenshots and ``glmtui --demo`` can run anywhere. A simulated server (the Ollama ``Simulator``, the
``OpenAISimulator``) subclasses ``ServerBase`` and answers ``dispatch``; this module owns the socket
lifecycle, which is what makes ``stop()`` behave like a killed server: the listening socket and every open
connection are shut down at once, and the port is reusable.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import socketserver
import sys
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

from .faults import Fault, FaultQueue
from .wire import BadRequest, ClientGone, Responder

log = logging.getLogger("glmtui.simulator")


@dataclass(frozen=True)
class Request:
    """One parsed HTTP request: what a simulated server's ``dispatch`` acts on."""

    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    raw: bytes

    def json(self) -> Any:
        """The body as JSON, or None when it is empty or not JSON (for ``requests`` records)."""
        try:
            return json.loads(self.raw) if self.raw.strip() else None
        except ValueError:
            return None


class ServerBase:
    """Lifecycle, fault queue and request log of a simulated server; subclasses answer ``dispatch``.

    ``requests`` records ``(method, path, json-or-None)`` for assertions.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self._port = port
        self.faults = FaultQueue()
        self.released = threading.Event()  # set by release(): endpoint stalls end at once
        self.requests: list[tuple[str, str, Any]] = []
        # CLOCK_MONOTONIC when the last streamed reply's final chunk was written (shared by all
        # processes on Linux): benchmarks compare it with when the app shows that reply's figures.
        self.last_done_at: float | None = None
        self.stopping = threading.Event()
        self._requests_lock = threading.Lock()
        self._server: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ----- what a subclass provides ----------------------------------------------------------------
    def dispatch(self, request: Request, resp: Responder) -> None:
        """Answer one request (record it, route it); BadRequest goes to ``bad_request``."""
        raise NotImplementedError

    def bad_request(self, resp: Responder, exc: BadRequest) -> None:
        """Answer a rejected request in the server's own error shape (default: Ollama's)."""
        resp.error(exc.status, exc.message)

    def started(self) -> None:
        """Called once the socket listens (a hook for subclasses that time their start-up)."""

    # ----- lifecycle -------------------------------------------------------------------------------
    def start(self) -> Self:
        """Bind and serve in a daemon thread; returns self."""
        if self._server is not None:
            raise RuntimeError("simulator already started")
        self._server = _HTTPServer((self.host, self._port), self)
        self._port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"glmtui-simulator:{self._port}",
            daemon=True,
        )
        self.started()
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop like a killed server: close the listener and cut every open connection mid-stream."""
        server = self._server
        if server is None or self.stopping.is_set():
            return
        self.stopping.set()  # wakes handlers sleeping on pacing, stalls, loads and pulls
        server.shutdown()
        server.server_close()
        server.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=2)
        server.join_handlers(timeout=2)

    def __enter__(self) -> Self:
        return self.start() if self._server is None else self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self._port}"

    def inject(self, fault: Fault) -> None:
        """Queue a fault for the next streaming request (FIFO), or the next request to its path."""
        if fault.kind == "stall" and fault.path is not None:
            self.released.clear()
        self.faults.push(fault)

    def release(self) -> None:
        """End endpoint stalls now (tests wait on conditions, not on seconds)."""
        self.released.set()

    def record(self, method: str, path: str, body: Any) -> None:
        with self._requests_lock:
            self.requests.append((method, path, body))


class _HTTPServer(ThreadingHTTPServer):
    """Threaded HTTP server that knows its connections, so stop() can cut them."""

    daemon_threads = True
    allow_reuse_address = True  # SO_REUSEADDR: a restarted simulator can bind the same port at once
    block_on_close = False  # we join handler threads ourselves, with a timeout

    def __init__(self, address: tuple[str, int], sim: ServerBase) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.sim = sim
        self._conns: set[socket.socket] = set()
        self._handler_threads: set[threading.Thread] = set()
        self._conn_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), a DNS lookup that can take seconds; skip it.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), int(self.server_address[1])

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        with self._conn_lock:
            self._conns.add(request)
            self._handler_threads.add(threading.current_thread())
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._conn_lock:
                self._conns.discard(request)
                self._handler_threads.discard(threading.current_thread())

    def close_connections(self) -> None:
        with self._conn_lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def join_handlers(self, timeout: float) -> None:
        with self._conn_lock:
            threads = list(self._handler_threads)
        for thread in threads:
            thread.join(timeout)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Peers vanishing (resets, broken pipes) is routine for a server that is killed and restarted.
        if isinstance(sys.exc_info()[1], (OSError, ClientGone)):
            return
        log.exception("simulator: unhandled error serving %s", client_address)


class _Handler(BaseHTTPRequestHandler):
    """Parses one request at a time on a keep-alive connection and hands it to the server's dispatch."""

    protocol_version = "HTTP/1.1"
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        # Go and uvicorn disable Nagle too; without this, one-token chunks would wait for a delayed ACK.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - %s", self.address_string(), format % args)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                parts.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return b"".join(parts)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self) -> None:
        sim = self.server.sim
        responder = Responder(self, sim.stopping)
        path = urlsplit(self.path).path
        try:
            raw = self._read_body()
        except ValueError:
            self.close_connection = True
            responder.error(400, "invalid request body")
            return
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            sim.dispatch(Request(self.command, path, headers, raw), responder)
        except BadRequest as exc:
            if responder.started:
                responder.abort()
            else:
                sim.bad_request(responder, exc)
        except ClientGone:
            responder.abort()
        except Exception as exc:  # a simulator bug must not look like a healthy stream
            log.exception("simulator: error handling %s %s", self.command, path)
            if responder.started:
                responder.abort()
            else:
                sim.bad_request(responder, BadRequest(str(exc), 500))

    do_GET = do_HEAD = do_POST = do_DELETE = do_PUT = do_PATCH = do_OPTIONS = _dispatch
