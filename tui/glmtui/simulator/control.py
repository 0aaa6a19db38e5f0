"""The simulator's own control endpoints: ``/_sim/fault`` queues a fault, ``/_sim/config`` changes settings.

Settings are the simulator's attributes (rate, version), its speed model (``pace``: prefill rate and
cap, decode slowdown, jitter; shared with the OpenAI-compatible simulator) and the simulated server's
environment, which lives on its store because every load is sized with it (OLLAMA_KV_CACHE_TYPE,
OLLAMA_CONTEXT_LENGTH, OLLAMA_GPU_OVERHEAD, the VRAM).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .faults import Fault
from .memory import KV_CACHE_TYPES
from .pacing import Pace
from .wire import BadRequest, Responder, parse_json_body

if TYPE_CHECKING:
    from .server import Simulator


def sim_fault(sim: Simulator, resp: Responder, raw: bytes) -> None:
    try:
        sim.inject(Fault.from_json(parse_json_body(raw)))
    except (TypeError, ValueError) as exc:
        raise BadRequest(str(exc)) from None
    resp.json(200, {})


_CONFIG_FIELDS: dict[str, Callable[[Any], Any]] = {
    "rate": float,
    "load_seconds": float,
    "pull_seconds": float,
    "pull_progress_s": float,
    "reply_tokens": lambda v: None if v is None else int(v),
    "model_speeds": bool,
    "version": str,
}


def _kv_cache_type(value: Any) -> str:
    if value not in KV_CACHE_TYPES:
        raise ValueError(f"kv_cache_type must be one of {', '.join(KV_CACHE_TYPES)}")
    return str(value)


# The simulated server's environment, kept on its store (which sizes every load with it).
_STORE_FIELDS: dict[str, Callable[[Any], Any]] = {
    "kv_cache_type": _kv_cache_type,
    "context_length": lambda v: None if v is None else int(v),
    "gpu_overhead": int,
    "vram_bytes": int,
}


def _optional(cast: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda v: None if v is None else cast(v)


# The speed model, kept on ``sim.pace`` (null turns the cap and the slowdown off).
PACE_FIELDS: dict[str, Callable[[Any], Any]] = {
    "prompt_rate": float,
    "prompt_cap_s": _optional(float),
    "decode_half_ctx": _optional(int),
    "jitter": float,
    "jitter_seed": int,
}


def apply_config(target: Any, fields: dict[str, Callable[[Any], Any]], raw: bytes) -> None:
    """Validate a ``/_sim/config`` body against ``fields`` and set every value, or none (BadRequest).

    Pace fields go to ``target.pace``, store fields to ``target.store``, the rest to ``target``; the
    pace's own checks (a jitter of 1 or more, a negative cap) run before anything is set."""
    body = parse_json_body(raw)
    unknown = set(body) - set(fields)
    if unknown:
        raise BadRequest(f"unknown config field(s): {', '.join(sorted(unknown))}")
    try:
        values = {key: fields[key](value) for key, value in body.items()}
        pace = {key: value for key, value in values.items() if key in PACE_FIELDS}
        Pace(**(target.pace.knobs() | pace))  # a scratch copy: its setters validate
    except (TypeError, ValueError) as exc:
        raise BadRequest(str(exc)) from None
    for key, value in values.items():
        owner = target.pace if key in PACE_FIELDS else target.store if key in _STORE_FIELDS else target
        setattr(owner, key, value)


def sim_config(sim: Simulator, resp: Responder, raw: bytes) -> None:
    apply_config(sim, _CONFIG_FIELDS | _STORE_FIELDS | PACE_FIELDS, raw)
    resp.json(200, {})
