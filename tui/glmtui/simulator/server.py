"""The Ollama simulator: the public ``Simulator`` object, its routing, and the small endpoints.

The socket lifecycle (start, a killed-server stop, connection tracking) lives in ``httpbase`` and is
shared with the OpenAI-compatible simulator; streaming endpoints live in ``generation`` and ``pulling``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from .catalogue import SPECS, ModelSpec, normalize_name
from .control import sim_config, sim_fault
from .generation import Prefill, handle_inference
from .httpbase import Request, ServerBase
from .memory import version_tuple
from .models import ModelStore, expires_at_datetime
from .pacing import DEFAULT_PROMPT_CAP_S, DEFAULT_PROMPT_RATE, Pace
from .pulling import PROGRESS_INTERVAL, handle_pull
from .wire import BadRequest, ClientGone, Responder, parse_json_body, rfc3339

# A release that can serve every model the simulated registry lists, and that has the VRAM-tiered default
# context the simulator follows (v0.15.5, commit 0334ffa62).
OLLAMA_VERSION = max(["0.15.5", *(spec.min_ollama for spec in SPECS.values())], key=version_tuple)
MODELS_DIR = "/root/.ollama/models"

Route = Callable[["Simulator", Responder, bytes], None]


class Simulator(ServerBase):
    """An Ollama-compatible server on loopback, driven from tests or run as a process.

    ``rate`` (tokens/s), ``reply_tokens``, ``load_seconds``, ``pull_seconds``, ``pull_progress_s`` (the
    gap between pull progress lines) and ``version`` (what ``/api/version`` reports) are plain attributes
    that may be changed while it runs; ``requests`` records ``(method, path, json-or-None)`` for
    assertions. The server's environment — ``kv_cache_type`` (OLLAMA_KV_CACHE_TYPE), ``context_length``
    (OLLAMA_CONTEXT_LENGTH) and ``gpu_overhead`` (OLLAMA_GPU_OVERHEAD, bytes) — lives on ``store``.

    ``pace`` holds the rest of the speed model (module ``pacing``): ``prompt_rate`` (prefill tokens/s at
    speed 1.0, default 5000), ``prompt_cap_s`` (prefill's ceiling in seconds, default 0.5; None: none),
    ``decode_half_ctx`` (the context at which decode runs at half speed; None: no slowdown, the default),
    ``jitter`` (relative spread of each request's rates, default 0) and ``jitter_seed`` (default 0); the
    constructor takes them by those names. Each loaded model keeps a prompt cache (``prompt_cache``);
    ``prefills`` records, per generating request, the prompt's tokens and how many were cached.
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
        prompt_rate: float = DEFAULT_PROMPT_RATE,
        prompt_cap_s: float | None = DEFAULT_PROMPT_CAP_S,
        decode_half_ctx: int | None = None,
        jitter: float = 0.0,
        jitter_seed: int = 0,
    ) -> None:
        super().__init__(host, port)
        self.pace = Pace(prompt_rate, prompt_cap_s, decode_half_ctx, jitter, jitter_seed)
        self.prefills: list[Prefill] = []
        self.rate = float(rate)
        self.reply_tokens = reply_tokens
        self.load_seconds = float(load_seconds)
        self.pull_seconds = float(pull_seconds)
        self.pull_progress_s = PROGRESS_INTERVAL
        self.model_speeds = True  # each model streams at rate × its spec's speed; False: all at `rate`
        self.version = version
        self.store = ModelStore(vram_bytes, kv_cache_type, context_length, gpu_overhead)

    def dispatch(self, request: Request, resp: Responder) -> None:
        self.record(request.method, request.path, request.json())
        route = ROUTES.get((request.method, request.path))
        if route is None:
            resp.text(404, "404 page not found", "text/plain")  # gin's default 404
        else:
            route(self, resp, request.raw)


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
    shown: dict[str, Any] = {
        "license": spec.license,
        "modelfile": modelfile,
        "parameters": parameters,
        "template": spec.template,
    }
    if spec.renderer:  # api.ShowResponse `renderer,omitempty`, after the template as Go orders it
        shown["renderer"] = spec.renderer
    resp.json(
        200,
        shown
        | {
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
