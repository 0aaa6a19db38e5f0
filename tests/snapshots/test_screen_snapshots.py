"""Snapshots of the screens the README shows, with fixed content so they are deterministic.

The live screenshots (`python screenshots/make.py`) stream real replies, so their figures vary; these
put the same screens on fixed data: a saved conversation with a thinking trace and exact figures, the
model switcher with a pull at a known point, an A/B comparison of two finished replies, the history.
The app runs against the simulator in demo mode (which names the simulator instead of its random port).
"""

from __future__ import annotations

import calendar
import time
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from glmtui.app import GlmTuiApp
from glmtui.config import Config
from glmtui.core.state import Conversation, GenerationStats, PullProgress, Turn, TurnStatus
from glmtui.screens.compare.screen import CompareScreen
from glmtui.screens.history import HistoryScreen
from glmtui.screens.models import ModelsScreen
from glmtui.screens.usage import UsageScreen
from glmtui.services.compare import Round
from glmtui.services.store import Store
from glmtui.simulator import Simulator
from glmtui.widgets.message import FinalReply
from glmtui.widgets.thinking import ThinkingView
from tests.fakes import scripted_sampler
from tests.helpers import db_rows, screen_text, wait_until
from tests.snapshots.test_widget_snapshots import REPLY
from tests.unit.test_usage import save

GLM, Q8 = "glm-4.7-flash:latest", "glm-4.7-flash:q8_0"
JAN = time.mktime((2026, 1, 15, 9, 30, 0, 0, 0, -1))  # dates far enough back to print as dates


def turn(
    model: str, rate: float, ttft: float, load_s: float, prompt: str = "Write a binary search in Rust"
) -> Turn:
    tokens = 812
    return Turn(
        prompt=prompt,
        model=model,
        think="on",
        reply=REPLY.replace("Binary search", f"Binary search ({model})"),
        thinking="The user wants a binary search. Keep it short, show the edge cases.",
        status=TurnStatus.DONE,
        created_at=JAN,
        stats=GenerationStats(
            ttft_s=ttft,
            eval_count=tokens,
            eval_duration_ns=int(tokens / rate * 1e9),
            prompt_eval_count=38,
            prompt_eval_duration_ns=30_780_000,
            load_duration_ns=int(load_s * 1e9),
            thinking_tokens=14,
            thinking_s=1.8,
        ),
    )


def app_on(sim: Simulator, tmp_path: Path, **kw: Any) -> GlmTuiApp:
    config = Config(host=sim.url, model=GLM, demo=True, monitor=False)
    app = GlmTuiApp(config, sampler=scripted_sampler(), store_path=tmp_path / "glmtui.db", **kw)
    app.model_watch.online_poll_s = 0.2
    return app


async def online(app: GlmTuiApp) -> None:
    await wait_until(lambda: app.connection == "online" and app.think_label != "", what="online")


