"""core.engine_metrics on literal /metrics text: vLLM (current and older names), SGLang, quantiles from
bucket deltas worked by hand, restart detection, speculative decoding acceptance.

The fixtures are small hand-written expositions with the engines' own names, types and labels: vLLM
`vllm/v1/metrics/loggers.py` (PrometheusStatLogger) and `vllm/v1/spec_decode/metrics.py`; SGLang
`python/sglang/srt/metrics/collector.py`. The text goes through prometheus_client's parser (the feed's
`parse`), as it does in the app.
"""

from __future__ import annotations

import math

import pytest

from glmtui.core.engine_metrics import EngineMetrics, ModelFigures, Scrape, histogram_quantile, read
from glmtui.services.metrics_feed import parse

L = 'model_name="glm-4.7-flash",engine="0"'


def vllm_text(
    *,
    running: int = 1,
    waiting: int = 0,
    kv: float = 0.25,
    queries: int = 100,
    hits: int = 40,
    generated: int = 1000,
    ttft: tuple[int, int, int, int] = (2, 3, 4, 4),  # cumulative: le 0.1, 0.25, 0.5, +Inf
    itl: tuple[int, int, int, int] = (0, 0, 0, 0),  # le 0.01, 0.025, 0.05, +Inf
    drafts: int = 0,
    draft_tokens: int = 0,
    accepted: int = 0,
    old: bool = False,
) -> str:
    """A vLLM exposition; `old` uses the names vLLM 0.9 showed (gpu_cache_usage_perc, gpu_prefix_cache_*,
    time_per_output_token_seconds) instead of the current ones."""
    kv_name = "vllm:gpu_cache_usage_perc" if old else "vllm:kv_cache_usage_perc"
    prefix = "vllm:gpu_prefix_cache" if old else "vllm:prefix_cache"
    itl_name = "vllm:time_per_output_token_seconds" if old else "vllm:inter_token_latency_seconds"
    lines = [
        "# TYPE vllm:num_requests_running gauge",
        f"vllm:num_requests_running{{{L}}} {running}",
        "# TYPE vllm:num_requests_waiting gauge",
        f"vllm:num_requests_waiting{{{L}}} {waiting}",
        f"# TYPE {kv_name} gauge",
        f"{kv_name}{{{L}}} {kv}",
        f"# TYPE {prefix}_queries counter",
        f"{prefix}_queries_total{{{L}}} {queries}",
        f"# TYPE {prefix}_hits counter",
        f"{prefix}_hits_total{{{L}}} {hits}",
        "# TYPE vllm:generation_tokens counter",
        f"vllm:generation_tokens_total{{{L}}} {generated}",
        *_histogram("vllm:time_to_first_token_seconds", ("0.1", "0.25", "0.5"), ttft),
        *_histogram(itl_name, ("0.01", "0.025", "0.05"), itl),
    ]
    if draft_tokens:
        for name, value in (
            ("drafts", drafts),
            ("draft_tokens", draft_tokens),
            ("accepted_tokens", accepted),
        ):
            lines += [
                f"# TYPE vllm:spec_decode_num_{name} counter",
                f"vllm:spec_decode_num_{name}_total{{{L}}} {value}",
            ]
    return "\n".join(lines) + "\n"


def _histogram(name: str, bounds: tuple[str, ...], counts: tuple[int, ...]) -> list[str]:
    out = [f"# TYPE {name} histogram"]
    for bound, count in zip((*bounds, "+Inf"), counts, strict=True):
        out.append(f'{name}_bucket{{{L},le="{bound}"}} {count}')
    out += [f"{name}_count{{{L}}} {counts[-1]}", f"{name}_sum{{{L}}} {counts[-1] * 0.1}"]
    return out


def scrape(text: str, at: float) -> Scrape:
    return Scrape(at, parse(text))


def only(reading: EngineMetrics) -> ModelFigures:
    assert reading.state == "ok", reading
    (figures,) = reading.models
    return figures


def test_vllm_gauges_need_one_scrape_and_rates_two() -> None:
    first = read(scrape(vllm_text(running=3, waiting=2, kv=0.25), 10.0))
    figures = only(first)
    assert first.flavour == "vllm" and figures.model == "glm-4.7-flash"
    assert (figures.running, figures.waiting, figures.kv_percent) == (3, 2, 25.0)
    assert figures.gen_tps is None  # a rate needs an interval
    # Ratios and latencies from one scrape cover everything since the engine started (cumulative
    # buckets 2, 3, 4 of 4 at 0.1 / 0.25 / 0.5 s: p50 at rank 2 → 0.1 s; p95 at rank 3.8 → 0.45 s).
    assert figures.ttft_p50 == pytest.approx(0.1) and figures.ttft_p95 == pytest.approx(0.45)

    second = read(
        scrape(vllm_text(queries=300, hits=190, generated=1400), 12.0), scrape(vllm_text(), 10.0), first
    )
    figures = only(second)
    assert figures.gen_tps == pytest.approx(200.0)  # 400 tokens over 2 s
    assert figures.prefix_hit_percent == pytest.approx(75.0)  # 150 hits of 200 queried tokens
    assert not second.reset


