"""The GPU panel: one block per NVML device, or one line saying why there are none."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive

from glmtui.core.state import GpuReading, GpuSnapshot
from glmtui.core.units import binary_size, gib, short_gpu_name
from glmtui.widgets.formatting import label_value, level, meter_line, sparkline
from glmtui.widgets.monitor.lines_panel import LinesPanel

COMPACT_BELOW = 30  # content columns: narrower drops sparklines and the process list
MAX_PROCESSES = 3


class GpuPanel(LinesPanel):
    """VRAM, utilisation, temperature, power and VRAM holders for every GPU on this machine."""

    snapshot: reactive[GpuSnapshot | None] = reactive(None, repaint=False)
    remote_host: reactive[str] = reactive(
        "", repaint=False
    )  # set when Ollama runs elsewhere: say whose GPUs these are

    def watch_snapshot(self) -> None:
        self.rebuild()

    def watch_remote_host(self) -> None:
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
        if not compact and gpu.processes is not None and not stale:  # who holds VRAM now: unknown
            lines.extend(self._processes(gpu, width))
        return lines

    def _processes(self, gpu: GpuReading, width: int) -> list[Text]:
        procs = gpu.processes or ()
        if not procs:
            return [Text("  no processes on this GPU", style="dim")]
        out = []
        for proc in procs[:MAX_PROCESSES]:
            style = f"bold {self.colour('meter-ok')}" if proc.is_ollama else "dim"
            size = "n/a" if proc.used_bytes is None else binary_size(proc.used_bytes)
            out.append(label_value(f"  {proc.name}", Text(size, style=style), width, label_style=style))
        if len(procs) > MAX_PROCESSES:
            out.append(Text(f"  +{len(procs) - MAX_PROCESSES} more", style="dim"))
        return out


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
