"""The top line: app name, DEMO badge, model, host and connection state."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

STATE_STYLE = {"online": ("●", "green"), "connecting": ("◌", "yellow"), "offline": ("●", "red")}


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
        text = Text()
        text.append("glmtui", style="bold")
        if self.demo:
            text.append(" DEMO ", style="bold reverse")
        text.append("  model ")
        if self.model:
            text.append(self.model, style="bold")
        elif self.listing:
            text.append("listing models…", style="italic")
        else:
            text.append("—", style="bold")
        text.append("  ·  ")
        # The demo's simulator listens on a random port: naming it says more (and keeps screenshots stable).
        text.append("built-in simulator" if self.demo else self.host)
        symbol, colour = STATE_STYLE.get(self.connection, ("?", "white"))
        text.append(f"  {symbol} ", style=colour)
        state = self.connection
        if state == "online" and self.server_version:
            state = f"online (ollama {self.server_version})"
        text.append(state)
        return text