def test_quantiles_come_from_the_bucket_deltas_worked_by_hand() -> None:
    # TTFT before (cumulative, le 0.1/0.25/0.5/+Inf): 2 3 4 4; after: 2 7 12 14.
    # Since the last scrape: 0 4 8 10 — ten requests, none under 0.1 s, two above 0.5 s.
    # p50: rank 5 falls in (0.25, 0.5], which holds the 5th..8th: 0.25 + 0.25 × (5 − 4) / 4 = 0.3125.
    # p95: rank 9.5 falls in the +Inf bucket → the highest finite bound, 0.5 (as Prometheus answers).
    # ITL (le 0.01/0.025/0.05/+Inf) since the last scrape: 10 90 100 100.
    # p50: rank 50 in (0.01, 0.025]: 0.01 + 0.015 × (50 − 10) / 80 = 0.0175.
    # p95: rank 95 in (0.025, 0.05]: 0.025 + 0.025 × (95 − 90) / 10 = 0.0375.
    before = scrape(vllm_text(ttft=(2, 3, 4, 4), itl=(0, 0, 0, 0)), 0.0)
    after = scrape(vllm_text(ttft=(2, 7, 12, 14), itl=(10, 90, 100, 100)), 2.0)
    figures = only(read(after, before))
    assert figures.ttft_p50 == pytest.approx(0.3125)
    assert figures.ttft_p95 == pytest.approx(0.5)
    assert figures.itl_p50 == pytest.approx(0.0175)
    assert figures.itl_p95 == pytest.approx(0.0375)


def test_histogram_quantile_edges() -> None:
    inf = math.inf
    assert histogram_quantile(0.5, {0.1: 0, inf: 0}) is None  # no observations
    assert histogram_quantile(0.5, {inf: 3}) is None  # one bucket: Prometheus answers NaN
    assert histogram_quantile(0.5, {0.1: 4, inf: 4}) == pytest.approx(0.05)  # lower bound 0 for the first
    assert histogram_quantile(0.5, {0.1: 4, 0.2: 3.9999, inf: 4}) == pytest.approx(0.05)  # made monotonic


def test_latencies_stay_as_last_known_while_no_request_comes() -> None:
    one = scrape(vllm_text(ttft=(0, 0, 0, 0)), 0.0)
    two = scrape(vllm_text(ttft=(0, 1, 1, 1)), 2.0)
    three = scrape(vllm_text(ttft=(0, 1, 1, 1), running=0), 4.0)
    first = read(two, one)
    assert only(first).ttft_p50 == pytest.approx(0.175)
    quiet = read(three, two, first)
    assert only(quiet).ttft_p50 == pytest.approx(0.175)  # the last request's, not "nothing"
    assert only(quiet).gen_tps == 0.0 and only(quiet).running == 0


def test_older_vllm_names_are_read_alike() -> None:
    before = scrape(vllm_text(old=True), 0.0)
    after = scrape(vllm_text(old=True, kv=0.5, queries=200, hits=90, itl=(10, 90, 100, 100)), 2.0)
    figures = only(read(after, before))
    assert figures.kv_percent == 50.0
    assert figures.prefix_hit_percent == pytest.approx(50.0)
    assert figures.itl_p50 == pytest.approx(0.0175)


def test_vllm_spec_decode_acceptance_and_mean_length() -> None:
    # vLLM's own log line (vllm/v1/spec_decode/metrics.py): acceptance rate = accepted / draft tokens,
    # mean acceptance length = 1 + accepted / drafts. MTP with 1 speculative token: 50 drafts of 1 token,
    # 40 accepted → 80 %, 1.8 tokens per step.
    before = scrape(vllm_text(drafts=10, draft_tokens=10, accepted=5), 0.0)
    after = scrape(vllm_text(drafts=60, draft_tokens=60, accepted=45), 2.0)
    figures = only(read(after, before))
    assert figures.spec_acceptance_percent == pytest.approx(80.0)
    assert figures.spec_mean_length == pytest.approx(1.8)
    # One scrape: since the engine started, 5 of 10 draft tokens accepted in 10 drafts → 50 %, 1.5.
    since_start = only(read(before))
    assert since_start.spec_acceptance_percent == pytest.approx(50.0)
    assert since_start.spec_mean_length == pytest.approx(1.5)


def test_no_spec_decode_metrics_means_no_spec_figures() -> None:
    figures = only(read(scrape(vllm_text(generated=1100), 2.0), scrape(vllm_text(), 0.0)))
    assert figures.spec_acceptance_percent is None and figures.spec_mean_length is None


