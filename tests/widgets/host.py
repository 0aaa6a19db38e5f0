"""A tiny host app for mounting one glmtui widget with glmtui's theme and variables."""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import App, ComposeResult
from textual.widget import Widget

from glmtui.paths import builtin_themes_dir
from glmtui.themes import APP_VARIABLES, DEFAULT_THEME, load_themes


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
