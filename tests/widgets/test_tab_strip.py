"""The arena's tab bar (TabStrip): the names over an underline under the active one, as Textual's Tabs
draws them; a click on a name chooses that tab."""

from __future__ import annotations

from textual.app import ComposeResult

from glmtui.widgets.tab_strip import TabStrip
from tests.helpers import HostApp, wait_until


class Strip(HostApp):
    def __init__(self) -> None:
        self.strip = TabStrip([("board", "Leaderboard"), ("runs", "Past A/B runs")], "board")
        super().__init__([self.strip])
        self.chosen: list[str] = []

    def compose(self) -> ComposeResult:
        yield self.strip

    def on_tab_strip_chosen(self, event: TabStrip.Chosen) -> None:
        self.chosen.append(event.tab)


def lines(strip: TabStrip) -> list[str]:
    return [strip.render_line(y).text for y in range(2)]


async def test_the_names_the_underline_and_a_click() -> None:
    app = Strip()
    async with app.run_test(size=(40, 4)) as pilot:
        names, bar = lines(app.strip)
        assert names == " Leaderboard  Past A/B runs ".ljust(40)
        assert bar == "╸" + "━" * 11 + "╺" + "━" * 27  # under "Leaderboard" alone, as Tabs draws it
        await pilot.click(app.strip, offset=(18, 0))  # on "Past A/B runs"
        await pilot.click(app.strip, offset=(3, 1))  # on the underline below "Leaderboard"
        await pilot.click(app.strip, offset=(35, 0))  # past the names: nothing
        await wait_until(lambda: len(app.chosen) == 2, what="two choices")
        assert app.chosen == ["board", "runs"][::-1]
        app.strip.active = "runs"
        await pilot.pause()
        assert lines(app.strip)[1] == "━" * 13 + "╸" + "━" * 13 + "╺" + "━" * 12
