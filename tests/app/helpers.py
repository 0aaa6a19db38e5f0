"""Helpers for Pilot flows: build an app on the simulator and drive the chat."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from glmtui.app import DEFAULT_STORE, GlmTuiApp
from glmtui.config import Config
from glmtui.core.state import Turn, TurnStatus
from glmtui.services.monitor import Sampler
from glmtui.widgets.chat_pane import ChatPane
from glmtui.widgets.prompt_input import PromptInput
from tests.conftest import wait_until
from tests.fakes import scripted_sampler


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
    app.online_poll_s = 0.2
    app.offline_poll_s = 0.2
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


def chat_requests(sim: Any) -> list[dict[str, Any]]:
    return [body for method, path, body in sim.requests if path == "/api/chat"]


def screen_text(app: GlmTuiApp) -> str:
    """The visible screen as plain text (from Textual's own SVG export)."""
    svg = app.export_screenshot()
    text = re.sub(r"<[^>]+>", "", svg)
    return html.unescape(text).replace("\xa0", " ")


async def palette(pilot: Pilot[None], command: str) -> None:
    """Run a command from the command palette, typed as a user would."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    for char in command:
        await pilot.press(char if char != " " else "space")
    await pilot.pause(0.3)
    await pilot.press("enter")
