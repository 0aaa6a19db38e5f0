"""Rows for the models screen's two tables, and each row's VRAM fit against this machine.

Pure functions from data to Rich `Text` cells, so filtering, marking and fit text are tested without
a screen. Model names are data: always `Text`, never markup.

A row's fit (`RowFit`) is at the context Ollama will really load the model at (`context_ollama_uses`:
the request's num_ctx, the Modelfile's, the server's default for its version and VRAM, capped at the
model's maximum), unless the user picked one with `[ ]`; beside it, the largest context that fits
wholly on the GPUs. Every figure is an estimate, and the headers say so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from rich.text import Text

from glmtui.core.catalog import Catalog, Variant
from glmtui.core.endpoints import GROUP_SEP as GROUP_SEP  # `desk · name`: a model under its endpoint
from glmtui.core.fit import Fit, Machine, Need, fit_need, largest_context, need_for
from glmtui.core.kv import KvShape
from glmtui.core.load_check import Correction
from glmtui.core.model_names import same_model
from glmtui.core.server_settings import ContextChoice, ServerSettings, context_ollama_uses, modelfile_num_ctx
from glmtui.core.state import ModelDetails, ModelInfo
from glmtui.core.units import ago, gib, human_bytes, percent
from glmtui.widgets.formatting import FIT_STYLE

TYPED_KEY = "\x00typed"  # the row that pulls whatever name:tag was typed
# The fit and size come right after the name: on an 80-column terminal they are what stays visible.
# "est.": every memory figure says what it is (these are glmtui's estimates, not measurements).
INSTALLED_COLUMNS = (
    "",
    "name",
    "VRAM fit (est.)",
    "size",
    "max ctx (est.)",
    "params",
    "quant",
    "context",
    "capabilities",
    "family",
    "modified",
)
CATALOGUE_COLUMNS = (
    "",
    "tag",
    "VRAM fit (est.)",
    "download",
    "max ctx (est.)",
    "params",
    "quant",
    "context",
    "capabilities",
)
CAPABILITY_MARKS = (("thinking", "think"), ("tools", "tools"), ("vision", "vision"))

Row = tuple[str, list[Text]]


@dataclass(frozen=True, slots=True)
class RowFit:
    """One model's fit on this machine: at which context, why that one, and how far it could go."""

    fit: Fit
    need: Need
    choice: ContextChoice  # the context Ollama will load it at, and why
    picked: int | None  # the context picked with [ ] (None: the fit is at `choice`)
    largest: int | None  # the largest context wholly on the GPUs (None: not even 256 tokens, or unknown)
    max_context: int | None  # the model's trained maximum
    gpus_known: bool = True
    correction: Correction | None = None  # the measured/estimated ratio of an earlier load, applied

    def largest_cell(self) -> Text:
        if not self.gpus_known:
            return Text("–", style="dim")
        if self.largest is None:
            return Text("none", style="red")
        if self.max_context and self.largest >= self.max_context:
            return Text(f"all {self.max_context:,}", style="green")
        return Text(f"{self.largest:,}")

    def largest_sentence(self) -> str:
        if not self.gpus_known:
            return "largest context on the GPUs: unknown (no GPU information)"
        if self.largest is None:
            return "not even 256 tokens of context fit wholly on the GPUs (estimate)"
        if self.max_context and self.largest >= self.max_context:
            return f"its whole context ({self.max_context:,} tokens) fits on the GPUs (estimate)"
        return f"largest context wholly on the GPUs: {self.largest:,} tokens (estimate)"


def row_fit(
    machine: Machine,
    picked: int | None,
    weights: int,
    info: Mapping[str, object] | None,
    fallback: KvShape | None,
    max_context: int | None,
    settings: ServerSettings | None = None,
    *,
    modelfile: int | None = None,
    option: int | None = None,
    correction: Correction | None = None,
) -> RowFit:
    """The fit at the picked context, else at the one Ollama will use, corrected by the ratio an
    earlier load of the same model measured (loaded size / estimate), when there is one."""
    settings = settings or ServerSettings()
    arch = info.get("general.architecture") if info else None
    if not isinstance(arch, str):
        arch = fallback.arch if fallback else ""
    totals = machine.gpu_totals or ((machine.vram_total,) if machine.vram_total else None)
    choice = context_ollama_uses(
        settings, totals, max_context=max_context, arch=arch, modelfile=modelfile, option=option
    )
    need = need_for(weights, info, fallback, picked or choice.tokens, max_context, settings)
    ratio = correction.ratio if correction else 1.0
    largest = largest_context(machine, weights, info, fallback, max_context, settings, ratio=ratio)
    known = machine.usable(settings) is not None
    fit = fit_need(machine, need, settings, ratio)
    return RowFit(fit, need, choice, picked, largest, max_context, known, correction)


def fit_cell(fit: Fit) -> Text:
    if fit.kind == "fits":
        text = f"fits {gib(fit.needed)}/{gib(fit.vram_total, 0)} GiB"
    elif fit.kind == "partial":
        text = f"partial ≈{percent(fit.cpu_fraction)} CPU"
    elif fit.kind == "wont":
        text = "won't fit"
    else:
        text = "no GPU info"
    return Text(text, style=FIT_STYLE[fit.kind])


def matches(words: list[str], *fields: str) -> bool:
    """Every typed word appears in one of the fields (case-insensitive)."""
    haystack = " ".join(fields).lower()
    return all(word in haystack for word in words)


