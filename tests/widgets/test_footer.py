"""The screens' footer (QuietFooter): Textual's footer, built once per burst of binding changes and only
when the keys it shows change; the same keys as Textual's own."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Input
from textual.widgets._footer import FooterKey

from glmtui.widgets.footer import QuietFooter
from tests.helpers import wait_until


class Keys(Screen[None]):
    BINDINGS = [
        Binding("f2", "one", "One"),
        Binding("f3", "two", "Two"),
        Binding("f4", "hidden", "", show=False),
    ]

    def __init__(self, footer: Footer) -> None:
        super().__init__()
        self.footer = footer

    def compose(self) -> ComposeResult:
        yield Input(id="first")
        yield Input(id="second")
        yield self.footer

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return None if action == "two" and self.focused is not None and self.focused.id == "second" else True


def keys(footer: Footer) -> list[tuple[str, str, bool]]:
    return [(k.key, k.description, k.has_class("-disabled")) for k in footer.query(FooterKey)]


async def test_a_burst_of_binding_changes_builds_the_keys_once_and_only_when_they_change() -> None:
    footer = QuietFooter()
    app = App[None]()
    async with app.run_test() as pilot:
        await app.push_screen(Keys(footer))
        await wait_until(lambda: footer.builds == 1 and keys(footer), what="the footer built")
        first = keys(footer)
        screen = footer.screen
        for _ in range(5):  # what opening a screen does: focus, stack, refresh_bindings, in one go
            screen.refresh_bindings()
        screen.query_one("#first", Input).focus()
        await pilot.pause()
        await pilot.pause()
        assert footer.builds == 1 and keys(footer) == first  # nothing shown changed: not rebuilt
        screen.query_one("#second", Input).focus()  # F3 is now disabled: one rebuild
        await wait_until(lambda: ("f3", "Two", True) in keys(footer), what="F3 shown disabled")
        assert footer.builds == 2


async def test_it_shows_what_textuals_footer_shows() -> None:
    shown = []
    for footer in (Footer(), QuietFooter()):
        app = App[None]()
        async with app.run_test() as pilot:
            await app.push_screen(Keys(footer))
            footer.screen.query_one("#second", Input).focus()
            await pilot.pause()
            await wait_until(lambda: keys(footer), what="keys")  # noqa: B023 (awaited here)
            await pilot.pause()
            shown.append(keys(footer))
    assert shown[0] == shown[1] and ("f2", "One", False) in shown[1]
