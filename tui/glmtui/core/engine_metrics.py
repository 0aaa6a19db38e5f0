"""Engine metrics: what two successive Prometheus scrapes of a vLLM or SGLang `/metrics` say.

Pure (no I/O, no parser): services/metrics_feed.py parses the text with prometheus_client and hands over
`Scrape`s, plain mappings of sample name → (labels, value) pairs, with the monotonic time they were read.
Everything here is server-side: the engine counted it, glmtui only takes differences.

The names are the engines' own. vLLM (`vllm/v1/metrics/loggers.py`, `PrometheusStatLogger`; labels
`model_name`, `engine`): gauges `vllm:num_requests_running`/`_waiting`, `vllm:kv_cache_usage_perc` (older
`vllm:gpu_cache_usage_perc`, a fraction despite the name), counters `vllm:prefix_cache_queries`/`_hits`
(older `vllm:gpu_prefix_cache_*`), `vllm:generation_tokens`, `vllm:spec_decode_num_drafts`,
`_num_draft_tokens`, `_num_accepted_tokens` (`vllm/v1/spec_decode/metrics.py`), histograms
`vllm:time_to_first_token_seconds` and `vllm:inter_token_latency_seconds` (older
`vllm:time_per_output_token_seconds`). SGLang (`python/sglang/srt/metrics/collector.py`): gauges
`sglang:num_running_reqs`, `num_queue_reqs`, `token_usage`, `gen_throughput`, `cache_hit_rate`,
`spec_accept_length` (labels `engine_type`, `model_name`, `pp_rank`, `tp_rank`), counter
`sglang:generation_tokens`, histograms `sglang:time_to_first_token_seconds`, `inter_token_latency_seconds`.

Several label sets of one model (data-parallel engines, pipeline/tensor ranks) are combined by what the
figure means: counts, counters and throughputs add up; fractions (KV usage, hit rate, accept length) are
averaged. Several models are kept apart, one `ModelFigures` each.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

Labels = Mapping[str, str]
Samples = Mapping[str, Sequence[tuple[Labels, float]]]  # sample name (`…_total`, `…_bucket`) → series

MetricsState = Literal["ok", "absent", "waiting", "off", "unreachable", "invalid", "denied"]
ThroughputSource = Literal["counter", "engine"]


@dataclass(frozen=True, slots=True)
class Scrape:
    """One `/metrics` read: its samples and when (monotonic seconds)."""

    at: float
    samples: Samples


@dataclass(frozen=True, slots=True)
class ModelFigures:
    """One served model's figures. None: not reported (this engine or version has no such metric), or
    not known yet (a rate needs two scrapes; a latency needs a request)."""

    model: str
    running: float | None = None
    waiting: float | None = None
    kv_percent: float | None = None
    prefix_hit_percent: float | None = None
    gen_tps: float | None = None
    gen_tps_source: ThroughputSource = "counter"  # "engine": SGLang's own gen_throughput gauge
    ttft_p50: float | None = None  # seconds
    ttft_p95: float | None = None
    itl_p50: float | None = None
    itl_p95: float | None = None
    spec_acceptance_percent: float | None = None  # vLLM: accepted / draft tokens
    spec_mean_length: float | None = None  # tokens per verify step: 1 + accepted / drafts (SGLang's own)


@dataclass(frozen=True, slots=True)
class EngineMetrics:
    """The engine panel's reading: a state, and the figures per model when `state == "ok"`."""

    state: MetricsState
    flavour: str = ""  # "vllm", "sglang", or "" when the names said neither
    version: str = ""
    where: str = ""  # the endpoint's name or host
    message: str = ""  # why there are no figures (off, unreachable, not Prometheus text)
    models: tuple[ModelFigures, ...] = field(default_factory=tuple)
    reset: bool = False  # a counter went down: the engine restarted; rates over the restart are not computed


# -- the metric names per flavour ----------------------------------------------------------------------

_NAMES: dict[str, dict[str, tuple[str, ...]]] = {
    # figure → candidate names, newest first (the first one present is used)
    "vllm": {
        "running": ("vllm:num_requests_running",),
        "waiting": ("vllm:num_requests_waiting",),
        "kv": ("vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc"),
        "queries": ("vllm:prefix_cache_queries_total", "vllm:gpu_prefix_cache_queries_total"),
        "hits": ("vllm:prefix_cache_hits_total", "vllm:gpu_prefix_cache_hits_total"),
        "generated": ("vllm:generation_tokens_total",),
        "ttft": ("vllm:time_to_first_token_seconds",),
        "itl": ("vllm:inter_token_latency_seconds", "vllm:time_per_output_token_seconds"),
        "drafts": ("vllm:spec_decode_num_drafts_total",),
        "draft_tokens": ("vllm:spec_decode_num_draft_tokens_total",),
        "accepted": ("vllm:spec_decode_num_accepted_tokens_total",),
    },
    "sglang": {
        "running": ("sglang:num_running_reqs",),
        "waiting": ("sglang:num_queue_reqs",),
        "kv": ("sglang:token_usage",),
        "hit_rate": ("sglang:cache_hit_rate",),
        "throughput": ("sglang:gen_throughput",),
        "generated": ("sglang:generation_tokens_total",),
        "ttft": ("sglang:time_to_first_token_seconds",),
        "itl": ("sglang:inter_token_latency_seconds", "sglang:time_per_output_token_seconds"),
        "accept_length": ("sglang:spec_accept_length",),
    },
}


