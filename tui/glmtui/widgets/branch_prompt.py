"""A prompt in the chat log that has alternatives (regenerated or edited): `‹ 2/3 ›` before it.

The arrows are clickable; Alt+←/→ on the chat screen do the same for the last prompt with branches (or
the one last moved). A prompt without alternatives looks exactly like any other UserMessage.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.style import Style
from rich.text import Text
from textual.message import Message

from glmtui.core.state import Turn
from glmtui.widgets.message import UserMessage


class BranchPrompt(UserMessage):
    """The prompt of `turn`; with `place` (which, of how many) past 1 of 1, the branch switch too."""

    class Step(Message):
        """‹ or › was clicked on this prompt: show the alternative `delta` away."""

        def __init__(self, turn: Turn, delta: int) -> None:
            super().__init__()
            self.turn, self.delta = turn, delta

    def __init__(self, turn: Turn, place: tuple[int, int] = (1, 1), *, chips: Sequence[str] = ()) -> None:
        super().__init__(turn.prompt, chips=chips)
        self.turn = turn
        self.place = place
        if place[1] > 1:
            self.update(self._with_switch())

    def _with_switch(self) -> Text:
        which, count = self.place
        text = Text()
        # Click actions ride on the characters' style (Textual runs "@click" on this widget): the
        # prompt itself stays a plain Text, never markup.
        text.append("‹", style=Style(bold=True, meta={"@click": "step(-1)"}))
        text.append(f" {which}/{count} ", style="dim")
        text.append("›", style=Style(bold=True, meta={"@click": "step(1)"}))
        text.append("  ")
        return text + self.prompt_text

    def action_step(self, delta: int) -> None:
        self.post_message(self.Step(self.turn, delta))
