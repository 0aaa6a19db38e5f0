"""The top line: app name, DEMO badge, model, host and connection state."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

STATE_STYLE = {
    "online": ("●", "green"),
    "connecting": ("◌", "yellow"),
    "offline": ("●", "red"),
    "not Ollama": ("✗", "red"),  # something answers at the host, but it is not Ollama
}


class AppHeader(Widget):
    """One-line header. All values are app data; model names are shown as plain text."""

    DEFAULT_CSS = """
    AppHeader { height: 1; background: $panel; color: $foreground; padding: 0 1; }
    """

    model: reactive[str] = reactive("")
    listing: reactive[bool] = reactive(False)
    """Ollama is listing its models (no model is known yet)."""
    host: reactive[str] = reactive("")
    connection: reactive[str] = reactive("connecting")
    server_version: reactive[str] = reactive("")
    demo: reactive[bool] = reactive(False)

    def render(self) -> Text:
        # On a narrow terminal the parts shrink in turn (the server version, the spacing and labels,
        # then the model name, cut with an ellipsis) so that the host and the connection state, which
        # say whether anything will work, always show.
        width = self.content_size.width
        for compact in range(3):
            text = self._line(compact, None)
            if not width or text.cell_len <= width:  # not laid out yet: the full line
                return text
        fixed = self._line(2, "").cell_len
        return self._line(2, _cut(self.model or "—", max(6, width - fixed)))

    def _line(self, compact: int, model: str | None) -> Text:
        gap = "  " if compact < 2 else " "
        text = Text()
        text.append("glmtui", style="bold")
        if self.demo:
            text.append(" DEMO ", style="bold reverse")
        text.append(f"{gap}model " if compact < 2 else gap)
        if model is not None:
            text.append(model, style="bold")
        elif self.model:
            text.append(self.model, style="bold")
        elif self.listing:
            text.append("listing models…", style="italic")
        else:
            text.append("—", style="bold")
        text.append(f"{gap}·{gap}")
        # The demo's simulator listens on a random port: naming it says more (and keeps screenshots stable).
        text.append("built-in simulator" if self.demo else self.host)
        symbol, colour = STATE_STYLE.get(self.connection, ("?", "white"))
        text.append(f"{gap}{symbol} ", style=colour)
        state = self.connection
        if state == "online" and self.server_version and compact == 0:
            state = f"online (ollama {self.server_version})"
        text.append(state)
        return text


def _cut(name: str, room: int) -> str:
    return name if len(name) <= room else name[: max(0, room - 1)] + "…"
