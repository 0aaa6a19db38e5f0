"""The simulator's own control endpoints: ``/_sim/fault`` queues a fault, ``/_sim/config`` changes settings.

Settings are the simulator's attributes (pace, version) and the simulated server's environment, which
lives on its store because every load is sized with it (OLLAMA_KV_CACHE_TYPE, OLLAMA_CONTEXT_LENGTH,
OLLAMA_GPU_OVERHEAD, the VRAM).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .faults import Fault
from .memory import KV_CACHE_TYPES
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


def sim_config(sim: Simulator, resp: Responder, raw: bytes) -> None:
    body = parse_json_body(raw)
    fields = _CONFIG_FIELDS | _STORE_FIELDS
    unknown = set(body) - set(fields)
    if unknown:
        raise BadRequest(f"unknown config field(s): {', '.join(sorted(unknown))}")
    try:
        values = {key: fields[key](value) for key, value in body.items()}
    except (TypeError, ValueError) as exc:
        raise BadRequest(str(exc)) from None
    for key, value in values.items():
        setattr(sim.store if key in _STORE_FIELDS else sim, key, value)
    resp.json(200, {})
