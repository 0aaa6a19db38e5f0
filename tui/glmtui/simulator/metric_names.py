"""The engines' metric families: names, help texts, types, label names and bucket bounds, as registered.

Split from ``engine_metrics`` (which moves them with the traffic) because the list is long; every string
here is the engine's own (vLLM ``vllm/v1/metrics/loggers.py`` and ``vllm/v1/spec_decode/metrics.py``,
SGLang ``python/sglang/srt/metrics/collector.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .promtext import Registry

if TYPE_CHECKING:
    from .engine_metrics import EngineMetrics

_VLLM_TTFT: tuple[float, ...] = (
    0.001,
    0.005,
    0.01,
    0.02,
    0.04,
    0.06,
    0.08,
    0.1,
    0.25,
    0.5,
    0.75,
    1.0,
    2.5,
    5.0,
    7.5,
    10.0,
)
_VLLM_TTFT += (20.0, 40.0, 80.0, 160.0, 640.0, 2560.0)
_VLLM_ITL: tuple[float, ...] = (
    0.01,
    0.025,
    0.05,
    0.075,
    0.1,
    0.15,
    0.2,
    0.3,
    0.4,
    0.5,
    0.75,
    1.0,
    2.5,
    5.0,
    7.5,
    10.0,
    20.0,
)
_VLLM_ITL += (40.0, 80.0)
_VLLM_E2E: tuple[float, ...] = (
    0.3,
    0.5,
    0.8,
    1.0,
    1.5,
    2.0,
    2.5,
    5.0,
    10.0,
    15.0,
    20.0,
    30.0,
    40.0,
    50.0,
    60.0,
    120.0,
)
_VLLM_E2E += (240.0, 480.0, 960.0, 1920.0, 7680.0)
_SGL_TTFT: tuple[float, ...] = (0.1, 0.2, 0.4, 0.6, 0.8, 1, 2, 4, 6, 8, 10, 20, 40, 60, 80, 100, 200, 400)
_SGL_ITL: tuple[float, ...] = (
    0.002,
    0.004,
    0.006,
    0.008,
    0.010,
    0.015,
    0.020,
    0.025,
    0.030,
    0.035,
    0.040,
    0.060,
    0.080,
)
_SGL_ITL += (0.100, 0.200, 0.400, 0.600, 0.800, 1.000, 2.000)
_SGL_E2E: tuple[float, ...] = (
    0.1,
    0.2,
    0.4,
    0.6,
    0.8,
    1,
    2,
    4,
    6,
    8,
    10,
    20,
    40,
    60,
    80,
    100,
    200,
    400,
    600,
    1200,
)
_SGL_E2E += (1800, 2400)


def build_vllm(self: EngineMetrics, r: Registry, v: tuple[int, ...]) -> None:
    """vLLM's families (``vllm/v1/metrics/loggers.py``), the deprecated ones only where still shown."""
    ln = ("model_name", "engine")
    self.f_running = r.add(
        "vllm:num_requests_running", "Number of requests in model execution batches.", "gauge", ln
    )
    self.f_waiting = r.add(
        "vllm:num_requests_waiting", "Number of requests waiting to be processed.", "gauge", ln
    )
    self.f_old_kv = self.f_old_q = self.f_old_h = self.f_tpot = self.f_itl = None
    if v < (0, 10):
        self.f_old_kv = r.add(
            "vllm:gpu_cache_usage_perc",
            "GPU KV-cache usage. 1 means 100 percent usage.DEPRECATED: Use vllm:kv_cache_usage_perc instead.",
            "gauge",
            ln,
        )
        self.f_old_q = r.add(
            "vllm:gpu_prefix_cache_queries",
            "GPU prefix cache queries, in terms of number of queried tokens. "
            "DEPRECATED: Use vllm:prefix_cache_queries instead.",
            "counter",
            ln,
        )
        self.f_old_h = r.add(
            "vllm:gpu_prefix_cache_hits",
            "GPU prefix cache hits, in terms of number of cached tokens. "
            "DEPRECATED: Use vllm:prefix_cache_hits instead.",
            "counter",
            ln,
        )
    self.f_kv = r.add("vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.", "gauge", ln)
    self.f_queries = r.add(
        "vllm:prefix_cache_queries",
        "Prefix cache queries, in terms of number of queried tokens.",
        "counter",
        ln,
    )
    self.f_hits = r.add(
        "vllm:prefix_cache_hits", "Prefix cache hits, in terms of number of cached tokens.", "counter", ln
    )
    self.f_prompt = r.add("vllm:prompt_tokens", "Number of prefill tokens processed.", "counter", ln)
    self.f_gen = r.add("vllm:generation_tokens", "Number of generation tokens processed.", "counter", ln)
    self.f_success = r.add(
        "vllm:request_success",
        "Count of successfully processed requests.",
        "counter",
        (*ln, "finished_reason"),
    )
    self.f_ttft = r.add(
        "vllm:time_to_first_token_seconds",
        "Histogram of time to first token in seconds.",
        "histogram",
        ln,
        _VLLM_TTFT,
    )
    if v < (0, 12):
        self.f_tpot = r.add(
            "vllm:time_per_output_token_seconds",
            "Histogram of time per output token in seconds."
            "DEPRECATED: Use vllm:inter_token_latency_seconds instead.",
            "histogram",
            ln,
            _VLLM_ITL,
        )
    if v >= (0, 11):
        self.f_itl = r.add(
            "vllm:inter_token_latency_seconds",
            "Histogram of inter-token latency in seconds.",
            "histogram",
            ln,
            _VLLM_ITL,
        )
    self.f_e2e = r.add(
        "vllm:e2e_request_latency_seconds",
        "Histogram of e2e request latency in seconds.",
        "histogram",
        ln,
        _VLLM_E2E,
    )
    self.f_drafts = self.f_draft_tokens = self.f_accepted = self.f_per_pos = None
    if self.spec_tokens:
        self.f_drafts = r.add("vllm:spec_decode_num_drafts", "Number of spec decoding drafts.", "counter", ln)
        self.f_draft_tokens = r.add(
            "vllm:spec_decode_num_draft_tokens", "Number of draft tokens.", "counter", ln
        )
        self.f_accepted = r.add(
            "vllm:spec_decode_num_accepted_tokens", "Number of accepted tokens.", "counter", ln
        )
        self.f_per_pos = r.add(
            "vllm:spec_decode_num_accepted_tokens_per_pos",
            "Accepted tokens per draft position.",
            "counter",
            (*ln, "position"),
        )


