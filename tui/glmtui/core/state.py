"""Plain dataclasses shared by services and widgets (no Textual imports).

These are the app's vocabulary: a conversation is a list of turns; a turn carries the prompt, the
(possibly partial) reply, the thinking trace and the figures measured for it. The live monitor's
readings are in core/readings.py (importable from here too).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

# The live monitor's readings live in core/readings.py; re-exported: some thirty modules and tests
# import them from here with the rest of the vocabulary.
from glmtui.core.readings import GpuProcess as GpuProcess
from glmtui.core.readings import GpuReading as GpuReading
from glmtui.core.readings import GpuSnapshot as GpuSnapshot
from glmtui.core.readings import LoadedModel as LoadedModel
from glmtui.core.readings import MonitorIntervals as MonitorIntervals
from glmtui.core.readings import MonitorSample as MonitorSample
from glmtui.core.readings import OllamaProcessReading as OllamaProcessReading
from glmtui.core.readings import OllamaSnapshot as OllamaSnapshot
from glmtui.core.readings import SystemReading as SystemReading

ThinkSetting = Literal["off", "on", "low", "medium", "high"]
"""What the user asked for. `on` sends `think: true`; levels are sent as strings; `off` sends false."""


class TurnStatus(StrEnum):
    """Lifecycle of one assistant reply. The store saves `.value`; str() gives the same text."""

    STREAMING = "streaming"
    DONE = "done"
    STOPPED = "stopped"  # the user pressed Esc; partial text kept
    FAILED = "failed"  # the server or the connection failed; partial text kept


EXACT = "exact"
CLIENT_TIMED = "client"


@dataclass(slots=True)
class GenerationStats:
    """Figures for one reply. Server figures come from Ollama's final chunk (nanoseconds).

    `timing` says where the durations came from: "exact" (the server's own, Ollama's final chunk) or
    "client" (an OpenAI-compatible engine sends token counts but no durations: glmtui timed them, from
    first token to last, network and batching included). A plain string, so the store's JSON keeps it;
    rows saved before it existed are Ollama's, and read back as the default.
    """

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
    timing: str = "exact"  # EXACT or CLIENT_TIMED (see the class docstring)

    @property
    def client_timed(self) -> bool:
        """The durations (eval, prompt, load) were timed by glmtui, not reported by the server."""
        return self.timing == CLIENT_TIMED

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


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A function call the model asked for in a reply. glmtui shows it; it never runs tools.

    `arguments` is JSON text: Ollama sends an object (dumped here), an OpenAI-compatible engine streams
    a string in pieces (joined; kept as sent even when it is not valid JSON, so nothing is hidden)."""

    name: str
    arguments: str = "{}"
    id: str = ""  # the engine's call id, when it gives one (OpenAI-compatible engines do)


@dataclass(frozen=True, slots=True)
class ImageAttachment:
    """An image sent with a prompt: Ollama's `images` (base64) on the user message."""

    name: str  # the file's name as attached (shown on the chip)
    size: int  # bytes of the file
    data: str  # base64 of the file's bytes, as Ollama's `images` and an OpenAI data URL take it


ChatMessage = dict[str, Any]
"""One chat message as sent: role, content, and optionally `images`, `thinking`, `tool_calls`."""


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
    id: int | None = None  # its row in the store, once saved
    endpoint: str = ""  # the endpoint's name that answered it ("" before endpoints were recorded)
    options: dict[str, Any] = field(default_factory=dict)  # the model options it was sent with
    preset: str = ""  # the preset active when it was sent ("" none)
    images: tuple[ImageAttachment, ...] = ()  # sent on its user message
    tool_calls: tuple[ToolCall, ...] = ()  # the reply's tool calls (shown, never run)
    # The turn it follows (None: a root, the first prompt or an edit of it): core/branches.py.
    parent: Turn | None = field(default=None, repr=False, compare=False)
    sent_traces: bool | None = None
    """Whether its request carried the earlier turns' traces (preserved thinking); in memory only, so
    None (not known) for a turn read back from the store: core/context.py then counts them again."""

    @property
    def unanswered(self) -> bool:
        """Stopped before anything came back (e.g. while queued): the model never saw it, or said nothing."""
        received = self.stats.thinking_tokens or self.stats.content_tokens
        return self.status is TurnStatus.STOPPED and not received

    def as_messages(self, *, preserve_thinking: bool = False, images: bool = True) -> list[ChatMessage]:
        """The chat messages this turn contributes to the next request's history.

        A failed turn with no reply contributes nothing: the model never answered it, and a retry sends
        the prompt again (kept, it would reach the model twice: five user messages in a row were seen).
        It stays on screen and in the history; only the context leaves it out.
        `preserve_thinking`: the reply's trace goes back too, as Ollama's `thinking` field on the
        assistant message (GLM-4.7-Flash's "preserved thinking"); off, it is left out, as Ollama's
        own clients do.
        `images`: False leaves the prompt's images out (a model known not to take images: vLLM refuses
        every request that carries one); they stay on the turn."""
        if not self.reply and (self.status is TurnStatus.FAILED or self.unanswered):
            return []
        messages = [user_message(self.prompt, self.images if images else ())]
        if self.reply:
            # A stopped or failed partial reply is still what the user saw, so the model sees it too.
            reply: ChatMessage = {"role": "assistant", "content": self.reply}
            if preserve_thinking and self.thinking:
                reply["thinking"] = self.thinking
            messages.append(reply)
        # The reply's tool calls stay out: never run, they have no result to pair with (core/tool_calls.py).
        return messages


