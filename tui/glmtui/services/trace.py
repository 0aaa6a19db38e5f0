"""Opt-in event trace for benchmarks: JSON lines of key moments, when `start(path)` was called.

`glmtui` calls `start` with the GLMTUI_TRACE environment variable (services never read the
environment themselves). Off by default and then costs one attribute check. Only a handful of
events per reply are written (never per token), so tracing does not disturb what is measured.
"""

from __future__ import annotations

import json
import time
from typing import Any

_PATH: str | None = None


def start(path: str | None) -> None:
    """Trace to this file from now on (None or "": stay off)."""
    global _PATH
    if path and _PATH is None:
        _PATH = path
        _watch_gc()


def enabled() -> bool:
    """Whether events are being written."""
    return _PATH is not None


def trace(event: str, **fields: Any) -> None:
    """Append one event with a CLOCK_MONOTONIC timestamp (comparable across processes on Linux)."""
    if _PATH is None:
        return
    record = {"event": event, "t": time.monotonic(), **fields}
    with open(_PATH, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(record) + "\n")


def _watch_gc() -> None:
    """Record garbage-collector pauses over 10 ms: they stall the event loop like any blocking call."""
    import gc

    started: dict[str, float] = {}

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started["t"] = time.monotonic()
        elif "t" in started:
            pause = time.monotonic() - started.pop("t")
            if pause > 0.01:
                trace("gc_pause", ms=round(pause * 1000, 1), generation=info.get("generation"))

    gc.callbacks.append(callback)