def test_a_counter_going_down_is_a_restart_and_no_rate_is_negative() -> None:
    before = scrape(vllm_text(generated=5000, queries=900, hits=300, ttft=(5, 9, 12, 12)), 0.0)
    after = scrape(vllm_text(generated=20, queries=10, hits=0, ttft=(0, 1, 1, 1)), 2.0)
    last = read(before)
    reading = read(after, before, last)
    assert reading.reset
    figures = only(reading)
    assert figures.gen_tps is None  # not −2490 tok/s: nothing is known over a restart
    # Ratios and latencies count from the restart: TTFT buckets (0, 1, 1, 1) → p50 at rank 0.5 in
    # the 0.1–0.25 s bucket → 0.175 s; 0 hits of 10 queries.
    assert figures.ttft_p50 == pytest.approx(0.175) and figures.prefix_hit_percent == 0.0
    assert figures.running == 1  # gauges are read as ever


def test_a_new_created_time_is_a_restart_even_when_counters_climbed_past() -> None:
    def created(at: float) -> str:
        return f"vllm:generation_tokens_created{{{L}}} {at}\n"

    before = scrape(vllm_text(generated=10) + created(1000.0), 0.0)
    after = scrape(vllm_text(generated=500) + created(1003.0), 2.0)
    assert read(after, before).reset
    again = scrape(vllm_text(generated=900) + created(1003.0), 4.0)
    assert not read(again, after).reset


SGL = 'engine_type="unified",model_name="glm-4.7-flash",pp_rank="0",tp_rank="{rank}"'


def sglang_text(*, ttft: tuple[int, int, int] = (0, 0, 0), accept: float = 3.4, generated: int = 0) -> str:
    """Two tensor-parallel ranks' scheduler gauges, and the tokenizer's counters and histograms."""
    lines = []
    for name, kind, values in (
        ("num_running_reqs", "gauge", (2, 1)),
        ("num_queue_reqs", "gauge", (3, 0)),
        ("token_usage", "gauge", (0.5, 0.3)),
        ("gen_throughput", "gauge", (120.5, 100.0)),
        ("cache_hit_rate", "gauge", (0.25, 0.75)),
        ("spec_accept_length", "gauge", (accept, accept)),
    ):
        lines.append(f"# TYPE sglang:{name} {kind}")
        lines += [f"sglang:{name}{{{SGL.format(rank=r)}}} {v}" for r, v in enumerate(values)]
    m = 'model_name="glm-4.7-flash"'
    lines += ["# TYPE sglang:generation_tokens counter", f"sglang:generation_tokens_total{{{m}}} {generated}"]
    lines.append("# TYPE sglang:time_to_first_token_seconds histogram")
    for bound, count in zip(("0.1", "0.2", "+Inf"), ttft, strict=True):
        lines.append(f'sglang:time_to_first_token_seconds_bucket{{{m},le="{bound}"}} {count}')
    lines.append(f"sglang:time_to_first_token_seconds_count{{{m}}} {ttft[-1]}")
    return "\n".join(lines) + "\n"


def test_sglang_gauges_its_throughput_and_accept_length() -> None:
    before = scrape(sglang_text(), 0.0)
    after = scrape(sglang_text(ttft=(1, 4, 4), generated=300), 2.0)
    reading = read(after, before)
    figures = only(reading)
    assert reading.flavour == "sglang"
    assert (figures.running, figures.waiting) == (3, 3)  # summed over the ranks
    assert figures.kv_percent == pytest.approx(40.0)  # a fraction per rank: averaged
    assert figures.prefix_hit_percent == pytest.approx(50.0)
    assert figures.gen_tps == pytest.approx(220.5) and figures.gen_tps_source == "engine"  # theirs, not Δ
    assert figures.spec_mean_length == pytest.approx(3.4)
    # 4 requests: 1 under 0.1 s, 3 in (0.1, 0.2]. p50: rank 2 → 0.1 + 0.1 × (2 − 1) / 3.
    assert figures.ttft_p50 == pytest.approx(0.1 + 0.1 / 3)


def test_sglang_without_speculative_decoding_shows_no_accept_length() -> None:
    assert only(read(scrape(sglang_text(accept=0.0), 0.0))).spec_mean_length is None


def test_several_models_are_kept_apart() -> None:
    # One engine serving two models (a second series per family); the TYPE lines once, from the first.
    other = vllm_text(running=5).replace("glm-4.7-flash", "other").splitlines()
    text = vllm_text(running=2) + "\n".join(line for line in other if not line.startswith("#")) + "\n"
    reading = read(scrape(text, 0.0))
    assert [(f.model, f.running) for f in reading.models] == [("glm-4.7-flash", 2), ("other", 5)]


def test_text_of_neither_engine_is_invalid() -> None:
    reading = read(scrape("# TYPE process_cpu_seconds counter\nprocess_cpu_seconds_total 3.0\n", 0.0))
    assert reading.state == "invalid" and "vLLM or SGLang" in reading.message
