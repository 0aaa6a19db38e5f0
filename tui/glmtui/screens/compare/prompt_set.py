"""A prompt set on the compare screen: each prompt its own blind run, a vote after each.

Each prompt becomes its own A/B run (its own row in the store), because the store keeps one vote per
run and the leaderboard counts runs: a vote per prompt is then counted without a schema change, each
prompt is reopenable alone from the arena, and every prompt gets a fresh blind shuffle (the sides'
order cannot bias twenty votes the same way). The screen sends; this class holds where the set is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from glmtui.services.prompt_sets import PromptSet
from glmtui.widgets.compare_pane import ComparePane


@dataclass
class PromptSetRun:
    """A prompt set in progress: the prompt being compared (1-based `at`), what was voted, skipped."""

    prompts: PromptSet
    at: int = 0  # the prompt on screen now (0: none sent yet)
    voted: int = 0
    skipped: int = 0
    run_ids: list[int | None] = field(default_factory=list)  # informative: each prompt's run

    @property
    def total(self) -> int:
        return len(self.prompts.prompts)

    @property
    def progress(self) -> str:
        """`7/20`, for the screen's title."""
        return f"{self.at}/{self.total}"

    @property
    def finished(self) -> bool:
        return self.at >= self.total

    def next_prompt(self) -> str | None:
        """The next prompt (and move on to it), or None after the last."""
        if self.finished:
            return None
        self.at += 1
        return self.prompts.prompts[self.at - 1]

    def summary(self, stopped: bool) -> str:
        """What the set came to, for the closing notification."""
        how = f"stopped at {self.progress}" if stopped else f"done ({self.total} prompts)"
        kept = f"{self.voted} vote(s) kept" if stopped else f"{self.voted} vote(s)"
        skipped = f", {self.skipped} skipped" if self.skipped else ""
        return f"Prompt set {self.prompts.name} {how}: {kept}{skipped}. F7 in the chat shows the leaderboard."


class SetHost(Protocol):
    """What a prompt set uses of the compare screen (a protocol: this module is imported by it)."""

    prompt_set: PromptSetRun | None
    ready: bool

    @property
    def busy(self) -> bool: ...

    @property
    def panes(self) -> tuple[ComparePane, ComparePane]: ...

    def notify(
        self, message: str, *, title: str = ..., severity: Any = ..., timeout: float | None = ...
    ) -> None: ...

    def refresh_bindings(self) -> None: ...

    def refresh_all(self) -> None: ...

    async def new_run(self, blind: bool, announce: bool = True) -> None: ...

    async def send_round(self, prompt: str) -> None: ...


def refusal(ready: bool, busy: bool, installed: bool) -> str | None:
    """Why a prompt set cannot start now (a sentence), or None."""
    if not ready:
        return "Waiting for the models to be checked: start the prompt set once this screen is ready."
    if busy:
        return "A reply is still streaming: Esc stops it, then start the prompt set."
    if not installed:
        return "Prompt sets run blind: both models must be installed (F7 pulls a missing one)."
    return None


async def start(screen: SetHost, prompts: PromptSet) -> None:
    """Begin a set on the screen: its first prompt goes out at once, in a new blind run."""
    problem = refusal(screen.ready, screen.busy, all(pane.installed for pane in screen.panes))
    if problem is not None:
        screen.notify(problem, title="Prompt set", severity="warning", timeout=5)
        return
    screen.prompt_set = PromptSetRun(prompts)
    screen.refresh_bindings()  # F10 (skip) shows while the set runs
    screen.notify(
        f"{prompts.name}: {len(prompts.prompts)} prompt(s), each a blind run. After each reply: F6 votes "
        "(then the next prompt goes out), F10 skips, Esc stops the set (the votes so far are kept).",
        title="Prompt set",
        timeout=8,
    )
    await next_prompt(screen)


async def next_prompt(screen: SetHost) -> None:
    """The set's next prompt in a new blind run (fresh sides), or the set's end after the last."""
    current = screen.prompt_set
    if current is None:
        return
    prompt = current.next_prompt()
    if prompt is None:
        end(screen, stopped=False)
        return
    await screen.new_run(blind=True, announce=False)
    await screen.send_round(prompt)


async def skip(screen: SetHost) -> None:
    """Leave this prompt unvoted (its run stays in the history) and go on to the next."""
    current = screen.prompt_set
    if current is None:
        screen.notify("No prompt set is running: F9 starts one.", timeout=3)
        return
    current.skipped += 1
    await next_prompt(screen)  # a new run stops what still streams first


def end(screen: SetHost, stopped: bool) -> None:
    """The set is over (all prompts, or Esc): say what it came to; the panes stay as they are."""
    current, screen.prompt_set = screen.prompt_set, None
    if current is not None:
        screen.notify(current.summary(stopped), title="Prompt set", timeout=8)
    screen.refresh_bindings()
    screen.refresh_all()