def filter_words(text: str) -> list[str]:
    return text.lower().split()


def capabilities_text(capabilities: Iterable[str]) -> Text:
    have = set(capabilities)
    return Text(" ".join(label for cap, label in CAPABILITY_MARKS if cap in have))


def installed_rows(
    models: Iterable[ModelInfo],
    details: Mapping[str, ModelDetails],
    loaded: Iterable[str],
    active: str,
    query: str,
    fit_for: Callable[[ModelInfo], RowFit],
) -> list[Row]:
    words = filter_words(query)
    loaded_names = list(loaded)
    rows: list[Row] = []
    for model in models:
        if not matches(words, model.name, model.family, model.quantization, model.parameter_size):
            continue
        info = details.get(model.name)
        mark = Text()
        if same_model(active, model.name):
            mark.append("▶", style="bold")
        if any(same_model(name, model.name) for name in loaded_names):
            mark.append("●", style="green")
        context = f"{info.context_length:,}" if info and info.context_length else "…"
        capabilities = capabilities_text(info.capabilities) if info else Text("…", style="dim")
        fit = fit_for(model)
        rows.append(
            (
                model.name,
                [
                    mark,
                    Text(model.name, style="bold"),
                    fit_cell(fit.fit),
                    Text(human_bytes(model.size)) if model.size else Text("—", style="dim"),
                    fit.largest_cell() if info else Text("…", style="dim"),
                    Text(model.parameter_size),
                    Text(model.quantization),
                    Text(context),
                    capabilities,
                    Text(model.family),
                    Text(ago(model.modified_at), style="dim"),
                ],
            )
        )
    return rows


def catalogue_rows(
    variants: Iterable[Variant],
    installed: Iterable[ModelInfo],
    query: str,
    fit_for: Callable[[Variant], RowFit],
    server_version: str | None = None,
) -> list[Row]:
    """Catalogue rows; one that needs a newer server than `server_version` says so beside its tag."""
    words = filter_words(query)
    names = [model.name for model in installed]
    rows: list[Row] = []
    for variant in variants:
        if not matches(words, variant.tag, variant.family, variant.quantization, variant.parameters):
            continue
        have = any(same_model(variant.tag, name) for name in names)
        tag = Text(variant.tag, style="bold")
        if variant.needs_newer(server_version):
            tag.append(f" needs {variant.min_ollama}+", style="dim yellow")
        fit = fit_for(variant)
        rows.append(
            (
                variant.tag,
                [
                    Text("✓", style="green") if have else Text(""),
                    tag,
                    fit_cell(fit.fit),
                    Text(("~" if variant.approximate else "") + human_bytes(variant.size_bytes)),
                    fit.largest_cell(),
                    Text(variant.parameters),
                    Text(variant.quantization),
                    Text(f"{variant.context:,}"),
                    capabilities_text(variant.capabilities),
                ],
            )
        )
    typed = query.strip()
    exact = any(same_model(typed, variant.tag) for variant in variants)
    if ":" in typed and not exact:
        # Free-form entry: anything else on the registry, by name:tag.
        cells = [Text("⤓"), Text(f"pull '{typed}'", style="bold"), *(Text("") for _ in CATALOGUE_COLUMNS[2:])]
        rows.append((TYPED_KEY, cells))
    return rows


def installed_fit(
    machine: Machine,
    picked: int | None,
    model: ModelInfo,
    details: ModelDetails | None,
    settings: ServerSettings | None = None,
    option: int | None = None,
    *,
    catalog: Catalog | None = None,
    correction: Correction | None = None,
) -> RowFit:
    """An installed model's fit: its size on disk, its own `/api/show` shape (the catalogue's where
    `/api/show` hides it: a hybrid's per-layer arrays), Modelfile num_ctx and measured correction."""
    info = details.model_info if details else None
    return row_fit(
        machine,
        picked,
        model.size,
        info,
        catalog.shape_like(info) if catalog else None,
        details.context_length if details else None,
        settings,
        modelfile=modelfile_num_ctx(details.parameters) if details else None,
        option=option,
        correction=correction,
    )


def variant_fit(
    machine: Machine,
    picked: int | None,
    variant: Variant,
    models: Iterable[ModelInfo],
    details: Mapping[str, ModelDetails],
    settings: ServerSettings | None = None,
    option: int | None = None,
) -> RowFit:
    """A catalogue variant's fit: its download size, and its published shape (the catalogue's
    model_info keys), else the shape of an installed model of the same family."""
    family = variant.info or next(
        (
            shown.model_info
            for model in models
            if (shown := details.get(model.name))
            and model.name.split(":")[0].lower() == variant.family.lower()
        ),
        None,
    )
    return row_fit(
        machine, picked, variant.size_bytes, family, variant.kv, variant.context, settings, option=option
    )


def endpoint_rows(endpoint: str, rows: list[Row]) -> list[Row]:
    """One endpoint's installed rows under its name: the key and the name cell read `desk · name`."""
    grouped: list[Row] = []
    for key, cells in rows:
        name = Text(f"{endpoint}{GROUP_SEP}", style="dim")
        name.append_text(cells[1])
        grouped.append((f"{endpoint}{GROUP_SEP}{key}", [cells[0], name, *cells[2:]]))
    return grouped
