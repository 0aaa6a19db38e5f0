"""The chat's preserved-thinking toggle (alt+t, palette "Preserved thinking: on/off"), per chat, off at first.

On, earlier turns' traces go back with the history (`GenerationRequest.preserve_thinking`; how each engine
takes them: core/preserve.py); off, nothing of them is sent. Offered where the model takes traces back;
refused, with the reason, where it cannot (it does not think, or its template drops them); where that is
unknown it can still be turned on, with a warning. A new chat, or one resumed from the history, starts with
it off. The status bar says it only where the model takes the traces (with a doubt where not known).
"""

from __future__ import annotations

from dataclasses import replace

from glmtui.core.preserve import Support, preserve_support
from glmtui.core.state import GenerationRequest
from glmtui.screens.chat_host import ChatHost
from glmtui.surface import current_model_info


class PreservedThinking:
    """Whether this chat sends earlier traces back, and the words the palette and status bar use."""

    def __init__(self, screen: ChatHost) -> None:
        self._screen = screen
        self.on = False
        """The user turned it on for this chat."""

    def support(self) -> tuple[Support, str]:
        app = self._screen.app
        return preserve_support(app.model, current_model_info(app))

    def toggle(self) -> None:
        """Turn it on (where the model can take traces back, or might) or off, and say what that does."""
        app = self._screen.app
        if self.on:
            self._set(False)
            app.notify("Preserved thinking off: earlier traces are no longer sent.", timeout=3)
            return
        support, why = self.support()
        if support == "no":
            app.notify(f"Preserved thinking is not offered: {why}.", severity="warning", timeout=5)
            return
        self._set(True)
        if support == "unknown":
            app.notify(
                f"Preserved thinking on, but {why}: the traces may be ignored, and they take context.",
                severity="warning",
                timeout=6,
            )
        else:
            app.notify("Preserved thinking on: earlier traces go back with each prompt.", timeout=3)

    def reset(self) -> None:
        """A new or resumed chat: off again."""
        self._set(False)

    def show(self) -> None:
        """Tell the status bar whether it applies to the model now (a model switched to that cannot take
        traces is sent none, so the bar does not claim them)."""
        self._screen.status_bar.preserved_support = self.support()[0]

    def request(self, request: GenerationRequest) -> GenerationRequest:
        """The request, carrying the traces when on and the model can take them (a model switched to one
        that cannot think, or drops them, is sent none)."""
        wanted = self.on and self.support()[0] != "no"
        return replace(request, preserve_thinking=wanted) if wanted != request.preserve_thinking else request

    TITLE = "Preserved thinking: on/off"

    def palette_help(self) -> str:
        support, why = self.support()
        state = "on" if self.on else "off"
        return f"Now {state} for this chat. Send earlier turns' traces back (alt+t); support {support}: {why}"

    def _set(self, on: bool) -> None:
        self.on = on
        self._screen.status_bar.preserved_thinking = on
        self.show()
