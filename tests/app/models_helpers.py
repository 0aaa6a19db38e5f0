"""Helpers for the models-screen flows: open it, pick a row, wait for pulls."""

from __future__ import annotations

from textual.pilot import Pilot

from glmtui.app import GlmTuiApp
from glmtui.core.state import PullProgress
from glmtui.screens.models import ModelsScreen, ModelTable
from tests.conftest import wait_until


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
    return [key for key, _ in table(screen, tab)._rows]


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
