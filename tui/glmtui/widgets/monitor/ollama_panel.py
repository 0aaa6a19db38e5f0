"""The Ollama panel: loaded models from `/api/ps`, their CPU/GPU split and keep-alive countdown, and
which GPU(s) hold each (`core.placement`; `≈ likely` when only the sizes say so).

Focus it (F3 on the chat screen, or Tab) to pick a model with the arrow keys; `u` unloads the picked
one (`keep_alive: 0`).
"""

from __future__ import annotations

import time

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive

from glmtui.core.load_check import LoadCheck
from glmtui.core.placement import Placement
from glmtui.core.state import LoadedModel, OllamaSnapshot
from glmtui.core.units import binary_size, countdown, human_bytes
from glmtui.widgets.monitor.gpu_panel import GUESS, wrapped_label_value
from glmtui.widgets.monitor.lines_panel import LinesPanel


class OllamaPanel(LinesPanel):
    """Every model Ollama holds in memory, as `ollama ps` lists them."""

    can_focus = True
    BINDINGS = [
        Binding("up", "move(-1)", "Previous model", show=False, id="monitor-model-up"),
        Binding("down", "move(1)", "Next model", show=False, id="monitor-model-down"),
        Binding("u", "unload", "Unload model", id="unload-model"),
    ]

    snapshot: reactive[OllamaSnapshot | None] = reactive(None, repaint=False)
    placement: reactive[Placement] = reactive(Placement(), repaint=False)
    checks: reactive[tuple[LoadCheck, ...]] = reactive((), repaint=False)  # estimate vs loaded size
    host: reactive[str] = reactive("", repaint=False)
    cursor: reactive[int] = reactive(0, repaint=False)

    class UnloadRequested(Message):
        """The user asked to unload a model."""

        def __init__(self, model: str) -> None:
            super().__init__()
            self.model = model

    def on_mount(self) -> None:
        # (LinesPanel's on_mount runs too: Textual calls every class's handler along the MRO.)
        # The countdown needs the clock, not just new snapshots. Rebuilding is cheap and a line
        # repaints only when its text changes (once a minute above two minutes left).
        self.set_interval(1.0, self.rebuild)

    def watch_snapshot(self) -> None:
        self.rebuild()

    def watch_placement(self) -> None:
        self.rebuild()

    def watch_host(self) -> None:
        self.rebuild()

    def watch_cursor(self) -> None:
        self.rebuild()

    def watch_has_focus(self, has_focus: bool) -> None:
        # Not on_focus: that handler runs before Widget's own sets has_focus, so build() saw False.
        super().watch_has_focus(has_focus)
        self.rebuild()

    @property
    def models(self) -> tuple[LoadedModel, ...]:
        return self.snapshot.models if self.snapshot else ()

    def action_move(self, delta: int) -> None:
        if self.models:
            self.cursor = (self.cursor + delta) % len(self.models)

    def action_unload(self) -> None:
        models = self.models
        if not models:
            self.notify("No model is loaded.", timeout=2)
            return
        self.post_message(self.UnloadRequested(models[min(self.cursor, len(models) - 1)].name))

    def _gpus(self, model: LoadedModel, width: int) -> list[Text]:
        """`  on GPU 0 RTX 4090  17.0 GiB`, one line per GPU holding it; nothing when that is unknown."""
        out: list[Text] = []
        for holding in self.placement.of_model(model.name):
            prefix = Text("  ")
            if not holding.sure:
                prefix.append(GUESS, style="dim italic")
            where = Text(f"{'on ' if holding.sure else ''}GPU {holding.gpu} {holding.gpu_name}", style="dim")
            size = "n/a" if holding.used_bytes is None else binary_size(holding.used_bytes)
            out.extend(wrapped_label_value(prefix, where, Text(size, style="dim"), width))
        return out

    def watch_checks(self) -> None:
        self.rebuild()

    def _check(self, model: LoadedModel, width: int) -> list[Text]:
        """'estimated 19.9 GiB · loaded 19.7 GiB': glmtui's estimate beside what Ollama took."""
        check = next((c for c in self.checks if c.model == model.name), None)
        if check is None:
            return []
        off = check.error_percent() > 10  # beyond what the fit promises: say so in colour
        style = self.colour("meter-warn") if off else "dim"
        line = Text("  " + check.text(), style=style)
        if line.cell_len <= width:
            return [line]
        # A narrow sidebar: one figure per line, split where the text says "·", never mid-figure.
        estimated, loaded = check.text().split(" · ")
        return [Text(f"  {estimated}", style=style), Text(f"  {loaded}", style=style)]

    def build(self, width: int) -> list[Text]:
        title = Text("Ollama", style="bold")
        if self.host:
            title.append(f" · {self.host}", style="dim")
        title.truncate(width, overflow="ellipsis")
        lines = [title]
        snap = self.snapshot
        if snap is None:
            return [*lines, Text("asking /api/ps…", style="dim")]
        if not snap.online:
            state = "not Ollama" if snap.not_ollama else "offline"
            lines.append(Text(f"{state}: retrying", style=self.colour("meter-critical")))
            if snap.error:
                lines.extend(Text(snap.error, style="dim").wrap(self.app.console, width))
            return lines
        if not snap.models:
            return [*lines, Text("no model loaded", style="dim")]
        now = time.time()
        for i, model in enumerate(snap.models):
            picked = self.has_focus and i == min(self.cursor, len(snap.models) - 1)
            name = Text(("▸ " if picked else "  ") + model.name, style="reverse" if picked else "bold")
            name.truncate(width, overflow="ellipsis")
            lines.append(name)
            left = None if model.expires_at is None else model.expires_at - now
            processor = model.processor
            style = self.colour("meter-ok") if processor == "100% GPU" else self.colour("meter-warn")
            detail = Text(f"  {human_bytes(model.size)}  ", style="dim")
            detail.append(processor, style=style)
            more = Text(style="dim")
            if model.context_length:
                more.append(f"  ctx {model.context_length}")
            more.append("  unloading" if left is not None and left <= 0 else f"  keep {countdown(left)}")
            if detail.cell_len + more.cell_len <= width:
                detail.append_text(more)
                lines.append(detail)
            else:  # a narrow sidebar: two lines rather than losing the countdown
                lines.extend([detail, more])
            lines.extend(self._gpus(model, width))
            lines.extend(self._check(model, width))
        if self.has_focus:
            lines.append(Text("↑↓ pick · u unload · tab leaves", style="dim"))
        return lines
