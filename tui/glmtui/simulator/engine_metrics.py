"""The engines' Prometheus metrics, moved by the simulated traffic: vLLM's and SGLang's real names.

vLLM (``vllm/v1/metrics/loggers.py``, ``PrometheusStatLogger``; labels ``model_name``, ``engine``):
``vllm:num_requests_running``/``_waiting``, ``vllm:kv_cache_usage_perc`` (from 0.9; the deprecated
``vllm:gpu_cache_usage_perc`` and ``vllm:gpu_prefix_cache_*`` are shown before 0.10, hidden after),
``vllm:prefix_cache_queries``/``_hits``, ``vllm:prompt_tokens``, ``vllm:generation_tokens``,
``vllm:request_success{finished_reason}``, histograms ``vllm:time_to_first_token_seconds``,
``vllm:inter_token_latency_seconds`` (from 0.11; ``vllm:time_per_output_token_seconds`` before 0.12) and
``vllm:e2e_request_latency_seconds``, and with a speculative config ``vllm:spec_decode_num_drafts``,
``_num_draft_tokens``, ``_num_accepted_tokens``, ``_num_accepted_tokens_per_pos{position}``
(``vllm/v1/spec_decode/metrics.py``). SGLang (``python/sglang/srt/metrics/collector.py``): scheduler
gauges ``sglang:num_running_reqs``, ``num_queue_reqs``, ``token_usage``, ``gen_throughput``,
``cache_hit_rate``, ``spec_accept_length`` (labels ``engine_type``, ``model_name``, ``pp_rank``,
``tp_rank``), tokenizer counters ``sglang:prompt_tokens``, ``generation_tokens``, ``num_requests`` and
histograms ``sglang:time_to_first_token_seconds``, ``inter_token_latency_seconds``,
``e2e_request_latency_seconds`` (label ``model_name``). Bucket bounds are the engines' own.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Literal

from .metric_names import build_sglang, build_vllm
from .promtext import Family, Registry

Flavour = Literal["vllm", "sglang"]

THROUGHPUT_WINDOW_S = 2.0  # SGLang reports gen_throughput over its last logging interval


def vtuple(version: str) -> tuple[int, ...]:
    """``"0.11.1"`` → ``(0, 11, 1)``; suffixes like ``rc1`` or ``.post1`` are ignored."""
    parts: list[int] = []
    for piece in version.split(".")[:3]:
        digits = "".join(c for c in piece if c.isdigit()) or "0"
        parts.append(int(digits))
        if not piece.isdigit():
            break
    return tuple(parts)


class Track:
    """One request's life in the engine: prefill, tokens, finish (all metric updates go through it)."""

    def __init__(self, metrics: EngineMetrics, model: str, prompt: int, cached: int) -> None:
        self.metrics, self.model, self.prompt = metrics, model, prompt
        self.start = time.monotonic()
        self.generated = 0
        self.last: float | None = None
        self._step_left = 0  # tokens still covered by the current speculative step
        metrics.prefilled(self, cached)

    def token(self) -> None:
        now = time.monotonic()
        self.metrics.token(self, now)
        self.last, self.generated = now, self.generated + 1

    def finish(self, reason: str) -> None:
        self.metrics.finished(self, reason)


