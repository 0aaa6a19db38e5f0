"""ModelWatch: the connection watchdog and the chat's model — which one, whether it is there, its facts.

Owned by the App (a floor above the screens: it tells the chat screen what it finds). The watchdog
polls `/api/version` without ever blocking the UI and brings the app back online by itself when the
server returns; on each (re)connection it lists the models, picks the chat's (the flag's or config's,
the last one used on this host, else the newest), and reads its facts. What it learns goes into the
app's reactives (`connection`, `model`, `think_label`...), which the screens watch.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable
from functools import partial

from rich.text import Text

from glmtui.chat_endpoint import resolve_chat, rewire
from glmtui.core.errors import GlmTuiError, connection_state, no_models, not_installed
from glmtui.core.fit import Fit, fit_need, largest_context, machine_from, need_for
from glmtui.core.model_names import choose_model, same_model
from glmtui.core.server_settings import TIERED_SINCE, context_ollama_uses, modelfile_num_ctx
from glmtui.core.state import GenerationRequest, ModelDetails, ModelInfo, ThinkSetting
from glmtui.core.think import effective_think, next_think, think_label
from glmtui.core.units import gib
from glmtui.screens.chat import ChatScreen
from glmtui.services.engines.base import engine_label
from glmtui.services.server_env import read_server_env, resolve_settings
from glmtui.services.trace import trace
from glmtui.surface import AppSurface, current_model_info

ONLINE_POLL_S = 5.0
OFFLINE_POLL_S = 2.0
MODEL_KEY = "model@"  # + host: the last model used there (Ollama lists the newest first: no drift)


class ModelWatch:
    """Connection state and the chat's model, kept in the app's reactives."""

    def __init__(self, app: AppSurface) -> None:
        self._app = app
        self.online_poll_s = ONLINE_POLL_S  # tests shorten these
        self.offline_poll_s = OFFLINE_POLL_S
        self.installed: list[ModelInfo] = []  # as of the last /api/tags: names and digests
        self._offline_reported = False
        self._reported_message = ""  # the failure last said in the chat (a different one is said again)
        # /api/show failed, or read only in part: the capabilities are unknown, asked again each poll
        self._show_failed = False
        self._settings_reported: set[str] = set()
        self.server_pid: int | None = None  # the default endpoint's server process, when known (--demo)
        # Read before the first frame, as setting_now asks; kept up to date by _remember_model.
        self._remembered = app.journal.setting_now(MODEL_KEY + app.host)

    async def run(self) -> None:
        """Poll for ever (the app runs this as its exclusive "connection" worker)."""
        app = self._app
        # Heavy imports after the first frame, in a thread: the client, then what replies render with.
        for module in ("ollama", "rich.markdown"):
            await asyncio.to_thread(importlib.import_module, module)
        await resolve_chat(app)  # an `auto` endpoint: which engine speaks it, before the first poll
        while True:
            try:
                version = await app.service.version()
            except GlmTuiError as exc:
                if not app.endpoints.resolved(app.endpoint):
                    # An `auto` endpoint that was down at start (vLLM listens only once its model is
                    # loaded), or answered neither engine: probe again; a found engine takes over now.
                    before = app.service
                    await resolve_chat(app)
                    if app.service is not before:
                        continue
                    found = app.endpoints.probe_errors.get(app.endpoint)
                    if found is not None:  # say what the probe found, not only what Ollama's client saw
                        exc = GlmTuiError(found.message, found.hint, kind=exc.kind)
                await self._went_offline(exc)
                await asyncio.sleep(self.offline_poll_s)
                continue
            if app.connection != "online":
                was_reported = self._offline_reported
                self._offline_reported = False
                app.server_version = version
                app.server_kind = engine_label(app.service)
                app.connection = "online"
                if was_reported:
                    await self._notice(
                        Text(f"✓ Reconnected to {engine_label(app.service)} at {app.host}", style="green")
                    )
                await self._resolve_model()
            elif self._show_failed and app.model:
                await self.load_model_info()  # unknown is not "cannot think": ask again
            await asyncio.sleep(self.online_poll_s)

    async def _went_offline(self, error: GlmTuiError) -> None:
        # Something that answers but is not Ollama is not "offline"; the polling goes on either way.
        self._app.connection = connection_state(error)
        if not self._offline_reported or error.message != self._reported_message:
            self._offline_reported = True
            self._reported_message = error.message
            retry = f"{error.hint}. Retrying every {self.offline_poll_s:g} s."
            await self._show_error(GlmTuiError(error.message, retry))

    async def _resolve_model(self) -> None:
        """Pick the model (flag, config, the last used, else the newest) and read its facts."""
        app = self._app
        app.listing_models = True
        try:
            installed = await app.service.list_models()
        except GlmTuiError as exc:
            await self._show_error(exc)
            return
        finally:
            app.listing_models = False
        names = [m.name for m in installed]
        self.installed = installed
        app.endpoints.mirror(app.endpoint, models=tuple(installed))
        if not app.model:
            app.model = choose_model(app.config.model, self._remembered, names) or ""
            if not app.model:
                await self._show_error(no_models(app.host))
                return
        if not any(same_model(app.model, name) for name in names):
            await self._show_error(not_installed(app.model, app.host, names))
        await self.load_model_info()

    def is_installed(self, model: str) -> bool:
        """As of the last listing (True while that is not known yet)."""
        return not self.installed or any(same_model(model, m.name) for m in self.installed)

    async def load_model_info(self) -> None:
        """The chat model's facts (`/api/show`); the chat hears that prompts can go out."""
        app = self._app
        app.model_digest = next((m.digest for m in self.installed if same_model(app.model, m.name)), "")
        try:
            app.model_info = await app.service.show(app.model)
        except GlmTuiError as exc:
            # Unknown, not "cannot think": say so once, ask again at each poll, let Ctrl+T choose.
            app.model_info = None
            if not self._show_failed and exc.kind != "not-found":
                app.notify(
                    f"Could not read {app.model}'s capabilities: {exc.message}. Retrying; "
                    "Ctrl+T sets think on or off meanwhile.",
                    severity="warning",
                )
            self._show_failed = exc.kind != "not-found"
        else:
            self._show_failed = app.model_info.partial
        self._update_think_label()
        self._remember_model()
        app.model_ready = True
        trace("ready", model=app.model)
        for screen in app.screen_stack:  # empty while the app shuts down
            if isinstance(screen, ChatScreen):
                await screen.model_ready()

    def _remember_model(self) -> None:
        app = self._app
        key, name = MODEL_KEY + app.host, app.model
        if name and self._remembered != name:
            self._remembered = name
            app.run_worker(app.journal.remember(key, name), group="remember-model", exit_on_error=False)

    async def switch_model(self, name: str, endpoint: str | None = None) -> None:
        app = self._app
        moving = endpoint is not None and endpoint != app.endpoint
        if name == app.model and not moving:
            app.notify(f"{name} is already this chat's model.", timeout=2)
            return
        if moving and not self.move_to(endpoint or ""):
            return
        app.model = name
        await self.load_model_info()
        where = f" on {app.endpoint}" if moving else ""
        app.notify(f"Switched to {name}{where}: the conversation continues with it.", timeout=3)

    def move_to(self, endpoint: str) -> bool:
        """Point the chat (and everything that follows it) at another endpoint; False, having said
        why, when no engine can speak to it. Its state, version and models are the registry's, and
        this watchdog polls it from here on (the registry polls the one left)."""
        app = self._app
        try:
            engine = app.endpoints.engine(endpoint)
        except (GlmTuiError, KeyError) as exc:
            reason = exc.message if isinstance(exc, GlmTuiError) else "no such endpoint"
            app.notify(f"Cannot move the chat to {endpoint}: {reason}", severity="error", timeout=6)
            return False
        status = app.endpoints.status(endpoint)
        rewire(app, endpoint, engine)
        self.installed = list(status.models)
        self._offline_reported = False
        self._show_failed = False
        self._remembered = app.journal.setting_now(MODEL_KEY + app.host)
        app.server_version = status.version
        app.connection = status.state if status.state == "online" else "connecting"
        pid = self.server_pid if endpoint == app.endpoints.default.name else None
        # A callable, not a coroutine: an exclusive worker replaced before it starts never made one.
        app.run_worker(
            partial(self.read_server_settings, pid),  # type: ignore[arg-type]  # Textual's typing
            group="server-settings",
            exclusive=True,
            exit_on_error=False,
        )
        return True

    def cycle_think(self) -> None:
        app = self._app
        current = self._think()
        if current is None and app.model_info is not None:
            app.notify(f"{app.model or 'This model'} does not think: nothing to switch.", timeout=3)
            return
        app.think_pref = next_think(app.model, current)
        app.think_chosen = True
        self._update_think_label()

    def set_think(self, pref: ThinkSetting) -> None:
        """The think a preset asks for, set as Ctrl+T sets it: one setting, so what the status bar says
        is what goes out (gpt-oss's levels and a model that does not think by effective_think)."""
        app = self._app
        app.think_pref = pref
        app.think_chosen = True
        self._update_think_label()

    def _think(self) -> ThinkSetting | None:
        app = self._app
        return effective_think(app.model, app.model_info, app.think_pref, chosen=app.think_chosen)

    def _update_think_label(self) -> None:
        self._app.think_label = think_label(self._think(), known=self._app.model_info is not None)

    def generation_request(self) -> GenerationRequest | None:
        app = self._app
        if not app.model or not app.model_ready:
            return None
        return GenerationRequest(
            model=app.model,
            think=self._think(),
            options=dict(app.config.options),
            keep_alive=app.config.keep_alive,
            endpoint=app.endpoint,
        )

    # -- the context: as loaded, and as large as the VRAM allows -----------------------------------

    async def loaded_context(self, model: str) -> int | None:
        """`/api/ps` now (which also refreshes the Ollama panel): the context `model` is loaded with.
        An engine without `/api/ps` (vLLM, SGLang) serves every request at its model's own window
        (`max_model_len`): that is the context."""
        app = self._app
        if not app.service.capabilities.loaded_models:
            return await self._served_context(model)
        await app.monitor.poll_ollama()
        snapshot = app.monitor.snapshot
        loaded = snapshot.models if snapshot is not None else ()
        return next((m.context_length for m in loaded if same_model(model, m.name)), None)

    async def _fit_at(self, model: str) -> tuple[Callable[[int], Fit], Callable[[], int | None]] | str:
        """The fit of `model` as a function of the context, and the largest context that fits wholly
        on the GPUs; or why there is none. Weights from the listing's size, the cache shape from
        `/api/show` (the catalogue's where that hides it), corrected by the model's last measured load."""
        app = self._app
        listed = next((m for m in self.installed if same_model(model, m.name)), None)
        if listed is None or not listed.size:
            return f"{model}'s size is not known"
        try:
            details: ModelDetails | None = await app.service.show(model)
        except GlmTuiError:
            details = None
        machine = machine_from(await app.sample_now())
        if machine.vram_total is None:
            return machine.label  # why there is no GPU information
        info = details.model_info if details else None
        maximum = details.context_length if details else None
        catalog = app.load_checker.catalog  # read once for the app, not at every check
        fallback = catalog.shape_like(info) if catalog else None
        settings = app.server_settings
        correction = app.load_checker.correction(listed.digest)
        ratio = correction.ratio if correction else 1.0
        weights = listed.size

        def at(context: int) -> Fit:
            need = need_for(weights, info, fallback, context, maximum, settings)
            return fit_need(machine, need, settings, ratio)

        def largest() -> int | None:
            return largest_context(machine, weights, info, fallback, maximum, settings, ratio=ratio)

        return at, largest

    async def _served_context(self, model: str) -> int | None:
        try:
            return (await self._app.service.show(model)).context_length
        except GlmTuiError:
            return None

    async def expected_context(self, model: str) -> int | None:
        app = self._app
        if not app.service.capabilities.loaded_models:
            return await self._served_context(model)  # no num_ctx to choose: the window it was started with
        if same_model(model, app.model):
            # The chat's model: the facts already read (asking again would race the watchdog's retries),
            # never the model switched away from's while the new one's are read.
            details = current_model_info(app)
        else:
            try:
                details = await app.service.show(model)  # cached per name by the engine
            except GlmTuiError:
                details = None
        if details is None:
            return None
        settings = app.server_settings
        machine = machine_from(await app.sample_now())
        # This machine's GPUs say what the server's default is only when the server runs here.
        totals = (machine.gpu_totals or None) if app.ollama_is_local else None
        version = settings.parsed_version
        modelfile = modelfile_num_ctx(details.parameters)
        needs_vram = not (settings.context_length or modelfile or (version and version < TIERED_SINCE))
        if needs_vram and totals is None:
            return None  # the tiered default depends on VRAM nobody here can see: unknown, not 4,096
        arch = details.model_info.get("general.architecture")
        choice = context_ollama_uses(
            settings,
            totals,
            max_context=details.context_length,
            arch=arch if isinstance(arch, str) else "",
            modelfile=modelfile,
        )
        return choice.tokens

    async def largest_fitting_context(self, model: str) -> int | None:
        fit = await self._fit_at(model)
        return None if isinstance(fit, str) else fit[1]()

    async def context_shortfall(self, model: str, context: int) -> str:
        fit = await self._fit_at(model)
        if isinstance(fit, str):
            return fit
        verdict = fit[0](context)
        if verdict.kind == "unknown":
            return "no GPU information"
        return f"needs {gib(verdict.needed)} GiB; {gib(verdict.vram_total, 0)} GiB VRAM"

    # -- the server's settings ---------------------------------------------------------------------

    async def read_server_settings(self, pid: int | None) -> None:
        """The server's environment in a thread (psutil reads /proc), else the config's `[ollama]`."""
        app = self._app
        env = await asyncio.to_thread(read_server_env, local=app.ollama_is_local, pid=pid)
        settings, problems = resolve_settings(env, app.config.ollama, app.server_version)
        app.server_settings = settings
        for problem in problems:
            if problem not in self._settings_reported:  # invalid OLLAMA_* values: said once each
                self._settings_reported.add(problem)
                app.notify(problem, title="Ollama settings", severity="warning", timeout=8)

    # -- telling the chat ---------------------------------------------------------------------------

    async def _show_error(self, error: GlmTuiError) -> None:
        screen = self._app.screen
        if isinstance(screen, ChatScreen):
            await screen.show_error(error)
        else:
            self._app.notify(str(error), severity="error")

    async def _notice(self, text: Text) -> None:
        screen = self._app.screen
        if isinstance(screen, ChatScreen):
            await screen.show_notice(text)
