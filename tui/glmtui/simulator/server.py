"""The simulator's HTTP server: the public ``Simulator`` object, routing, and the small endpoints.

Stdlib only (``http.server`` with a thread per connection, HTTP/1.1 keep-alive) so that tests, benchmarks,
screenshots and ``glmtui --demo`` can run anywhere. Streaming endpoints live in ``generation`` and
``pulling``; this module owns the socket lifecycle, which is what makes ``stop()`` behave like a killed
server: the listening socket and every open connection are shut down at once, and the port is reusable.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import socketserver
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

from .catalogue import SPECS, ModelSpec, normalize_name
from .control import sim_config, sim_fault
from .faults import Fault, FaultQueue
from .generation import handle_inference
from .memory import version_tuple
from .models import ModelStore, expires_at_datetime
from .pulling import PROGRESS_INTERVAL, handle_pull
from .wire import BadRequest, ClientGone, Responder, parse_json_body, rfc3339

log = logging.getLogger("glmtui.simulator")
# A release that can serve every model the simulated registry lists, and that has the VRAM-tiered default
# context the simulator follows (v0.15.5, commit 0334ffa62).
OLLAMA_VERSION = max(["0.15.5", *(spec.min_ollama for spec in SPECS.values())], key=version_tuple)
MODELS_DIR = "/root/.ollama/models"

Route = Callable[["Simulator", Responder, bytes], None]


class Simulator:
    """An Ollama-compatible server on loopback, driven from tests or run as a process.

    ``rate`` (tokens/s), ``reply_tokens``, ``load_seconds``, ``pull_seconds``, ``pull_progress_s`` (the
    gap between pull progress lines) and ``version`` (what ``/api/version`` reports) are plain attributes
    that may be changed while it runs; ``requests`` records ``(method, path, json-or-None)`` for
    assertions. The server's environment — ``kv_cache_type`` (OLLAMA_KV_CACHE_TYPE), ``context_length``
    (OLLAMA_CONTEXT_LENGTH) and ``gpu_overhead`` (OLLAMA_GPU_OVERHEAD, bytes) — lives on ``store``.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        rate: float = 50.0,
        reply_tokens: int | None = None,
        load_seconds: float = 0.2,
        pull_seconds: float = 2.0,
        vram_bytes: int = 24 * 1024**3,
        kv_cache_type: str = "f16",
        context_length: int | None = None,
        gpu_overhead: int = 0,
        version: str = OLLAMA_VERSION,
    ) -> None:
        self.host = host
        self._port = port
        self.rate = float(rate)
        self.reply_tokens = reply_tokens
        self.load_seconds = float(load_seconds)
        self.pull_seconds = float(pull_seconds)
        self.pull_progress_s = PROGRESS_INTERVAL
        self.model_speeds = True  # each model streams at rate × its spec's speed; False: all at `rate`
        self.version = version
        self.store = ModelStore(vram_bytes, kv_cache_type, context_length, gpu_overhead)
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
        """Queue a fault for the next chat/generate/pull request (FIFO), or the next request to its path."""
        if fault.kind == "stall" and fault.path is not None:
            self.released.clear()
        self.faults.push(fault)

    def release(self) -> None:
        """End the stalls on /api/show and /api/tags now (tests wait on conditions, not on seconds)."""
        self.released.set()

    def record(self, method: str, path: str, body: Any) -> None:
        with self._requests_lock:
            self.requests.append((method, path, body))


class _HTTPServer(ThreadingHTTPServer):
    """Threaded HTTP server that knows its connections, so stop() can cut them."""

    daemon_threads = True
    allow_reuse_address = True  # SO_REUSEADDR: a restarted simulator can bind the same port at once
    block_on_close = False  # we join handler threads ourselves, with a timeout

    def __init__(self, address: tuple[str, int], sim: Simulator) -> None:
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
    """Parses one request at a time on a keep-alive connection and routes it."""

    protocol_version = "HTTP/1.1"
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        # Go disables Nagle too; without this, one-token chunks would wait for the client's delayed ACK.
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
        try:
            recorded = json.loads(raw) if raw.strip() else None
        except ValueError:
            recorded = None
        sim.record(self.command, path, recorded)
        route = ROUTES.get((self.command, path))
        try:
            if route is None:
                responder.text(404, "404 page not found", "text/plain")  # gin's default 404
            else:
                route(sim, responder, raw)
        except BadRequest as exc:
            if responder.started:
                responder.abort()
            else:
                responder.error(exc.status, exc.message)
        except ClientGone:
            responder.abort()
        except Exception as exc:  # a simulator bug must not look like a healthy stream
            log.exception("simulator: error handling %s %s", self.command, path)
            if responder.started:
                responder.abort()
            else:
                responder.error(500, str(exc))

    do_GET = do_HEAD = do_POST = do_DELETE = do_PUT = do_PATCH = do_OPTIONS = _dispatch


# ----- small endpoints ------------------------------------------------------------------------------
def _details(spec: ModelSpec) -> dict[str, Any]:
    return {
        "parent_model": "",
        "format": "gguf",
        "family": spec.arch,
        "families": [spec.arch],
        "parameter_size": spec.parameter_size,
        "quantization_level": spec.quantization,
    }


def _root(sim: Simulator, resp: Responder, raw: bytes) -> None:
    resp.text(200, "Ollama is running")


