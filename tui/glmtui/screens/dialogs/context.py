"""Asked before a prompt that would overflow the context: raise num_ctx, start a new chat, or send anyway.

Ollama does not refuse such a prompt: it drops the oldest messages until the rest fits, and says
nothing. The dialog says it before, and lets the user choose. Esc cancels: the prompt stays in the box.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from glmtui.core.context import IMAGE_TOKENS_ESTIMATE

OverflowChoice = Literal["raise", "new", "continue"]


@dataclass(frozen=True, slots=True)
class Overflow:
    """What the dialog says: the prediction, and whether (and how far) num_ctx can be raised."""

    predicted: int  # tokens the next request would take, estimated high
    context: int  # the context the model is (or will be) loaded with
    raise_to: int | None  # the num_ctx offered (None: not offered)
    why_not: str = ""  # when not offered: why ("2,048 tokens: needs 41.2 GiB; 24 GiB VRAM")
    images: int = 0  # the prompt's images, counted in `predicted` as an estimate


class ContextOverflowScreen(ModalScreen[OverflowChoice | None]):
    """Dismisses with `raise`, `new` or `continue`; None (Esc) cancels and keeps the prompt."""

    DEFAULT_CSS = """
    ContextOverflowScreen { align: center middle; }
    ContextOverflowScreen > Vertical {
        width: 76; max-width: 95%; height: auto; padding: 1 2;
        border: thick $warning; background: $surface;
    }
    ContextOverflowScreen #overflow-text { margin-bottom: 1; }
    ContextOverflowScreen Button { width: 100%; margin-top: 1; }
    """
    BINDINGS = [
        Binding("r", "choose('raise')", "Raise num_ctx", show=False, id="overflow-raise"),
        Binding("n", "choose('new')", "New chat", show=False, id="overflow-new-chat"),
        Binding("c", "choose('continue')", "Send anyway", show=False, id="overflow-continue"),
        Binding("escape", "cancel", "Cancel", show=False, id="overflow-cancel"),
    ]

    def __init__(self, overflow: Overflow) -> None:
        super().__init__()
        self.overflow = overflow

    def compose(self) -> ComposeResult:
        over = self.overflow
        text = Text("This prompt would overflow the model's context\n\n", style="bold")
        text.append(
            f"With it the conversation comes to about {over.predicted:,} tokens; the model's context holds "
            f"{over.context:,}. Ollama would silently drop the oldest messages to make it fit."
        )
        if over.images:  # an image's tokens depend on the model: the figure is Ollama's own estimate
            text.append(
                f" Images count about {IMAGE_TOKENS_ESTIMATE:,} tokens each (an estimate; models vary).",
                style="dim",
            )
        with Vertical():
            yield Static(text, id="overflow-text")
            if over.raise_to is not None:
                yield Button(f"r  Raise num_ctx to {over.raise_to:,} (reloads the model)", id="raise")
            else:
                yield Static(Text(f"Raise num_ctx: not offered ({over.why_not})", style="dim"), id="no-raise")
            yield Button("n  Start a new chat (the prompt comes along, unsent)", id="new")
            yield Button("c  Send anyway (Ollama drops the oldest messages)", id="continue")
            yield Static(Text("Esc cancels: the prompt stays in the box", style="dim"))

    def on_mount(self) -> None:
        # The choice that loses nothing has the focus: a stray Enter never drops a message.
        self.query_one("#raise" if self.overflow.raise_to is not None else "#new", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_choose(str(event.button.id))

    def action_choose(self, choice: str) -> None:
        if choice == "raise" and self.overflow.raise_to is None:
            return  # not offered
        if choice in ("raise", "new", "continue"):
            self.dismiss(choice)  # type: ignore[arg-type]  # one of OverflowChoice, checked above

    def action_cancel(self) -> None:
        self.dismiss(None)
