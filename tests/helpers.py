"""Test helpers (never imported from conftest, which holds only fixtures).

Sections: waiting on conditions; a host app for one widget; Pilot flows on the whole app; the models
screen's flows.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import closing
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from textual.app import App, ComposeResult
from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot
from textual.widget import Widget

from glmtui.app import DEFAULT_STORE, GlmTuiApp
from glmtui.config import Config
from glmtui.core.catalog import Catalog, load_catalog
from glmtui.core.load_check import Correction
from glmtui.core.state import GenerationStats, ModelDetails, PullProgress, Turn, TurnStatus
from glmtui.paths import builtin_themes_dir
from glmtui.screens.chat_attach import ChatAttachments
from glmtui.screens.dialogs.presets import PresetScreen
from glmtui.screens.models import ModelsScreen
from glmtui.services.monitor import Sampler
from glmtui.services.store import Store
from glmtui.simulator.faults import Fault
from glmtui.themes import APP_VARIABLES, DEFAULT_THEME, load_themes
from glmtui.widgets.chat_pane import ChatPane
from glmtui.widgets.model_table import ModelTable
from glmtui.widgets.prompt_input import PromptInput
from glmtui.widgets.status_bar import StatusBar
from tests.fakes import scripted_sampler

# -- waiting ---------------------------------------------------------------------------------------


async def wait_until(condition: Callable[[], object], timeout: float = 10.0, what: str = "condition") -> None:
    """Poll a condition on the event loop (tests wait on conditions, never fixed sleeps)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.02)


# -- one widget in a host app ----------------------------------------------------------------------


class HostApp(App[None]):
    """Mounts the given widgets under glmtui's default theme."""

    def __init__(self, widgets: Iterable[Widget]) -> None:
        super().__init__()
        self._widgets = list(widgets)
        for theme in load_themes(builtin_themes_dir()).themes.values():
            self.register_theme(theme)
        self.theme = DEFAULT_THEME

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(APP_VARIABLES)

    def compose(self) -> ComposeResult:
        yield from self._widgets


def panel_text(widget: Widget) -> str:
    """What a line-API widget shows, as plain text, one line per row."""
    return "\n".join(widget.render_line(y).text.rstrip() for y in range(widget.size.height))


# -- Pilot flows on the app ------------------------------------------------------------------------


def make_app(
    url: str,
    *,
    sampler: Sampler | None = None,
    compare: tuple[str, str, str | None] | None = None,
    store_path: Path | None = DEFAULT_STORE,
    **config: Any,
) -> GlmTuiApp:
    """The app on the simulator, with a scripted GPU and machine (never this machine's real ones)."""
    config.setdefault("stall_timeout", 5.0)
    app = GlmTuiApp(
        Config(host=url, **config),
        sampler=sampler or scripted_sampler(),
        compare=compare,
        store_path=store_path,
    )
    app.model_watch.online_poll_s = 0.2
    app.model_watch.offline_poll_s = 0.2
    app.endpoints.online_poll_s = 0.2
    app.endpoints.offline_poll_s = 0.2
    return app


async def ready(app: GlmTuiApp) -> None:
    await wait_until(
        lambda: app.connection == "online" and bool(app.model) and app.think_label != "",
        what="the app to connect and pick a model",
    )


def pane(app: GlmTuiApp) -> ChatPane:
    return app.screen.query_one(ChatPane)


async def send(pilot: Pilot[None], text: str) -> Turn:
    """Type a prompt into the box and press Enter; return the new turn."""
    app = pilot.app
    prompt = app.screen.query_one(PromptInput)
    # A turn's status is final a moment before its worker has rendered it; Enter is refused until then.
    await wait_until(lambda: not pane(app).is_streaming, what="the previous reply to finish")  # type: ignore[arg-type]
    before = len(pane(app).conversation.turns)  # type: ignore[arg-type]
    prompt.insert(text)
    await pilot.press("enter")
    await wait_until(lambda: len(pane(app).conversation.turns) > before, what="the turn to start")  # type: ignore[arg-type]
    return pane(app).conversation.turns[-1]  # type: ignore[arg-type]


async def finished(turn: Turn, timeout: float = 10.0) -> Turn:
    await wait_until(lambda: turn.status is not TurnStatus.STREAMING, timeout, what="the reply to end")
    return turn


HELD_S = 600.0  # how long a held reply stalls: longer than any test (make the app's stall_timeout this)


def hold_replies(sim: Any, count: int = 1, after_tokens: int = 8, model: str | None = None) -> None:
    """The next `count` replies (of `model`) stall after a few tokens until stopped or the simulator
    stops: still streaming however slow the machine is, and an idle app meanwhile. (A reply paced to
    last keeps the app busy, and each Pilot key press then waits out Textual's wait_for_idle, up to a
    second, twice.) Give the app `stall_timeout=HELD_S`."""
    for _ in range(count):
        sim.inject(Fault("stall", after_tokens=after_tokens, seconds=HELD_S, model=model))


