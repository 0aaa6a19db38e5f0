"""The `@path` completion list above the prompt box: the keys it takes while it shows, and what accepting
means (the screen's `ChatAttachments` fills it and acts on the choice). It never takes the focus: the
prompt box keeps it, and hands it the keys first (`PromptInput.key_filter`).

Up/Down move the highlight, Tab accepts the highlighted completion (the first when none is), Enter
accepts the highlighted one (none highlighted: Enter sends the prompt as usual), Esc closes the list.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from glmtui.core.sanitize import sanitize_line


class PathCompletions(OptionList):
    """The completions of the `@path` at the cursor (hidden while there are none)."""

    DEFAULT_CSS = """
    PathCompletions { height: auto; max-height: 8; margin: 0 1; display: none; border: none;
                      background: $boost; }
    PathCompletions.-open { display: block; }
    """
    can_focus = False

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.paths: tuple[str, ...] = ()
        """The completions shown (whole paths as typed; folders end with `/`)."""
        self.on_accept: Callable[[str], object] | None = None
        """Called with the accepted path (set by the screen)."""

    @property
    def is_open(self) -> bool:
        return bool(self.paths)

    def open(self, paths: Sequence[str]) -> None:
        """Show these completions, none highlighted (Enter still sends until one is)."""
        self.paths = tuple(paths)
        # File names are untrusted (a cloned repository picks them): never markup, controls made visible.
        self.set_options(
            Option(Text(sanitize_line(path)), id=str(index)) for index, path in enumerate(self.paths)
        )
        self.highlighted = None
        self.set_class(bool(self.paths), "-open")

    def close(self) -> None:
        if self.paths:  # called on every cursor move: nothing to redo while closed
            self.open(())

    def take_key(self, key: str) -> bool:
        """Act on a key pressed in the prompt box while the list shows; True when it was taken."""
        if not self.is_open:
            return False
        if key == "escape":
            self.close()
            return True
        if key in ("down", "up"):
            last = len(self.paths) - 1
            now = self.highlighted
            if key == "down":
                self.highlighted = 0 if now is None else min(last, now + 1)
            else:
                self.highlighted = None if now in (None, 0) else now - 1  # back up to "none": Enter sends
            return True
        if key == "tab" or (key == "enter" and self.highlighted is not None):
            chosen = self.paths[self.highlighted or 0]
            if self.on_accept is not None:
                self.on_accept(chosen)
            return True
        return False

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """A click on a completion accepts it, as Enter would."""
        event.stop()
        if self.on_accept is not None and event.option_index < len(self.paths):
            self.on_accept(self.paths[event.option_index])
