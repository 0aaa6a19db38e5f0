"""The chat's preset and its own option edits: what the next request is sent with, and the dialogs.

The options a prompt goes with are layered (core/presets.layered_options): the config's `[options]`, the
active preset's over them, the edits made in the options editor over both (then a num_ctx raised by
the overflow dialog, screens/chat_context.py). The preset's system prompt is the conversation's from
the next turn on (saved with it), its tools are offered, its name is recorded with each turn.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Protocol

from glmtui.core.presets import Preset, baseline, layered_options, modelfile_parameters, not_applying
from glmtui.core.state import GenerationRequest
from glmtui.services.preset_store import save_system
from glmtui.surface import AppSurface
from glmtui.widgets.chat_pane import ChatPane
from glmtui.widgets.status_bar import StatusBar


class PresetHost(Protocol):
    """What the chat's presets need of their screen (the chat screen; a protocol, not an import of it)."""

    @property
    def app(self) -> AppSurface: ...

    @property
    def pane(self) -> ChatPane: ...

    @property
    def status_bar(self) -> StatusBar: ...


class ChatPresets:
    """The chat screen's preset and option edits (one per chat screen; kept across new chats)."""

    def __init__(self, screen: PresetHost) -> None:
        self._screen = screen
        self.preset: Preset | None = None
        """The active preset (None: the config's options and system prompt alone)."""
        self.edits: dict[str, Any] = {}
        """The options editor's values: over the config's and the preset's, until reset."""

    @property
    def system(self) -> str | None:
        """The system prompt a conversation gets: the preset's, else the config's."""
        if self.preset is not None and self.preset.system is not None:
            return self.preset.system
        return self._screen.app.config.system

    def model_parameters(self) -> dict[str, Any]:
        """The chat model's Modelfile parameters (`/api/show`), as options ({} when unknown)."""
        info = self._screen.app.model_info
        return modelfile_parameters(info.parameters) if info is not None else {}

    def apply(self, request: GenerationRequest) -> GenerationRequest:
        """`request` (the app's: the config's options) with the preset and the edits on it."""
        preset = self.preset
        options = layered_options(request.options, preset, self.edits)
        if preset is None:
            return replace(request, options=options)
        # The preset's think only where the model thinks at all (None: nothing is sent, as the app decided).
        think = preset.think if preset.think is not None and request.think is not None else request.think
        return replace(
            request, options=options, think=think, tools=preset.tools or request.tools, preset=preset.name
        )

    def pick(self) -> None:
        """The picker; the answer applies from the next prompt."""
        from glmtui.screens.dialogs.presets import PresetScreen

        app = self._screen.app
        info = app.model_info
        app.push_screen(
            PresetScreen(
                app.presets,
                model=app.model,
                family=info.family if info is not None else "",
                active=self.preset.name if self.preset is not None else "",
                baseline=self.model_parameters(),
            ),
            self._picked,
        )

    async def _picked(self, name: str | None) -> None:
        if name is None:
            return
        app = self._screen.app
        preset = next((p for p in app.presets if p.name == name), None)
        await self.choose(preset)
        what = f"Preset {preset.name}" if preset is not None else "No preset"
        app.notify(f"{what} from the next prompt on.", timeout=3)

    async def choose(self, preset: Preset | None) -> None:
        """Make `preset` the chat's (None: none). Its system prompt is the conversation's from the next
        turn; a conversation already saved keeps it too (so a resumed one goes on with it)."""
        self.preset = preset
        self._screen.status_bar.preset = preset.name if preset is not None else ""
        conversation = self._screen.pane.conversation
        system = self.system
        if conversation.system == system:
            return
        conversation.system = system
        journal = self._screen.app.journal
        if conversation.id is not None and journal.store is not None:
            await journal.run(save_system, journal.store, conversation.id, system)

    async def model_changed(self, model: str) -> None:
        """Another model: a preset written for another family is dropped, and said so. (Kept, its
        sampling would go to a model its card says nothing about; the edits stay: they are the
        person's own for this chat.)"""
        preset = self.preset
        if preset is None or not model:
            return
        info = self._screen.app.model_info
        family = info.family if info is not None and info.name == model else ""
        reason = not_applying(preset, model, family)
        if reason is None:
            return
        await self.choose(None)
        self._screen.app.notify(
            f"Preset {preset.name} dropped: it is {reason}. The model's defaults apply.",
            severity="warning",
            timeout=6,
        )

    def edit(self) -> None:
        """The options editor: the edits in the boxes, what is sent without them as placeholders, the
        model's defaults beside them."""
        from glmtui.screens.dialogs.options import CHAT_OPTIONS, PaneOptionsScreen

        app = self._screen.app
        inherited = layered_options(app.config.options, self.preset, {})
        where = f" (preset {self.preset.name})" if self.preset is not None else ""
        app.push_screen(
            PaneOptionsScreen(
                f"Options for this chat{where}",
                self.edits,
                fields=CHAT_OPTIONS,
                inherited=inherited,
                baseline=baseline(self.model_parameters()),
                note="Highlighted: not the model's default (its Modelfile, else Ollama's documented one).",
            ),
            self._edited,
        )

    def _edited(self, options: dict[str, Any] | None) -> None:
        if options is None:
            return
        self.edits = dict(options)
        self._screen.app.notify("Chat options apply from the next prompt on.", timeout=3)
