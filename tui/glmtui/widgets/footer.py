"""The footer of the app's screens: Textual's `Footer`, rebuilt only when what it shows has changed.

Textual's footer removes and re-mounts all its keys on every `bindings_updated` signal, and a screen
publishes one per focus change, per stack change and per `refresh_bindings()` call: opening the arena
rebuilt its footer five or six times in a row (each key re-styled each time), ~100 ms of a 450 ms open
on a 2-core machine. This one coalesces the signals that arrive before the next refresh into one check,
and rebuilds only if the keys shown (binding, enabled, tooltip) differ from those on screen. What it
draws is Textual's own footer, key for key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.binding import Binding
from textual.widgets import Footer

if TYPE_CHECKING:
    from textual.screen import Screen

Shown = tuple[tuple[str, Binding, bool, str], ...]


class QuietFooter(Footer):
    """A `Footer` that recomposes once per batch of binding changes, and only for a visible change."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._check_pending = False
        self._shown: Shown | None = None  # what the keys on screen were composed from
        self.builds = 0
        """How many times the keys have been built (tests: a burst of binding changes builds once)."""

    def bindings_changed(self, screen: Screen[Any]) -> None:
        # Textual's handler, but one check per refresh instead of one recompose per signal.
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._check_pending:
            self._check_pending = True
            self.call_after_refresh(self._recompose_if_changed)

    async def _recompose_if_changed(self) -> None:
        self._check_pending = False
        if not self.is_attached or self._pruning:
            return  # removed meanwhile (its screen closed): nothing to show
        shown = self._shown_now()
        if shown == self._shown:
            return
        self._shown = shown
        self.builds += 1
        await self.recompose()

    def _shown_now(self) -> Shown:
        """Everything `Footer.compose` reads from the bindings (the palette key included)."""
        return tuple(
            (key, binding, enabled, tooltip)
            for key, (_, binding, enabled, tooltip) in self.screen.active_bindings.items()
            if binding.show or key == self.app.COMMAND_PALETTE_BINDING
        )