def user_message(prompt: str, images: tuple[ImageAttachment, ...] = ()) -> ChatMessage:
    """A user message, with its images (base64) as Ollama's `images` field when there are any."""
    message: ChatMessage = {"role": "user", "content": prompt}
    if images:
        message["images"] = [image.data for image in images]
    return message


@dataclass(slots=True)
class BranchTree:
    """Every turn of a conversation, oldest first, and the alternative chosen at each position
    (core/branches.py keeps it; `Conversation.turns` is the branch it chooses).

    Positions are keyed by their parent turn's `id()` (turns are not hashable; every turn stays in
    `every`, so the ids stay theirs), or 0 for the roots."""

    every: list[Turn] = field(default_factory=list)
    chosen: dict[int, int] = field(default_factory=dict)  # position → id() of the turn shown there
    known: set[int] = field(default_factory=set)  # id() of each turn in `every`
    notice: str | None = None  # what loading had to repair, to say once when the conversation opens


@dataclass(slots=True)
class Conversation:
    """An ordered list of turns with one system prompt: `turns` is the branch shown (core/branches.py)."""

    turns: list[Turn] = field(default_factory=list)
    system: str | None = None
    id: int | None = None  # its row in the store, once saved
    title: str = ""
    endpoint: str = ""  # the endpoint of its last turn, as saved: where `--continue` reconnects
    # Every turn on every branch and the choice at each position; `turns` is the visible branch.
    branches: BranchTree = field(default_factory=BranchTree, repr=False, compare=False)

    def messages_for(
        self,
        prompt: str,
        images: tuple[ImageAttachment, ...] = (),
        *,
        preserve_thinking: bool = False,
        earlier_images: bool = True,
    ) -> list[ChatMessage]:
        """Everything said so far plus the new prompt: what `/api/chat` receives (`earlier_images`:
        False leaves the earlier prompts' images out, `Turn.as_messages`)."""
        messages: list[ChatMessage] = []
        if self.system:
            messages.append({"role": "system", "content": self.system})
        for turn in self.turns:
            messages.extend(turn.as_messages(preserve_thinking=preserve_thinking, images=earlier_images))
        messages.append(user_message(prompt, images))
        return messages


@dataclass(slots=True)
class GenerationRequest:
    """What a chat pane sends one prompt with: model, think, options (set from app or pane state)."""

    model: str
    think: ThinkSetting | None
    options: Mapping[str, Any] = field(default_factory=dict)
    keep_alive: str | None = None
    endpoint: str = ""  # the endpoint's name (recorded with the turn; the pane's engine speaks to it)
    tools: tuple[Mapping[str, Any], ...] = ()  # function definitions offered (a preset's), never run
    preset: str = ""  # the active preset's name, recorded with the turn
    preserve_thinking: bool = False  # earlier turns' traces go back with the history (core/preserve.py)
    earlier_images: bool = True  # False: earlier prompts' images stay out (a model known text-only)


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """An installed model as the listing (`/api/tags`) describes it.

    `ModelDetails` is what `/api/show` adds.
    """

    name: str
    size: int = 0
    family: str = ""
    parameter_size: str = ""
    quantization: str = ""
    modified_at: float | None = None  # epoch seconds
    digest: str = ""


@dataclass(frozen=True, slots=True)
class ModelDetails:
    """Everything `/api/show` says about one installed model (text fields already sanitised)."""

    name: str
    family: str = ""
    parameter_size: str = ""
    quantization: str = ""
    capabilities: tuple[str, ...] = ()
    context_length: int | None = None
    parameters: str = ""
    template: str = ""
    license: str = ""
    model_info: dict[str, object] = field(default_factory=dict)
    weights_blob: str = ""  # sha256 hex of the weights' blob (the modelfile's `FROM …/blobs/sha256-<hex>`)
    # A fact the server has but could not be read this time (a route that failed or timed out): what
    # it decides is unknown for now, and the details are asked for again at the next poll.
    partial: bool = False

    @property
    def can_think(self) -> bool:
        return "thinking" in self.capabilities


# -- pulls -----------------------------------------------------------------------------------------

PullState = Literal["queued", "pulling", "done", "failed", "cancelled"]


@dataclass(frozen=True, slots=True)
class PullUpdate:
    """One line of `/api/pull`'s progress stream."""

    status: str
    digest: str | None = None
    total: int | None = None
    completed: int | None = None


@dataclass(frozen=True, slots=True)
class PullProgress:
    """Where one pull stands: what the progress bar, the status bar and the models screen show."""

    name: str
    state: PullState = "queued"
    status: str = "queued"  # Ollama's phase: pulling manifest, downloading, verifying sha256 digest…
    completed: int = 0  # bytes, over all layers
    total: int = 0
    rate: float | None = None  # bytes per second, this pull's own downloads only
    eta_s: float | None = None
    error: str | None = None
    hint: str = ""

    @property
    def fraction(self) -> float | None:
        return self.completed / self.total if self.total else None

    @property
    def active(self) -> bool:
        return self.state in ("queued", "pulling")
