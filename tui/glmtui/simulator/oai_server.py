"""An OpenAI-compatible engine on loopback, as vLLM or SGLang serve GLM-4.7-Flash (``OpenAISimulator``).

Endpoints, per flavour (sources in ``oai_wire`` and ``engine_metrics``):

- both: ``GET /v1/models``, ``POST /v1/chat/completions`` (SSE or JSON), ``GET /health`` (200 with an
  empty body when ready, 503 while loading), ``GET /metrics`` (Prometheus text);
- vLLM: ``GET /version`` → ``{"version": …}`` and ``GET /ping`` (``vllm/entrypoints/openai/api_server.py``);
- SGLang: ``GET /model_info`` (and the deprecated ``/get_model_info``), ``GET /get_server_info`` (and
  ``/server_info``), ``GET /v1/models/{id}``;
  ``/metrics`` only with ``--enable-metrics`` (``metrics=False`` answers 404 as SGLang does)
  (``python/sglang/srt/entrypoints/http_server.py``);
- each flavour answers the other's endpoints with FastAPI's ``404 {"detail": "Not Found"}``;
- the simulator's own: ``POST /_sim/fault``, ``/_sim/config``, ``/_sim/restart`` (counters back to zero).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Literal

from . import oai_wire as w
from .control import PACE_FIELDS, apply_config, sim_fault
from .engine_metrics import EngineMetrics
from .httpbase import Request, ServerBase
from .oai_chat import handle_chat
from .pacing import DEFAULT_PROMPT_CAP_S, DEFAULT_PROMPT_RATE, Pace
from .prompt_cache import PrefixIndex
from .promtext import CONTENT_TYPE
from .wire import BadRequest, Responder

Flavour = Literal["vllm", "sglang"]
# Recent releases, each from the engine's own history: vLLM v0.17.1 sends `reasoning` only (PR #33402
# landed in v0.16.0) and nested errors; SGLang v0.5.9 with --reasoning-parser glm45.
VLLM_VERSION = "0.17.1"
SGLANG_VERSION = "0.5.9"
SERVED_NAME = "glm-4.7-flash"  # the model card's --served-model-name
MODEL_PATH = "zai-org/GLM-4.7-Flash"
MAX_MODEL_LEN = 202752  # GLM-4.7-Flash's max_position_embeddings
ORoute = Callable[["OpenAISimulator", Responder, Request], None]


class OpenAISimulator(ServerBase):
    """A vLLM- or SGLang-flavoured OpenAI-compatible server; attributes may be changed while it runs.

    ``rate`` (tokens/s), ``reply_tokens``, ``api_key`` (None: no auth), ``version``, ``max_model_len``,
    ``metrics`` (SGLang's ``--enable-metrics``), ``max_running`` (the batch size; more requests queue),
    ``loading`` (True until ``loading_seconds`` have passed since start; settable). ``spec_decode``
    simulates MTP speculative decoding (its acceptance shows in ``/metrics``).

    ``pace`` is the speed model shared with the Ollama simulator (module ``pacing``; the constructor takes
    ``prompt_rate``, ``prompt_cap_s``, ``decode_half_ctx``, ``jitter``, ``jitter_seed``): prefill runs
    before the first chunk, so a client-timed TTFT grows with the uncached part of the prompt. The prefix
    cache (``prefix_cache``) is on, as it is by default in both engines; ``cache_report`` is the server
    flag that makes the engine tell clients about hits: vLLM's ``--enable-prompt-tokens-details``,
    SGLang's ``--enable-cache-report`` (off by default in both).
    """

    def __init__(
        self,
        flavour: Flavour = "vllm",
        host: str = "127.0.0.1",
        port: int = 0,
        rate: float = 50.0,
        api_key: str | None = None,
        models: Sequence[str] = (SERVED_NAME,),
        version: str | None = None,
        metrics: bool = True,
        spec_decode: bool = False,
        loading_seconds: float = 0.0,
        max_model_len: int = MAX_MODEL_LEN,
        reply_tokens: int | None = None,
        max_running: int = 256,
        prompt_rate: float = DEFAULT_PROMPT_RATE,
        prompt_cap_s: float | None = DEFAULT_PROMPT_CAP_S,
        decode_half_ctx: int | None = None,
        jitter: float = 0.0,
        jitter_seed: int = 0,
        cache_report: bool = False,
    ) -> None:
        if flavour not in ("vllm", "sglang"):
            raise ValueError(f"unknown flavour {flavour!r} (expected vllm or sglang)")
        super().__init__(host, port)
        self.flavour: Flavour = flavour
        self.rate, self.reply_tokens, self.api_key = float(rate), reply_tokens, api_key
        self.models = list(models)
        # Served models that take images (image_url parts); the others refuse them as vLLM does a
        # text-only model (module ``images``). Empty by default: the served GLM-4.7-Flash reads text only.
        self.vision_models: set[str] = set()
        # An SGLang from before `/model_info` and `has_image_understanding` (0.4.x): only the deprecated
        # `/get_model_info`, without the key, so whether its model sees is not said.
        self.legacy_model_info = False
        self.model_path = MODEL_PATH
        self.version = version or (VLLM_VERSION if flavour == "vllm" else SGLANG_VERSION)
        self.metrics_enabled = metrics
        self.max_model_len, self.max_running = max_model_len, max_running
        self.loading_seconds = float(loading_seconds)
        self._ready_at = 0.0
        self.created = time.time()
        # MTP with one speculative token (the model card's vLLM line); SGLang's EAGLE line drafts 3.
        spec_tokens = (1 if flavour == "vllm" else 3) if spec_decode else 0
        self.metrics = EngineMetrics(flavour, self.version, spec_tokens)
        self.metrics.register_model(self.models[0])
        self.sched = threading.Condition()
        self.admitted = 0  # requests holding a batch slot but still in prefill
        self.pace = Pace(prompt_rate, prompt_cap_s, decode_half_ctx, jitter, jitter_seed)
        self.cache_report = cache_report
        # vLLM matches whole 16-token KV blocks; SGLang's radix cache single tokens (page size 1).
        self.prefix_cache = PrefixIndex(16 if flavour == "vllm" else 1)

    def started(self) -> None:
        self._ready_at = time.monotonic() + self.loading_seconds

    @property
    def loading(self) -> bool:
        return time.monotonic() < self._ready_at

    @loading.setter
    def loading(self, value: bool) -> None:
        self._ready_at = float("inf") if value else 0.0

    def restart_metrics(self) -> None:
        """An engine restart as a scraper sees it: every counter and histogram back at zero."""
        self.metrics.reset()
        self.metrics.register_model(self.models[0])
        self.prefix_cache.clear()

    # ----- dispatch ----------------------------------------------------------------------------------
    def dispatch(self, request: Request, resp: Responder) -> None:
        self.record(request.method, request.path, request.json())
        path = request.path
        if not path.startswith("/_sim/") and not self._authorised(request):
            w.send_json(resp, 401, {"error": "Unauthorized"})
            return
        route = ROUTES.get((request.method, path)) or FLAVOURED[self.flavour].get((request.method, path))
        sglang_get = self.flavour == "sglang" and request.method == "GET"
        if route is None and sglang_get and path.startswith("/v1/models/"):
            route = _retrieve_model
        if route is None:
            w.not_found(resp)
            return
        route(self, resp, request)

    def bad_request(self, resp: Responder, exc: BadRequest) -> None:
        kind = "BadRequestError" if exc.status == 400 else "InternalServerError"
        w.send_error(self, resp, exc.status, exc.message, kind)

    def _authorised(self, request: Request) -> bool:
        if self.api_key is None:
            return True
        if self.flavour == "vllm":
            if not request.path.startswith("/v1"):
                return True
            scheme, _, token = request.headers.get("authorization", "").partition(" ")
            return scheme.lower() == "bearer" and token == self.api_key
        if request.path.startswith(("/health", "/metrics")):
            return True
        return request.headers.get("authorization") == f"Bearer {self.api_key}"


# ----- endpoints ------------------------------------------------------------------------------------
def _models(sim: OpenAISimulator, resp: Responder, request: Request) -> None:
    w.send_json(resp, 200, {"object": "list", "data": [w.model_card(sim, name) for name in sim.models]})


def _retrieve_model(sim: OpenAISimulator, resp: Responder, request: Request) -> None:
    name = request.path.removeprefix("/v1/models/")
    if name not in sim.models:
        error = {"message": f"The model '{name}' does not exist", "type": "invalid_request_error"}
        w.send_json(resp, 404, {"error": error | {"param": "model", "code": "model_not_found"}})
        return
    w.send_json(resp, 200, w.model_card(sim, name))


def _health(sim: OpenAISimulator, resp: Responder, request: Request) -> None:
    resp.body(503 if sim.loading else 200, None, b"", w.SERVER)


def _metrics(sim: OpenAISimulator, resp: Responder, request: Request) -> None:
    if sim.flavour == "sglang" and not sim.metrics_enabled:
        w.not_found(resp)
        return
    resp.body(200, CONTENT_TYPE, sim.metrics.render(sim.models).encode(), w.SERVER)


def _version(sim: OpenAISimulator, resp: Responder, request: Request) -> None:
    w.send_json(resp, 200, {"version": sim.version})


def _model_info(sim: OpenAISimulator, resp: Responder, request: Request) -> None:
    """SGLang's ``/model_info`` (``/get_model_info``, deprecated, answers the same): the keys its docs'
    "Query and modify server" test asserts; ``has_image_understanding`` is the served model's."""
    info = {"model_path": sim.model_path, "tokenizer_path": sim.model_path, "is_generation": True}
    if sim.legacy_model_info:
        if request.path == "/model_info":
            w.not_found(resp)
        else:
            w.send_json(resp, 200, info | {"preferred_sampling_params": None})
        return
    info |= {"preferred_sampling_params": None, "weight_version": "default"}
    info |= {"has_image_understanding": sim.models[0] in sim.vision_models, "has_audio_understanding": False}
    # GLM-4.7-Flash's config.json: model_type glm4_moe_lite, architectures [Glm4MoeLiteForCausalLM].
    info |= {"model_type": "glm4_moe_lite", "architectures": ["Glm4MoeLiteForCausalLM"]}
    w.send_json(resp, 200, info)


def _server_info(sim: OpenAISimulator, resp: Responder, request: Request) -> None:
    metrics = sim.metrics
    spec = metrics.spec_tokens > 0
    args = {
        "model_path": sim.model_path,
        "tokenizer_path": sim.model_path,
        "served_model_name": sim.models[0],
        "host": sim.host,
        "port": sim.port,
        "tp_size": 4,
        "context_length": sim.max_model_len,
        "reasoning_parser": "glm45",
        "tool_call_parser": "glm47",
        "enable_metrics": sim.metrics_enabled,
        "api_key": sim.api_key,  # SGLang dumps its server_args whole, the key included
        "speculative_algorithm": "EAGLE" if spec else None,
        "speculative_num_draft_tokens": metrics.spec_tokens + 1 if spec else None,
        "max_running_requests": sim.max_running,
    }
    with metrics.lock:
        accept = 1 + metrics.accepted / metrics.drafts if metrics.drafts else None
    state = {"avg_spec_accept_length": accept, "last_gen_throughput": 0.0}
    scheduler = {"max_total_num_tokens": metrics.kv_tokens, "max_req_input_len": sim.max_model_len - 5}
    w.send_json(resp, 200, args | scheduler | {"internal_states": [state], "version": sim.version})


def _sim_fault(sim: OpenAISimulator, resp: Responder, request: Request) -> None:
    sim_fault(sim, resp, request.raw)  # type: ignore[arg-type]  # only reads .inject


_CONFIG: dict[str, Callable[[Any], Any]] = {
    "rate": float,
    "reply_tokens": lambda v: None if v is None else int(v),
    "api_key": lambda v: None if v is None else str(v),
    "version": str,
    "max_model_len": int,
    "max_running": int,
    "metrics_enabled": bool,
    "loading": bool,
    "cache_report": bool,
}


def _sim_config(sim: OpenAISimulator, resp: Responder, request: Request) -> None:
    apply_config(sim, _CONFIG | PACE_FIELDS, request.raw)
    resp.json(200, {})


def _sim_restart(sim: OpenAISimulator, resp: Responder, request: Request) -> None:
    sim.restart_metrics()
    resp.json(200, {})


ROUTES: dict[tuple[str, str], ORoute] = {
    ("GET", "/v1/models"): _models,
    ("POST", "/v1/chat/completions"): lambda sim, resp, request: handle_chat(sim, resp, request.raw),
    ("GET", "/health"): _health,
    ("GET", "/metrics"): _metrics,
    ("POST", "/_sim/fault"): _sim_fault,
    ("POST", "/_sim/config"): _sim_config,
    ("POST", "/_sim/restart"): _sim_restart,
}
FLAVOURED: dict[str, dict[tuple[str, str], ORoute]] = {
    "vllm": {
        ("GET", "/version"): _version,
        ("GET", "/ping"): _health,
        ("POST", "/ping"): _health,
    },
    "sglang": {
        ("GET", "/model_info"): _model_info,
        ("GET", "/get_model_info"): _model_info,
        ("GET", "/get_server_info"): _server_info,
        ("GET", "/server_info"): _server_info,
        ("GET", "/health_generate"): _health,
        ("GET", "/ping"): _health,
    },
}
