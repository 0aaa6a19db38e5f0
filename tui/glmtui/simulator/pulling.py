"""``/api/pull``: Ollama's progress sequence, with real elapsed time and resumable partial downloads.

Sequence, as ``server/images.go`` emits it: ``pulling manifest``; per layer ``pulling <12 hex>`` lines with
digest/total/completed (``completed`` omitted while zero, like Go's omitempty); ``verifying sha256
digest``; ``writing manifest``; ``success``. Layers already on disk report completed == total at once, and
bytes of an interrupted pull are kept so the next pull resumes from them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .catalogue import Layer, normalize_name, registry_lookup
from .faults import Output, StreamEnded
from .wire import BadRequest, Responder, go_json

if TYPE_CHECKING:
    from .server import Simulator

PROGRESS_INTERVAL = 0.05  # default: ~20 progress lines per second per layer (Simulator.pull_progress_s)
MANIFEST_ERROR = "pull model manifest: file does not exist"


def _progress(layer: Layer, completed: int) -> dict[str, Any]:
    line: dict[str, Any] = {
        "status": f"pulling {layer.digest[7:19]}",
        "digest": layer.digest,
        "total": layer.size,
    }
    if completed:
        line["completed"] = completed
    return line


def handle_pull(sim: Simulator, resp: Responder, body: dict[str, Any]) -> None:
    """Serve one pull request; in-band errors once streaming, like Ollama."""
    raw_name = body.get("model") or body.get("name") or ""
    stream = body.get("stream")
    streaming = stream is None or stream is True
    if not isinstance(raw_name, str) or normalize_name(raw_name) is None:
        raise BadRequest("invalid model name")
    fault = sim.faults.pop(raw_name)
    if fault is not None and fault.kind == "http500":
        resp.error(500, fault.message)
        return
    out = Output(resp, streaming, fault)
    last: dict[str, Any] = {}

    def emit(line: dict[str, Any]) -> None:
        nonlocal last
        last = line
        out.line(line)

    try:
        emit({"status": "pulling manifest"})
        found = registry_lookup(raw_name)
        if found is None:
            _fail(resp, out, MANIFEST_ERROR)
            return
        name, spec = found
        # Throughput is set so that a whole (fresh) pull takes about pull_seconds; resumed pulls are
        # correspondingly shorter.
        for layer in spec.layers:
            _pull_layer(sim, resp, out, layer, spec.size, emit)
        emit({"status": "verifying sha256 digest"})
        emit({"status": "writing manifest"})
        sim.store.install(name, spec)
        emit({"status": "success"})
        if streaming:
            out.end()
        else:
            # waitForStream answers with the last progress object and a bare application/json type.
            resp.body(200, "application/json", go_json(last))
    except StreamEnded:
        pass


def _pull_layer(
    sim: Simulator,
    resp: Responder,
    out: Output,
    layer: Layer,
    model_size: int,
    emit: Callable[[dict[str, Any]], None],
) -> None:
    complete, done = sim.store.blob_progress(layer.digest)
    if complete:
        emit(_progress(layer, layer.size))
        return
    emit(_progress(layer, done))
    last = time.monotonic()
    while done < layer.size:
        rate = model_size / max(sim.pull_seconds, 1e-3)  # bytes per second
        resp.wait(min(sim.pull_progress_s, (layer.size - done) / rate))
        now = time.monotonic()
        # Bytes "arrive" with real elapsed time and are recorded before the line is sent, so a drop
        # after this line still keeps them for the next pull to resume from.
        done = sim.store.add_blob_bytes(layer.digest, layer.size, max(1, int(rate * (now - last))))
        last = now
        emit(_progress(layer, done))
        if out.resumed:  # a stall fault paused the transfer too: don't credit the pause as bytes
            out.resumed, last = False, time.monotonic()


def _fail(resp: Responder, out: Output, message: str) -> None:
    if out.streaming:
        out.line({"error": message})
        out.end()
    else:
        resp.error(500, message)
