"""The compare screen's run mode: both sides at once, or A then B, and why.

Where the two sides run decides first (`placement_mode`): two servers on different machines share no
GPU, so they run at once; a machine whose GPUs are not seen from here cannot be fitted, so one at a
time. Two sides on this machine (one server, or two) are fitted to its VRAM (`choose_mode`), as
before endpoints. Pure functions: the reasons are the screen's title text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from glmtui.core.hosts import is_local, same_machine
from glmtui.core.units import gib

RunMode = Literal["parallel", "sequential"]


@dataclass(frozen=True, slots=True)
class Place:
    """Where one side runs: its endpoint's name and URL."""

    endpoint: str
    url: str


def placement_mode(a: Place, b: Place, same_model: bool) -> tuple[RunMode, str] | None:
    """The run mode where the sides' places decide it; None where this machine's VRAM does (both on
    this machine). Different machines: at once (neither can evict or slow the other). One machine
    that is not this one: its GPUs are not seen, so nothing can be fitted; one at a time, unless both
    sides are one model on one server (nothing to evict)."""
    if a.endpoint != b.endpoint and not same_machine(a.url, b.url):
        return "parallel", f"different servers: both at once ({a.endpoint} and {b.endpoint} share no GPU)"
    if is_local(a.url):
        return None
    where = a.endpoint if a.endpoint == b.endpoint else f"{a.endpoint} and {b.endpoint}"
    if a.endpoint == b.endpoint and same_model:
        return "parallel", f"one model serves both ({where}: its GPUs are not visible from here)"
    return "sequential", f"{where}: GPUs not visible from here, one at a time so neither evicts the other"


def choose_mode(
    need_a: int | None, need_b: int | None, same: bool, vram_total: int | None
) -> tuple[RunMode, str]:
    """Parallel when both models fit in VRAM together (or are one model), else one after the other.
    The needs are estimates (core/fit.py), and the reason says so."""
    if not vram_total:
        return "sequential", "no GPU information: one at a time, so neither slows the other"
    if need_a is None or need_b is None:
        return "sequential", "a model's size is unknown: one at a time, so neither evicts the other"
    total = gib(vram_total, digits=0)
    if same:
        if need_a <= vram_total:
            return "parallel", f"one model serves both (est. {gib(need_a)} of {total} GiB)"
        return "sequential", f"it needs est. {gib(need_a)} of {total} GiB: one reply at a time"
    if need_a + need_b <= vram_total:
        # Smaller first, whichever side it is on: in a blind run the order must not tell them apart.
        small, large = sorted((need_a, need_b))
        return "parallel", f"both fit together (est. {gib(small)} + {gib(large)} of {total} GiB)"
    return "sequential", (
        f"together they need est. {gib(need_a + need_b)} of {total} GiB: one at a time so neither evicts"
        " the other"
    )
