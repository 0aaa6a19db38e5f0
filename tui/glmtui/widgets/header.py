"""The top line: app name, DEMO badge, model, host and connection state.

With several endpoints the host gives way to every endpoint with its state, compactly
(`desk ● · node1 ○ offline`), the chat's one underlined in bold; with one, the line is as it always was.
"""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from glmtui.core.endpoints import EndpointStatus

STATE_STYLE = {
    "online": ("●", "green"),
    "connecting": ("◌", "yellow"),
    "offline": ("●", "red"),
    "not Ollama": ("✗", "red"),  # something answers at the host, but it is not Ollama
    "needs key": ("⚿", "yellow"),  # an OpenAI-compatible server refused glmtui's (missing) API key
    "no engine": ("✗", "yellow"),  # no engine in this glmtui speaks its kind yet
}
# Beside the other endpoints: a hollow dot says offline without relying on colour alone.
OTHER_SYMBOL = {"offline": "○"}


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
    server_kind: reactive[str] = reactive("ollama")  # "ollama", "vLLM", "SGLang", "OpenAI-compatible"
    demo: reactive[bool] = reactive(False)
    endpoints: reactive[tuple[EndpointStatus, ...]] = reactive(())
    """Every endpoint with its state; shown instead of the host when there are several."""
    endpoint: reactive[str] = reactive("")
    """The chat's endpoint (its state is `connection`, the watchdog's)."""

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
        if len(self.endpoints) > 1:
            self._endpoints(text, compact)
            return text
        # The demo's simulator listens on a random port: naming it says more (and keeps screenshots stable).
        text.append("built-in simulator" if self.demo else self.host)
        symbol, colour = STATE_STYLE.get(self.connection, ("?", "white"))
        text.append(f"{gap}{symbol} ", style=colour)
        state = self.connection
        if state == "online" and self.server_version and compact == 0:
            state = f"online ({self.server_kind} {self.server_version})"
        text.append(state)
        return text

    def _endpoints(self, text: Text, compact: int) -> None:
        """`desk ● · node1 ○ offline`: the chat's endpoint underlined, each state by symbol and
        colour, and in words where it is not online (the chat's version too, when there is room)."""
        for index, status in enumerate(self.endpoints):
            if index:
                text.append(" · " if compact < 2 else "·", style="dim")
            chat = status.name == self.endpoint
            state = self.connection if chat else status.state
            symbol, colour = STATE_STYLE.get(state, ("?", "white"))
            if not chat:
                symbol = OTHER_SYMBOL.get(state, symbol)
            text.append(status.name, style="bold underline" if chat else "")
            text.append(f" {symbol}", style=colour)
            if state != "online":
                text.append(f" {state}", style=colour)
            elif chat and self.server_version and compact == 0:
                text.append(f" {self.server_version}", style="dim")


def _cut(name: str, room: int) -> str:
    return name if len(name) <= room else name[: max(0, room - 1)] + "…"
