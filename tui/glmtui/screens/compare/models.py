"""The compare screen's model resolution: plain functions over one side's `PaneModel`.

Which model each side gets, whether it is installed and what `/api/show` says about it, what it needs
in VRAM, the run mode both sides' needs allow, and what a pull update means for a side. Nothing here
touches a widget or the screen: each function takes what it needs, updates the `PaneModel` it is given
where that is its job, and returns what the screen should tell the user (`Notice`) or decide.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from glmtui.core.catalog import Catalog
from glmtui.core.errors import GlmTuiError
from glmtui.core.fit import Machine, need_for
from glmtui.core.model_names import same_model
from glmtui.core.server_settings import FLOOR_CONTEXT
from glmtui.core.state import ModelInfo, PullProgress
from glmtui.services.compare import PaneModel, RunMode, choose_mode
from glmtui.services.compare_mode import Place, placement_mode
from glmtui.services.engines.ollama_models import ModelLibrary


@dataclass(frozen=True, slots=True)
class Notice:
    """Something to tell the user, decided here and shown by the screen: a line in the side's pane
    (with a Rich style), or a warning toast when `toast` is set."""

    text: str
    style: str = ""
    toast: bool = False


def default_partner(model: str, installed: Sequence[str]) -> str:
    """B's default: another variant of A's family if one is installed, else the next model, else A."""
    family = model.split(":")[0].lower()
    others = [name for name in installed if not same_model(name, model)]
    for name in others:
        if name.split(":")[0].lower() == family:
            return name
    return others[0] if others else model


def fill_models(a: PaneModel, b: PaneModel, chat_model: str, installed: Sequence[str]) -> None:
    """A side named by nobody gets its default: A the chat's model, B `default_partner` of A's."""
    if not a.model:
        a.model = chat_model
    if not b.model:
        b.model = default_partner(a.model, installed)


def waiting_notice(host: str, server: str = "Ollama") -> Notice:
    """What each pane says when its server has not answered (or has no model) for a while."""
    return Notice(
        f"✗ {server} at {host} is not answering, or has no model yet: nothing was sent. The prompt is in "
        "the box; this screen gets ready by itself when it is back.",
        style="bold red",
    )


async def check_model(
    state: PaneModel,
    installed: Iterable[ModelInfo],
    library: ModelLibrary,
    catalog: Catalog,
    *,
    host: str,
    hidden: bool,
    pull_hint: str = "F7 pulls it",
) -> Notice | None:
    """Installed? Then its facts (thinking, sizes for the fit); if not, its download size and a notice
    offering the pull (`pull_hint`: or why this side's server cannot pull). Sets `state.installed`,
    `.weights` and `.details`; `hidden` (a blind run) keeps the model's name out of the notice."""
    match = next((m for m in installed if same_model(state.model, m.name)), None)
    state.installed = match is not None
    state.details = None
    if match is None:
        variant = catalog.find(state.model)
        state.weights = variant.size_bytes if variant else None
        who = "This pane's model" if hidden else state.model
        size = f" ({variant.size_bytes / 1e9:.0f} GB download)" if variant else ""
        return Notice(
            f"✗ {who} is not installed on {host}{size}. {pull_hint}; the other pane still runs.", style="bold"
        )
    state.weights = match.size
    try:
        state.details = await library.details(match.name)
    except GlmTuiError as exc:
        return Notice(f"{state.model}: {exc.message}", toast=True)
    return None


def need(state: PaneModel, catalog: Catalog) -> int | None:
    """Bytes this side needs in VRAM: weights, KV cache and graph at its context (None: size unknown).

    Without a num_ctx option the context is Ollama's floor default (4,096): the pair is judged at the
    least it will need."""
    if state.weights is None:
        return None
    details, variant = state.details, catalog.find(state.model)
    return need_for(
        state.weights,
        details.model_info if details else (variant.info if variant else None),
        variant.kv if variant else None,
        state.options.get("num_ctx") or FLOOR_CONTEXT,
        details.context_length if details else None,
    ).total


def run_mode(
    a: PaneModel,
    b: PaneModel,
    machine: Machine,
    catalog: Catalog,
    places: tuple[Place, Place] | None = None,
) -> tuple[RunMode, str]:
    """Where the sides run first (`placement_mode`: different machines at once; a machine whose GPUs
    are not seen one at a time); on this machine, parallel when both sides fit its VRAM together (or
    are one model), else sequential; with the reason the screen's title gives. Judged against what
    Ollama can use (each GPU less its reserve), not the raw total."""
    same = same_model(a.model, b.model)
    placed = placement_mode(*places, same) if places is not None else None
    if placed is not None:
        return placed
    same = same and (places is None or places[0].endpoint == places[1].endpoint)
    return choose_mode(need(a, catalog), need(b, catalog), same, machine.usable())


def pull_update(state: PaneModel, jobs: Iterable[PullProgress]) -> PullProgress | None:
    """Keep a missing model's `state.pull` in step with the pull feed. Returns the job when this update
    is the one that ended it (done or failed), so the screen re-checks the side or reports the failure
    once; None otherwise, and always for an installed model (whose pull is not this side's business)."""
    if state.installed:
        return None
    job = next((j for j in jobs if same_model(j.name, state.model)), None)
    was, state.pull = state.pull, job
    if job is not None and job.state in ("done", "failed") and (was is None or was.state != job.state):
        return job
    return None


def pull_target(states: Sequence[PaneModel]) -> PaneModel | str:
    """Which side F7 pulls, the first of `states` (the focused side first) whose model is missing; or
    why none is (a sentence for the user)."""
    if any(state.installed is None for state in states):
        return "Still checking which models are installed."
    missing = next((state for state in states if state.installed is False), None)
    return missing if missing is not None else "Both models are installed."
