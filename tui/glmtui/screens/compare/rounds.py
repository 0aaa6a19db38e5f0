"""The compare screen's rounds: sending one prompt to the two panes, and showing what the rounds add up to.

Plain functions over the panes, the run and the strip. The screen decides when (a prompt submitted, a
reply ended, a vote); these do the work, so the screen module holds the flow and nothing else.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from rich.text import Text

from glmtui.core.errors import GlmTuiError
from glmtui.core.model_names import same_model
from glmtui.core.state import Conversation
from glmtui.paths import data_dir
from glmtui.services.compare import (
    SIDES,
    CompareRun,
    Round,
    RunMode,
    Vote,
    VoteRecord,
    comparable,
    round_metrics,
    session_metrics,
    vote_summary,
)
from glmtui.services.compare import (
    notes as bias_notes,
)
from glmtui.services.compare_export import compare_markdown
from glmtui.services.conversation_export import write_export
from glmtui.services.engines.base import Engine
from glmtui.widgets.compare_pane import ComparePane
from glmtui.widgets.compare_strip import ComparisonStrip

QUEUED = "queued: runs when A has finished"


async def say_not_sent(panes: Iterable[ComparePane]) -> None:
    """A pane whose model is missing says why it got no prompt this round."""
    for pane in panes:
        if not pane.installed:
            await pane.chat.log_view.add_notice(
                Text("✗ Not sent: this pane's model is not installed. F7 pulls it.", style="bold red")
            )


async def send_to_panes(
    panes: tuple[ComparePane, ComparePane],
    round_: Round,
    mode: RunMode,
    loaded: Mapping[str, list[str] | None],
    engine_of: Callable[[str], Engine],
) -> None:
    """The round's prompt to each pane whose model is installed, through its endpoint's engine
    (`engine_of`); in sequential mode B is queued behind A. Each turn goes into the round; a stop (Esc)
    during the sending stops the rest. `loaded`: per endpoint, the models in memory (None: unknown),
    for the "loading model" label."""
    a, _ = panes
    ready = [pane for pane in panes if pane.installed]
    for pane in ready:
        queued = mode == "sequential" and pane.side == "b" and a in ready
        pane.live = None  # the title must not show the last round's figures meanwhile
        pane.use_engine(engine_of(pane.endpoint))
        request = pane.request()
        setattr(round_, f"options_{pane.side}", dict(request.options))  # unlike options get a note
        turn = await pane.chat.send(round_.prompt, request, queued=QUEUED if queued else None)
        setattr(round_, pane.side, turn)
        if round_.stopped:  # Esc came while the prompt was being shown: send nothing more
            pane.chat.stop()
        elif not queued:
            mark_loading(pane, loaded.get(pane.endpoint))
    round_.sent = True


def mark_loading(pane: ComparePane, loaded: list[str] | None) -> None:
    """Label the pane "loading model…" when its model was not in memory as the request went out."""
    pane.model_loading = loaded is not None and not any(same_model(pane.model, name) for name in loaded)
    view = pane.chat.current_view
    if pane.model_loading and view is not None:
        view.set_waiting("loading model…")


def start_queued(b: ComparePane, round_: Round | None, loaded: list[str] | None) -> None:
    """A has ended (sequential mode): B's queued prompt goes out, unless Esc stopped the round."""
    if round_ is not None and round_.stopped:
        b.chat.stop()  # Esc while A was ending: B's queued prompt is stopped, never sent
    elif b.chat.start_queued():
        mark_loading(b, loaded)


def error_text(pane: ComparePane, error: GlmTuiError) -> tuple[str, str]:
    """A pane's error message and hint; in a blind run without the model's name (Ollama's texts name it)."""
    message, hint = error.message, error.hint
    if pane.hidden:
        message, hint = (part.replace(pane.model, "this pane's model") for part in (message, hint))
    return message, hint


def names(run: CompareRun, model_a: str, model_b: str) -> tuple[str, str]:
    """The strip's column headers: the models (`node1 · model` with several endpoints), or only the
    sides until a blind run is voted on."""
    if not run.revealed:
        return "A", "B"
    return f"A {model_a}", f"B {model_b}"


