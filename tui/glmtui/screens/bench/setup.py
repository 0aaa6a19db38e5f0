"""The bench screen's setup form: which models (on which endpoints), prompt lengths, generation length,
repetitions, cold and force; and `read_request`, the form's values checked into a `BenchRequest`.

The checking is the CLI's own rules (core/bench.py's `parse_contexts`, `BenchPlan`'s), so the form and
`glmtui bench` refuse the same things with the same words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Label, SelectionList, Static
from textual.widgets.selection_list import Selection

from glmtui.core.bench import DEFAULT_REPS, MIN_REPS, BenchPlan, parse_contexts
from glmtui.core.endpoints import ModelRef
from glmtui.core.model_names import distinct_models

SCREEN_CONTEXTS = (512, 4096, 16384)  # the form's default: a screen run should take minutes, not an hour
SCREEN_GEN = 128


@dataclass(frozen=True, slots=True)
class BenchRequest:
    """What the form asked for: model @ endpoint pairs, and the plan's settings."""

    refs: tuple[ModelRef, ...]
    contexts: tuple[int, ...]
    gen: int
    max_reps: int
    cold: bool = False
    force: bool = False

    def plans(self) -> list[BenchPlan]:
        """One plan per endpoint, with that endpoint's chosen models (a plan crosses every model with
        every endpoint: one plan for all would run pairs nobody picked)."""
        by_endpoint: dict[str, list[str]] = {}
        for ref in self.refs:
            by_endpoint.setdefault(ref.endpoint, []).append(ref.model)
        return [
            BenchPlan(
                models=tuple(distinct_models(models)[0]),  # one per model, as the CLI
                endpoints=(endpoint,),
                contexts=self.contexts,
                gen=self.gen,
                max_reps=self.max_reps,
                cold=self.cold,
                force=self.force,
            )
            for endpoint, models in by_endpoint.items()
        ]


def _whole(text: str, what: str, least: int) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise ValueError(f"{what}: not a whole number: {text.strip()!r}") from None
    if value < least:
        raise ValueError(f"{what}: at least {least}, got {value}")
    return value


def read_request(
    refs: Sequence[ModelRef], contexts: str, gen: str, reps: str, *, cold: bool, force: bool
) -> BenchRequest:
    """The form's values as a request; ValueError with one message that says what to change."""
    if not refs:
        raise ValueError("Pick at least one model to bench (Space ticks one).")
    try:
        lengths = parse_contexts(contexts)
    except ValueError as exc:
        raise ValueError(f"Prompt lengths: {exc}") from None
    request = BenchRequest(
        tuple(refs),
        lengths,
        _whole(gen, "Generated tokens", 1),
        _whole(reps, f"Most runs per cell (the median needs {MIN_REPS})", MIN_REPS),
        cold,
        force,
    )
    request.plans()  # BenchPlan's own checks, as the CLI's
    return request


class SetupForm(Vertical):
    """The form; the screen reads it with `request()` when Start is pressed."""

    refs: list[ModelRef] = []  # the listed models, in their order (the run's order)

    def compose(self) -> ComposeResult:
        yield Label("Models to bench (Space ticks; the chat's model is ticked)", classes="bench-label")
        yield SelectionList[ModelRef](id="bench-models")
        with Horizontal(classes="bench-row"):
            yield Label("Prompt lengths (tokens)", classes="bench-label")
            yield Input(",".join(str(c) for c in SCREEN_CONTEXTS), id="bench-contexts")
        with Horizontal(classes="bench-row"):
            yield Label("Generated tokens", classes="bench-label")
            yield Input(str(SCREEN_GEN), id="bench-gen", type="integer")
            yield Label("Most runs per cell", classes="bench-label")
            yield Input(str(DEFAULT_REPS), id="bench-reps", type="integer")
        with Horizontal(classes="bench-row"):
            yield Checkbox("Cold (unload before every run: load time)", id="bench-cold")
            yield Checkbox("Force (run models that will not fit)", id="bench-force")
        yield Static(id="bench-form-error")
        yield Button("Start", id="bench-start", variant="primary")

    def set_models(self, refs: Sequence[ModelRef], chosen: ModelRef | None, problems: Sequence[str]) -> None:
        """The installed models of every endpoint; `chosen` (the chat's) ticked; `problems`: endpoints
        whose models could not be listed."""
        picker = self.query_one("#bench-models", SelectionList)
        ticked = set(picker.selected) or ({chosen} if chosen is not None else set())
        self.refs = list(refs)
        picker.clear_options()
        picker.add_options(
            [Selection(Text(ref.label), ref, ref in ticked) for ref in refs]  # names are data, never markup
        )
        if not refs:
            self.say("No models installed on any endpoint: pull one (F4) and come back." + _also(problems))
        elif problems:
            self.say(_also(problems).strip())
        else:
            self.say("")

    def request(self) -> BenchRequest:
        picker = self.query_one("#bench-models", SelectionList)
        ticked = set(picker.selected)
        return read_request(
            [ref for ref in self.refs if ref in ticked],
            self.query_one("#bench-contexts", Input).value,
            self.query_one("#bench-gen", Input).value,
            self.query_one("#bench-reps", Input).value,
            cold=self.query_one("#bench-cold", Checkbox).value,
            force=self.query_one("#bench-force", Checkbox).value,
        )

    def say(self, message: str) -> None:
        self.query_one("#bench-form-error", Static).update(Text(message, style="bold red"))


def _also(problems: Sequence[str]) -> str:
    return "".join(f"\n{problem}" for problem in problems)
