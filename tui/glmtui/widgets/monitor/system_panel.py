"""The system panel: this machine's CPU, RAM, swap and load, and the local Ollama server process."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive

from glmtui.core.state import SystemReading
from glmtui.core.units import binary_size, gib
from glmtui.widgets.formatting import label_value, level, meter_line
from glmtui.widgets.monitor.lines_panel import LinesPanel


class SystemPanel(LinesPanel):
    """psutil's view of this machine."""

    system: reactive[SystemReading | None] = reactive(None, repaint=False)
    ollama_local: reactive[bool] = reactive(True, repaint=False)

    def watch_system(self) -> None:
        self.rebuild()

    def watch_ollama_local(self) -> None:
        self.rebuild()

    def build(self, width: int) -> list[Text]:
        lines = [Text("System", style="bold")]
        system = self.system
        if system is None:
            return [*lines, Text("reading…", style="dim")]
        lines.append(
            meter_line(
                "CPU", system.cpu_percent, width, self.colour(f"meter-{level(system.cpu_percent, 80, 95)}")
            )
        )
        ram_pct = 100 * system.ram_used / system.ram_total if system.ram_total else None
        lines.append(meter_line("RAM", ram_pct, width, self.colour(f"meter-{level(ram_pct, 85, 95)}")))
        lines.append(label_value("  used", f"{gib(system.ram_used)}/{gib(system.ram_total)} GiB", width))
        if system.swap_total:
            swap_pct = 100 * system.swap_used / system.swap_total
            swap = Text(
                f"{gib(system.swap_used)}/{gib(system.swap_total)} GiB",
                style=self.colour(f"meter-{level(swap_pct, 25, 75)}"),
            )
            lines.append(label_value("  swap", swap, width))
        if system.load is not None:
            load = " ".join(f"{x:.2f}" for x in system.load)
            lines.append(label_value(f"  load ({system.cpu_count} cpu)", load, width))
        if self.ollama_local:
            proc = system.ollama
            if proc is None:
                lines.append(Text("  ollama: no server process here", style="dim"))
            else:
                lines.append(label_value(f"  ollama pid {proc.pid}", f"{proc.cpu_percent:.0f}% cpu", width))
                lines.append(label_value("  ollama rss", binary_size(proc.rss_bytes), width))
        return lines
