"""How much of the model's context a chat uses, and whether the next prompt would overflow it.

Ollama reports, for each reply, `prompt_eval_count` (the whole conversation as sent, cached tokens
included since Ollama 0.2: ollama/ollama#5371) and `eval_count` (the reply, thinking included). Their sum
is what the conversation took of the context the model was loaded with (`/api/ps` `context_length`).
When a conversation outgrows `num_ctx`, Ollama says nothing: its chat handler drops the oldest messages
until the prompt fits (server/prompt.go, `chatPrompt`), and a reply that runs into the end of the window
shifts the context, forgetting its start. This module predicts that before a prompt goes out, and spots it
after a reply came back.

k here is 1,024 tokens for the used count and the context alike: contexts are sized in powers of two
("32k" is 32,768), and a gauge whose two figures used different ks would misread the fill.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from glmtui.core.state import GenerationStats, Turn

TEMPLATE_ALLOWANCE = 16
"""Tokens added for a new prompt besides its text: the chat template's markers that close the last
reply's turn and open the new user turn and the reply's (a few each in the templates seen; generous)."""
ASCII_CHARS_PER_TOKEN = 3
"""English prose is ~4 characters a token, code and numbers nearer 3: 3 keeps the estimate high."""
WARN_FRACTION = 0.80
CRITICAL_FRACTION = 0.95
HEADROOM = 1.25
"""A raised context holds the conversation plus a quarter more, for the next few turns."""
SMALLEST_RAISE = 2048
IMAGE_TOKENS_ESTIMATE = 768
"""What one image is counted as: an estimate, the figure Ollama's own truncation uses for an image
(ollama/ollama server/prompt.go, `imageNumTokens`: "Clip images are represented as 768 tokens"). Real
models vary (gemma3 takes 256 an image, Qwen-VL more with the resolution); the simulator counts the same
figure (simulator/images.py `IMAGE_TOKENS`)."""

ContextSource = Literal["loaded", "asked"]


def estimate_tokens(text: str) -> int:
    """A deliberately high token count for `text`: ASCII characters / 3 rounded up, plus one token
    per other character (CJK scripts are about one token a character; accented letters less)."""
    other = sum(1 for char in text if ord(char) > 127)
    return math.ceil((len(text) - other) / ASCII_CHARS_PER_TOKEN) + other


def used_by(stats: GenerationStats) -> int | None:
    """What one request took of the context, by Ollama's own counts (None: no final figures)."""
    if stats.prompt_eval_count is None or stats.eval_count is None:
        return None
    return stats.prompt_eval_count + stats.eval_count


def predict_next(
    turns: Sequence[Turn],
    prompt: str,
    system: str | None = None,
    *,
    preserve_thinking: bool = False,
    images: int = 0,
    earlier_images: bool = True,
) -> int:
    """The next request's size in tokens: the last counted request (its prompt and its reply), the turns
    since it (their text, estimated), and the new prompt with its template allowance.

    The last reply's thinking is counted though it is not sent back: a little high, never low. With
    `preserve_thinking` the traces do go back (core/preserve.py), and the turns since the last counted
    request count theirs too; the server's own count of the next request includes them. So do the turns
    before it, unless that request is known to have carried them (`Turn.sent_traces`): preserving
    turned on mid-chat, or a chat read back from the store, sends traces its count never held.
    Images count `IMAGE_TOKENS_ESTIMATE` each (an estimate): the new prompt's `images`, and those of the
    turns since the last counted request unless `earlier_images` is False (they are left out then)."""
    total, since = 0, list(turns)
    for index in range(len(turns) - 1, -1, -1):
        counted = used_by(turns[index].stats)
        if counted is not None:
            total, since = counted, list(turns[index + 1 :])
            if preserve_thinking and turns[index].sent_traces is not True:
                total += sum(_traces(turn) for turn in turns[:index])
            break
    else:
        total = estimate_tokens(system) + TEMPLATE_ALLOWANCE if system else 0
    for turn in since:
        for message in turn.as_messages(preserve_thinking=preserve_thinking, images=earlier_images):
            total += estimate_tokens(message["content"]) + TEMPLATE_ALLOWANCE
            total += estimate_tokens(message.get("thinking") or "")
            total += IMAGE_TOKENS_ESTIMATE * len(message.get("images") or ())
    return total + estimate_tokens(prompt) + TEMPLATE_ALLOWANCE + IMAGE_TOKENS_ESTIMATE * images


def _traces(turn: Turn) -> int:
    """The estimated tokens of the trace `turn` sends back with preserved thinking on (0: none goes)."""
    return sum(
        estimate_tokens(message.get("thinking") or "") for message in turn.as_messages(preserve_thinking=True)
    )


def raised_context(needed: int, model_max: int | None = None) -> int | None:
    """A num_ctx that holds `needed` tokens with headroom: the next power of two at or above a quarter
    more (2,048 at least), capped at the model's own maximum; None when even that is too small."""
    target = max(SMALLEST_RAISE, 1 << math.ceil(math.log2(max(1.0, needed * HEADROOM))))
    if model_max is not None and target > model_max:
        return model_max if model_max > needed else None
    return target


def format_tokens(count: int) -> str:
    """Token counts as the gauge shows them: 512, 1k, 28.1k, 32k (k = 1,024)."""
    if count < 1024:
        return str(count)
    thousands = count / 1024
    shown = f"{thousands:.1f}" if thousands < 100 else f"{thousands:.0f}"
    return f"{shown.removesuffix('.0')}k"


@dataclass(frozen=True, slots=True)
class ContextUse:
    """The last request's use of the context, and the context it is measured against."""

    model: str
    used: int
    context: int | None = None  # None: not known (never a made-up default)
    source: ContextSource | None = None  # `loaded`: /api/ps says so; `asked`: the num_ctx sent
    asked: int | None = None  # the num_ctx the request carried (None: the server's default)

    @property
    def fraction(self) -> float | None:
        return self.used / self.context if self.context else None

    @property
    def level(self) -> Literal["ok", "warn", "critical"]:
        fraction = self.fraction
        if fraction is None or fraction < WARN_FRACTION:
            return "ok"
        return "warn" if fraction < CRITICAL_FRACTION else "critical"

    @property
    def overflowed(self) -> bool:
        """The request filled the window: Ollama dropped or shifted out the oldest tokens."""
        return self.context is not None and self.used >= self.context

    def label(self) -> str:
        """`ctx 28.1k / 32k` (the loaded context), `… / 32k asked` (only the num_ctx sent is known),
        `ctx 28.1k / ?` (neither)."""
        if self.context is None:
            return f"ctx {format_tokens(self.used)} / ?"
        text = f"ctx {format_tokens(self.used)} / {format_tokens(self.context)}"
        return f"{text} asked" if self.source == "asked" else text


def truncated(turn: Turn, before: Sequence[Turn]) -> bool:
    """Whether Ollama dropped earlier messages from this turn's prompt: its prompt count fell below the
    last counted request's with the same model (a conversation only grows: the earlier prompt is part of
    this one). Another model's tokeniser counts differently, so only the same model is compared."""
    now = turn.stats.prompt_eval_count
    if now is None:
        return False
    for earlier in reversed(before):
        if earlier.stats.prompt_eval_count is not None and earlier.model == turn.model:
            return now < earlier.stats.prompt_eval_count
    return False
