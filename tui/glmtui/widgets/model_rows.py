"""Rows for the models screen's two tables, and the machine the VRAM fit is measured against.

Pure functions from data to Rich `Text` cells, so filtering, marking and fit text are tested without
a screen. Model names are data: always `Text`, never markup.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from rich.text import Text

from glmtui.core.catalog import Variant
from glmtui.core.fit import Fit, Machine, Need, fit_need, need_for
from glmtui.core.model_names import same_model
from glmtui.core.server_settings import ServerSettings
from glmtui.core.state import ModelDetails, ModelInfo
from glmtui.core.units import ago, gib, human_bytes, percent
from glmtui.widgets.formatting import FIT_STYLE

TYPED_KEY = "\x00typed"  # the row that pulls whatever name:tag was typed
# The fit and size come right after the name: on an 80-column terminal they are what stays visible.
INSTALLED_COLUMNS = (
    "",
    "name",
    "VRAM fit",
    "size",
    "params",
    "quant",
    "context",
    "capabilities",
    "family",
    "modified",
)
CATALOGUE_COLUMNS = ("", "tag", "VRAM fit", "download", "params", "quant", "context", "capabilities")
CAPABILITY_MARKS = (("thinking", "think"), ("tools", "tools"), ("vision", "vision"))

Row = tuple[str, list[Text]]


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
    fit_for: Callable[[ModelInfo], Fit],
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
        rows.append(
            (
                model.name,
                [
                    mark,
                    Text(model.name, style="bold"),
                    fit_cell(fit_for(model)),
                    Text(human_bytes(model.size)),
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
    fit_for: Callable[[Variant], Fit],
) -> list[Row]:
    words = filter_words(query)
    names = [model.name for model in installed]
    rows: list[Row] = []
    for variant in variants:
        if not matches(words, variant.tag, variant.family, variant.quantization, variant.parameters):
            continue
        have = any(same_model(variant.tag, name) for name in names)
        rows.append(
            (
                variant.tag,
                [
                    Text("✓", style="green") if have else Text(""),
                    Text(variant.tag, style="bold"),
                    fit_cell(fit_for(variant)),
                    Text(f"~{human_bytes(variant.size_bytes)}"),
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
    context: int,
    model: ModelInfo,
    details: ModelDetails | None,
    settings: ServerSettings | None = None,
) -> tuple[Fit, Need]:
    """An installed model's fit at `context`: its size on disk and its own `/api/show` shape."""
    info = details.model_info if details else None
    need = need_for(model.size, info, None, context, details.context_length if details else None, settings)
    return fit_need(machine, need, settings), need


def variant_fit(
    machine: Machine,
    context: int,
    variant: Variant,
    models: Iterable[ModelInfo],
    details: Mapping[str, ModelDetails],
    settings: ServerSettings | None = None,
) -> tuple[Fit, Need]:
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
    need = need_for(variant.size_bytes, family, variant.kv, context, variant.context, settings)
    return fit_need(machine, need, settings), need