def chat_requests(sim: Any) -> list[dict[str, Any]]:
    return [body for method, path, body in sim.requests if path == "/api/chat"]


def screen_text(app: GlmTuiApp) -> str:
    """The visible screen as plain text (from Textual's own SVG export)."""
    svg = app.export_screenshot()
    text = re.sub(r"<[^>]+>", "", svg)
    return html.unescape(text).replace("\xa0", " ")


async def palette(pilot: Pilot[None], command: str) -> None:
    """Run a command from the command palette, typed as a user would: Enter only once the command
    is the highlighted match (the palette searches in the background; a busy machine is slower)."""
    app = pilot.app
    await pilot.press("ctrl+p")
    await wait_until(lambda: isinstance(app.screen, CommandPalette), what="the command palette")
    for char in command:
        await pilot.press(char if char != " " else "space")
    await wait_until(lambda: palette_highlighted(app).startswith(command), what=f"'{command}' highlighted")
    await pilot.press("enter")


def palette_highlighted(app: Any) -> str:
    """The highlighted entry of the command palette (or of a picker built on it, like the themes')."""
    if not isinstance(app.screen, CommandPalette):
        return ""
    results = app.screen.query(CommandList)
    if not results or results.first().highlighted is None:
        return ""
    option = results.first().highlighted_option
    return str(option.prompt) if option is not None else ""


# -- the models screen -----------------------------------------------------------------------------


async def open_models(pilot: Pilot[None], key: str = "f4") -> ModelsScreen:
    app = pilot.app
    await pilot.press(key)
    await wait_until(lambda: isinstance(app.screen, ModelsScreen), what="the models screen")
    screen = app.screen
    assert isinstance(screen, ModelsScreen)
    await wait_until(
        lambda: screen.models and all(m.name in screen.details for m in screen.models),
        what="the installed models and their details",
    )
    return screen


def table(screen: ModelsScreen, tab: str) -> ModelTable:
    return screen.query_one(f"#{tab}-table", ModelTable)


def row_keys(screen: ModelsScreen, tab: str) -> list[str]:
    return [key for key, _ in table(screen, tab).model_rows]


async def select(pilot: Pilot[None], screen: ModelsScreen, tab: str, key: str) -> None:
    """Make `tab` active and move its cursor to the row `key`, as arrow keys would."""
    if screen.tab != tab:
        await pilot.press("tab")
        await wait_until(lambda: screen.tab == tab, what=f"the {tab} tab")
    keys = row_keys(screen, tab)
    assert key in keys, f"{key} not in {keys}"
    while screen.table.selected_key != key:
        await pilot.press("down" if keys.index(key) > screen.table.cursor_row else "up")


async def typed(pilot: Pilot[None], screen: ModelsScreen, text: str) -> None:
    """Type into the filter box (it keeps the focus)."""
    for char in text:
        await pilot.press(char if char not in ":[]" else {":": "colon"}.get(char, char))
    await pilot.pause()


def job(app: GlmTuiApp, name: str) -> PullProgress | None:
    return app.pulls.find(name)


async def pull_ends(app: GlmTuiApp, name: str, timeout: float = 15.0) -> PullProgress:
    await wait_until(
        lambda: (j := job(app, name)) is not None and not j.active, timeout, what=f"the pull of {name} to end"
    )
    result = job(app, name)
    assert result is not None
    return result


# -- the simulator's own tests ----------------------------------------------------------------------

SIM_RATE = 5000.0  # tokens/s of the simulator's own tests: fast, and a known pace to check against