def _version(sim: Simulator, resp: Responder, raw: bytes) -> None:
    resp.json(200, {"version": sim.version})


def _endpoint_fault(sim: Simulator, resp: Responder, path: str, model: str | None = None) -> bool:
    """Apply a fault queued for this endpoint: True when it answered (an http500, as Ollama's
    `{"error": ...}`); a stall holds the answer back for its seconds or until `Simulator.release`."""
    fault = sim.faults.pop(model, path=path)
    if fault is None:
        return False
    if fault.kind == "http500":
        resp.error(500, fault.message)
        return True
    deadline = time.monotonic() + fault.seconds
    while not sim.released.wait(0.02) and time.monotonic() < deadline:
        if sim.stopping.is_set() or resp.client_gone():
            raise ClientGone("stalled request abandoned")
    return False


def _tags(sim: Simulator, resp: Responder, raw: bytes) -> None:
    if _endpoint_fault(sim, resp, "/api/tags"):
        return
    resp.json(
        200,
        {
            "models": [
                {
                    "name": m.name,
                    "model": m.name,
                    "modified_at": rfc3339(m.modified_at),
                    "size": m.spec.size,
                    "digest": m.spec.digest,
                    "details": _details(m.spec),
                }
                for m in sim.store.installed()
            ]
        },
    )


def _ps(sim: Simulator, resp: Responder, raw: bytes) -> None:
    models = []
    for entry in sim.store.loaded():
        models.append(
            {
                "name": entry.name,
                "model": entry.name,
                "size": entry.size,
                "digest": entry.spec.digest,
                "details": _details(entry.spec),
                "expires_at": rfc3339(expires_at_datetime(entry.expires_at)),
                "size_vram": entry.size_vram,
                "context_length": entry.context_length,
            }
        )
    resp.json(200, {"models": models})


def _show(sim: Simulator, resp: Responder, raw: bytes) -> None:
    body = parse_json_body(raw)
    name = body.get("model") or body.get("name") or ""
    if not isinstance(name, str) or not name:
        raise BadRequest("model is required")
    display = normalize_name(name)
    if display is None:
        raise BadRequest("invalid model name")
    model = sim.store.find(name)
    if model is None:
        raise BadRequest(f"model '{display}' not found", 404)
    if _endpoint_fault(sim, resp, "/api/show", name):
        return
    spec = model.spec
    parameters = "\n".join(f"{k:<30} {v}" for k, v in spec.parameters)
    modelfile = (
        '# Modelfile generated by "ollama show"\n'
        "# To build a new Modelfile based on this one, replace the FROM line with:\n"
        f"# FROM {model.name}\n\n"
        f"FROM {MODELS_DIR}/blobs/sha256-{spec.layers[0].digest[7:]}\n"
        f'TEMPLATE """{spec.template}"""\n'
        + "".join(f"PARAMETER {k} {v}\n" for k, v in spec.parameters)
        + f'LICENSE """{spec.license}"""\n'
    )
    resp.json(
        200,
        {
            "license": spec.license,
            "modelfile": modelfile,
            "parameters": parameters,
            "template": spec.template,
            "details": _details(spec),
            "model_info": spec.model_info(verbose=body.get("verbose") is True),
            "capabilities": list(spec.capabilities),
            "modified_at": rfc3339(model.modified_at),
        },
    )


def _delete(sim: Simulator, resp: Responder, raw: bytes) -> None:
    body = parse_json_body(raw)
    name = body.get("model") or body.get("name") or ""
    if not isinstance(name, str) or not name.strip():
        raise BadRequest("model is required")
    if normalize_name(name) is None:
        raise BadRequest(f"name {json.dumps(name)} is invalid")
    if not sim.store.delete(name):
        raise BadRequest(f"model '{name}' not found", 404)
    resp.empty(200)


def _copy(sim: Simulator, resp: Responder, raw: bytes) -> None:
    body = parse_json_body(raw)
    source, destination = body.get("source") or "", body.get("destination") or ""
    for label, value in (("source", source), ("destination", destination)):
        if not isinstance(value, str) or normalize_name(value) is None:
            raise BadRequest(f"{label} {json.dumps(value)} is invalid")
    if not sim.store.copy(source, destination):
        raise BadRequest(f"model {json.dumps(source)} not found", 404)
    resp.empty(200)


ROUTES: dict[tuple[str, str], Route] = {
    ("GET", "/"): _root,
    ("HEAD", "/"): _root,
    ("GET", "/api/version"): _version,
    ("HEAD", "/api/version"): _version,
    ("GET", "/api/tags"): _tags,
    ("HEAD", "/api/tags"): _tags,
    ("GET", "/api/ps"): _ps,
    ("POST", "/api/show"): _show,
    ("POST", "/api/chat"): lambda sim, resp, raw: handle_inference(sim, resp, parse_json_body(raw), "chat"),
    ("POST", "/api/generate"): lambda sim, resp, raw: handle_inference(
        sim, resp, parse_json_body(raw), "generate"
    ),
    ("POST", "/api/pull"): lambda sim, resp, raw: handle_pull(sim, resp, parse_json_body(raw)),
    ("DELETE", "/api/delete"): _delete,
    ("POST", "/api/copy"): _copy,
    ("POST", "/_sim/fault"): sim_fault,
    ("POST", "/_sim/config"): sim_config,
}