def test_chat_with_a_thinking_trace_and_exact_figures(snap_compare, sim: Simulator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store = Store(tmp_path / "glmtui.db")
    conversation = store.create_conversation("Binary search", GLM, None)
    saved = turn(GLM, 71.3, 0.21, 1.52)
    store.finish_turn(store.start_turn(conversation, saved), saved)
    app = app_on(sim, tmp_path, continue_last=True)

    async def run_before(pilot: Pilot[None]) -> None:
        await online(app)
        await wait_until(lambda: app.screen.query(FinalReply), what="the saved reply")
        # Its trace is summarised (and collapsed) when the reply mounts: open it only after that.
        await wait_until(
            lambda: (
                (views := app.screen.query(ThinkingView))
                and str(views.last().title).startswith("thought for")
            ),
            what="the trace summarised",
        )
        app.screen.query(ThinkingView).last().collapsed = False
        await wait_until(
            lambda: "Keep it short, show the edge cases" in screen_text(app), what="the trace open"
        )
        # The saved turn's use of the context (38 + 812); the model is not loaded, so the context is
        # not known: a question mark, never a default.
        await wait_until(lambda: "ctx 850 / ?" in screen_text(app), what="the context gauge")
        app.clear_notifications()
        await wait_until(lambda: not app.screen.query("Toast"), what="no toast left")

    assert snap_compare(app, terminal_size=(100, 32), run_before=run_before)


def test_models_screen_mid_pull(snap_compare, sim: Simulator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app = app_on(sim, tmp_path)

    async def run_before(pilot: Pilot[None]) -> None:
        await online(app)
        await pilot.press("f4")
        await wait_until(
            lambda: isinstance(app.screen, ModelsScreen) and len(app.screen.details) == 3,
            what="the models and their details",
        )
        await wait_until(lambda: "RTX 4090" in app.screen.machine.label, what="the GPU for the fit")  # type: ignore[attr-defined]
        await wait_until(lambda: app.server_settings.origin != "", what="the server's settings for the fit")
        app.pulls_signal.publish(
            (
                PullProgress(
                    Q8,
                    "pulling",
                    "downloading",
                    completed=11_200_000_000,
                    total=31_839_000_000,
                    rate=104_000_000,
                    eta_s=198.0,
                ),
            )
        )
        await wait_until(lambda: "ETA" in screen_text(app), what="the pull's progress on screen")

    assert snap_compare(app, terminal_size=(120, 34), run_before=run_before)


def test_models_screen_at_80_columns(snap_compare, sim: Simulator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """On an 80-column terminal the name, the fit, the size and the largest context stay in sight."""
    app = app_on(sim, tmp_path)

    async def run_before(pilot: Pilot[None]) -> None:
        await online(app)
        await pilot.press("f4")
        await wait_until(
            lambda: isinstance(app.screen, ModelsScreen) and len(app.screen.details) == 3,
            what="the models and their details",
        )
        await wait_until(lambda: "RTX 4090" in app.screen.machine.label, what="the GPU for the fit")  # type: ignore[attr-defined]
        await wait_until(lambda: app.server_settings.origin != "", what="the server's settings for the fit")

    assert snap_compare(app, terminal_size=(80, 30), run_before=run_before)


def test_compare_after_one_round(snap_compare, sim: Simulator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app = app_on(sim, tmp_path, compare=(GLM, "gpt-oss:20b", None))

    async def run_before(pilot: Pilot[None]) -> None:
        await online(app)
        await wait_until(
            lambda: isinstance(app.screen, CompareScreen) and app.screen.ready, what="compare ready"
        )
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        a, b = turn(GLM, 71.3, 0.21, 1.52), turn("gpt-oss:20b", 118.6, 0.34, 2.05)
        for pane, saved in zip(screen.panes, (a, b), strict=False):
            await pane.chat.load(Conversation(turns=[saved]))
        screen.run.rounds.append(Round(a.prompt, GLM, "gpt-oss:20b", "sequential", a=a, b=b, sent=True))
        screen.refresh_all()
        await wait_until(
            lambda: "118.60 tok/s" in screen_text(app) and "Binary search (gpt-oss:20b)" in screen_text(app),
            what="both replies and the strip on screen",
        )

    assert snap_compare(app, terminal_size=(130, 36), run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24)])
def test_history_screen(snap_compare, sim: Simulator, tmp_path: Path, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    store = Store(tmp_path / "glmtui.db")
    for title, turns in (("Binary search in Rust", 3), ("Borrow checking", 12), ("SQL: top customers", 1)):
        conversation = store.create_conversation(title, GLM, None)
        for _ in range(turns):
            saved = turn(GLM, 70.0, 0.2, 0.0)
            store.finish_turn(store.start_turn(conversation, saved), saved)
    db_rows(store.path, "UPDATE conversations SET updated_at = ? + id * 86400", (JAN,))
    app = app_on(sim, tmp_path)

    async def run_before(pilot: Pilot[None]) -> None:
        await online(app)
        await pilot.press("ctrl+o")
        await wait_until(lambda: isinstance(app.screen, HistoryScreen) and app.screen.rows, what="the rows")
        await wait_until(lambda: "SQL: top customers" in screen_text(app), what="the history list drawn")

    assert snap_compare(app, terminal_size=size, run_before=run_before)


def test_usage_screen(snap_compare, sim: Simulator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Three weeks of two models, fixed: q4_K_M re-pulled (a new digest, slower) on day 10, gpt-oss on an
    OpenAI-compatible endpoint (client-timed), a stopped and a failed turn. Now and the clock's offset
    are passed in, so the days are the same on every machine."""
    now = calendar.timegm((2026, 11, 29, 12, 0, 0))
    store = Store(tmp_path / "glmtui.db")
    conversation = store.create_conversation("usage", GLM, None)
    for day in range(21):
        at = now - (20 - day) * 86_400.0
        upgraded = day >= 10
        for n in range(1 + day % 3):
            save(
                store,
                conversation,
                at + n * 600,
                GLM,
                digest="sha256:bbbb" if upgraded else "sha256:aaaa",
                rate=(64.0 if upgraded else 71.0) + n,
                tokens=400 + 37 * ((day * 7 + n) % 11),
                prompt=200 + 90 * ((day + n) % 5),
                ttft=0.15 + 0.11 * ((day + n) % 6),
            )
        if day % 2 == 0:
            save(
                store,
                conversation,
                at + 3600,
                "gpt-oss:20b",
                endpoint="node1",
                digest="",
                timing="client",
                rate=118.0 + day % 4,
                tokens=700,
                prompt=1200,
                ttft=0.9 + 0.4 * (day % 3),
            )
    save(store, conversation, now - 3600, GLM, digest="sha256:bbbb", status=TurnStatus.STOPPED, tokens=40)
    save(store, conversation, now - 1800, GLM, digest="sha256:bbbb", status=TurnStatus.FAILED, ttft=None)
    app = app_on(sim, tmp_path)

    async def run_before(pilot: Pilot[None]) -> None:
        await online(app)
        await app.push_screen(UsageScreen(now=now, utc_offset_s=0))
        await wait_until(lambda: isinstance(app.screen, UsageScreen) and app.screen.loads == 1, what="read")
        await wait_until(lambda: "TTFT" in screen_text(app), what="the charts drawn")

    assert snap_compare(app, terminal_size=(130, 40), run_before=run_before)


def test_arena_leaderboard(snap_compare, sim: Simulator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from glmtui.screens.arena import ArenaScreen
    from tests.helpers import seed_arena

    seed_arena(Store(tmp_path / "glmtui.db"))  # fixed votes, figures and a measured size
    app = app_on(sim, tmp_path)

    async def run_before(pilot: Pilot[None]) -> None:
        await online(app)
        await pilot.press("f7")
        await wait_until(lambda: isinstance(app.screen, ArenaScreen) and app.screen.drawn, what="the board")

    assert snap_compare(app, terminal_size=(150, 24), run_before=run_before)
