"""The chat's attachments: the files waiting for the next prompt, `@path` completion in the prompt box, the
file picker, and what a prompt is sent with (the text files fenced into it, the images beside it).

How it behaves (the README's usage section says the same):
- `@` plus a path in the prompt box lists completions; accepting a folder completes it and lists its
  entries, accepting a file attaches it: once attached, the `@path` leaves the text and a chip appears
  above the box (refused, the `@path` stays). `@` starts a path at a word's start; a backslash escapes
  a space in one (core/path_complete.py).
  A `@word` never accepted stays text and is sent as typed.
- alt+a (palette "Attach file…") opens a picker; the chosen file is attached the same way.
- A chip is removed by clicking it, or with Backspace in an empty prompt box (the last chip).
- On Enter the text files go into the prompt as fenced blocks after what was typed, the images as the
  message's images. Refused (nothing sent, the prompt and the chips kept, the reason shown): text files
  over the total cap, images to a model whose capabilities lack `vision`. Capabilities unknown (an
  OpenAI-compatible engine, or `/api/show` failed): the images go, with a warning.
- A regenerated reply or an edited prompt goes with the images of the turn it is beside, and a prompt
  queued before the model was known with its own: judged by the same verdict once the model is known.
  A model that does not take images is sent the prompt without them, said so (`_images_for` says why
  not refused).

A Textual-side helper of the chat screen (as `ChatContext` is), not a widget: it holds no node of its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from rich.text import Text

from glmtui.core.attachments import (
    Attachment,
    TextAttachment,
    Verdict,
    chip_label,
    prompt_with_files,
    text_over_cap,
    vision_verdict,
)
from glmtui.core.errors import GlmTuiError
from glmtui.core.state import GenerationRequest, ImageAttachment, Turn
from glmtui.screens.chat_host import ChatHost
from glmtui.services.attachments import read_attachment
from glmtui.services.engines.sglang_info import IMAGES_KEY
from glmtui.services.engines.sglang_info import UNKNOWN as SGLANG_UNKNOWN
from glmtui.services.engines.sglang_info import UNREAD as SGLANG_UNREAD
from glmtui.surface import current_model_info
from glmtui.widgets.attachments import AttachmentChips
from glmtui.widgets.path_complete import PathCompletions

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel


class AttachHost(ChatHost, Protocol):
    """What the attachments need of their screen (the chat screen; a protocol, not an import of it)."""

    @property
    def attachment_chips(self) -> AttachmentChips: ...

    @property
    def path_completions(self) -> PathCompletions: ...


@dataclass(frozen=True, slots=True)
class Prepared:
    """A prompt ready to send: its text (files fenced in), its images, the chips to show on it."""

    text: str
    images: tuple[ImageAttachment, ...]
    chips: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Images:
    """What `ChatAttachments._images_for` found: the images and chips, whether they are the staged
    prompt's, and what to say about them (None: nothing)."""

    images: tuple[ImageAttachment, ...]
    chips: tuple[str, ...]
    staged: bool = False
    note: str | None = None


