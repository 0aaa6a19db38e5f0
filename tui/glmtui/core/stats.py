"""Speed figures: a live estimate while streaming, exact figures from Ollama's final chunk.

While tokens arrive we only have client-side timing, so the live rate is an *estimate* (tokens
counted per chunk over a sliding window). When the final `done: true` chunk arrives, Ollama's own
`eval_count / eval_duration` replaces it: that is the figure `ollama run --verbose` prints.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

from glmtui.core.state import GenerationStats
from glmtui.core.units import format_rate, format_seconds


class LiveStats:
    """Tracks one reply's timing as chunks arrive. Cheap enough to call per token."""

    WINDOW_S = 2.0  # the live rate is measured over the last two seconds

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.started = clock()
        self.first_token_at: float | None = None
        self.first_content_at: float | None = None
        self.last_token_at: float | None = None
        self.tokens = 0
        self.thinking_tokens = 0
        self.content_tokens = 0
        self._recent: deque[float] = deque()

    def on_token(self, thinking: bool) -> None:
        now = self._clock()
        if self.first_token_at is None:
            self.first_token_at = now
        if thinking:
            self.thinking_tokens += 1
        else:
            self.content_tokens += 1
            if self.first_content_at is None:
                self.first_content_at = now
        self.tokens += 1
        self.last_token_at = now
        recent = self._recent
        recent.append(now)
        cutoff = now - self.WINDOW_S
        while recent and recent[0] < cutoff:
            recent.popleft()

    @property
    def ttft_s(self) -> float | None:
        return None if self.first_token_at is None else self.first_token_at - self.started

    @property
    def thinking_s(self) -> float | None:
        """How long the model thought: first thinking token → first answer token (or now)."""
        if self.first_token_at is None or self.thinking_tokens == 0:
            return None
        end = self.first_content_at or self.last_token_at or self._clock()
        return end - self.first_token_at

    def rate(self) -> float | None:
        """Estimated tokens/sec over the recent window; None before two tokens have arrived."""
        recent = self._recent
        if len(recent) < 2:
            return None
        now = self._clock()
        cutoff = now - self.WINDOW_S
        while recent and recent[0] < cutoff:
            recent.popleft()
        if len(recent) < 2:
            return 0.0
        span = max(now, recent[-1]) - recent[0]
        return (len(recent) - 1) / span if span > 0 else None

    def snapshot(self) -> GenerationStats:
        """Client-side figures so far (used for stopped or failed replies too)."""
        return GenerationStats(
            ttft_s=self.ttft_s,
            thinking_tokens=self.thinking_tokens,
            thinking_s=self.thinking_s,
            content_tokens=self.content_tokens,
        )


def _int_or_none(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, float)) else None


def final_stats(live: LiveStats, final: Mapping[str, Any]) -> GenerationStats:
    """Merge the client's timing with the exact figures of Ollama's final chunk."""
    stats = live.snapshot()
    stats.eval_count = _int_or_none(final.get("eval_count"))
    stats.eval_duration_ns = _int_or_none(final.get("eval_duration"))
    stats.prompt_eval_count = _int_or_none(final.get("prompt_eval_count"))
    stats.prompt_eval_duration_ns = _int_or_none(final.get("prompt_eval_duration"))
    stats.load_duration_ns = _int_or_none(final.get("load_duration"))
    stats.total_duration_ns = _int_or_none(final.get("total_duration"))
    reason = final.get("done_reason")
    stats.done_reason = reason if isinstance(reason, str) else None  # the server's JSON, unchecked
    if stats.eval_count is None:
        stats.eval_count = 0  # the server sent a final chunk without counts: still final
    return stats


CLIENT_MARK = "client-timed"  # the word on every figure glmtui timed itself (see GenerationStats.timing)


def timed(text: str, stats: GenerationStats) -> str:
    """A duration-derived figure with its origin: `812.30 tok/s (client-timed)`; exact ones as they are."""
    return f"{text} ({CLIENT_MARK})" if stats.client_timed else text


def rate_text(stats: GenerationStats, digits: int = 2) -> str:
    """The reply's eval rate, marked when glmtui timed it."""
    return timed(format_rate(stats.eval_rate, digits), stats)


def summary_parts(stats: GenerationStats) -> list[tuple[str, str]]:
    """(label, value) pairs describing a finished reply, for the stats line under it.

    A client-timed reply (an OpenAI-compatible engine) has exact token counts but no server durations:
    its rate says so, its prompt shows the count alone (no prompt rate, and no "(cached)": the server
    did not say), and load shows only when glmtui waited for one."""
    parts: list[tuple[str, str]] = [("TTFT", format_seconds(stats.ttft_s))]
    if stats.final:
        parts.append(("eval", rate_text(stats)))
        parts.append(("tokens", str(stats.eval_count)))
        prompt_rate = stats.prompt_eval_rate
        prompt = f"{stats.prompt_eval_count or 0} tok"
        if stats.client_timed:
            if stats.prompt_eval_count is not None:
                parts.append(("prompt", prompt))
            if stats.load_s is not None:
                parts.append(("load", timed(format_seconds(stats.load_s), stats)))
            return parts
        prompt += f" @ {format_rate(prompt_rate)}" if prompt_rate is not None else " (cached)"
        parts.append(("prompt", prompt))
        parts.append(("load", format_seconds(stats.load_s)))
    else:
        parts.append(("tokens", f"{stats.thinking_tokens + stats.content_tokens} received"))
    return parts
