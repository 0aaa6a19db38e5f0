"""The app's screens and commands: the palette's entries, and opening models, compare, history, help, copy.

A mixin of GlmTuiApp, kept apart so app.py stays about connection, model and monitor state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import SystemCommand
from textual.screen import Screen

from glmtui.core.model_names import same_model
from glmtui.core.state import Conversation, PullProgress
from glmtui.widgets.chat_pane import ChatPane

if TYPE_CHECKING:
    from glmtui.app import GlmTuiApp

    _Base = GlmTuiApp
else:
    _Base = object


class AppScreens(_Base):
    """Palette commands and the screens they open."""

    def get_system_commands(self, screen: Screen[object]):  # type: ignore[no-untyped-def]
        # Textual's own "Theme" is replaced by "Change theme" below (the same picker, one entry).
        yield from (command for command in super().get_system_commands(screen) if command.title != "Theme")
        yield SystemCommand(
            "Switch model",
            "Installed models: pick one for this chat (F4)",
            lambda: self.open_models("installed"),
        )
        yield SystemCommand(
            "Pull model",
            "The variant catalogue with VRAM fit, or any name:tag",
            lambda: self.open_models("catalogue"),
        )
        yield SystemCommand(
            "Change theme",
            "Pick a theme: dark, light, high contrast, ANSI 16 colours, or yours "
            "(remembered for the next run)",
            self.action_change_theme,
        )
        yield SystemCommand(
            "Open history",
            "Saved conversations: search, resume, rename, delete, export (Ctrl+O)",
            self.open_history,
        )
        yield SystemCommand(
            "New chat",
            "Start a new conversation (the current one stays in the history)",
            lambda: self.run_worker(self._new_chat(), exit_on_error=False),
        )
        yield SystemCommand(
            "Copy last reply",
            "The last reply or one of its code blocks, to the clipboard (OSC 52)",
            self.copy_last_reply,
        )
        yield SystemCommand(
            "Compare models",
            "A/B: one prompt to two models side by side, figures compared (F5)",
            lambda: self.run_worker(self.open_compare(), exit_on_error=False),
        )

    def action_help(self) -> None:
        from glmtui.screens.help import HelpScreen

        if type(self.screen).__name__ != "HelpScreen":
            self.push_screen(HelpScreen(self.screen))

    def open_history(self) -> None:
        from glmtui.screens.history import HistoryScreen

        if not isinstance(self.screen, HistoryScreen):
            self.push_screen(HistoryScreen())

    def chat_conversation(self) -> Conversation | None:
        """The conversation in the chat screen (beneath whatever is on top)."""
        from glmtui.screens.chat import ChatScreen

        chat = next((s for s in self.screen_stack if isinstance(s, ChatScreen)), None)
        return chat.pane.conversation if chat is not None else None

    async def _new_chat(self) -> None:
        from glmtui.screens.chat import ChatScreen

        while not isinstance(self.screen, ChatScreen):
            await self.pop_screen()
        await self.screen.action_new_chat()

    def copy_last_reply(self) -> None:
        from glmtui.screens.dialogs.copy import CopyScreen

        conversation = self.chat_conversation()
        turn = next((t for t in reversed(conversation.turns) if t.reply), None) if conversation else None
        if turn is None:
            self.notify("No reply to copy yet.", timeout=2)
            return
        self.push_screen(CopyScreen(turn.reply))

    async def open_compare(
        self, model_a: str | None = None, model_b: str | None = None, prompt: str | None = None
    ) -> None:
        """Back to the comparison in progress, or a new one when models are named (or none exists)."""
        from glmtui.screens.compare.screen import CompareScreen

        current = self.compare_screen
        if current is not None and model_a is None and model_b is None:
            if current in self.screen_stack:  # beneath another screen (the model picker): back down to it
                while self.screen is not current:
                    await self.pop_screen()
            else:
                self.push_screen(current)
            return
        if current is not None and current in self.screen_stack:
            while self.screen is not current:
                await self.pop_screen()
        if current is not None:
            if self.screen is current:
                await self.pop_screen()
            self.uninstall_screen(current)
            await current.remove()
        screen = CompareScreen(model_a, model_b, prompt, rng=self.compare_rng)
        self.compare_screen = screen
        self.install_screen(screen, name="compare")
        await self.push_screen(screen)

    def open_models(self, tab: str = "installed") -> None:
        from glmtui.screens.models import ModelsScreen

        if isinstance(self.screen, ModelsScreen):
            self.screen.query_one("#models-tabs").active = tab  # type: ignore[attr-defined]
            return
        self.push_screen(ModelsScreen(tab))

    async def switch_model(self, name: str) -> None:
        """Point the chat at another model; the conversation stays and goes with the next request."""
        if name == self.model:
            self.notify(f"{name} is already this chat's model.", timeout=2)
            return
        self.model = name
        await self._load_model_info()
        self.notify(f"Switched to {name}: the conversation continues with it.", timeout=3)

    async def _switch_and_close(self, name: str) -> None:
        from glmtui.screens.models import ModelsScreen

        await self.switch_model(name)
        if isinstance(self.screen, ModelsScreen):
            self.screen.dismiss()

    def chat_panes(self) -> list[ChatPane]:
        """Every chat pane: the chat's, and the comparison's even while it is out of sight."""

        screens = list(self.screen_stack)
        if self.compare_screen is not None and self.compare_screen not in screens:
            screens.append(self.compare_screen)
        return [pane for screen in screens for pane in screen.query(ChatPane)]

    def is_streaming(self, model: str) -> bool:
        return any(same_model(pane.streaming_model or "", model) for pane in self.chat_panes())

    def _pull_finished(self, job: PullProgress) -> None:
        from glmtui.screens.dialogs.confirm import ConfirmScreen
        from glmtui.screens.models import ModelsScreen

        if job.state == "failed":
            self.notify(
                f"{job.error}" + (f" — {job.hint}" if job.hint else ""),
                title=f"Pull {job.name}",
                severity="error",
                timeout=8,
            )
            return
        if job.state != "done":
            return
        if isinstance(self.screen, ModelsScreen) and self.screen.pick_for is None:
            text = Text()
            text.append(f"{job.name} is installed.", style="bold")
            text.append("\nSwitch this chat to it? The conversation stays.")
            self.push_screen(
                ConfirmScreen(text, yes="Switch", no="Not now"),
                lambda yes: (
                    self.run_worker(self._switch_and_close(job.name), exit_on_error=False) if yes else None
                ),
            )
        elif type(self.screen).__name__ == "CompareScreen":
            self.notify(f"{job.name} is installed.", title="Pull", timeout=4)  # its pane says what follows
        else:
            self.notify(
                f"{job.name} is installed. F4, then Enter on it, switches to it.", title="Pull", timeout=6
            )