def wait_for(condition: Callable[[], object], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def ask(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


# -- the history database ---------------------------------------------------------------------------


def db_rows(path: Path, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
    """Run one statement on the history database as another tool would: its own connection, committed
    and closed after (the store's connection is never reached into)."""
    with closing(sqlite3.connect(path)) as db:
        rows = db.execute(sql, params).fetchall()
        db.commit()
        return rows


# A catalogue whose entries need a newer Ollama than any server: the min-version gate's cases (a model
# not installed, one installed in the simulator, and one with no min_ollama that is never gated).
FUTURE = """
[[variant]]
family = "future"
tag = "future-model:q4_K_M"
quantization = "Q4_K_M"
parameters = "8B"
size_gb = 5
context = 32768
min_ollama = "99.0"

[[variant]]
family = "gpt-oss"
tag = "gpt-oss:20b"
quantization = "MXFP4"
parameters = "21B"
size_gb = 14
context = 131072
min_ollama = "99.0"

[[variant]]
family = "glm-4.7-flash"
tag = "glm-4.7-flash:q8_0"
quantization = "Q8_0"
parameters = "30B"
size_gb = 32
context = 202752
"""


def future_catalog(folder: Path) -> Catalog:
    path = folder / "catalog.toml"
    path.write_text(FUTURE)
    return load_catalog(path)


def exec_done(pid: int, marker: str, timeout: float = 10.0) -> None:
    """Wait until a just-started child has exec'd (its command line holds `marker`): until then /proc
    shows the forked parent's command line and environment, which a loaded machine can make last."""
    import psutil

    deadline = time.monotonic() + timeout
    while marker not in " ".join(psutil.Process(pid).cmdline()):
        if time.monotonic() > deadline:
            raise AssertionError(f"process {pid} did not exec within {timeout} s")
        time.sleep(0.01)


# -- the arena: a small fixed history of blind votes ---------------------------------------------------

Q4, Q8, VLLM = "glm-4.7-flash:q4_K_M", "glm-4.7-flash:q8_0", "glm-4.7-flash"


def _side(model: str, endpoint: str, eval_count: int) -> dict[str, Any]:
    return {
        "model": model,
        "endpoint": endpoint,
        "think": None,
        "reply": f"reply from {model}",
        "thinking": "",
        "status": "done",
        "error": None,
        "stats": {"eval_count": eval_count, "eval_duration_ns": 10**9, "ttft_s": 0.1},
    }


def seed_arena(store: Store) -> dict[str, int]:
    """Six readable blind votes (q8_0: 3 wins, 1 tie, no loss), one with another version's vote value,
    one with a damaged rounds column, one blind run not voted on; chat turns with known decode rates
    (q4_K_M on desk: 30, 40, 50 tok/s, exact; glm-4.7-flash on node1: client-timed) and q4_K_M's
    measured size. Returns the runs' ids by name."""
    votes = [
        ("v1", Q8, "desk", Q4, "desk", "a"),
        ("v2", Q4, "desk", Q8, "desk", "b"),
        ("v3", Q8, "desk", VLLM, "node1", "a"),
        ("v4", Q8, "desk", Q4, "desk", "tie"),
        ("v5", Q4, "desk", VLLM, "node1", "a"),
        ("damaged", VLLM, "node1", Q4, "desk", "a"),
        ("unknown", Q4, "desk", Q8, "desk", "maybe"),
        ("hidden", Q4, "desk", VLLM, "node1", None),
    ]
    ids: dict[str, int] = {}
    for n, (name, model_a, endpoint_a, model_b, endpoint_b, vote) in enumerate(votes):
        rounds = [{"prompt": f"prompt {name}", "mode": "parallel", "a": _side(model_a, endpoint_a, 50),
                   "b": _side(model_b, endpoint_b, 100)}]  # fmt: skip
        ids[name] = store.save_compare_run(
            None,
            model_a=model_a,
            model_b=model_b,
            blind=True,
            vote=vote,
            rounds=rounds,
            created_at=1_790_000_000.0 + 3600 * n,
            endpoint_a=endpoint_a,
            endpoint_b=endpoint_b,
        )
    with store.transaction() as db:
        db.execute("UPDATE compare_runs SET rounds = '{broken' WHERE id = ?", (ids["damaged"],))
    conversation = store.create_conversation("speed", Q4, None)
    for model, endpoint, count, timing in [
        (Q4, "desk", 30, "exact"),
        (Q4, "desk", 50, "exact"),
        (Q4, "desk", 40, "exact"),
        (VLLM, "node1", 120, "client"),
    ]:
        turn = Turn(prompt="p", model=model, reply="r", status=TurnStatus.DONE, endpoint=endpoint)
        turn.stats = GenerationStats(eval_count=count, eval_duration_ns=10**9, timing=timing)
        store.finish_turn(store.start_turn(conversation, turn), turn)
    store.save_correction(Correction("sha256:q4", Q4, 1.02, 8192, 20 * 2**30, 1_790_000_000.0))
    return ids


async def pick_preset(pilot: Pilot[None], app: GlmTuiApp, typed: str) -> None:
    """F9, type a filter, Enter: the first match is chosen."""
    await pilot.press("f9")
    await wait_until(lambda: isinstance(app.screen, PresetScreen), what="the preset picker")
    await pilot.press(*typed, "enter")
    await wait_until(lambda: not isinstance(app.screen, PresetScreen), what="the picker closed")


def status_bar(app: GlmTuiApp) -> StatusBar:
    """The status bar of the screen shown."""
    return app.screen.query_one(StatusBar)


def attachments_for(details: ModelDetails) -> tuple[ChatAttachments, list[str]]:
    """The chat's attachments part over a stand-in screen whose model has `details` (an Ollama
    engine), and the list its notifications go to: its rules without a running app."""
    said: list[str] = []
    app = SimpleNamespace(
        model=details.name,
        model_info=details,
        service=SimpleNamespace(kind="ollama"),
        notify=lambda text, **_: said.append(text),
        call_later=lambda *_: None,
    )
    host: Any = SimpleNamespace(app=app)
    return ChatAttachments(host), said


def answer_json(handler: BaseHTTPRequestHandler, status: int, body: object) -> None:
    """A stand-in server's JSON answer (http.server), with its length, as the engines' servers send."""
    data = json.dumps(body).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)
