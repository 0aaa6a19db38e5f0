"""Plain dataclasses shared by services and widgets (no Textual imports).

These are the app's vocabulary: a conversation is a list of turns; a turn carries the prompt, the
(possibly partial) reply, the thinking trace and the figures measured for it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import Enum
from typing import Literal

ThinkSetting = Literal["off", "on", "low", "medium", "high"]
"""What the user asked for. `on` sends `think: true`; levels are sent as strings; `off` sends false."""


class TurnStatus(str, Enum):
    """Lifecycle of one assistant reply."""

    STREAMING = "streaming"
    DONE = "done"
    STOPPED = "stopped"  # the user pressed Esc; partial text kept
    FAILED = "failed"  # the server or the connection failed; partial text kept


@dataclass(slots=True)
class GenerationStats:
    """Figures for one reply. Server figures come from Ollama's final chunk (nanoseconds)."""

    ttft_s: float | None = None  # client-measured: request sent → first thinking or content token
    eval_count: int | None = None
    eval_duration_ns: int | None = None
    prompt_eval_count: int | None = None
    prompt_eval_duration_ns: int | None = None
    load_duration_ns: int | None = None
    total_duration_ns: int | None = None
    thinking_tokens: int = 0  # chunks of thinking received (Ollama sends one token per chunk)
    thinking_s: float | None = None  # first thinking token → first content token (or end)
    content_tokens: int = 0
    done_reason: str | None = None

    @property
    def eval_rate(self) -> float | None:
        """Exact tokens/sec as `ollama run --verbose` computes it; None when it cannot be known."""
        if not self.eval_count or not self.eval_duration_ns:
            return None
        return self.eval_count / (self.eval_duration_ns / 1e9)

    @property
    def prompt_eval_rate(self) -> float | None:
        """Prompt tokens/sec; None when the duration is 0 (e.g. the prompt was cached)."""
        if not self.prompt_eval_count or not self.prompt_eval_duration_ns:
            return None
        return self.prompt_eval_count / (self.prompt_eval_duration_ns / 1e9)

    @property
    def load_s(self) -> float | None:
        return None if self.load_duration_ns is None else self.load_duration_ns / 1e9

    @property
    def final(self) -> bool:
        """True once the server's final chunk (with exact figures) has been seen."""
        return self.eval_count is not None


@dataclass(slots=True)
class Turn:
    """One prompt and the reply to it."""

    prompt: str
    model: str
    think: ThinkSetting | None = None  # None: the model cannot think, nothing was sent
    reply: str = ""
    thinking: str = ""
    status: TurnStatus = TurnStatus.STREAMING
    error: str | None = None
    stats: GenerationStats = field(default_factory=GenerationStats)
    created_at: float = field(default_factory=time.time)

    def as_messages(self) -> list[dict[str, str]]:
        """The chat messages this turn contributes to the next request's history."""
        messages = [{"role": "user", "content": self.prompt}]
        if self.reply:
            # A stopped or failed partial reply is still what the user saw, so the model sees it too.
            messages.append({"role": "assistant", "content": self.reply})
        return messages


@dataclass(slots=True)
class Conversation:
    """An ordered list of turns with one system prompt."""

    turns: list[Turn] = field(default_factory=list)
    system: str | None = None

    def messages_for(self, prompt: str) -> list[dict[str, str]]:
        """Everything said so far plus the new prompt: what `/api/chat` receives."""
        messages: list[dict[str, str]] = []
        if self.system:
            messages.append({"role": "system", "content": self.system})
        for turn in self.turns:
            messages.extend(turn.as_messages())
        messages.append({"role": "user", "content": prompt})
        return messages


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """An installed model as `/api/tags` and `/api/show` describe it."""

    name: str
    size: int = 0
    family: str = ""
    parameter_size: str = ""
    quantization: str = ""
    capabilities: tuple[str, ...] = ()

    @property
    def can_think(self) -> bool:
        return "thinking" in self.capabilities
