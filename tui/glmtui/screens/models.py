"""The models screen: installed models, the variant catalogue with VRAM fit, details, and pulls.

The filter box keeps the focus, so typing filters at once; arrows move the highlighted row, Enter
switches to an installed model or pulls a catalogue one (or any `name:tag` typed in full), and the
other actions are Ctrl keys so no letter is lost to the filter. Pulls belong to the app (they keep
running after this screen closes); this screen only shows them.

Each model is fitted at the context Ollama will load it at (per model: its cap and Modelfile differ)
under the server's settings (`app.server_settings`); `[ ]` pick one context for every row instead and
`=` goes back. A catalogue entry that needs a newer Ollama than the server's is refused before its pull
starts, and a switch to such a model asks first.

With several endpoints the Installed tab lists each endpoint's models under its name
(`desk · glm-4.7-flash:q4_K_M`, `node1 · glm-4.7-flash`), the chat's endpoint first; Enter moves the
chat to the highlighted endpoint and model. Fits are for this machine's GPUs: another endpoint's rows
say "no GPU info" (its GPUs are not seen from here).
"""

from __future__ import annotations

from rich.text import Text
from textual import getters, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Input, Static, TabbedContent, TabPane

from glmtui.core.catalog import Catalog, Variant, load_catalog
from glmtui.core.endpoints import ModelRef
from glmtui.core.errors import GlmTuiError
from glmtui.core.fit import Machine, machine_from
from glmtui.core.model_names import same_model
from glmtui.core.server_settings import default_context
from glmtui.core.state import ModelDetails, ModelInfo, MonitorSample, OllamaSnapshot, PullProgress
from glmtui.screens.dialogs.answers import on_answer
from glmtui.screens.dialogs.confirm import ConfirmScreen
from glmtui.screens.model_admin import ModelAdmin
from glmtui.surface import AppSurface
from glmtui.widgets.footer import QuietFooter
from glmtui.widgets.model_details import ModelDetailsView, fit_text, installed_text, variant_text
from glmtui.widgets.model_rows import (
    CATALOGUE_COLUMNS,
    INSTALLED_COLUMNS,
    TYPED_KEY,
    RowFit,
    catalogue_rows,
    installed_fit,
    installed_rows,
    variant_fit,
)
from glmtui.widgets.model_table import FilterInput, ModelTable
from glmtui.widgets.pull_list import PullList
from glmtui.widgets.table_keys import move_row, row_bindings

CONTEXTS = (2048, 4096, 8192, 16384, 32768, 65536, 131072, 262144)


