"""The engine panel: a vLLM or SGLang server's own figures, from its Prometheus `/metrics`.

Requests running and waiting, KV-cache use, prefix-cache hits, generation throughput, TTFT and
inter-token latency percentiles over the requests since the last scrape, and speculative decoding's
acceptance where the engine drafts. All server-side (the engine counted them), and said so; they work
for a remote node, where NVML on this machine sees nothing. Hidden for an engine without metrics.
"""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive

from glmtui.core.engine_metrics import EngineMetrics, ModelFigures
from glmtui.widgets.formatting import label_value, level, meter_line
from glmtui.widgets.monitor.lines_panel import LinesPanel

FLAVOURS = {"vllm": "vLLM", "sglang": "SGLang"}
SOURCE = {"counter": "gen (Δ counter)", "engine": "gen (engine's)"}  # whose tok/s figure it is
_SEPARATORS = (" · ", " / ")  # where a value too long for the sidebar may be broken


class EnginePanel(LinesPanel):
    """One engine's server-side figures; `reading` None or "absent" hides the panel."""

    reading: reactive[EngineMetrics | None] = reactive(None, repaint=False)

    def on_mount(self) -> None:
        self.display = self._shown

    @property
    def _shown(self) -> bool:
        return self.reading is not None and self.reading.state != "absent"

    def watch_reading(self) -> None:
        self.display = self._shown
        self.rebuild()

    def build(self, width: int) -> list[Text]:
        reading = self.reading
        if reading is None:
            return []
        title = Text("Engine", style="bold")
        name = " ".join(p for p in (FLAVOURS.get(reading.flavour, reading.flavour), reading.version) if p)
        for part in (name, reading.where):
            if part:
                title.append(f" · {part}", style="bold" if part == name else "dim")
        lines = list(title.wrap(self.app.console, width))  # wrapped, never cut: the version is a number
        lines.extend(Text("server-side · /metrics", style="dim").wrap(self.app.console, width))
        if reading.state == "waiting":
            return [*lines, Text("reading /metrics…", style="dim")]
        if reading.state != "ok":
            state = {"off": "metrics off", "denied": "refused", "invalid": "not metrics"}.get(
                reading.state, "unreachable: retrying"
            )
            lines.append(Text(state, style=self.colour("meter-critical")))
            if reading.message:
                lines.extend(Text(reading.message, style="dim").wrap(self.app.console, width))
            return lines
        for figures in reading.models:
            lines.extend(self._model(figures, width, named=len(reading.models) > 1))
        if reading.reset:
            note = Text("counters reset (engine restarted)", style="dim italic")
            lines.extend(note.wrap(self.app.console, width))
        return lines

    def _model(self, f: ModelFigures, width: int, named: bool) -> list[Text]:
        lines: list[Text] = []
        if named:
            lines.extend(Text(f.model, style="bold").wrap(self.app.console, width))
        if f.running is not None or f.waiting is not None:
            waiting = Text(f"{_count(f.waiting)} waiting")
            if f.waiting:  # a queue: the engine is full
                waiting.stylize(self.colour("meter-warn"))
            value = Text(f"{_count(f.running)} running · ").append_text(waiting)
            lines.extend(pair("requests", value, width))
        if f.kv_percent is not None:
            style = self.colour(f"meter-{level(f.kv_percent, 85, 95)}")
            lines.append(meter_line("KV", f.kv_percent, width, style))
        if f.prefix_hit_percent is not None:
            lines.extend(pair("prefix hits", f"{f.prefix_hit_percent:.0f}%", width))
        if f.gen_tps is not None:
            lines.extend(pair(SOURCE[f.gen_tps_source], f"{f.gen_tps:,.1f} tok/s", width))
        lines.extend(pair("TTFT p50/p95", _two(f.ttft_p50, f.ttft_p95), width))
        lines.extend(pair("ITL p50/p95", _two(f.itl_p50, f.itl_p95), width))
        spec = _spec(f)
        if spec:
            lines.extend(pair("spec accept", spec, width))
        return lines


def pair(label: str, value: str | Text, width: int) -> list[Text]:
    """`label ..... value` on one line when it fits; else the value on its own line(s), right-aligned,
    broken at ` · ` or ` / ` when even that line is too narrow (a figure is never cut)."""
    value_text = value if isinstance(value, Text) else Text(value)
    if len(label) + 1 + value_text.cell_len <= width:
        return [label_value(label, value_text, width)]
    lines = [Text(label, style="dim")]
    pieces = [value_text]
    if value_text.cell_len > width - 2:
        plain, start, pieces = value_text.plain, 0, []
        for i in range(len(plain)):
            for sep in _SEPARATORS:
                if plain.startswith(sep, i):
                    pieces.append(value_text[start : i + len(sep.rstrip())])
                    start = i + len(sep)
        pieces.append(value_text[start:])
    for piece in pieces:
        line = Text(" " * max(2, width - piece.cell_len))
        lines.append(line.append_text(piece))
    return lines


def _count(value: float | None) -> str:
    return "?" if value is None else f"{value:.0f}"


def latency(seconds: float | None) -> str:
    """`312 ms` below a second, `1.25 s` above; `—` when no request has been measured yet."""
    if seconds is None:
        return "—"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms" if seconds >= 0.01 else f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"


def _two(p50: float | None, p95: float | None) -> str:
    return f"{latency(p50)} / {latency(p95)}"


def _spec(f: ModelFigures) -> str:
    parts = []
    if f.spec_acceptance_percent is not None:
        parts.append(f"{f.spec_acceptance_percent:.0f}%")
    if f.spec_mean_length is not None:
        parts.append(f"{f.spec_mean_length:.2f} tok/step")
    return " · ".join(parts)
