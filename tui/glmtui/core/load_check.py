"""The estimate against reality: what a model was estimated to need, and what `/api/ps` says it took.

When Ollama loads a model, `/api/ps` reports its `size` (weights + cache + graph, all devices),
`size_vram` and `context_length`. Estimating the same model at that context and comparing gives a
ratio, kept per model digest; later estimates for that model are multiplied by it ("corrected
estimate") so a model whose real footprint the rules miss by a few percent is still judged right.

A ratio far from 1 means the rules do not describe this model (a new architecture, an engine
change): it is shown, but not used to correct anything (`USABLE_RATIOS`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from glmtui.core.fit import need_for
from glmtui.core.kv import KvShape
from glmtui.core.server_settings import ServerSettings
from glmtui.core.state import LoadedModel, ModelDetails
from glmtui.core.units import gib

USABLE_RATIOS = (0.5, 2.0)  # outside: the estimate is not this model's at all; do not scale by it


def trusted(ratio: float) -> bool:
    """A ratio fit to correct estimates with: finite and within USABLE_RATIOS."""
    return math.isfinite(ratio) and USABLE_RATIOS[0] <= ratio <= USABLE_RATIOS[1]


@dataclass(frozen=True, slots=True)
class LoadCheck:
    """One loaded model's estimate beside its measured size."""

    model: str
    digest: str
    context: int
    estimated: int  # bytes, the uncorrected estimate at the loaded context
    measured: int  # bytes, `/api/ps` size
    size_vram: int

    @property
    def ratio(self) -> float:
        return self.measured / self.estimated if self.estimated else 1.0

    @property
    def usable(self) -> bool:
        return self.estimated > 0 and trusted(self.ratio)

    def error_percent(self) -> float:
        """How far the estimate was from the measured size, in % of the measured size."""
        return abs(self.estimated - self.measured) / self.measured * 100 if self.measured else 0.0

    def text(self) -> str:
        """'estimated 19.9 GiB · loaded 19.7 GiB'."""
        return f"estimated {gib(self.estimated)} GiB · loaded {gib(self.measured)} GiB"


@dataclass(frozen=True, slots=True)
class Correction:
    """A stored ratio for one model digest, and the load it came from."""

    digest: str
    model: str
    ratio: float
    context: int
    measured: int
    measured_at: float  # epoch seconds

    def describe(self) -> str:
        return (
            f"corrected ×{self.ratio:.3f} by the last load ({gib(self.measured)} GiB at {self.context:,} ctx)"
        )


def check_load(
    loaded: LoadedModel,
    weights: int,
    details: ModelDetails | None,
    settings: ServerSettings | None = None,
    fallback: KvShape | None = None,
) -> LoadCheck | None:
    """The check for one `/api/ps` entry; None when it lacks what a comparison needs (no context
    length from an older server, no size, no digest, or nothing known of the model's shape). The
    fallback shape (the catalogue's) stands in where `/api/show` hides the model's own."""
    if not loaded.context_length or loaded.size <= 0 or not loaded.digest or weights <= 0:
        return None
    info = details.model_info if details else None
    if not info:
        return None
    # Counted at exactly the loaded context: the model's cap already applied server-side.
    need = need_for(weights, info, fallback, loaded.context_length, None, settings)
    if need.kv is None:
        return None
    return LoadCheck(
        loaded.name, loaded.digest, loaded.context_length, need.total, loaded.size, loaded.size_vram
    )


def correction_for(check: LoadCheck, when: float) -> Correction | None:
    """The correction a check gives, when its ratio is one to trust."""
    if not check.usable:
        return None
    return Correction(check.digest, check.model, check.ratio, check.context, check.measured, when)
