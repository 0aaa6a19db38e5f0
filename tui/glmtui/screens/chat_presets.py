"""The chat's preset and its own option edits: what the next request is sent with, and the dialogs.

The options a prompt goes with are layered (core/presets.layered_options): the config's `[options]`, the
active preset's over them, the edits made in the options editor over both (then a num_ctx raised by
the overflow dialog, screens/chat_context.py). The preset's system prompt is the conversation's from
the next turn on (saved with it), its tools are offered, its name is recorded with each turn. Its
`think` is set as Ctrl+T sets it (the app's one think setting, core/think.effective_think's rule), so
the status bar says what is sent and a later Ctrl+T wins.

A resumed conversation gets back the preset its last turn names, when that still says what it was
sent with; otherwise none, said so (`resumed`). Its option edits are the ones that make what is sent
the options its last turn was sent with (`resumed`); a new chat keeps the edits, as it keeps the preset
(they are the person's own for this chat screen), and the status bar says "options edited" while any
apply, so they never carry on unseen. A num_ctx set in the editor replaces one raised by the overflow
dialog for the model (the editor shows the raised one while it applies). A preset that names other
models is dropped on a model switch, judged once the new model's family is known (`judge`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Protocol

from rich.text import Text

from glmtui.core.presets import Preset, baseline, layered_options, modelfile_parameters, not_applying
from glmtui.core.sanitize import sanitize_line
from glmtui.core.state import Conversation, GenerationRequest, Turn
from glmtui.screens.chat_context import ChatContext
from glmtui.screens.chat_host import ChatHost
from glmtui.services.preset_store import save_system
from glmtui.surface import current_model_info

_NONE = object()  # a key the config and preset do not send


class PresetHost(ChatHost, Protocol):
    """What the chat's presets need of their screen (the chat screen; a protocol, not an import of it)."""

    @property
    def context(self) -> ChatContext: ...


