"""The models screen's details pane: `/api/show` for an installed model, or a catalogue entry, plus its fit.

Everything shown comes from the server or the catalogue and is built as plain `Text` (a template full
of `[` and `{{` must not be read as markup).
"""

from __future__ import annotations

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from glmtui.core.catalog import Variant
from glmtui.core.sanitize import sanitize
from glmtui.core.server_settings import ServerSettings
from glmtui.core.state import ModelDetails, ModelInfo
from glmtui.core.units import gib, human_bytes
from glmtui.widgets.formatting import FIT_STYLE
from glmtui.widgets.model_rows import RowFit

TEMPLATE_LINES = 8
LICENSE_LINES = 6


def _heading(text: Text, title: str) -> None:
    text.append(f"\n{title}\n", style="bold")


def _head(body: str, lines: int) -> str:
    kept = [line for line in body.strip().splitlines() if line.strip()][:lines]
    more = len([line for line in body.strip().splitlines() if line.strip()]) > lines
    return "\n".join(kept) + ("\n…" if more else "")


def fit_text(row: RowFit, where: str, settings: ServerSettings | None = None) -> Text:
    """The verdict, then the estimate part by part; the first figures line keeps one fixed form
    (`weights 17.7 GiB + KV cache 0.21 GiB at 4,096 ctx (f16)`) so users and scripts can read it.
    Then the context Ollama will use, the largest that fits, and where the server settings came from."""
    fit, need = row.fit, row.need
    text = Text()
    text.append(fit.describe(), style=FIT_STYLE[fit.kind])
    text.append(f"\nweights {gib(need.weights)} GiB")
    text.append(
        f" + KV cache {gib(need.kv, 2)} GiB at {need.context:,} ctx ({need.cache_label()})"
        if need.kv is not None
        else " (KV cache unknown: weights only)"
    )
    text.append(f"\n+ compute graph {gib(need.graph, 2)} GiB = {gib(need.total)} GiB (estimate)")
    if row.correction is not None:
        text.append(f"\n→ {gib(fit.needed)} GiB corrected estimate: {row.correction.describe()}")
    if fit.kind in ("fits", "partial"):
        text.append(f" · {fit.processor()}", style="dim")
    if row.picked is None:
        text.append(f"\n{row.choice.sentence()}")
    else:
        text.append(f"\nfit at {row.picked:,} ctx as picked with [ ] (= goes back); ", style="yellow")
        text.append(row.choice.sentence())
    text.append(f"\n{row.largest_sentence()}")
    if settings is not None and settings.origin:
        text.append(f"\nserver settings: {settings.origin}", style="dim")
    text.append(f"\nagainst {where}", style="dim")
    return text


def installed_text(model: ModelInfo, details: ModelDetails | None, fit: Text) -> Text:
    text = Text()
    text.append(model.name, style="bold")
    text.append(
        f"\n{model.family}  {model.parameter_size}  {model.quantization}"
        + (f"  {human_bytes(model.size)} on disk" if model.size else "  (size not reported by this server)")
    )
    text.append("\n")
    text.append_text(fit)
    if details is None:
        text.append("\n\nloading details…", style="dim")
        return text
    if details.capabilities:
        text.append(f"\ncapabilities: {', '.join(details.capabilities)}")
    if details.context_length:
        text.append(f"\ncontext length: {details.context_length:,}")
    if details.parameters:
        _heading(text, "Parameters")
        text.append(details.parameters)
    if details.template:
        _heading(text, "Template (start)")
        text.append(_head(details.template, TEMPLATE_LINES), style="dim")
    if details.license:
        _heading(text, "Licence (start)")
        text.append(_head(details.license, LICENSE_LINES), style="dim")
    info = {
        key: value
        for key, value in details.model_info.items()
        if value is not None and not isinstance(value, (list, dict))
    }
    if info:
        _heading(text, "model_info")
        width = max(len(key) for key in info)
        # Sanitised here too, whatever the engine did: a GGUF's strings are untrusted text.
        text.append(
            "\n".join(f"{sanitize(key):<{width}}  {sanitize(str(value))}" for key, value in info.items())
        )
    return text


def version_text(variant: Variant, server_version: str | None) -> Text | None:
    """The Ollama version the variant needs, when the catalogue says: a warning when this server is
    older, a plain line when its version is not known yet."""
    if not variant.min_ollama:
        return None
    why = variant.needs_newer(server_version)
    if why:
        return Text(f"⚠ {why}: update Ollama before pulling it", style="bold yellow")
    if not server_version:
        return Text(f"needs Ollama ≥ {variant.min_ollama} (the server's version is not known yet)")
    return Text(f"needs Ollama ≥ {variant.min_ollama} (the server is {server_version})", style="dim")


def variant_text(variant: Variant, installed: bool, fit: Text, server_version: str | None = None) -> Text:
    text = Text()
    text.append(variant.tag, style="bold")
    text.append(
        f"\n{variant.family}  {variant.parameters}  {variant.quantization}"
        + (
            f"  ~{human_bytes(variant.size_bytes)} download (approximate)"
            if variant.approximate
            else f"  {human_bytes(variant.size_bytes)} download"
        )
    )
    text.append(f"\ncontext up to {variant.context:,} tokens")
    if (version := version_text(variant, server_version)) is not None:
        text.append("\n")
        text.append_text(version)
    if variant.capabilities:
        text.append(f"\ncapabilities: {', '.join(variant.capabilities)}")
    text.append("\n\n")
    text.append_text(fit)
    text.append("\n\n")
    text.append(
        "installed: Enter switches to it" if installed else "Enter pulls it (in the background)",
        style="italic",
    )
    return text


class ModelDetailsView(VerticalScroll, can_focus=False):
    """A scrollable pane with one Static; `show()` replaces its text."""

    DEFAULT_CSS = """
    ModelDetailsView { padding: 0 1; }
    ModelDetailsView > Static { width: 100%; }
    """

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static(Text("Pick a model to see its details.", style="dim"), id="details-text")

    _shown: Text | None = None

    @property
    def plain(self) -> str:
        """What the pane shows, as plain text (all of it, scrolled out of sight or not)."""
        return self._shown.plain if self._shown is not None else ""

    def show(self, text: Text) -> None:
        if text == self._shown:
            return  # the monitor refreshes the fit every second; unchanged text costs no repaint
        self._shown = text
        self.query_one("#details-text", Static).update(text)
