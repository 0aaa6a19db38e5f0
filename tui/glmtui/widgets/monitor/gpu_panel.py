"""The GPU panel: one block per NVML device, or one line saying why there are none.

Under each device, the loaded models it holds (`core.placement`: by the runner's pid, or `≈ likely` when
only the sizes say so), then the other processes holding VRAM.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.reactive import reactive

from glmtui.core.placement import Holding, Placement
from glmtui.core.state import GpuReading, GpuSnapshot
from glmtui.core.units import binary_size, gib, short_gpu_name
from glmtui.widgets.formatting import label_value, level, meter_line, sparkline
from glmtui.widgets.monitor.lines_panel import LinesPanel

COMPACT_BELOW = 30  # content columns: narrower drops sparklines and the other processes (not the models)
MAX_PROCESSES = 3
_BREAKS = ("/", ":", "-", "_", ".", " ")  # where a folded model or GPU name breaks best
GUESS = "≈ likely "  # a model named from sizes alone, not from the runner's own model path


class GpuPanel(LinesPanel):
    """VRAM, utilisation, temperature, power and VRAM holders for every GPU on this machine."""

    snapshot: reactive[GpuSnapshot | None] = reactive(None, repaint=False)
    placement: reactive[Placement] = reactive(Placement(), repaint=False)
    remote_host: reactive[str] = reactive(
        "", repaint=False
    )  # set when Ollama runs elsewhere: say whose GPUs these are

    def watch_snapshot(self) -> None:
        self.rebuild()

    def watch_remote_host(self) -> None:
        self.rebuild()

    def watch_placement(self) -> None:
        self.rebuild()

    def build(self, width: int) -> list[Text]:
        sample = self.snapshot
        title = Text("GPU", style="bold")
        if self.remote_host:
            title.append(f" · this machine ({sample.hostname if sample else '…'})", style="bold")
        lines = [title]
        if self.remote_host:
            note = Text(f"Ollama runs on {self.remote_host}; its GPUs are not shown here", style="dim")
            lines.extend(note.wrap(self.app.console, width))
        if sample is None:
            lines.append(Text("reading…", style="dim"))
            return lines
        if sample.status:
            lines.extend(Text(sample.status, style="dim").wrap(self.app.console, width))
            return lines
        for gpu in sample.gpus:
            lines.extend(self._device(gpu, width))
        return lines

    def _style(self, value: float | None, warn: float, critical: float, stale: bool = False) -> str:
        return "dim" if stale else self.colour(f"meter-{level(value, warn, critical)}")

    def _device(self, gpu: GpuReading, width: int) -> list[Text]:
        compact = width < COMPACT_BELOW
        # A failed device's figures are its last good ones: drawn dim and uncoloured, under the warning
        # and their age, so 98 % VRAM at 95 °C does not read as now.
        stale = gpu.error is not None
        head = Text(f"{gpu.index} ", style="bold")
        head.append(short_gpu_name(gpu.name))
        right = Text()
        if gpu.temperature_c is not None:
            right.append(f"{gpu.temperature_c}°C", style=self._style(gpu.temperature_c, 80, 90, stale))
        if not compact:
            power = _power(gpu)
            if power:
                right.append("  ")
                ratio = gpu.power_w / gpu.power_limit_w * 100 if gpu.power_w and gpu.power_limit_w else None
                right.append(power, style=self._style(ratio, 90, 100, stale))
        lines = [label_value(head.plain, right, width, label_style="bold")]
        if gpu.error:
            warning = Text(f"⚠ {gpu.error}", style=f"bold {self.colour('meter-critical')}")
            lines.extend(warning.wrap(self.app.console, width))  # the sidebar is narrow: wrap, never cut
            age = "not current" if gpu.stale_s is None else f"last read {_age(gpu.stale_s)} ago"
            lines.append(Text(f"  stale: {age}", style="dim italic"))

        pct = gpu.memory_percent
        vram_style = self._style(pct, 85, 95, stale)
        lines.append(meter_line("VRAM", pct, width, vram_style))
        used = f"{gib(gpu.memory_used)}/{gib(gpu.memory_total)} GiB"
        lines.append(_with_spark(f"  {used}", gpu.memory_history, width, compact))

        util = None if gpu.util_gpu is None else float(gpu.util_gpu)
        lines.append(meter_line("GPU", util, width, "dim" if stale else self.colour("meter-ok")))
        mem_util = Text(
            "mem bw " + ("n/a" if gpu.util_memory is None else f"{gpu.util_memory}%"), style="dim"
        )
        # Utilisation's history right under its bar (so it reads as that bar's last minute), memory
        # bandwidth use at the end of the line.
        util_line = Text("  ")
        room = width - 2 - mem_util.cell_len - 2
        if not compact and room >= 8:
            util_line.append(sparkline(gpu.util_history, room), style="dim")
            util_line.append("  ")
        util_line.append_text(mem_util)
        lines.append(util_line)
        if gpu.processes is not None and not stale:  # stale: who holds VRAM now is unknown
            lines.extend(self._processes(gpu, width, compact))
        return lines

    def _processes(self, gpu: GpuReading, width: int, compact: bool) -> list[Text]:
        procs = gpu.processes or ()
        if not procs:
            return [] if compact else [Text("  no processes on this GPU", style="dim")]
        held = [(p, self.placement.for_process(gpu.index, p.pid)) for p in procs]
        out: list[Text] = []
        for _, holding in held:  # the model line stands in for its runner's process line
            if holding is not None:
                out.extend(self._model_line(holding, width))
        if compact:  # no room for the rest; the models are what the panel is read for
            return out
        others = [p for p, holding in held if holding is None]
        room = max(0, MAX_PROCESSES - (len(procs) - len(others)))
        for proc in others[:room]:
            style = f"bold {self.colour('meter-ok')}" if proc.is_ollama else "dim"
            out.append(label_value(f"  {proc.name}", Text(_size(proc.used_bytes), style=style), width, style))
        if len(others) > room:
            out.append(Text(f"  +{len(others) - room} more", style="dim"))
        return out

    def _model_line(self, holding: Holding, width: int) -> list[Text]:
        prefix = Text("  ")
        if not holding.sure:
            prefix.append(GUESS, style="dim italic")
        style = f"bold {self.colour('meter-ok')}" if holding.sure else "bold"
        name = Text(holding.model, style=style)  # untrusted text: a Text, never markup
        return wrapped_label_value(prefix, name, Text(_size(holding.used_bytes), style=style), width)


def wrapped_label_value(prefix: Text, name: Text, value: Text, width: int, indent: int = 4) -> list[Text]:
    """`prefix name ..... value` on one line when it fits; else the name folded over lines (never cut
    off: model names are long, the sidebar narrow), continuation lines indented, and the value
    right-aligned on the last line, or on a line of its own below."""
    if prefix.cell_len + name.cell_len + 1 + value.cell_len <= width:
        return [_joined(prefix + name, value, width)]
    pieces = _fold(name, width - prefix.cell_len, width - indent)
    lines = [prefix + pieces[0], *(Text(" " * indent) + piece for piece in pieces[1:])]
    if lines[-1].cell_len + 1 + value.cell_len <= width:
        lines[-1] = _joined(lines[-1], value, width)
    else:
        lines.append(_joined(Text(" " * indent), value, width))
    return lines


def _fold(text: Text, first: int, rest: int) -> list[Text]:
    """`text` in pieces of at most `first` cells, then `rest` cells each (cells, not characters),
    broken after a `/`, `:`, `-`, `_`, `.` or space when one falls in the piece's second half
    (`hf.co/unsloth/` | `GLM-4.7-Flash-GGUF:` | `Q4_K_M`), else wherever the room ends."""
    pieces: list[Text] = []
    start, room, plain = 0, max(1, first), text.plain
    while start < len(plain):
        end = start + 1  # a character wider than the room still goes, alone
        while end < len(plain) and cell_len(plain[start : end + 1]) <= room:
            end += 1
        if end < len(plain):
            soft = max(plain.rfind(mark, start, end) for mark in _BREAKS) + 1
            if soft > start + (end - start) // 2:
                end = soft
        pieces.append(text[start:end])
        start, room = end, max(1, rest)
    return pieces or [Text()]


def _joined(label: Text, value: Text, width: int) -> Text:
    text = label.copy()
    text.append(" " * max(1, width - label.cell_len - value.cell_len))
    text.append_text(value)
    return text


def _size(used: int | None) -> str:
    return "n/a" if used is None else binary_size(used)


def _age(seconds: int) -> str:
    # Minutes past two: a lost GPU's line then repaints once a minute, not every second.
    return f"{seconds}s" if seconds < 120 else f"{seconds // 60}m"


def _power(gpu: GpuReading) -> str:
    if gpu.power_w is None:
        return ""
    if gpu.power_limit_w is None:
        return f"{gpu.power_w:.0f} W"
    return f"{gpu.power_w:.0f}/{gpu.power_limit_w:.0f} W"


def _with_spark(label: str, history: tuple[float, ...], width: int, compact: bool) -> Text:
    text = Text(label, style="dim")
    room = width - text.cell_len - 1
    if not compact and room >= 8:
        text.append(" ")
        text.append(sparkline(history, room), style="dim")
    return text