def show_strip(
    strip: ComparisonStrip, run: CompareRun, headers: tuple[str, str], votes: Sequence[VoteRecord]
) -> None:
    """The last ended round's figures, the session's, and the notes (why a row has no verdict, blind run,
    votes so far)."""
    rounds = [r for r in run.rounds if r.ended]
    last = rounds[-1] if rounds else None
    counted = comparable(rounds)
    # The session's conditions count only when its columns are shown (more than one round).
    details = [Text(line, style="dim") for line in bias_notes(last, counted if len(counted) > 1 else ())]
    notes: list[Text] = []
    if run.blind and not run.revealed and rounds:
        notes.append(Text("Blind run: F6 votes for the better side and reveals the models.", style="italic"))
    if run.vote is not None:
        notes += [Text(f"Votes: {line}", style="dim") for line in vote_summary(votes)]
    strip.show(
        round_metrics(last) if last else [],
        session_metrics(rounds),
        names=headers,
        rounds=len(counted),
        notes=notes,
        details=details,
    )


def title(mode: RunMode, reason: str, by_user: bool, blind: bool, progress: str = "") -> Text:
    """The screen's top line: the run mode and why, and whether the run is blind; a prompt set's
    progress (`7/20`) first, where a narrow terminal cannot cut it off."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append("A/B compare", style="bold")
    if progress:
        text.append(f"  ·  prompt set {progress}", style="bold yellow")
    text.append(f"  ·  {mode}", style="bold")
    text.append(f" ({'your choice' if by_user else reason})  ·  Ctrl+R switches")
    if blind:
        text.append("  ·  blind", style="bold yellow")
    return text


def vote_record(run: CompareRun, panes: tuple[ComparePane, ComparePane], vote: Vote) -> VoteRecord:
    """The run's vote, kept with the models and endpoints it was really between."""
    a, b = panes
    run.vote = vote
    return VoteRecord(a.model, b.model, vote, len(run.rounds), endpoint_a=a.endpoint, endpoint_b=b.endpoint)


def vote_text(panes: tuple[ComparePane, ComparePane], vote: Vote) -> str:
    """What the vote revealed (`node1 · model` with several endpoints)."""
    a, b = panes
    winner = {"a": f"A ({a.label})", "b": f"B ({b.label})", "tie": "a tie"}[vote]
    return f"You chose {winner}. A was {a.label}, B was {b.label}."


def vote_refusal(run: CompareRun, busy: bool) -> str | None:
    """Why F6 cannot vote now (a sentence), or None when it can."""
    if not run.blind:
        return "Votes are for blind runs: Ctrl+B starts one."
    if run.vote is not None:
        return "This run is already voted on: Ctrl+N starts a new blind run."
    if busy or not any(r.ended for r in run.rounds):
        return "Vote once both replies have ended."
    return None


async def export(run: CompareRun, host: str, urls: Mapping[str, str]) -> Path:
    """Both transcripts and the table as Markdown under the data dir's exports (OSError if it cannot)."""
    text = compare_markdown(run, host=host, urls=urls)
    return await asyncio.to_thread(write_export, text, "glmtui-compare", data_dir() / "exports")


def reopened_models(run: CompareRun, endpoints: Sequence[str]) -> tuple[str, str]:
    """What each pane of a reopened run asks for: its last round's model, on its endpoint where that
    endpoint is still configured (`node1/model`), else on the chat's."""
    last = run.rounds[-1]
    wanted = []
    for side in SIDES:
        model, endpoint = last.model(side), last.endpoint(side)
        wanted.append(f"{endpoint}/{model}" if endpoint and endpoint in endpoints else model)
    return wanted[0], wanted[1]


async def show_reopened(panes: tuple[ComparePane, ComparePane], run: CompareRun) -> None:
    """A reopened run's replies into the panes: each side's turns as its conversation, which the
    next prompt continues (the model is sent them, as in a resumed chat)."""
    for pane, side in zip(panes, SIDES, strict=True):
        turns = [turn for r in run.rounds if (turn := r.turn(side)) is not None]
        conversation = Conversation(system=pane.chat.conversation.system, turns=turns)
        await pane.chat.load(conversation)