# Every family the reading uses, as a name prefix (a counter's `_total`/`_created`, a histogram's
# `_bucket`/`_count`/`_sum` samples start with it): the feed parses only these lines.
FAMILIES: tuple[str, ...] = tuple(
    sorted(
        {name.removesuffix("_total") for names in _NAMES.values() for each in names.values() for name in each}
    )
)


def detect_flavour(samples: Samples) -> str:
    """ "vllm" or "sglang" by the names' prefixes; "" when neither engine's metrics are there."""
    for name in samples:
        if name.startswith("vllm:"):
            return "vllm"
        if name.startswith("sglang:"):
            return "sglang"
    return ""


# -- reading the samples --------------------------------------------------------------------------------


def _first(samples: Samples, names: Iterable[str], suffix: str = "") -> str | None:
    return next((n for n in names if n + suffix in samples), None)


def _per_model(series: Sequence[tuple[Labels, float]]) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for labels, value in series:
        if not math.isnan(value):
            out.setdefault(labels.get("model_name", ""), []).append(value)
    return out


def _gauge(samples: Samples, names: Iterable[str], model: str, mean: bool = False) -> float | None:
    name = _first(samples, names)
    if name is None:
        return None
    values = _per_model(samples[name]).get(model)
    if not values:
        return None
    return sum(values) / len(values) if mean else sum(values)


def _counter(samples: Samples, names: Iterable[str], model: str) -> float | None:
    return _gauge(samples, names, model)


def _buckets(samples: Samples, names: Iterable[str], model: str) -> dict[float, float] | None:
    """A histogram's cumulative buckets (upper bound → count), summed over the model's label sets."""
    name = _first(samples, names, "_bucket")
    if name is None:
        return None
    out: dict[float, float] = {}
    for labels, value in samples[name + "_bucket"]:
        if labels.get("model_name", "") == model and "le" in labels:
            try:
                bound = float(labels["le"])  # "+Inf" parses as inf
            except ValueError:
                continue  # a bucket bound that is not a number: that bucket is unknown, not the histogram
            if math.isnan(bound) or math.isnan(value):
                continue
            out[bound] = out.get(bound, 0.0) + value
    return out


def histogram_quantile(q: float, buckets: Mapping[float, float]) -> float | None:
    """The q-quantile of cumulative buckets, as Prometheus's `histogram_quantile` computes it
    (prometheus/prometheus `promql/quantile.go`, `BucketQuantile`): find the first bucket whose count
    reaches rank = q × total, and interpolate linearly between its lower and upper bound, assuming the
    observations spread evenly inside it. The first bucket's lower bound is 0; a rank in the +Inf bucket
    answers the highest finite bound. None without observations."""
    ordered = sorted(buckets.items())
    if len(ordered) < 2 or not math.isinf(ordered[-1][0]):
        return None
    # Counts must not fall with the bound (Prometheus's ensureMonotonic): floating sums can wobble.
    counts, high = [], 0.0
    for _, count in ordered:
        high = max(high, count)
        counts.append(high)
    total = counts[-1]
    if total <= 0:
        return None
    rank = q * total
    b = next(i for i, count in enumerate(counts) if count >= rank)
    if b == len(ordered) - 1:
        return ordered[-2][0]
    if b == 0 and ordered[0][0] <= 0:
        return ordered[0][0]
    start = 0.0 if b == 0 else ordered[b - 1][0]
    end = ordered[b][0]
    count = counts[b] - (counts[b - 1] if b else 0.0)
    below = counts[b - 1] if b else 0.0
    return start + (end - start) * ((rank - below) / count)


def _delta_buckets(
    now: dict[float, float] | None, before: dict[float, float] | None
) -> dict[float, float] | None:
    """The observations made between two scrapes, per bucket (None without a previous scrape)."""
    if now is None or before is None:
        return None
    return {bound: count - before.get(bound, 0.0) for bound, count in now.items()}


def _quantiles(
    now: Samples, before: Samples | None, names: tuple[str, ...], model: str
) -> tuple[float | None, float | None] | None:
    """p50 and p95 of the observations since the previous scrape (on the first scrape: since the engine
    started); None when there were none."""
    if before is None:
        new = _buckets(now, names, model)
    else:
        new = _delta_buckets(_buckets(now, names, model), _buckets(before, names, model))
    if not new or max(new.values()) <= 0:
        return None
    return histogram_quantile(0.5, new), histogram_quantile(0.95, new)


