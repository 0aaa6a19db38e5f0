"""The models screen's housekeeping: delete, load, unload and cancel a pull (ModelsScreen's base).

Kept apart so the screen module stays about what the user picks; these act on the highlighted row of
the Installed tab (or the pull list) and say why when the engine cannot do them.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import getters, work
from textual.screen import Screen
from textual.widgets import Input, TabbedContent

from glmtui.core.errors import GlmTuiError
from glmtui.core.model_names import same_model
from glmtui.core.state import ModelDetails, ModelInfo
from glmtui.screens.dialogs.answers import on_answer
from glmtui.screens.dialogs.confirm import ConfirmScreen
from glmtui.surface import AppSurface
from glmtui.widgets.model_rows import TYPED_KEY
from glmtui.widgets.model_table import ModelTable


class ModelAdmin(Screen[str | None]):
    """The rows the models screen shows, and the housekeeping actions on them."""

    app = getters.app(AppSurface)
    models: list[ModelInfo]
    details: dict[str, ModelDetails]
    loaded: list[str]

    def refresh_models(self) -> Any:
        """Re-read the installed models (the screen's worker)."""
        raise NotImplementedError

    @property
    def tab(self) -> str:
        return self.query_one(TabbedContent).active or "installed"

    @property
    def table(self) -> ModelTable:
        return self.query_one(f"#{self.tab}-table", ModelTable)

    def _selected_model(self) -> str | None:
        key = self.table.selected_key
        if key == TYPED_KEY:
            return self.query_one("#models-filter", Input).value.strip()
        return key

    def _installed(self, name: str) -> ModelInfo | None:
        return next((m for m in self.models if same_model(name, m.name)), None)

    def _refused(self, allowed: bool, action: str) -> bool:
        """True, having said why, when this server cannot do `action` (the engine's capabilities)."""
        if not allowed:
            self.notify(self.app.service.capabilities.why_not(action), timeout=4)
        return not allowed

    def action_delete(self) -> None:
        if self._refused(self.app.service.capabilities.delete, "delete models"):
            return
        name = self._selected_model() if self.tab == "installed" else None
        if name is None or self._installed(name) is None:
            self.notify("Pick an installed model to delete (Installed tab).", timeout=3)
            return
        app = self.app
        text = Text()
        text.append(f"Delete {name}?", style="bold")
        text.append(f"\nIts files are removed from {app.config.host}; pulling it again downloads it again.")
        if same_model(name, app.model):
            text.append(
                "\n\n⚠ It is this chat's model: pick another before the next message.", style="bold yellow"
            )
            if app.is_streaming(name):
                text.append("\n⚠ A reply from it is streaming right now.", style="bold yellow")
        if any(same_model(name, loaded) for loaded in self.loaded):
            text.append("\n⚠ It is loaded in memory; Ollama unloads it.", style="yellow")
        self.app.push_screen(
            ConfirmScreen(text, yes="Delete", danger=True),
            on_answer(self, lambda _: self._delete(name)),
        )

    async def _delete(self, name: str) -> None:
        try:
            await self.app.library.delete(name)
        except GlmTuiError as exc:
            self.notify(f"Could not delete {name}: {exc.message}", severity="error")
            return
        self.details.pop(name, None)
        self.app.model_deleted(name)
        self.notify(f"Deleted {name}", timeout=3)
        self.refresh_models()

    @work(group="models-admin", exit_on_error=False)
    async def action_preload(self) -> None:
        if self._refused(self.app.service.capabilities.loaded_models, "load models on demand"):
            return
        name = self._selected_model() if self.tab == "installed" else None
        if name is None or self._installed(name) is None:
            self.notify("Pick an installed model to load (Installed tab).", timeout=3)
            return
        keep = self.app.config.keep_alive
        self.notify(f"Loading {name}…", timeout=2)
        try:
            await self.app.library.preload(name, keep)
        except GlmTuiError as exc:
            self.notify(f"Could not load {name}: {exc.message}", severity="error")
            return
        self.notify(f"{name} is loaded" + (f" (keep_alive {keep})" if keep is not None else ""), timeout=3)
        self.app.monitor.refresh_ollama()

    def action_unload(self) -> None:
        if self._refused(self.app.service.capabilities.loaded_models, "unload models"):
            return
        name = self._selected_model() if self.tab == "installed" else None
        if name is None or not any(same_model(name, loaded) for loaded in self.loaded):
            self.notify(
                "That model is not loaded." if name else "Pick a loaded model (● in Installed).", timeout=3
            )
            return
        self.app.unload_model(name)

    def action_cancel_pull(self) -> None:
        feed = self.app.pulls
        name = self._selected_model()
        target = feed.find(name) if name else None
        if target is None or not target.active:
            target = feed.current
        if target is None or not feed.cancel(target.name):
            self.notify("No pull to cancel.", timeout=2)
