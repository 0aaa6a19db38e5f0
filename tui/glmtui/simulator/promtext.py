"""A tiny Prometheus registry that writes the text exposition format exactly as ``prometheus_client`` does.

The simulator is stdlib-only, so it cannot use prometheus_client to *serve* metrics; the app parses them
with prometheus_client's text parser, so what this writes must be what the engines' prometheus_client
writes (``exposition.generate_latest``, format 0.0.4): ``# HELP``/``# TYPE`` per family, counters exposed
as ``<name>_total`` plus ``<name>_created``, histograms as cumulative ``_bucket{le=…}`` then ``_count``,
``_sum`` and ``_created``, labels in declaration order (``le`` last), floats in Go's spelling.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["counter", "gauge", "histogram"]
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def go_float(value: float) -> str:
    """prometheus_client's floatToGoString: ``+Inf``, ``12.0``, and Go's earlier switch to exponents."""
    value = float(value)
    if value == math.inf:
        return "+Inf"
    if value == -math.inf:
        return "-Inf"
    if math.isnan(value):
        return "NaN"
    text = repr(value)
    dot = text.find(".")
    if value > 0 and dot > 6:
        mantissa = f"{text[0]}.{text[1:dot]}{text[dot + 1 :]}".rstrip("0.")
        return f"{mantissa}e+0{dot - 1}"
    return text


def _labels(pairs: Sequence[tuple[str, str]]) -> str:
    if not pairs:
        return ""
    escaped = (v.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"") for _, v in pairs)
    return "{" + ",".join(f'{k}="{v}"' for (k, _), v in zip(pairs, escaped, strict=True)) + "}"


@dataclass
class _Series:
    value: float = 0.0
    created: float = field(default_factory=time.time)
    counts: list[float] = field(default_factory=list)  # histogram: per-bucket (not cumulative)
    total: float = 0.0  # histogram sum


class Family:
    """One metric family with fixed label names; series are addressed by their label values."""

    def __init__(
        self, name: str, doc: str, kind: Kind, labelnames: Sequence[str], buckets: Sequence[float] = ()
    ) -> None:
        self.name, self.doc, self.kind = name, doc, kind
        self.labelnames = tuple(labelnames)
        self.buckets = (*buckets, math.inf) if kind == "histogram" else ()
        self._series: dict[tuple[str, ...], _Series] = {}
        self._lock = threading.Lock()

    def _get(self, values: Sequence[str]) -> _Series:
        key = tuple(values)
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = _Series(counts=[0.0] * len(self.buckets))
        return series

    def touch(self, *values: str) -> None:
        """Create the series now (engines pre-create their labelled series at start-up)."""
        with self._lock:
            self._get(values)

    def inc(self, amount: float = 1.0, *values: str) -> None:
        with self._lock:
            self._get(values).value += amount

    def set(self, value: float, *values: str) -> None:
        with self._lock:
            self._get(values).value = value

    def observe(self, value: float, *values: str) -> None:
        with self._lock:
            series = self._get(values)
            series.total += value
            for i, bound in enumerate(self.buckets):
                if value <= bound:
                    series.counts[i] += 1
                    break

    def value(self, *values: str) -> float:
        with self._lock:
            return self._get(values).value

    def render(self) -> list[str]:
        exposed = f"{self.name}_total" if self.kind == "counter" else self.name
        doc = self.doc.replace("\\", r"\\").replace("\n", r"\n")
        lines = [f"# HELP {exposed} {doc}", f"# TYPE {exposed} {self.kind}"]
        with self._lock:
            for values, series in self._series.items():
                pairs = list(zip(self.labelnames, values, strict=True))
                if self.kind == "gauge":
                    lines.append(f"{self.name}{_labels(pairs)} {go_float(series.value)}")
                    continue
                if self.kind == "counter":
                    lines.append(f"{exposed}{_labels(pairs)} {go_float(series.value)}")
                else:
                    running = 0.0
                    for bound, count in zip(self.buckets, series.counts, strict=True):
                        running += count
                        le = [*pairs, ("le", go_float(bound))]
                        lines.append(f"{self.name}_bucket{_labels(le)} {go_float(running)}")
                    lines.append(f"{self.name}_count{_labels(pairs)} {go_float(running)}")
                    lines.append(f"{self.name}_sum{_labels(pairs)} {go_float(series.total)}")
                lines.append(f"{self.name}_created{_labels(pairs)} {go_float(series.created)}")
        return lines


class Registry:
    """Families in registration order, rendered as one exposition body."""

    def __init__(self) -> None:
        self.families: list[Family] = []

    def add(
        self, name: str, doc: str, kind: Kind, labelnames: Sequence[str], buckets: Sequence[float] = ()
    ) -> Family:
        family = Family(name, doc, kind, labelnames, buckets)
        self.families.append(family)
        return family

    def render(self) -> str:
        return "".join(line + "\n" for family in self.families for line in family.render())
