"""Speed and memory beside each model on the leaderboard: what glmtui has measured, and where from.

One function, `model_figures(store)`, reads everything the leaderboard shows beside a rating; the
screen asks the returned `FigureBook` per model (or model on an endpoint). Today the figures come from
the history:

- decode rate: the median over the model's replies among the last `RECENT_TURNS` finished chat
  replies (`turn_figures`, kept from each turn's stats: eval_count / eval_duration_ns; recent, so an
  upgrade shows, and a bounded read however long the history), labelled `exact` (Ollama's own durations) or
  `client-timed` (glmtui's clock, OpenAI-compatible engines); the two are never mixed in one median.
- memory: the size `/api/ps` reported for the model's last load (the VRAM-estimate corrections,
  `fit_corrections`, keep it with the context it was loaded at). Ollama-only, so on the per-endpoint
  view it is shown only where that endpoint's figures are Ollama's (exact). Never estimated here: no
  measurement, no number.

**The bench's figures win** (`bench_cells`, services/bench_store.py): for each model on each endpoint,
the newest run's cell at its shortest prompt (the one closest to a chat turn) gives the decode median
(its label kept: exact or client-timed) and the `/api/ps` size it was measured at; a bench figure
replaces the history's for the same model and endpoint, and its memory the history's for the model
(it was measured on purpose, at a known context).
"""

from __future__ import annotations

import functools
import json
import statistics
from dataclasses import dataclass, field

from glmtui.core.model_names import with_tag
from glmtui.services.store import Store
from glmtui.services.usage_stats import RATE_SAMPLE

RECENT_TURNS = 3000  # the newest finished replies read (~10 ms); older ones' speed may be out of date
EXACT, CLIENT = "exact", "client-timed"


@functools.lru_cache(maxsize=4096)  # called per vote and per turn read: a few thousand names at most
def model_key(name: str) -> str:
    """How models are matched: case-insensitively, a name without a tag as `:latest` (as Ollama does)."""
    return with_tag(name.strip().lower())


@dataclass(frozen=True, slots=True)
class Speed:
    """A median decode rate (tokens/s), over how many replies, and where it came from."""

    tps: float
    runs: int
    label: str  # EXACT or CLIENT
    source: str = "chat history"


@dataclass(frozen=True, slots=True)
class Memory:
    """A measured size in bytes, the context it was loaded at, and where it came from."""

    bytes: int
    context: int
    source: str = "/api/ps"


@dataclass
class FigureBook:
    """Every figure found, by model key and endpoint; asked per leaderboard row."""

    rates: dict[tuple[str, str, str], list[float]] = field(default_factory=dict)  # (key, endpoint, label)
    speeds: dict[tuple[str, str], Speed] = field(default_factory=dict)  # set ones (the bench's) win
    memories: dict[str, Memory] = field(default_factory=dict)  # by model key
    bench_memories: dict[tuple[str, str], Memory] = field(default_factory=dict)

    def add_rate(self, model: str, endpoint: str, rate: float, label: str) -> None:
        self.rates.setdefault((model_key(model), endpoint, label), []).append(rate)

    def add_speed(self, model: str, endpoint: str, speed: Speed) -> None:
        """A figure measured on purpose (the bench): it replaces the history's median."""
        self.speeds[(model_key(model), endpoint)] = speed

    def add_memory(self, model: str, memory: Memory, endpoint: str = "") -> None:
        if endpoint:
            self.bench_memories[(model_key(model), endpoint)] = memory
        else:
            self.memories[model_key(model)] = memory

    def speed(self, model: str, endpoint: str | None = None) -> Speed | None:
        """The model's median decode rate on `endpoint` (None: over every endpoint). Exact figures
        are preferred over client-timed ones; the two are never pooled."""
        key = model_key(model)
        if endpoint is not None and (key, endpoint) in self.speeds:
            return self.speeds[(key, endpoint)]
        if endpoint is None:
            chosen = [s for (k, _), s in self.speeds.items() if k == key]
            if chosen:
                return max(chosen, key=lambda s: s.runs)
        for label in (EXACT, CLIENT):
            rates = [
                rate
                for (k, e, lab), values in self.rates.items()
                if k == key and lab == label and (endpoint is None or e == endpoint)
                for rate in values
            ]
            if rates:
                return Speed(statistics.median(rates), len(rates), label)
        return None

    def memory(self, model: str, endpoint: str | None = None) -> Memory | None:
        """The model's measured size; per endpoint only where that endpoint's figures are Ollama's
        (`/api/ps` is Ollama's; the same name on a vLLM node may be another quantisation)."""
        key = model_key(model)
        if endpoint is not None:
            if (key, endpoint) in self.bench_memories:
                return self.bench_memories[(key, endpoint)]
            speed = self.speed(model, endpoint)
            if speed is None or speed.label != EXACT:
                return None
        return self.memories.get(key)


def model_figures(store: Store) -> FigureBook:
    """Decode rates and memory for every model the history knows (see the module's docstring)."""
    book = FigureBook()
    # The per-turn figures the usage view reads too (turn_figures: typed and checked by its triggers,
    # `timing` 'exact' where the stats did not say), with the same rule for what is a rate sample.
    rows = store.read(
        "SELECT model, endpoint, eval_count, eval_duration_ns, timing FROM turn_figures"
        f" WHERE {RATE_SAMPLE} ORDER BY turn_id DESC LIMIT ?",
        (RECENT_TURNS,),
    )
    for model, endpoint, count, duration, timing in rows:
        label = CLIENT if timing == "client" else EXACT
        book.add_rate(str(model), str(endpoint or ""), count / (duration / 1e9), label)
    for model, measured, context in store.read(
        "SELECT model, measured, context FROM fit_corrections ORDER BY measured_at"
    ):
        if isinstance(measured, int) and measured > 0:
            book.add_memory(str(model), Memory(measured, int(context or 0)))  # the latest load wins
    _add_bench(store, book)
    return book


def _add_bench(store: Store, book: FigureBook) -> None:
    """Per model and endpoint, the newest run's measured cell at its shortest prompt."""
    chosen: dict[tuple[str, str], tuple[int, int, object, object, object, object]] = {}
    for model, endpoint, run_id, prompt, label, decode, memory, figures in store.read(
        "SELECT model, endpoint, run_id, prompt_tokens, label, decode_median, memory_bytes, figures"
        " FROM bench_cells WHERE error IS NULL AND decode_median > 0 ORDER BY id"
    ):
        key = (str(model), str(endpoint or ""))
        held = chosen.get(key)
        if held is None or run_id > held[0] or (run_id == held[0] and prompt < held[1]):
            chosen[key] = (int(run_id), int(prompt), label, decode, memory, figures)
    for (model, endpoint), (_, prompt, label, decode, memory, figures) in chosen.items():
        try:
            detail = json.loads(str(figures))
        except (ValueError, RecursionError):
            detail = {}
        runs = detail.get("decode_tps", {}).get("runs") if isinstance(detail, dict) else None
        source = f"bench, {prompt:,}-token prompt"
        book.add_speed(
            model,
            endpoint,
            Speed(float(str(decode)), runs if isinstance(runs, int) else 0, str(label), source),
        )
        if isinstance(memory, int) and memory > 0:
            num_ctx = detail.get("num_ctx") if isinstance(detail, dict) else None
            measured = Memory(memory, num_ctx if isinstance(num_ctx, int) else 0, "bench, /api/ps")
            book.add_memory(model, measured, endpoint=endpoint)
            book.add_memory(model, measured)
