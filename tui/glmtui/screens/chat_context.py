"""The chat's context: the gauge after each reply, the guard before a prompt that would overflow it.

Owned by the chat screen (one pane, one status bar). The figures are Ollama's own counts for the last
request (core/context.py says which and why); the context they are measured against is the one `/api/ps`
says the model is loaded with, else the num_ctx the request asked for, never a guessed default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from rich.text import Text

from glmtui.core import branches
from glmtui.core.context import ContextUse, predict_next, raised_context, truncated, used_by
from glmtui.core.model_names import same_model
from glmtui.core.state import GenerationRequest, Turn
from glmtui.screens.chat_host import ChatHost
from glmtui.screens.dialogs.context import Overflow
from glmtui.surface import current_model_info


def asked_context(options: Mapping[str, Any]) -> int | None:
    """The num_ctx a request carries (None: the server's default applies)."""
    value = options.get("num_ctx")
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


class ChatContext:
    """The gauge's figures, the num_ctx raised for this chat's models, and the overflow prediction."""

    def __init__(self, screen: ChatHost) -> None:
        self._screen = screen
        self.use: ContextUse | None = None
        """The last request's use of the context, as the gauge shows it."""
        self.raised: dict[str, int] = {}
        """num_ctx raised from the overflow dialog, per model: sent with every later request to it
        (a new chat keeps it, so the model is not reloaded back and forth)."""
        self._sent: tuple[Turn, int | None] | None = None  # the last turn sent, and the num_ctx it asked

    def raised_for(self, model: str) -> int | None:
        """The num_ctx raised for `model` in this chat (None: none)."""
        return next((ctx for name, ctx in self.raised.items() if same_model(name, model)), None)

    def drop_raise(self, model: str) -> None:
        """The num_ctx for `model` was set in the options editor: that one applies, not a raise before it."""
        for name in [name for name in self.raised if same_model(name, model)]:
            del self.raised[name]

    def request(self, request: GenerationRequest) -> GenerationRequest:
        """The request with this chat's raised num_ctx for its model, if any."""
        raised = self.raised_for(request.model)
        if raised is None:
            return request
        return replace(request, options={**request.options, "num_ctx": raised})

    def sent(self, turn: Turn, request: GenerationRequest) -> None:
        """A turn went out with this request (its num_ctx labels the gauge until /api/ps answers)."""
        self._sent = (turn, asked_context(request.options))

    def context_for(self, request: GenerationRequest) -> int | None:
        """The context the request will run in: the loaded one when the model is loaded with what the
        request asks for, else the num_ctx asked for; None when neither is known."""
        asked = asked_context(request.options)
        use = self.use
        if use is not None and use.context and same_model(use.model, request.model) and use.asked == asked:
            return use.context
        return asked

    # -- the gauge ------------------------------------------------------------------------------

    def show(self, use: ContextUse | None) -> None:
        self.use = use
        self._screen.status_bar.context = use

    async def reply_done(self, turn: Turn, *, notices: bool = True) -> None:
        """After a reply (or on resuming a conversation): the gauge from Ollama's counts, the context
        from /api/ps, and a notice in the chat when Ollama had to drop earlier messages."""
        used = used_by(turn.stats)
        if used is None:
            return
        screen = self._screen
        sent = self._sent
        asked = sent[1] if sent is not None and sent[0] is turn else self._asked_now()
        self.show(ContextUse(turn.model, used, asked, "asked" if asked else None, asked))
        loaded = await screen.app.loaded_context(turn.model)
        if loaded is not None:
            self.show(ContextUse(turn.model, used, loaded, "loaded", asked))
        if not notices or self.use is None:
            return
        turns = screen.pane.conversation.turns
        earlier = turns[: turns.index(turn)] if turn in turns else []
        if self.use.overflowed or truncated(turn, earlier):
            await screen.show_notice(self._dropped_notice(turn, self.use))

    def _asked_now(self) -> int | None:
        request = self._screen.app.generation_request()
        return asked_context(self.request(request).options) if request is not None else None

    @staticmethod
    def _dropped_notice(turn: Turn, use: ContextUse) -> Text:
        text = Text("⚠ Ollama dropped older messages: ", style="bold")
        if use.overflowed and use.context:
            text.append(
                f"this request took {use.used:,} tokens and the model's context holds {use.context:,}, "
                "so the oldest part of the conversation no longer reaches the model."
            )
        else:
            text.append(
                f"the prompt counted {turn.stats.prompt_eval_count:,} tokens, fewer than the request "
                "before it: the oldest messages were left out to fit num_ctx."
            )
        text.append(" Raise num_ctx or start a new chat to keep everything in view.", style="dim")
        return text

    # -- before sending -----------------------------------------------------------------------------

    async def overflow(
        self, prompt: str, request: GenerationRequest, sibling_of: Turn | None = None, *, images: int = 0
    ) -> Overflow | None:
        """What to ask before sending `prompt` (with `images` images): None when it fits (or the context
        is not known). `sibling_of`: it is sent beside that turn (regenerated or edited), after the
        context before it. Images count as an estimate (core/context.py `IMAGE_TOKENS_ESTIMATE`), and
        the dialog says so."""
        found = await self._overflow(prompt, request, sibling_of, images)
        return replace(found, images=images) if found is not None and images else found

    async def _overflow(
        self, prompt: str, request: GenerationRequest, sibling_of: Turn | None, images: int
    ) -> Overflow | None:
        context = self.context_for(request)
        if context is None:  # not loaded (another model, a resumed chat): the context it will load at
            context = await self._screen.app.expected_context(request.model)
        if context is None:
            return None
        conversation = self._screen.pane.conversation
        if sibling_of is not None:
            # What a sibling is sent after: not the branch shown, whose last reply (and the prompt again,
            # for a regenerate) would be counted in a request that does not carry them.
            conversation = branches.context_before(conversation, sibling_of)
        predicted = predict_next(
            conversation.turns,
            prompt,
            conversation.system,
            preserve_thinking=request.preserve_thinking,
            images=images,
            earlier_images=request.earlier_images,
        )
        if predicted <= context:
            return None
        app = self._screen.app
        if not app.service.capabilities.loaded_models:
            # vLLM/SGLang: the window is fixed when the engine starts (--max-model-len); no num_ctx to raise.
            why = f"the engine serves this model with at most {context:,} tokens (its max_model_len)"
            return Overflow(predicted, context, None, why)
        info = current_model_info(app)  # the request's model is the chat's
        model_max = info.context_length if info is not None and same_model(info.name, request.model) else None
        wanted = raised_context(predicted, model_max)
        if wanted is None:
            return Overflow(predicted, context, None, f"the model's maximum is {model_max:,} tokens")
        largest = await app.largest_fitting_context(request.model)
        if largest is not None and largest >= wanted:
            return Overflow(predicted, context, wanted)
        if largest is not None and largest > predicted and largest > context:
            return Overflow(predicted, context, largest)  # less headroom, but all on the GPU
        why = await app.context_shortfall(request.model, wanted)
        return Overflow(predicted, context, None, f"{wanted:,} tokens: {why}")
