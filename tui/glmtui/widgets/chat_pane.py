"""ChatPane: one conversation with one model — its log, its generation worker, its figures.

The compare screen (A/B) mounts two of these; each streams, stops and fails on its own because
exclusive workers cancel only within their own node.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import replace

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.worker import Worker, WorkerCancelled, WorkerFailed

from glmtui.core import branches
from glmtui.core.attachments import chip_label
from glmtui.core.errors import GlmTuiError
from glmtui.core.state import (
    ChatMessage,
    Conversation,
    GenerationRequest,
    GenerationStats,
    ImageAttachment,
    Turn,
    TurnStatus,
)
from glmtui.core.stats import LiveStats
from glmtui.core.tool_calls import ToolCallCollector
from glmtui.core.units import format_rate
from glmtui.services.engines.base import ContentDelta, Engine, StreamDone, ThinkingDelta, ToolCallDelta
from glmtui.services.trace import enabled as trace_enabled
from glmtui.services.trace import trace
from glmtui.widgets.branch_prompt import BranchPrompt
from glmtui.widgets.chat_log import MOUNTED_TURNS, ChatLog
from glmtui.widgets.message import ReplyView


class ChatPane(Vertical):
    """A chat log plus the worker that streams replies into it."""

    DEFAULT_CSS = """
    ChatPane { height: 1fr; }
    """

    class Started(Message):
        """A reply started streaming (so the screen can show the live rate)."""

        def __init__(self, pane: ChatPane, turn: Turn, live: LiveStats) -> None:
            super().__init__()
            self.pane, self.turn, self.live = pane, turn, live

    class Finished(Message):
        """A reply ended: done, or stopped by the user. The turn holds the text and stats."""

        def __init__(self, pane: ChatPane, turn: Turn) -> None:
            super().__init__()
            self.pane, self.turn = pane, turn

    class Failed(Message):
        """A reply failed; the turn keeps its partial text."""

        def __init__(self, pane: ChatPane, turn: Turn, error: GlmTuiError) -> None:
            super().__init__()
            self.pane, self.turn, self.error = pane, turn, error

    def __init__(
        self,
        service: Engine,
        *,
        system: str | None = None,
        low_bandwidth: bool = False,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.service = service
        self.low_bandwidth = low_bandwidth
        self.conversation = Conversation(system=system)
        self.log_view = ChatLog()
        self._worker: Worker[None] | None = None
        self._current: tuple[Turn, ReplyView] | None = None
        # A prompt shown but not sent yet (the compare screen's sequential mode, the chat while the model is
        # not known): its turn, view and request. Its history is built when it goes (`start_queued`).
        self._queued: tuple[Turn, ReplyView, GenerationRequest] | None = None
        # `send` is between showing a new turn and starting (or queueing) it: a second prompt would
        # otherwise go out beside it, as nothing is streaming or queued yet.
        self._sending = False
        self._generating = False  # the worker's body is running
        # The streaming reply's text and figures so far (the worker's own lists), for partial saves.
        self._so_far: tuple[list[str], list[str], LiveStats] | None = None
        self._calls = ToolCallCollector()  # the streaming reply's tool calls so far

    def compose(self) -> ComposeResult:
        yield self.log_view

    @property
    def is_streaming(self) -> bool:
        # The worker's body, once started, runs to its end (its finally renders the last state); a
        # turn still marked streaming means a body is about to start. A worker cancelled before its
        # first step never runs at all and never reports finishing: stop() closes its turn instead.
        if self._generating:
            return True
        current = self._current
        return (
            self._worker is not None
            and not self._worker.is_finished
            and self._queued is None
            and current is not None
            and current[0].status is TurnStatus.STREAMING
        )

    @property
    def is_queued(self) -> bool:
        return self._queued is not None

    @property
    def is_busy(self) -> bool:
        """Streaming, holding a queued prompt that has not started yet, or sending one now."""
        return self._sending or self._queued is not None or self.is_streaming

    @property
    def current_turn(self) -> Turn | None:
        """The turn streaming or queued now (or the last one sent)."""
        return self._current[0] if self._current is not None else None

    @property
    def current_view(self) -> ReplyView | None:
        return self._current[1] if self._current is not None else None

    @property
    def streaming_model(self) -> str | None:
        """The model of the reply streaming now, if any."""
        return self._current[0].model if self.is_streaming and self._current is not None else None

    async def send(
        self,
        prompt: str,
        request: GenerationRequest,
        *,
        queued: str | None = None,
        images: tuple[ImageAttachment, ...] = (),
        chips: Sequence[str] = (),
        sibling_of: Turn | None = None,
    ) -> Turn:
        """Show the prompt, start streaming the reply, and return the new turn.

        With `queued` (the text to show meanwhile) the prompt is shown but only sent by `start_queued`.
        `images` go on its user message; `chips` name its attachments above it (name and size).
        With `sibling_of` (a turn of the visible branch) it is a new branch beside that turn (a
        regenerated reply or an edited prompt): sent after what came before that turn, and the turns
        after it stay on the old branch; a turn not in this conversation's tree (one of the conversation
        shown before) is refused with ValueError, as is a send while another is being made.
        """
        if sibling_of is not None and not branches.belongs(self.conversation, sibling_of):
            raise ValueError("sibling_of is not a turn of the conversation shown")
        if self._sending:
            raise ValueError("a prompt is being sent already")
        self._sending = True
        try:
            return await self._send(prompt, request, queued, images, chips, sibling_of)
        finally:
            self._sending = False

    async def _send(
        self,
        prompt: str,
        request: GenerationRequest,
        queued: str | None,
        images: tuple[ImageAttachment, ...],
        chips: Sequence[str],
        sibling_of: Turn | None,
    ) -> Turn:
        messages = branches.request_messages(self.conversation, prompt, images, request, before=sibling_of)
        turn = Turn(
            prompt=prompt,
            model=request.model,
            think=request.think,
            endpoint=request.endpoint,
            options=dict(request.options),
            preset=request.preset,
            images=images,
        )
        if sibling_of is None:
            branches.append(self.conversation, turn)
        else:
            branches.add_sibling(self.conversation, turn, sibling_of)
            await self.show_branch(len(self.conversation.turns) - 1, shown_after=False)
        view = ReplyView(turn, low_bandwidth=self.low_bandwidth)
        self.log_view.anchor()  # sending is a clear sign the user wants to follow the reply
        place = branches.place(self.conversation, turn)
        await self.log_view.add_turn(BranchPrompt(turn, place, chips=chips), view)
        self._current = (turn, view)
        if queued is not None:
            view.set_waiting(queued)
            self._queued = (turn, view, request)
        else:
            self._worker = self.generate(turn, messages, view, request)
        return turn

    async def load(self, conversation: Conversation) -> None:
        """Show a saved conversation and continue it: the next prompt carries all of its turns. A prompt
        still queued belongs to the conversation shown before: it is stopped unsent (as Esc does)."""
        self._close_queued()
        self.conversation = conversation
        await self._show_turns(len(conversation.turns))

    async def _show_turns(self, count: int, room: int = 0) -> None:
        """Show the visible branch's first `count` turns afresh (the last MOUNTED_TURNS of them mounted,
        less `room` for turns the caller adds at once: none is pushed out before the rest mount)."""
        turns = self.conversation.turns[:count]
        window = MOUNTED_TURNS - room
        shown = turns[-window:]
        places = branches.places(self.conversation)[:count][-window:]
        views = [
            (BranchPrompt(turn, place, chips=image_chips(turn)), ReplyView(turn, saved=True))
            for turn, place in zip(shown, places, strict=True)
        ]
        await self.log_view.load_turns(views, len(turns) - len(shown))  # type: ignore[arg-type]

    async def show_branch(self, keep: int, *, shown_after: bool = True) -> None:
        """The visible branch changed after its first `keep` turns (a move between branches, or a new
        branch): the log keeps those and shows the rest of the branch now visible (`shown_after`
        False: nothing after them yet, the caller adds the new turn). Only a window of turns stays
        mounted, as always: a cut above that window, or a long tail, shows the branch afresh."""
        turns = self.conversation.turns
        tail = turns[keep:] if shown_after else []
        if len(tail) > MOUNTED_TURNS or not await self.log_view.cut_turns(keep):
            await self._show_turns(len(turns)) if shown_after else await self._show_turns(keep, room=1)
            return
        places = branches.places(self.conversation)[keep : keep + len(tail)]
        for turn, place in zip(tail, places, strict=True):
            await self.log_view.add_turn(
                BranchPrompt(turn, place, chips=image_chips(turn)), ReplyView(turn, saved=True)
            )

    def partial(self) -> Turn | None:
        """A copy of the streaming turn with its text and figures so far (None when nothing streams):
        what the journal saves as it streams, so a crash loses only the last seconds."""
        so_far, current = self._so_far, self._current
        if so_far is None or current is None or current[0].status is not TurnStatus.STREAMING:
            return None
        content, thinking, live = so_far
        return replace(
            current[0],
            reply="".join(content),
            thinking="".join(thinking),
            stats=live.snapshot(),
            tool_calls=self._calls.calls(),
        )

    def new_conversation(self, system: str | None) -> None:
        """Start afresh; a prompt still queued is stopped unsent (it belongs to the conversation left)."""
        self._close_queued()
        self.conversation = Conversation(system=system)

    def start_queued(self, request: GenerationRequest | None = None) -> bool:
        """Send the queued prompt now. False if there was none (it was stopped meanwhile).

        `request` replaces the one it was queued with (the chat queues before its model is known). A turn
        that is not in the conversation shown (it was replaced meanwhile) is stopped unsent, never sent
        with another conversation's history."""
        if self._queued is None:
            return False
        turn, view, queued_with = self._queued
        if not branches.belongs(self.conversation, turn):
            self._close_queued()
            return False
        request = request or queued_with
        # The history as this request has it (preserved thinking, earlier images), built now, not as the
        # placeholder it was queued with; the queued turn keeps its own prompt and images.
        messages = branches.request_messages(
            self.conversation, turn.prompt, turn.images, request, before=turn
        )
        turn.model, turn.think, turn.endpoint = request.model, request.think, request.endpoint
        turn.options, turn.preset = dict(request.options), request.preset
        self._queued = None
        view.set_waiting("waiting for the model…")
        self._worker = self.generate(turn, messages, view, request)
        return True

    def stop(self) -> bool:
        """Stop the streaming (or queued) reply, keeping its partial text. True if there was one."""
        if self._close_queued():
            return True
        worker = self._worker
        if not self.is_streaming or worker is None:
            return False
        if not self._generating and self._current is not None:
            # The body has not started, and a task cancelled before its first step never runs: close
            # the turn here. (If the body does start after all, it sees the turn closed and returns.)
            self._close_unsent(*self._current)
        worker.cancel()
        return True

    def _close_queued(self) -> bool:
        """Stop the queued prompt, if any, unsent (True if there was one)."""
        if self._queued is None:
            return False
        turn, view, _ = self._queued
        self._queued = None
        self._close_unsent(turn, view)
        return True

    def _close_unsent(self, turn: Turn, view: ReplyView) -> None:
        """Stop a turn no worker body will end (queued, or cancelled before it ran) and say so."""
        turn.status = TurnStatus.STOPPED
        self.call_later(view.finish)
        self.post_message(self.Finished(self, turn))

    async def stop_and_wait(self) -> None:
        """Stop streaming and wait until the partial reply has been finalised."""
        worker = self._worker
        generating = self._generating
        if self.stop() and worker is not None and generating:
            with contextlib.suppress(WorkerCancelled, WorkerFailed):
                await worker.wait()

    @work(exclusive=True, group="generate", exit_on_error=False)
    async def generate(
        self, turn: Turn, messages: list[ChatMessage], view: ReplyView, request: GenerationRequest
    ) -> None:
        if turn.status is not TurnStatus.STREAMING:
            return  # stopped before this body started: stop() has already closed the turn
        self._generating = True
        try:
            await self._generate(turn, messages, view, request)
        finally:
            self._generating = False

    async def _generate(
        self, turn: Turn, messages: list[ChatMessage], view: ReplyView, request: GenerationRequest
    ) -> None:
        live = LiveStats()
        turn.sent_traces = request.preserve_thinking  # what its server count holds (core/context.py)
        view.start(live)
        self.post_message(self.Started(self, turn, live))
        thinking: list[str] = []
        content: list[str] = []
        self._so_far = (content, thinking, live)
        calls = self._calls = ToolCallCollector()
        error: GlmTuiError | None = None
        final: GenerationStats | None = None
        status = TurnStatus.FAILED
        try:
            async for event in self.service.chat(
                request.model,
                messages,
                think=request.think,
                live=live,
                options=request.options,
                keep_alive=request.keep_alive,
                tools=request.tools,
            ):
                if type(event) is ContentDelta:
                    content.append(event.text)
                    view.feed_content(event.text)
                elif type(event) is ThinkingDelta:
                    thinking.append(event.text)
                    view.feed_thinking(event.text)
                elif type(event) is ToolCallDelta:
                    calls.add(event.index, id=event.id, name=event.name, arguments=event.arguments)
                elif type(event) is StreamDone:
                    if trace_enabled():
                        trace("final_chunk", tokens=live.tokens, eval_rate=format_rate(event.stats.eval_rate))
                    final = event.stats
            status = TurnStatus.DONE
        except asyncio.CancelledError:
            # Esc right after the final chunk still leaves a complete reply.
            status = TurnStatus.DONE if final is not None else TurnStatus.STOPPED
        except GlmTuiError as exc:
            error = exc
        except Exception as exc:
            error = GlmTuiError(f"Unexpected error: {type(exc).__name__}: {exc}", kind="internal")
        finally:
            # Text and figures first, status last: a turn that reads as ended always has its text.
            turn.reply = "".join(content)
            turn.thinking = "".join(thinking)
            turn.tool_calls = calls.calls()  # what arrived, even of a call cut short
            turn.stats = final if final is not None and status is TurnStatus.DONE else live.snapshot()
            turn.error = error.message if error is not None else None
            turn.status = status
            self._so_far = None
            if self.is_attached:
                await view.finish()
                if trace_enabled():
                    self.call_after_refresh(
                        lambda: trace(
                            "reply_rendered", widgets=len(self.screen.query("*")), status=turn.status.value
                        )
                    )
        if error is not None:
            self.post_message(self.Failed(self, turn, error))
        else:
            self.post_message(self.Finished(self, turn))


def image_chips(turn: Turn) -> list[str]:
    """A saved turn's chips: its images (a text file is part of its prompt's text)."""
    return [chip_label(image) for image in turn.images]
