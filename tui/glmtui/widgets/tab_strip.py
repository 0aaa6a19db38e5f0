"""A tab bar drawn as one widget: the tab names over an underline, as Textual's `Tabs` draws them.

Textual's `TabbedContent` builds a `Tabs` of one widget per tab plus an underline and a scroll
container, each styled and laid out on its own: on a 2-core machine that was ~70 ms of the arena's
open, before any data. A screen whose tabs are switched by a key (and a click) needs none of it: this
draws the same two lines from one `render`, and the screen shows the chosen view in a
`ContentSwitcher`. Not focusable (the screen's key switches); a click on a name chooses it.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Group, RenderableType
from rich.style import Style
from rich.text import Text
from textual import events
from textual.message import Message
from textual.reactive import reactive
from textual.renderables.bar import Bar
from textual.widget import Widget


class TabStrip(Widget):
    """Tab names in a row, the active one highlighted and underlined."""

    # The colours of Textual's Tab and Underline (unfocused), so a screen looks as it did with Tabs.
    DEFAULT_CSS = """
    TabStrip { width: 1fr; height: 2; }
    TabStrip > .tab-strip--tab { color: $foreground 50%; }
    TabStrip > .tab-strip--active { color: $foreground; }
    TabStrip > .tab-strip--bar { color: $block-cursor-background; background: $foreground 10%; }
    """
    COMPONENT_CLASSES = {"tab-strip--tab", "tab-strip--active", "tab-strip--bar"}

    active: reactive[str] = reactive("")
    """The id of the tab shown as active."""

    @dataclass
    class Chosen(Message):
        """A tab's name was clicked."""

        strip: TabStrip
        tab: str  # its id

    def __init__(self, tabs: list[tuple[str, str]], active: str, *, id: str | None = None) -> None:
        """`tabs`: (id, name) in order; `active`: the id shown as active."""
        super().__init__(id=id)
        self.tabs = tabs
        self.set_reactive(TabStrip.active, active)

    def _spans(self) -> list[tuple[str, int, int]]:
        """Each tab's id and the columns of its name (a space of padding either side, as Tab has)."""
        spans, x = [], 0
        for tab, name in self.tabs:
            width = Text(name).cell_len
            spans.append((tab, x + 1, x + 1 + width))
            x += width + 2
        return spans

    def render(self) -> RenderableType:
        tab_style = self.get_component_rich_style("tab-strip--tab")
        active_style = self.get_component_rich_style("tab-strip--active")
        bar_style = self.get_component_rich_style("tab-strip--bar")
        names = Text(no_wrap=True, overflow="crop")
        highlight = (0, 0)
        for (tab, name), (_, start, end) in zip(self.tabs, self._spans(), strict=True):
            style = active_style if tab == self.active else tab_style
            names.append(" ")  # Tab's padding: a plain space, as Textual draws it
            names.append(name, style=style + Style(meta={"tab": tab}))  # its own segment, as in Tabs
            names.append(" ")
            if tab == self.active:
                highlight = (start, end)
        names.append(" " * max(0, self.size.width - names.cell_len))  # one segment to the edge, as in Tabs
        bar = Bar(highlight, Style.from_color(bar_style.color), Style.from_color(bar_style.bgcolor))
        return Group(names, bar)

    def on_click(self, event: events.Click) -> None:
        event.stop()
        for tab, start, end in self._spans():
            if start - 1 <= event.x <= end:
                self.post_message(self.Chosen(self, tab))
                return