class ChatPresets:
    """The chat screen's preset and option edits (one per chat screen; kept across new chats)."""

    def __init__(self, screen: PresetHost) -> None:
        self._screen = screen
        self.preset: Preset | None = None
        """The active preset (None: the config's options and system prompt alone)."""
        self._tools_said: tuple[int, str, str] | None = None  # (chat, preset, model) told its tools stay out
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
        info = current_model_info(self._screen.app)  # not the model switched away from's
        return modelfile_parameters(info.parameters) if info is not None else {}

    def family(self) -> str | None:
        """The chat model's family as Ollama reports it; None while not known (its facts are not read
        yet, they are another model's, or they could not be read)."""
        info = current_model_info(self._screen.app)
        return info.family if info is not None else None

    def apply(self, request: GenerationRequest) -> GenerationRequest:
        """`request` (the app's: the config's options, its think) with the preset and the edits on it.
        The think is the app's as it is: a preset's was set there when it was chosen (`choose`)."""
        preset = self.preset
        options = layered_options(request.options, preset, self.edits)
        if preset is None:
            return replace(request, options=options)
        tools = preset.tools or request.tools
        if tools and self._takes_no_tools():
            self._tools_left_out(preset.name, request.model)
            tools = ()
        return replace(request, options=options, tools=tools, preset=preset.name)

    def _takes_no_tools(self) -> bool:
        """Whether the chat's model is known not to take tools: Ollama lists its capabilities and `tools` is
        not among them. Ollama refuses such a request before it streams (400 "… does not support tools",
        ollama/ollama server/routes.go ChatHandler's CapabilityTools check), and a retry is refused the same
        way for as long as the preset is active. Unknown (an OpenAI-compatible engine, no details read,
        an Ollama too old to list capabilities): the tools are offered, as before."""
        app = self._screen.app
        info = current_model_info(app)
        if app.service.kind != "ollama" or info is None or not info.capabilities:
            return False
        return "tools" not in info.capabilities

    def _tools_left_out(self, preset: str, model: str) -> None:
        """Say once per chat, preset and model, in the chat's log, that the preset's tools are left out."""
        said = (id(self._screen.pane.conversation), preset, model)
        if self._tools_said == said:
            return
        self._tools_said = said
        notice = Text(
            f"⚠ {model} does not take tools (its capabilities lack `tools`): the tools of the preset "
            f"'{preset}' are left out of what is sent (a model that takes tools is offered them).",
        )
        self._screen.app.call_later(self._screen.show_notice, notice)

    def pick(self) -> None:
        """The picker; the answer applies from the next prompt."""
        from glmtui.screens.dialogs.presets import PresetScreen

        app = self._screen.app
        app.push_screen(
            PresetScreen(
                app.presets,
                model=app.model,
                family=self.family() or "",  # not the last model's while the new one's is read
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
        what = f"Preset {sanitize_line(preset.name)}" if preset is not None else "No preset"
        think = f" (think {preset.think})" if preset is not None and preset.think is not None else ""
        app.notify(f"{what}{think} from the next prompt on.", timeout=3)

    async def choose(self, preset: Preset | None) -> None:
        """Make `preset` the chat's (None: none). Its system prompt is the conversation's from the next
        turn; a conversation already saved keeps it too (so a resumed one goes on with it). Its think
        becomes the chat's, as Ctrl+T would set it (None: the think stays as it is)."""
        self._show(preset)
        if preset is not None and preset.think is not None:
            self._screen.app.set_think(preset.think)
        conversation = self._screen.pane.conversation
        system = self.system
        if conversation.system == system:
            return
        conversation.system = system
        journal = self._screen.app.journal
        if conversation.id is not None and journal.store is not None:
            await journal.run(save_system, journal.store, conversation.id, system)

    def _show(self, preset: Preset | None) -> None:
        self.preset = preset
        self._screen.status_bar.preset = sanitize_line(preset.name) if preset is not None else ""

    async def model_changed(self, model: str) -> None:
        """Another model: the preset is judged for it (`judge`), now or once its family is known."""
        if model:
            await self.judge()

    async def judge(self) -> None:
        """A preset written for other models is dropped, and said so. (Kept, its sampling would go to a
        model its card says nothing about; the edits stay: they are the person's own for this chat.)
        A preset that names models by family is judged only once the model's family is known: a
        switch changes the model before its facts are read, and then the family is still unknown."""
        preset, model = self.preset, self._screen.app.model
        if preset is None or not model or not_applying(preset, model) is None:
            return
        family = self.family()
        if family is None:
            return  # judged again when the model's facts are read (ChatScreen.model_ready)
        reason = not_applying(preset, model, family)
        if reason is None:
            return
        await self.choose(None)
        self._screen.app.notify(
            f"Preset {sanitize_line(preset.name)} dropped: it is {sanitize_line(reason)}. "
            "The model's defaults apply.",
            severity="warning",
            timeout=6,
        )

    def resumed(self, conversation: Conversation) -> None:
        """A saved conversation is the chat's again: its preset is the one its last turn was sent with,
        when that preset still exists and still says what the conversation is sent (its system prompt
        is the conversation's own, saved with it: that is what goes on being sent); otherwise none, said
        so. Whether it applies to the model is judged once the model is settled (`judge`). The option
        edits become those its last turn was sent with over the config and that preset (`_edits_of`),
        never the edits of the chat shown before."""
        last = conversation.turns[-1] if conversation.turns else None
        named = last.preset if last is not None else None
        before = self.preset
        preset = next((p for p in self._screen.app.presets if p.name == named), None) if named else None
        reason = ""
        if named and preset is None:
            reason = f"its preset {sanitize_line(named)} is no longer in the config"
        elif preset is not None and preset.system is not None and preset.system != conversation.system:
            reason = f"preset {sanitize_line(preset.name)}'s system prompt is not the one it was sent with"
            preset = None
        self._show(preset)
        self._restore_edits(last, preset)
        if reason:
            self._screen.app.notify(
                f"This conversation goes on without a preset: {reason}. "
                "It keeps its own system prompt; the config's options apply.",
                severity="warning",
                timeout=6,
            )
        elif before is not None and preset is None:
            self._screen.app.notify(
                f"Preset {sanitize_line(before.name)} is not this conversation's: it goes on without one.",
                timeout=4,
            )

    def _restore_edits(self, last: Turn | None, preset: Preset | None) -> None:
        """The edits that make what is sent the options `last` was sent with: each of its options that
        the config and `preset` alone would not send as it was (a key it was sent without cannot be
        taken away by an edit: the config's or preset's value for it goes). Said when any are set, or
        when the edits of the chat shown before are let go."""
        from glmtui.screens.dialogs.options import CHAT_OPTIONS

        before = self.edits
        sent = last.options if last is not None else {}
        inherited = layered_options(self._screen.app.config.options, preset, {})
        raised = self._screen.context.raised_for(last.model) if last is not None else None
        if raised is not None:  # the overflow dialog's raise for its model still applies: not an edit
            inherited["num_ctx"] = raised
        differ = {key: value for key, value in sent.items() if inherited.get(key, _NONE) != value}
        # Only what the options editor shows becomes an edit (one it could not show could not be seen,
        # changed or cleared there): any other is said, not carried.
        self._set_edits({key: value for key, value in differ.items() if key in CHAT_OPTIONS})
        others = [key for key in differ if key not in CHAT_OPTIONS]
        if self.edits:
            listed = ", ".join(f"{key} {value}" for key, value in self.edits.items())
            self._screen.app.notify(
                f"Chat options as its last prompt was sent: {sanitize_line(listed)} (Alt+O edits them).",
                timeout=5,
            )
        if others:
            self._screen.app.notify(
                f"Not carried (the options editor does not show them): {sanitize_line(', '.join(others))}.",
                timeout=5,
            )
        elif before and not others:
            self._screen.app.notify("The chat's option edits do not carry into this conversation.", timeout=4)

    def _set_edits(self, edits: dict[str, Any]) -> None:
        self.edits = edits
        self._screen.status_bar.edited = bool(edits)

    def inherited(self) -> dict[str, Any]:
        """What is sent without the edits (the editor's placeholders): the config's options, the preset's
        over them, and a num_ctx raised by the overflow dialog for the model while it applies."""
        app = self._screen.app
        inherited = layered_options(app.config.options, self.preset, {})
        raised = self._screen.context.raised_for(app.model)
        if raised is not None:
            inherited["num_ctx"] = raised
        return inherited

    def edit(self) -> None:
        """The options editor: the edits in the boxes, what is sent without them as placeholders, the
        model's defaults beside them."""
        from glmtui.screens.dialogs.options import CHAT_OPTIONS, PaneOptionsScreen

        app = self._screen.app
        inherited = self.inherited()
        where = f" (preset {sanitize_line(self.preset.name)})" if self.preset is not None else ""
        app.push_screen(
            PaneOptionsScreen(
                f"Options for this chat{where}",
                self.edits,
                fields=CHAT_OPTIONS,
                inherited=inherited,
                baseline=baseline(self.model_parameters()),
                note="Highlighted: not the model's default (its Modelfile, else Ollama's documented one).",
            ),
            self.options_edited,
        )

    def options_edited(self, options: dict[str, Any] | None) -> None:
        if options is None:
            return
        if "num_ctx" in options and options["num_ctx"] != self.edits.get("num_ctx"):
            # Set here, after a raise: this one is sent (the raise would otherwise be applied over it).
            self._screen.context.drop_raise(self._screen.app.model)
        self._set_edits(dict(options))
        self._screen.app.notify("Chat options apply from the next prompt on.", timeout=3)