def _counter_series(samples: Samples) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (name, tuple(sorted(labels.items()))): value
        for name, series in samples.items()
        if name.endswith(("_total", "_count", "_sum", "_bucket", "_created"))
        for labels, value in series
    }


def went_down(before: Samples, now: Samples) -> bool:
    """True when the engine restarted between two scrapes: a counter (or a histogram's count, sum or
    bucket) of a series present in both fell, or a series' `_created` time moved."""
    old = _counter_series(before)
    for key, value in _counter_series(now).items():
        previous = old.get(key)
        if previous is None:
            continue
        if key[0].endswith("_created") and value != previous:
            return True
        if not key[0].endswith("_created") and value < previous:
            return True
    return False


# -- the reading ------------------------------------------------------------------------------------------


def read(
    now: Scrape,
    before: Scrape | None = None,
    last: EngineMetrics | None = None,
    *,
    flavour: str = "",
) -> EngineMetrics:
    """The reading from `now` (gauges) and its differences from `before` (rates, latencies over the
    requests in between). A latency or hit rate with no new request in the interval is `last`'s."""
    flavour = detect_flavour(now.samples) or flavour
    names = _NAMES.get(flavour)
    if names is None:
        return EngineMetrics("invalid", message="no vLLM or SGLang metrics in this /metrics")
    reset = before is not None and went_down(before.samples, now.samples)
    prior = None if reset else before  # over a restart, no difference means anything
    models = sorted({m for series in now.samples.values() for m in _per_model(series)} - {""}) or [""]
    known = {f.model: f for f in last.models} if last else {}
    figures = tuple(_model(now, prior, known.get(model), names, flavour, model) for model in models)
    return EngineMetrics("ok", flavour=flavour, models=figures, reset=reset)


def _model(
    now: Scrape,
    before: Scrape | None,
    last: ModelFigures | None,
    names: dict[str, tuple[str, ...]],
    flavour: str,
    model: str,
) -> ModelFigures:
    s, b = now.samples, before.samples if before else None
    kv = _gauge(s, names["kv"], model, mean=True)
    figures = ModelFigures(
        model=model,
        running=_gauge(s, names["running"], model),
        waiting=_gauge(s, names["waiting"], model),
        kv_percent=None if kv is None else kv * 100,
    )
    if last is not None:  # what needs traffic stays as last known until new requests come
        figures = replace(
            figures,
            prefix_hit_percent=last.prefix_hit_percent,
            ttft_p50=last.ttft_p50,
            ttft_p95=last.ttft_p95,
            itl_p50=last.itl_p50,
            itl_p95=last.itl_p95,
            spec_acceptance_percent=last.spec_acceptance_percent,
            spec_mean_length=last.spec_mean_length,
        )

    def delta(key: str) -> float | None:
        """The counter's growth since the previous scrape; on the first scrape its total (the ratios
        built from it then cover everything since the engine started, not nothing)."""
        if key not in names:
            return None
        a = _counter(s, names[key], model)
        if b is None:
            return a
        z = _counter(b, names[key], model)
        return None if a is None or z is None else max(0.0, a - z)

    elapsed = now.at - before.at if before else 0.0
    generated = delta("generated")
    if generated is not None and elapsed > 0:
        figures = replace(figures, gen_tps=generated / elapsed)
    ttft = _quantiles(s, b, names["ttft"], model)
    if ttft is not None:
        figures = replace(figures, ttft_p50=ttft[0], ttft_p95=ttft[1])
    itl = _quantiles(s, b, names["itl"], model)
    if itl is not None:
        figures = replace(figures, itl_p50=itl[0], itl_p95=itl[1])
    if flavour == "vllm":
        queries, hits = delta("queries"), delta("hits")
        if queries and hits is not None:
            figures = replace(figures, prefix_hit_percent=100 * hits / queries)
        draft_tokens, accepted, drafts = delta("draft_tokens"), delta("accepted"), delta("drafts")
        if draft_tokens and accepted is not None:
            figures = replace(figures, spec_acceptance_percent=100 * accepted / draft_tokens)
            if drafts:  # vLLM's own log line: mean acceptance length = 1 + accepted / drafts
                figures = replace(figures, spec_mean_length=1 + accepted / drafts)
    else:
        hit_rate = _gauge(s, names["hit_rate"], model, mean=True)
        throughput = _gauge(s, names["throughput"], model)
        accept = _gauge(s, names["accept_length"], model, mean=True)
        figures = replace(
            figures,
            prefix_hit_percent=None if hit_rate is None else hit_rate * 100,
            spec_mean_length=accept if accept else figures.spec_mean_length,  # 0: no drafts (yet)
        )
        if throughput is not None:  # SGLang's own figure, over its last logging interval
            figures = replace(figures, gen_tps=throughput, gen_tps_source="engine")
    return figures