class ModelsScreen(ModelAdmin):
    """Switch, inspect, pull, delete, load and unload models.

    With `pick_for` (e.g. "pane A") Enter picks a model for the caller instead of switching the chat:
    the screen is dismissed with its endpoint and name, a `ModelRef` (after starting its pull when it
    is not installed); with several endpoints every endpoint's models are listed, grouped.
    """

    CSS_PATH = "models.tcss"
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]
    BINDINGS = [
        Binding("escape", "close", "Back to chat", id="models-close"),
        Binding("enter", "primary", "Switch / pull", priority=True, id="models-primary"),
        Binding("tab", "next_tab", "Installed/Catalogue", priority=True, id="models-next-tab"),
        *row_bindings("models"),
        Binding("ctrl+d", "delete", "Delete", priority=True, id="models-delete"),
        Binding("ctrl+l", "preload", "Load", priority=True, id="models-load"),
        Binding("ctrl+u", "unload", "Unload", priority=True, id="models-unload"),
        Binding("ctrl+x", "cancel_pull", "Cancel pull", priority=True, id="models-cancel-pull"),
        Binding("left_square_bracket", "context(-1)", "ctx −", priority=True, id="models-context-down"),
        Binding("right_square_bracket", "context(1)", "ctx +", priority=True, id="models-context-up"),
        Binding("equals_sign", "context(0)", "ctx auto", priority=True, id="models-context-auto"),
    ]

    def __init__(
        self,
        tab: str = "installed",
        *,
        pick_for: str | None = None,
        current: str | None = None,
        catalog: Catalog | None = None,
    ) -> None:
        super().__init__()
        self._initial_tab = tab
        self.pick_for = pick_for
        self._current = current  # the model marked ▶ when picking (else the chat's)
        self.pick_endpoint: str | None = None  # and its endpoint (None: the chat's)
        self.remote_details: dict[
            tuple[str, str], ModelDetails
        ] = {}  # other endpoints' `show`, asked of them
        self._asked: set[tuple[str, str]] = set()
        self.catalog = catalog if catalog is not None else load_catalog()
        self.models: list[ModelInfo] = []
        self.details: dict[str, ModelDetails] = {}
        self.loaded: list[str] = []
        self.machine = Machine(None, None, None, "no GPU information yet")
        self.context: int | None = None  # picked with [ ]; None: each model at the context Ollama uses
        self.option: int | None = None  # num_ctx from the config's [options]: sent, so Ollama uses it
        self._done_seen: set[str] = set()
        self.targets: dict[str, tuple[str, str]] = {}

    app = getters.app(AppSurface)

    def mark(self, endpoint: str, model: str) -> None:
        """Picking: the pane's model now, on its endpoint, is the row marked ▶."""
        self.pick_endpoint, self._current = endpoint, model

    def compose(self) -> ComposeResult:
        yield Static(id="models-title")
        yield FilterInput(
            placeholder="Type to filter · or type name:tag to pull any model", id="models-filter"
        )
        with Vertical(id="models-body"):
            with TabbedContent(initial=self._initial_tab, id="models-tabs"):
                with TabPane("Installed", id="installed"):
                    yield ModelTable(INSTALLED_COLUMNS, id="installed-table")
                with TabPane("Catalogue", id="catalogue"):
                    yield ModelTable(CATALOGUE_COLUMNS, id="catalogue-table")
            yield ModelDetailsView(id="models-details")
        yield PullList(id="models-pulls")
        yield QuietFooter()

    def on_mount(self) -> None:
        app = self.app
        num_ctx = app.config.options.get("num_ctx")
        if isinstance(num_ctx, int) and num_ctx > 0:
            self.option = num_ctx
        # The server's settings and version change what fits and what may be pulled.
        self.watch(app, "server_settings", lambda _: self._fill(), init=False)
        self.watch(app, "server_version", lambda _: self._fill(), init=False)
        self.watch(app, "endpoint_statuses", lambda _: self._fill(), init=False)  # other endpoints' models
        for problem in self.catalog.problems:
            self.notify(problem, title="Model catalogue", severity="warning")
        app.pulls_signal.subscribe(self, self._on_pulls)
        app.ollama_signal.subscribe(self, self._on_ollama)
        app.monitor_signal.subscribe(self, self._on_sample)
        # A load checked against /api/ps: its figures in the details, its correction in the rows.
        app.load_check_signal.subscribe(self, lambda checks: self._fill())
        if app.monitor.snapshot is not None:
            self._on_ollama(app.monitor.snapshot)
        self._done_seen = {job.name for job in app.pulls.jobs if job.state == "done"}
        self.query_one(PullList).show(app.pulls.jobs)
        self.query_one("#models-filter", Input).focus()
        self._on_sample(app.monitor.sample)
        self.refresh_models()

    # -- data in ----------------------------------------------------------------------------------

    @work(exclusive=True, group="models-refresh", exit_on_error=False)
    async def refresh_models(self) -> None:
        app = self.app
        if app.monitor.sample is None:
            self._on_sample(await app.sample_now())
        self._refresh_others()
        try:
            self.models = await app.library.installed()
        except GlmTuiError as exc:
            self.notify(f"{exc.message} — {exc.hint}", title="Models", severity="error")
            self._fill()
            return
        self._fill()
        for model in self.models:
            if model.name in self.details:
                continue
            try:
                self.details[model.name] = await app.library.details(model.name)
            except GlmTuiError:
                continue  # the row shows "…"; the details pane says it could not be read
            self._fill()

    def _on_sample(self, sample: MonitorSample | None) -> None:
        machine = machine_from(sample)
        if machine != self.machine:
            self.machine = machine
            self._fill()

    def _on_ollama(self, snapshot: OllamaSnapshot) -> None:
        loaded = [model.name for model in snapshot.models]
        if loaded != self.loaded:
            self.loaded = loaded
            self._fill()

    def _on_pulls(self, jobs: tuple[PullProgress, ...]) -> None:
        self.query_one(PullList).show(jobs)
        done = {job.name for job in jobs if job.state == "done"}
        if done - self._done_seen:
            self.refresh_models()
        self._done_seen = done

    # -- fit (the rules: core/fit.py; per row: widgets/model_rows.py) ------------------------------

    _AUTO = -1  # `picked` for the fits below: at the context Ollama uses, whatever [ ] picked

    def _installed_fit(self, model: ModelInfo, picked: int | None = _AUTO) -> RowFit:
        picked = self.context if picked == self._AUTO else picked
        details = self.details.get(model.name)
        correction = self.app.load_checker.correction(model.digest)
        return installed_fit(
            self.machine,
            picked,
            model,
            details,
            self.app.server_settings,
            self.option,
            catalog=self.catalog,
            correction=correction,
        )

    def _variant_fit(self, variant: Variant, picked: int | None = _AUTO) -> RowFit:
        picked = self.context if picked == self._AUTO else picked
        settings = self.app.server_settings
        return variant_fit(self.machine, picked, variant, self.models, self.details, settings, self.option)

    # -- showing ----------------------------------------------------------------------------------

    def _fill(self) -> None:
        query = self.query_one("#models-filter", Input).value
        installed = installed_rows(
            self.models,
            self.details,
            self.loaded,
            self._marked(self.app.endpoint),
            query,
            self._installed_fit,
        )
        self.targets = {}
        if self._grouped:
            installed = self._group(installed, query)
        self.query_one("#installed-table", ModelTable).set_rows(installed)
        catalogue = catalogue_rows(
            self.catalog.variants, self.models, query, self._variant_fit, self.app.server_version or None
        )
        self.query_one("#catalogue-table", ModelTable).set_rows(catalogue)
        tabs = self.query_one(TabbedContent)
        tabs.get_tab("installed").label = f"Installed ({len(installed)})"
        tabs.get_tab("catalogue").label = f"Catalogue ({len(catalogue)})"
        self._update_title()
        self._show_details()

    def _update_title(self) -> None:
        app = self.app
        text = Text()
        text.append(f"Model for {self.pick_for}" if self.pick_for else "Models", style="bold")
        where = "built-in simulator" if app.config.demo else app.host
        if self.context is None:
            text.append(f"  ·  {where}  ·  fit at the context Ollama will use ([ ] picks one) on ")
        else:
            text.append(f"  ·  {where}  ·  fit at {self.context:,} ctx ([ ] changes, = auto) on ")
        text.append(self.machine.label)
        if not app.ollama_is_local:
            text.append("  (GPU figures are this machine's, not the Ollama host's)", style="yellow")
        self.query_one("#models-title", Static).update(text)

    def _show_details(self) -> None:
        view = self.query_one(ModelDetailsView)
        key = self.table.selected_key
        where = self.machine.label
        if self.tab == "installed":
            if self._show_remote(view):
                return
            model = next((m for m in self.models if m.name == self._selected_model()), None)
            if model is None:
                view.show(
                    Text(
                        "No installed model matches." if self.models else "No models listed yet.", style="dim"
                    )
                )
                return
            fit = fit_text(self._installed_fit(model), where, self.app.server_settings)
            check = self.app.load_checker.checks.get(model.name)
            if check is not None:  # loaded now: the estimate at its loaded context beside the measured size
                fit.append(f"\nloaded now at {check.context:,} ctx: {check.text()} (measured by /api/ps)")
            view.show(installed_text(model, self.details.get(model.name), fit))
            return
        if key == TYPED_KEY:
            typed = self.query_one("#models-filter", Input).value.strip()
            view.show(
                Text(
                    f"Enter pulls '{typed}' from the registry.\n"
                    "The size and fit are known once it is installed.",
                    style="italic",
                )
            )
            return
        variant = self.catalog.find(key) if key else None
        if variant is None:
            view.show(Text("No catalogue entry matches.", style="dim"))
            return
        fit = fit_text(self._variant_fit(variant), where, self.app.server_settings)
        installed = any(same_model(variant.tag, m.name) for m in self.models)
        view.show(variant_text(variant, installed, fit, self.app.server_version or None))

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_details()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self._show_details()
        self.query_one("#models-filter", Input).focus()

    # -- what the app asks of this screen ---------------------------------------------------------

    def show_tab(self, tab: str) -> None:
        """Show the `installed` or `catalogue` tab (the palette asks while this screen is open).

        The filter is cleared: a palette command opens the full list, not one an old filter empties."""
        self.query_one("#models-filter", Input).value = ""
        self.query_one(TabbedContent).active = tab

    # -- actions ----------------------------------------------------------------------------------

    def action_close(self) -> None:
        self.dismiss()

    def action_next_tab(self) -> None:
        tabs = self.query_one(TabbedContent)
        tabs.active = "catalogue" if tabs.active == "installed" else "installed"

    def action_move(self, delta: int) -> None:
        move_row(self.table, delta)

    async def action_primary(self) -> None:
        name = self._selected_model()
        typed = self.query_one("#models-filter", Input).value.strip()
        if name is None and typed:
            name = typed  # nothing matched: try the text as a name (a malformed one is refused unsent)
        if name is None:
            self.notify("Nothing selected.", timeout=2)
            return
        if await self._moved_chat(name):
            return
        installed = self._installed(name)
        too_new = self.catalog.needs_newer(name, self.app.server_version or None)
        if installed is not None:
            if too_new is None:
                await self._switch(installed.name)
                return
            text = Text()
            text.append(f"⚠ {too_new}.", style="bold yellow")
            text.append("\nIt may fail to load until Ollama is updated. Use it anyway?")
            self.app.push_screen(
                ConfirmScreen(text, yes="Use it", no="Cancel"),
                on_answer(self, lambda _: self._switch(installed.name)),
            )
            return
        if self._refused(self.app.service.capabilities.pull, "pull models"):
            return
        if too_new is not None:  # the registry refuses it too (412), after the user has waited for it
            self.notify(f"{too_new}: update Ollama first.", title="Pull", severity="error", timeout=8)
            return
        problem = self.app.pulls.request(name)
        if problem is not None:
            self.notify(problem, title="Pull", severity="error")
            return
        if self.pick_for is not None:
            self.dismiss(ModelRef(self.app.endpoint, name))  # the pane shows the pull; ready after it
            return
        self.notify(
            f"Pulling {name} in the background: keep chatting (Esc), the status bar shows it.",
            title="Pull",
            timeout=4,
        )

    async def _switch(self, name: str) -> None:
        """Switch the chat to an installed model, or pick it for the caller."""
        if self.pick_for is not None:
            self.dismiss(ModelRef(self.app.endpoint, name))
            return
        await self.app.switch_model(name)
        self.dismiss()

    def action_context(self, step: int) -> None:
        """`]` a larger context, `[` a smaller one (from the highlighted model's, when none is picked
        yet), for every row; `=`, or `[` below the smallest, back to the context Ollama will use."""
        current = self.context if self.context is not None else self._auto_context()
        larger = [c for c in CONTEXTS if c > current]
        smaller = [c for c in CONTEXTS if c < current]
        if step > 0 and larger:
            self.context = larger[0]
        elif step < 0 and smaller:
            self.context = smaller[-1]
        elif step <= 0:
            self.context = None
        self._fill()

    def _auto_context(self) -> int:
        """The context Ollama would load the highlighted model at (else the server's default)."""
        key = self.table.selected_key
        name = self._selected_model()
        model = next((m for m in self.models if m.name == name), None) if self.tab == "installed" else None
        variant = self.catalog.find(key) if key and self.tab == "catalogue" else None
        if model is not None:
            return self._installed_fit(model, None).choice.tokens
        if variant is not None:
            return self._variant_fit(variant, None).choice.tokens
        return default_context(self.app.server_settings, self.machine.gpu_totals or None).tokens