class ChatAttachments:
    """The attachments of the chat screen's next prompt, and the `@path` completion that adds them."""

    def __init__(self, screen: AttachHost) -> None:
        self.screen = screen
        self.pending: list[Attachment] = []
        """Attached, waiting for the next prompt (shown as chips)."""
        self.said: list[str] = []
        """Every refusal and warning shown, oldest first (a toast fades; this is what was said)."""
        self._staged: Prepared | None = None  # what the prompt being submitted goes with
        self._refused: set[tuple[str, str]] = set()  # (endpoint, model) whose engine refused images
        self._held: list[Attachment] | None = None  # a draft's chips, while a moved prompt has the box
        self._left_out: tuple[int, str] | None = None  # (chat, model) told its earlier images stay out

    @property
    def cwd(self) -> Path:
        """Relative paths start here: the folder glmtui was started in."""
        return Path.cwd()

    # -- attaching --------------------------------------------------------------------------------

    async def attach(self, path: str, then: Callable[[], None] | None = None) -> bool:
        """Read `path` (in a thread) and add it to the next prompt; a refusal is shown, nothing else
        changes. True when attached; `then` runs once it is, before its chip shows."""
        try:
            attachment = await asyncio.to_thread(read_attachment, path, self.cwd)
        except GlmTuiError as exc:
            self._say(exc.message, "Not attached")
            return False
        if isinstance(attachment, ImageAttachment):
            verdict, reason = self._vision()
            if verdict == "no":  # said now, not at Enter: nothing is attached that cannot be sent
                self._say(reason, "Not attached")
                return False
        self.pending.append(attachment)
        if then is not None:
            then()
        await self._show()
        return True

    def _say(self, text: str, title: str, severity: SeverityLevel = "error") -> None:
        self.said.append(text)
        self.screen.app.notify(text, title=title, severity=severity, markup=False, timeout=8)

    async def remove(self, index: int) -> None:
        if 0 <= index < len(self.pending):
            del self.pending[index]
            await self._show()

    async def _show(self) -> None:
        await self.screen.attachment_chips.show([chip_label(item) for item in self.pending])

    def _vision(self) -> tuple[Verdict, str]:
        """Whether the chat's model takes images, from the capabilities its engine listed. Only the
        chat model's own: a switch sets `app.model` and then reads `/api/show`, so meanwhile
        `model_info` is the model switched away from (ChatContext.overflow checks the same); its
        verdict is unknown until the new details come."""
        app = self.screen.app
        if self._refused and (app.endpoint, app.model) in self._refused:  # none learnt: no lookup
            return "no", f"{app.model} on {app.endpoint} refused images (the engine said it takes none)"
        info = current_model_info(app)
        if getattr(app.service, "flavour", None) == "sglang" and info is not None:
            # SGLang would drop a text-only model's images unread, so what it said (or did not) is told
            if IMAGES_KEY not in info.model_info:
                unsaid = SGLANG_UNREAD if info.partial else SGLANG_UNKNOWN
                return "unknown", unsaid.format(model=app.model)
            if "vision" in info.capabilities:
                return "yes", ""
            return "no", f"{app.model} cannot take images: {info.model_info[IMAGES_KEY]}"
        listed = app.service.kind == "ollama"  # vLLM and other OpenAI-compatible servers list none
        return vision_verdict(app.model, info.capabilities if listed and info is not None else None)

    def images_refused(self, model: str, endpoint: str | None = None) -> None:
        """The engine refused a request for carrying images (vLLM "… is not a multimodal model", kind
        "no-images"): `model` on the chat's endpoint takes none, for this run (the engine's limit is set
        when it starts, so it may change on a restart: not stored). From now on the verdict is "no":
        earlier images are left out (`request`, said once) and a new one is refused at attach."""
        # The endpoint the refused request went to (the turn's): the chat may have moved since it was sent.
        self._refused.add((endpoint or self.screen.app.endpoint, model))

    def request(self, request: GenerationRequest) -> GenerationRequest:
        """The request, with the earlier prompts' images left out when the model is known not to take
        images (vLLM refuses every later request that carries one; SGLang drops them unread; Ollama
        drops them and counts their tags as text). They stay on their turns, and go again to a model that
        takes them; capabilities unknown: they are sent. Said once per chat and model, in the chat."""
        conversation = self.screen.pane.conversation
        if not any(turn.images for turn in conversation.turns) or self._vision()[0] != "no":
            return request
        said = (id(conversation), request.model)
        if self._left_out != said:
            self._left_out = said
            notice = Text(
                f"⚠ {request.model} cannot take images: the earlier prompts' images are left out of what "
                "is sent (they stay in the chat and go to a model that can see them).",
            )
            self.screen.app.call_later(self.screen.show_notice, notice)
        return replace(request, earlier_images=False)

    # -- sending ----------------------------------------------------------------------------------

    def prepare(self, typed: str) -> Prepared | None:
        """The prompt to send with the pending attachments; None (and the reason shown) when it must
        not go. Staged for `take`: the screen's submit picks the images up as it sends."""
        if not self.pending:
            self._staged = None
            return Prepared(typed, (), ())
        files = [item for item in self.pending if isinstance(item, TextAttachment)]
        images = tuple(item for item in self.pending if isinstance(item, ImageAttachment))
        too_big = text_over_cap(files)
        if too_big is not None:
            self._say(too_big, "Not sent")
            return None
        if images:
            verdict, reason = self._vision()
            if verdict == "no":
                self._say(reason + ": nothing was sent", "Not sent")
                return None
            if verdict == "unknown":
                self._say(reason, "Images", severity="warning")
        prepared = Prepared(
            prompt_with_files(typed, files), images, tuple(chip_label(item) for item in self.pending)
        )
        self._staged = prepared
        return prepared

    @property
    def draft_chips(self) -> list[Attachment]:
        """The chips of the draft: held aside while a moved prompt has the box, else those pending."""
        return self._held if self._held is not None else self.pending

    def carry(self, images: tuple[ImageAttachment, ...], *, hold: bool) -> None:
        """A prompt moved to a new chat (the overflow dialog) takes the box with its images as chips.
        `hold`: the chips there are the draft's, kept aside until `give_back`; else they stay beside.
        A prompt moved on again holds them already: that hold is kept (its own chips are `images`)."""
        if self._held is not None:
            self.pending.clear()  # the moved prompt's own chips, replaced by `images`
            if not hold:
                self._held = None  # nothing held (an empty hold): none to give back
        elif hold:
            self._held = list(self.pending)
            self.pending.clear()
        self.pending.extend(images)
        self._staged = None
        self.screen.app.call_later(self._show)

    def give_back(self) -> None:
        """The moved prompt was sent (its chips taken) or put away (Esc): the draft's chips come back."""
        held, self._held = self._held, None
        if held is not None:
            self.pending[:] = held
            self.screen.app.call_later(self._show)

    def unstage(self) -> None:
        """The prompt prepared is not sent (refused, or moved elsewhere): its chips stay pending, and it
        is no longer staged, so nothing later takes its images by its text."""
        self._staged = None

    def _images_for(self, text: str, beside: Turn | None) -> _Images:
        """The images and chips that go with `text`, and what to say about them (nothing is taken here).

        The prompt staged by `prepare` (the overflow dialog may send it later): its own, judged there;
        only a new prompt (no `beside`): a regenerate or an edit is never sent with the box's chips, which
        belong to the next prompt (a prompt staged and then refused, Enter while a reply streamed, may
        have the same text as the one regenerated). With `beside` (a regenerated reply, an edited prompt:
        a branch beside that turn), that
        turn's images, so the new branch sees what the old one saw (a text file is in the prompt's text
        already), judged by the same vision verdict as `prepare`'s. A model known not to take them is
        sent the prompt without them, said so: refused, as `prepare` refuses, the prompt could not be
        regenerated or edited with this model at all (there is no chip to remove), and earlier prompts'
        images are left out the same way (`request`). They stay on the turn they were sent with."""
        staged = self._staged
        if staged is not None and beside is None and staged.text == text:
            return _Images(staged.images, staged.chips, staged=True)
        if beside is None or not beside.images:
            return _Images((), ())
        verdict, reason = self._vision()
        if verdict == "no":
            names = ", ".join(image.name for image in beside.images)
            note = f"{reason}: the prompt goes without its images ({names}); they stay on the earlier turn"
            return _Images((), (), note=note)
        chips = tuple(chip_label(image) for image in beside.images)
        return _Images(beside.images, chips, note=reason if verdict == "unknown" else None)

    def peek(
        self, text: str, *, beside: Turn | None = None, say: bool = False
    ) -> tuple[ImageAttachment, ...]:
        """The images `take` would give `text` now, without taking them (the overflow check counts them).
        `say`: what there is to say about them is said (the prompt moves with them, as `take` says)."""
        found = self._images_for(text, beside)
        if say and found.note is not None:
            self._say(found.note, "Images", severity="warning")
        return found.images

    def take(
        self, text: str, *, beside: Turn | None = None
    ) -> tuple[tuple[ImageAttachment, ...], tuple[str, ...]]:
        """The images and chips that go with `text` (`_images_for`), taken: a staged prompt's chips above
        the box are cleared; what there is to say about them is said."""
        found = self._images_for(text, beside)
        if found.staged:
            self._staged = None
            self.pending.clear()
            self.screen.app.call_later(self._show)
        if found.note is not None:
            self._say(found.note, "Images", severity="warning")
        return found.images, found.chips

    def judge_queued(self, turn: Turn) -> None:
        """A prompt queued before the model was known (its images judged "unknown" then, with a
        warning): judged again now the model is known. A model that does not take images is sent the
        prompt without them, said so (it is shown already, and has left the box: it goes, as a
        regenerated prompt goes, `_images_for`); the turn then records that none went."""
        if not turn.images or self._vision()[0] != "no":
            return
        names = ", ".join(image.name for image in turn.images)
        self._say(
            f"{self._vision()[1]}: the queued prompt goes without its images ({names})", "Images", "warning"
        )
        turn.images = ()
