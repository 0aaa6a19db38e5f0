"""Sending a prompt from the chat screen: the request it goes with, the overflow check and its dialog,
a prompt queued until the model is known, and the re-check that it still goes where it was checked for.

One part of the chat screen beside it (as `chat_context.py`, `chat_presets.py`, …), reaching the screen
through a small protocol rather than an import of it.
"""

from __future__ import annotations

from typing import Protocol

from glmtui.core.state import Conversation, GenerationRequest, Turn, TurnStatus
from glmtui.screens.chat_attach import ChatAttachments
from glmtui.screens.chat_branches import ChatBranches
from glmtui.screens.chat_context import ChatContext
from glmtui.screens.chat_host import ChatHost
from glmtui.screens.chat_presets import ChatPresets
from glmtui.screens.chat_thinking import PreservedThinking
from glmtui.screens.dialogs.context import ContextOverflowScreen, Overflow, OverflowChoice


class SendHost(ChatHost, Protocol):
    """What sending needs of its screen (the chat screen; a protocol, not an import of it)."""

    context: ChatContext
    presets: ChatPresets
    preserved: PreservedThinking
    attach: ChatAttachments
    branches: ChatBranches

    async def new_chat(self) -> None: ...


class ChatSender:
    """Sends the chat screen's prompts (one per chat screen)."""

    def __init__(self, screen: SendHost) -> None:
        self._screen = screen
        self._checking = False  # the overflow check awaits the server: Enter waits for it
        # The overflow dialog asking about a prompt: it asks only while it is in the screen stack (the
        # palette's "New chat" or a resume pops it without an answer: nothing waits for it then).
        self._dialog: ContextOverflowScreen | None = None

    @property
    def _asking(self) -> bool:
        dialog = self._dialog
        return self._checking or (dialog is not None and dialog in self._screen.app.screen_stack)

    async def submit(
        self, text: str, *, from_input: bool = False, checked: bool = False, sibling_of: Turn | None = None
    ) -> bool:
        """Send a prompt, or queue it (shown as waiting) until the model is known and its facts read:
        an Enter pressed while Ollama is still listing models is not lost. False when refused, or held
        for the overflow dialog (which sends it, or not, itself): the prompt stays where it was.

        `checked`: the overflow dialog was answered (send it as it is). `sibling_of`: a new branch beside
        that turn (regenerated or edited, core/branches.py)."""
        app = self._screen.app
        if self.refuses():
            return False
        if sibling_of is not None and not self._still_there(
            self._screen.pane.conversation, sibling_of, from_input
        ):
            return False
        request = self._request()
        if request is None:
            waiting = GenerationRequest(model=app.model, think=None)
            images, chips = self._screen.attach.take(text, beside=sibling_of)
            queued = "queued: waiting for Ollama and the model…"
            await self._screen.pane.send(
                text, waiting, queued=queued, images=images, chips=chips, sibling_of=sibling_of
            )
            await self.model_ready()  # it may have become ready while the prompt was being shown
            return True
        if not checked:
            conversation = self._screen.pane.conversation
            self._checking = True
            try:
                pictures = len(self._screen.attach.peek(text, beside=sibling_of))
                overflow = await self._screen.context.overflow(text, request, sibling_of, images=pictures)
            finally:
                self._checking = False
            # The check awaited (the server was asked): a resume, or anything else that got through, may
            # have changed the chat meanwhile. It goes only where it was checked for.
            if not self._still_there(conversation, sibling_of, from_input):
                self._screen.attach.unstage()  # the box keeps the prompt and its chips; Enter prepares again
                return False
            if overflow is not None:
                self._ask_overflow(text, request.model, overflow, from_input, sibling_of)
                return False
        images, chips = self._screen.attach.take(text, beside=sibling_of)
        sent = await self._screen.pane.send(text, request, images=images, chips=chips, sibling_of=sibling_of)
        await self._started(sent, request)
        return True

    def refuses(self) -> bool:
        """Whether a prompt cannot go now (said so): a reply streams, or another prompt is checked or
        asked about. The screen asks before it prepares a typed prompt, so a refused one is never staged
        (its chips stay the next prompt's, and the one being asked about keeps its own staging)."""
        if self._screen.pane.is_busy:
            self._screen.app.notify(
                "A reply is still streaming: press Esc to stop it first.", severity="warning"
            )
            return True
        if self._screen.branches.stepping:
            self._screen.app.notify(
                "Another branch is being shown: send once it is (the prompt stays in the box).", timeout=4
            )
            return True
        if self._asking:
            why = (
                "The overflow dialog asks about another prompt: answer it first."
                if self._dialog is not None and not self._checking
                else "Another prompt is being checked before it is sent: nothing was sent."
            )
            self._screen.app.notify(why, severity="warning", timeout=4)
            return True
        return False

    @property
    def submitting(self) -> bool:
        """A prompt is being checked before it is sent (or the overflow dialog asks about it): moving
        between branches or to a new chat waits, so it goes where it was checked for."""
        return self._asking

    def _still_there(self, conversation: Conversation, sibling_of: Turn | None, from_input: bool) -> bool:
        """Whether a prompt checked for `conversation` (beside `sibling_of`) can still go: the same
        conversation shown, the turn still on its visible branch, nothing streaming. If not, it is not
        sent, and said so (a typed prompt stays in the box)."""
        pane = self._screen.pane
        if (
            pane.conversation is conversation
            and (sibling_of is None or any(t is sibling_of for t in conversation.turns))
            and not pane.is_busy
        ):
            return True
        kept = " The prompt is still in the box." if from_input else ""
        self._screen.app.notify(
            f"The chat changed while the prompt was checked: nothing was sent.{kept}", severity="warning"
        )
        return False

    def _ask_overflow(
        self, text: str, model: str, overflow: Overflow, from_input: bool, sibling_of: Turn | None = None
    ) -> None:
        """Ask what to do about a prompt that would overflow the context (Esc: nothing, keep it)."""

        def answered(choice: OverflowChoice | None) -> None:
            self._dialog = None
            if choice is not None:
                self._screen.app.run_worker(
                    self._overflow_answer(text, model, overflow, from_input, choice, sibling_of),
                    exit_on_error=False,
                )

        self._dialog = ContextOverflowScreen(overflow)
        self._screen.app.push_screen(self._dialog, answered)

    async def _overflow_answer(
        self,
        text: str,
        model: str,
        overflow: Overflow,
        from_input: bool,
        choice: OverflowChoice,
        sibling_of: Turn | None = None,
    ) -> None:
        if choice == "new":
            await self._to_new_chat(text, from_input, sibling_of)
            return
        if choice == "raise" and overflow.raise_to is not None:
            self._screen.context.raised[model] = overflow.raise_to
            raised = f"{overflow.raise_to:,}"
            self._screen.app.notify(
                f"num_ctx {raised} for {model} in this chat: Ollama reloads it.", timeout=4
            )
        if await self.submit(text, from_input=from_input, checked=True, sibling_of=sibling_of) and from_input:
            self._screen.prompt_input.clear()
            if sibling_of is self._screen.branches.editing:  # an edit, or a moved prompt (`carrying`)
                self._screen.branches.edit_sent()  # the draft from before comes back

    async def _to_new_chat(self, text: str, from_input: bool, sibling_of: Turn | None) -> None:
        """The overflow dialog's "new chat": the prompt goes into the new chat's box, with its images.
        A prompt typed in the box stays there with its chips. A regenerated or edited one (`sibling_of`)
        comes with its turn's images as chips; a draft the box held (and its chips) is not lost: the
        prompt takes the box, marked, and the draft comes back once it is sent, or at Esc, as after an
        edit (chat_branches.py `carry`): the same rule the edit already follows, so nothing new to learn,
        and Enter never sends the draft in the prompt's place, nor both glued together."""
        screen = self._screen
        branches = screen.branches
        moving = branches.editing is not None or branches.carrying  # the box holds an edit or a moved prompt
        if from_input and not moving:
            await screen.new_chat()  # the prompt box keeps what was typed, and its chips
            screen.app.notify("A new chat: the prompt is in the box, Enter sends it.", timeout=4)
            return
        # The turn's own images, judged for this model (a verdict that drops them is said, as `take` says).
        images = screen.attach.peek(text, beside=sibling_of, say=True)
        if from_input:  # the edit or the moved prompt itself: it keeps the box; the draft stays held
            draft = branches.draft
            branches.drop_edit()
        else:  # a regenerate: an edit or moved prompt open in the box ends first, the draft given back
            branches.reset()
            draft = screen.prompt_input.text
        await screen.new_chat()
        held = branches.carry(text, draft)
        screen.attach.carry(images, hold=held)
        back = " Your draft comes back once it is sent (Esc: now)." if held else ""
        with_images = f" with its {len(images)} image(s)" if images else ""
        screen.app.notify(
            f"A new chat: the prompt is in the box{with_images}, Enter sends it.{back}", timeout=6
        )

    async def _started(self, turn: Turn, request: GenerationRequest) -> None:
        """Save the turn as it starts. From the chat screen's own task (Enter) this runs before the pane's
        Finished is handled; from elsewhere (Ctrl+R, the palette, the overflow answer's worker, a queued
        prompt sent at `model_ready`) the reply may end first, while the save awaits the store: its end
        was then not saved (no id yet, `journal.turn_ended` skipped it), so it is saved here (idempotent).
        """
        self._screen.context.sent(turn, request)
        journal = self._screen.app.journal
        await journal.turn_started(
            self._screen.pane.conversation,
            turn,
            digest=self._screen.app.model_digest,
            options=dict(request.options),
        )
        if turn.status is not TurnStatus.STREAMING:
            await journal.turn_ended(turn)

    def _request(self) -> GenerationRequest | None:
        """What to send with, or None to queue: no model known yet, or the watchdog knows the server
        is offline (or not Ollama). A queued prompt goes when it is back (`model_ready`); Esc drops it."""
        request = self._screen.app.generation_request() if self._screen.app.connection == "online" else None
        if request is not None:
            self._screen.pane.service = (
                self._screen.app.service
            )  # the chat's endpoint's engine, wherever it moved
        return (
            self._screen.attach.request(
                self._screen.preserved.request(
                    self._screen.context.request(self._screen.presets.apply(request))
                )
            )
            if request is not None
            else None
        )

    async def model_ready(self) -> None:
        """The app knows its model now (or is back online): send the prompt queued meanwhile, if any."""
        self._screen.preserved.show()  # the model (and what it takes back) may have changed
        await (
            self._screen.presets.judge()
        )  # the model's family is known now: a preset for another one goes first
        request = self._request()
        turn = self._screen.pane.current_turn
        if request is not None and turn is not None and self._screen.pane.is_queued:
            self._screen.attach.judge_queued(turn)  # its images, now the model is known
        if request is not None and turn is not None and self._screen.pane.start_queued(request):
            await self._started(turn, request)
