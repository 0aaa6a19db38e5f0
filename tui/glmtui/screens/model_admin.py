"""The models screen's housekeeping: delete, load, unload and cancel a pull (ModelsScreen's base).

Kept apart so the screen module stays about what the user picks; these act on the highlighted row of
the Installed tab (or the pull list) and say why when the engine cannot do them. With several
endpoints a row belongs to one (`targets`): the action goes to that endpoint's engine, and its
capabilities say whether it can.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import getters, work
from textual.screen import Screen
from textual.widgets import Input, TabbedContent

from glmtui.core.endpoints import ModelRef
from glmtui.core.errors import GlmTuiError
from glmtui.core.fit import Machine
from glmtui.core.model_names import same_model
from glmtui.core.state import ModelDetails, ModelInfo, PullProgress
from glmtui.screens.dialogs.answers import on_answer
from glmtui.screens.dialogs.confirm import ConfirmScreen
from glmtui.services.engines.base import Engine, EngineCapabilities, engine_label
from glmtui.services.engines.ollama import OllamaService
from glmtui.services.engines.ollama_models import ModelLibrary
from glmtui.surface import AppSurface
from glmtui.widgets.model_details import ModelDetailsView, installed_text
from glmtui.widgets.model_rows import TYPED_KEY, Row, RowFit, endpoint_rows, installed_fit, installed_rows
from glmtui.widgets.model_table import ModelTable


class ModelAdmin(Screen[ModelRef | None]):
    """The rows the models screen shows, and the housekeeping actions on them."""

    app = getters.app(AppSurface)
    models: list[ModelInfo]
    details: dict[str, ModelDetails]
    loaded: list[str]
    targets: dict[str, tuple[str, str]]
    """Installed row key → (endpoint, model name); a key not in it is the chat's endpoint's model."""

    pick_for: str | None
    pick_endpoint: str | None  # picking: the endpoint of the model marked ▶ (the pane's)
    remote_details: dict[tuple[str, str], ModelDetails]  # (endpoint, model) → that endpoint's `show`
    _asked: set[tuple[str, str]]
    _current: str | None  # picking: the model marked ▶

    def refresh_models(self) -> Any:
        """Re-read the installed models (the screen's worker)."""
        raise NotImplementedError

    def _fill(self) -> None:
        """Rebuild the tables and the details (the screen's)."""
        raise NotImplementedError

    # -- rows of several endpoints -----------------------------------------------------------------

    @property
    def _grouped(self) -> bool:
        """Rows under their endpoints' names: several endpoints (picking for a compare pane too: a
        pane runs a model of any endpoint)."""
        return len(self.app.endpoint_statuses) > 1

    def _marked(self, endpoint: str) -> str:
        """The model marked ▶ in `endpoint`'s rows: the chat's, or when picking the pane's own."""
        if self.pick_for is None:
            return self.app.model if endpoint == self.app.endpoint else ""
        return (self._current or "") if endpoint == (self.pick_endpoint or self.app.endpoint) else ""

    def _group(self, rows: list[Row], query: str) -> list[Row]:
        """The chat's endpoint's rows, then each other endpoint's, each under its name."""
        app = self.app
        grouped: list[Row] = []
        for status in sorted(app.endpoint_statuses, key=lambda s: s.name != app.endpoint):
            if status.name != app.endpoint:
                # Their facts come from their own engines (asked once each; the rows fill in as they come).
                facts = {name: d for (where, name), d in self.remote_details.items() if where == status.name}
                for model in status.models:
                    if model.name not in facts:
                        self._fetch_remote(status.name, model.name)
                rows = installed_rows(
                    status.models, facts, (), self._marked(status.name), query, self._remote_fit
                )
            for (plain, _), row in zip(rows, endpoint_rows(status.name, rows), strict=True):
                self.targets[row[0]] = (status.name, plain)
                grouped.append(row)
        return grouped

    def _refresh_others(self) -> None:
        """The other endpoints' models, listed now (the registry publishes them: the rows follow)."""
        app = self.app
        if self._grouped:
            for status in app.endpoint_statuses:
                if status.name != app.endpoint:
                    self.run_worker(app.endpoints.refresh_models(status.name), exit_on_error=False)

    def _show_remote(self, view: ModelDetailsView) -> bool:
        """The details of a model on another endpoint, when that is what is highlighted."""
        endpoint, name = self._selected_endpoint(), self._selected_model() or ""
        theirs = self._installed(name, endpoint) if endpoint != self.app.endpoint else None
        if theirs is None:
            return False
        details = self.remote_details.get((endpoint, name))
        if details is None:
            self._fetch_remote(endpoint, name)
        view.show(
            installed_text(theirs, details, remote_text(endpoint, self._remote_engine(endpoint), details))
        )
        return True

    def _remote_engine(self, endpoint: str) -> Engine | None:
        try:
            return self.app.endpoints.engine(endpoint)
        except (KeyError, GlmTuiError):
            return None

    def _fetch_remote(self, endpoint: str, name: str) -> None:
        """`show` a model of another endpoint from that endpoint's own engine (once; the pane waits)."""
        if (endpoint, name) in self._asked:
            return
        self._asked.add((endpoint, name))
        engine = self._remote_engine(endpoint)
        if engine is None:
            return

        async def fetch() -> None:
            try:
                self.remote_details[(endpoint, name)] = await engine.show(name)
            except GlmTuiError:
                return  # the row keeps "…" and the pane says what is known; not asked again this visit
            self._fill()

        self.run_worker(fetch(), group=f"remote-details-{endpoint}", exit_on_error=False)

    async def _moved_chat(self, name: str) -> bool:
        """Enter on another endpoint's model: the chat moves there with it (True), and this closes;
        when picking for a pane, the pick is that endpoint and model."""
        endpoint = self._selected_endpoint()
        if endpoint == self.app.endpoint:
            return False
        if self.pick_for is not None:
            self.dismiss(ModelRef(endpoint, name))
            return True
        await self.app.switch_model(name, endpoint)
        self.dismiss()
        return True

    def _remote_fit(self, model: ModelInfo) -> RowFit:
        """Another endpoint's GPUs are not this machine's: no fit is claimed."""
        return installed_fit(Machine(None, None, None, "another endpoint's GPUs"), None, model, None)

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
        target = self.targets.get(key) if key is not None and self.tab == "installed" else None
        return target[1] if target is not None else key

    def _selected_endpoint(self) -> str:
        """The endpoint of the highlighted installed row (the chat's for anything else)."""
        key = self.table.selected_key
        target = self.targets.get(key) if key is not None and self.tab == "installed" else None
        return target[0] if target is not None else self.app.endpoint

    def _engine(self, endpoint: str) -> Engine:
        app = self.app
        return app.service if endpoint == app.endpoint else app.endpoints.engine(endpoint)

    def _library(self, endpoint: str) -> ModelLibrary:
        """Model management on that endpoint (asked only where its capabilities allow: Ollama's)."""
        app, engine = self.app, self._engine(endpoint)
        if endpoint == app.endpoint or not isinstance(engine, OllamaService):
            return app.library
        return ModelLibrary(engine)

    def _installed(self, name: str, endpoint: str | None = None) -> ModelInfo | None:
        if endpoint is None or endpoint == self.app.endpoint:
            models: tuple[ModelInfo, ...] | list[ModelInfo] = self.models
        else:
            models = self.app.endpoints.status(endpoint).models
        return next((m for m in models if same_model(name, m.name)), None)

    def _refused(self, allowed: bool, action: str, capabilities: EngineCapabilities | None = None) -> bool:
        """True, having said why, when this server cannot do `action` (the engine's capabilities)."""
        if not allowed:
            self.notify((capabilities or self.app.service.capabilities).why_not(action), timeout=4)
        return not allowed

    def action_delete(self) -> None:
        endpoint = self._selected_endpoint()
        capabilities = self._engine(endpoint).capabilities
        if self._refused(capabilities.delete, "delete models", capabilities):
            return
        name = self._selected_model() if self.tab == "installed" else None
        if name is None or self._installed(name, endpoint) is None:
            self.notify("Pick an installed model to delete (Installed tab).", timeout=3)
            return
        app = self.app
        text = Text()
        text.append(f"Delete {name}?", style="bold")
        host = self._engine(endpoint).host
        text.append(f"\nIts files are removed from {host}; pulling it again downloads it again.")
        if endpoint == app.endpoint and same_model(name, app.model):
            text.append(
                "\n\n⚠ It is this chat's model: pick another before the next message.", style="bold yellow"
            )
            if app.is_streaming(name):
                text.append("\n⚠ A reply from it is streaming right now.", style="bold yellow")
        if endpoint == app.endpoint and any(same_model(name, loaded) for loaded in self.loaded):
            text.append("\n⚠ It is loaded in memory; Ollama unloads it.", style="yellow")
        self.app.push_screen(
            ConfirmScreen(text, yes="Delete", danger=True),
            on_answer(self, lambda _: self._delete(name, endpoint)),
        )

    async def _delete(self, name: str, endpoint: str) -> None:
        try:
            await self._library(endpoint).delete(name)
        except GlmTuiError as exc:
            self.notify(f"Could not delete {name}: {exc.message}", severity="error")
            return
        if endpoint == self.app.endpoint:
            self.details.pop(name, None)
            self.app.model_deleted(name)
        else:
            self._engine(endpoint).forget(name)
        self.notify(f"Deleted {name}", timeout=3)
        self.refresh_models()

    @work(group="models-admin", exit_on_error=False)
    async def action_preload(self) -> None:
        endpoint = self._selected_endpoint()
        capabilities = self._engine(endpoint).capabilities
        if self._refused(capabilities.loaded_models, "load models on demand", capabilities):
            return
        name = self._selected_model() if self.tab == "installed" else None
        if name is None or self._installed(name, endpoint) is None:
            self.notify("Pick an installed model to load (Installed tab).", timeout=3)
            return
        keep = self.app.config.keep_alive
        self.notify(f"Loading {name}…", timeout=2)
        try:
            await self._library(endpoint).preload(name, keep)
        except GlmTuiError as exc:
            self.notify(f"Could not load {name}: {exc.message}", severity="error")
            return
        self.notify(f"{name} is loaded" + (f" (keep_alive {keep})" if keep is not None else ""), timeout=3)
        self.app.monitor.refresh_ollama()

    def action_unload(self) -> None:
        endpoint = self._selected_endpoint()
        capabilities = self._engine(endpoint).capabilities
        if self._refused(capabilities.loaded_models, "unload models", capabilities):
            return
        name = self._selected_model() if self.tab == "installed" else None
        if endpoint != self.app.endpoint and name is not None:
            self.run_worker(self._unload_on(endpoint, name), group="models-admin", exit_on_error=False)
            return
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

    async def _unload_on(self, endpoint: str, name: str) -> None:
        """Unload on an endpoint the chat is not on (its loaded models are not shown here: just ask)."""
        try:
            await self._engine(endpoint).unload(name)
        except GlmTuiError as exc:
            self.notify(f"Could not unload {name} on {endpoint}: {exc.message}", severity="error")
            return
        self.notify(f"Unloaded {name} on {endpoint}", timeout=3)

    # -- pulls ---------------------------------------------------------------------------------------

    def pull_finished(self, job: PullProgress) -> bool:
        """A pull ended while this screen is on top: offer to switch the chat to the new model
        (not when picking for a compare pane: the pane shows the pull and is ready after it)."""
        if self.pick_for is not None:
            return False
        text = Text()
        text.append(f"{job.name} is installed.", style="bold")
        text.append("\nSwitch this chat to it? The conversation stays.")

        async def switch() -> None:
            await self.app.switch_model(job.name)
            if self.is_current:
                self.dismiss()

        self.app.push_screen(
            ConfirmScreen(text, yes="Switch", no="Not now"),
            on_answer(self.app, lambda _: switch()),
        )
        return True


def remote_text(endpoint: str, engine: Engine | None, details: ModelDetails | None) -> Text:
    """What is known of a model on another endpoint: no fit (its GPUs are not this machine's), and the
    context it serves at when the engine has a fixed window (vLLM, SGLang: `max_model_len`)."""
    text = Text(f"VRAM fit: not known here ({endpoint}'s GPUs are not seen from this machine)", style="dim")
    if engine is not None:
        text.append(f"\nserved by {engine_label(engine)} at {engine.host}", style="dim")
        if not engine.capabilities.loaded_models and details is not None and details.context_length:
            text.append(f"\nserves up to {details.context_length:,} tokens of context (its max_model_len)")
    return text