class EngineMetrics:
    """The engine's scheduler state and its metric families; ``reset()`` is an engine restart."""

    # The families (built in metric_names): a flavour leaves the other's unset, a version its absent None.
    f_running: Family
    f_waiting: Family
    f_prompt: Family
    f_gen: Family
    f_ttft: Family
    f_e2e: Family
    f_kv: Family
    f_queries: Family
    f_hits: Family
    f_success: Family
    f_usage: Family
    f_throughput: Family
    f_hit_rate: Family
    f_accept_len: Family
    f_requests: Family
    f_itl: Family | None
    f_tpot: Family | None = None
    f_old_kv: Family | None = None
    f_old_q: Family | None = None
    f_old_h: Family | None = None
    f_drafts: Family | None = None
    f_draft_tokens: Family | None = None
    f_accepted: Family | None = None
    f_per_pos: Family | None = None

    def __init__(
        self,
        flavour: Flavour,
        version: str,
        spec_tokens: int = 0,
        spec_accept_rate: float = 0.8,
        kv_tokens: int = 1_000_000,
    ) -> None:
        self.flavour, self.version = flavour, version
        self.spec_tokens, self.spec_accept_rate, self.kv_tokens = spec_tokens, spec_accept_rate, kv_tokens
        self.lock = threading.Lock()
        self.running: list[Track] = []
        self.waiting = 0
        self._recent: deque[float] = deque()
        self._accept_credit = 0.0
        self.reset()

    # ----- registry ------------------------------------------------------------------------------
    def reset(self) -> None:
        """Fresh families: every counter back at zero with a new ``_created`` time, as after a restart."""
        registry = Registry()
        self.registry = registry
        self.queries = self.hits = self.drafts = self.accepted = 0
        if self.flavour == "vllm":
            build_vllm(self, registry, vtuple(self.version))
        else:
            build_sglang(self, registry)

    # ----- labels ------------------------------------------------------------------------------------
    def _sched(self, model: str) -> tuple[str, ...]:
        return (model, "0") if self.flavour == "vllm" else ("unified", model, "0", "0")

    def _tok(self, model: str) -> tuple[str, ...]:
        return (model, "0") if self.flavour == "vllm" else (model,)

    def register_model(self, model: str) -> None:
        """Create the model's series at start-up, as the engines do, so a fresh scrape has them at 0."""
        for family in self.registry.families:
            if family.name == "vllm:request_success":
                for reason in ("stop", "length", "abort"):
                    family.touch(model, "0", reason)
            elif family.name == "vllm:spec_decode_num_accepted_tokens_per_pos":
                for pos in range(self.spec_tokens):
                    family.touch(model, "0", str(pos))
            elif family.labelnames[:1] == ("engine_type",) or (self.flavour == "vllm"):
                family.touch(*self._sched(model))
            else:
                family.touch(*self._tok(model))

    # ----- events ----------------------------------------------------------------------------------
    def start(self, model: str, prompt: int, cached: int) -> Track:
        return Track(self, model, prompt, cached)

    def prefilled(self, track: Track, cached: int) -> None:
        tok = self._tok(track.model)
        with self.lock:
            self.running.append(track)
            self.queries += track.prompt
            self.hits += cached
        if self.flavour == "vllm":
            for fam in (self.f_queries, self.f_old_q):
                if fam is not None:
                    fam.inc(track.prompt, *tok)
            for fam in (self.f_hits, self.f_old_h):
                if fam is not None:
                    fam.inc(cached, *tok)
        self.f_prompt.inc(track.prompt, *tok)

    def token(self, track: Track, now: float) -> None:
        tok = self._tok(track.model)
        self.f_gen.inc(1, *tok)
        if track.last is None:
            self.f_ttft.observe(now - track.start, *tok)
        else:
            for fam in (self.f_itl, self.f_tpot):
                if fam is not None:
                    fam.observe(now - track.last, *tok)
        with self.lock:
            self._recent.append(now)
        if self.spec_tokens:
            self._speculate(track)

    def _speculate(self, track: Track) -> None:
        """One draft of ``spec_tokens`` per verify step; each step emits 1 + accepted tokens."""
        if track._step_left > 0:
            track._step_left -= 1
            return
        with self.lock:
            self._accept_credit += self.spec_accept_rate * self.spec_tokens
            accepted = min(self.spec_tokens, int(self._accept_credit))
            self._accept_credit -= accepted
            self.drafts += 1
            self.accepted += accepted
        track._step_left = accepted
        if self.flavour == "vllm" and self.f_drafts is not None:
            tok = self._tok(track.model)
            self.f_drafts.inc(1, *tok)
            self.f_draft_tokens.inc(self.spec_tokens, *tok)  # type: ignore[union-attr]
            self.f_accepted.inc(accepted, *tok)  # type: ignore[union-attr]
            for pos in range(accepted):
                self.f_per_pos.inc(1, *tok, str(pos))  # type: ignore[union-attr]

    def finished(self, track: Track, reason: str) -> None:
        tok = self._tok(track.model)
        with self.lock:
            if track in self.running:
                self.running.remove(track)
        self.f_e2e.observe(time.monotonic() - track.start, *tok)
        if self.flavour == "vllm":
            self.f_success.inc(1, *tok, reason)
        else:
            self.f_requests.inc(1, *tok)

    # ----- exposition --------------------------------------------------------------------------------
    def render(self, models: list[str]) -> str:
        """Set the gauges from the scheduler state now, then write every family."""
        now = time.monotonic()
        with self.lock:
            while self._recent and self._recent[0] < now - THROUGHPUT_WINDOW_S:
                self._recent.popleft()
            usage = min(1.0, sum(t.prompt + t.generated for t in self.running) / max(1, self.kv_tokens))
            running, waiting, recent = len(self.running), self.waiting, len(self._recent)
            hit_rate = self.hits / self.queries if self.queries else 0.0
            accept_len = 1 + self.accepted / self.drafts if self.drafts else 0.0
        for model in models[:1]:  # one engine serves one model; extra names are aliases
            labels = self._sched(model)
            self.f_running.set(running, *labels)
            self.f_waiting.set(waiting, *labels)
            if self.flavour == "vllm":
                self.f_kv.set(usage, *labels)
                if self.f_old_kv is not None:
                    self.f_old_kv.set(usage, *labels)
            else:
                self.f_usage.set(usage, *labels)
                self.f_throughput.set(recent / THROUGHPUT_WINDOW_S, *labels)
                self.f_hit_rate.set(hit_rate, *labels)
                self.f_accept_len.set(accept_len, *labels)
        return self.registry.render()