def build_sglang(self: EngineMetrics, r: Registry) -> None:
    """SGLang's scheduler and tokenizer families (``python/sglang/srt/metrics/collector.py``)."""
    sl, tl = ("engine_type", "model_name", "pp_rank", "tp_rank"), ("model_name",)
    self.f_running = r.add("sglang:num_running_reqs", "The number of running requests.", "gauge", sl)
    self.f_usage = r.add("sglang:token_usage", "The token usage.", "gauge", sl)
    self.f_throughput = r.add("sglang:gen_throughput", "The generation throughput (token/s).", "gauge", sl)
    self.f_waiting = r.add(
        "sglang:num_queue_reqs", "The number of requests in the waiting queue.", "gauge", sl
    )
    self.f_hit_rate = r.add("sglang:cache_hit_rate", "The prefix cache hit rate.", "gauge", sl)
    self.f_accept_len = r.add(
        "sglang:spec_accept_length", "The average acceptance length of speculative decoding.", "gauge", sl
    )
    self.f_prompt = r.add("sglang:prompt_tokens", "Number of prefill tokens processed.", "counter", tl)
    self.f_gen = r.add("sglang:generation_tokens", "Number of generation tokens processed.", "counter", tl)
    self.f_requests = r.add("sglang:num_requests", "Number of requests processed.", "counter", tl)
    self.f_ttft = r.add(
        "sglang:time_to_first_token_seconds",
        "Histogram of time to first token in seconds.",
        "histogram",
        tl,
        _SGL_TTFT,
    )
    self.f_itl = r.add(
        "sglang:inter_token_latency_seconds",
        "Histogram of inter-token latency in seconds.",
        "histogram",
        tl,
        _SGL_ITL,
    )
    self.f_e2e = r.add(
        "sglang:e2e_request_latency_seconds",
        "Histogram of End-to-end request latency in seconds",
        "histogram",
        tl,
        _SGL_E2E,
    )
