"""A comparison as a Markdown file: the setup, the stats tables, and both transcripts round by round.

Model text goes in verbatim (it is Markdown already) but with control characters made visible, so
`cat`-ing the file can never drive the terminal. A blind run that has not been voted on keeps its
models hidden in the file too.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

from glmtui.core.endpoints import ModelRef
from glmtui.core.sanitize import sanitize
from glmtui.core.state import Turn, TurnStatus
from glmtui.services.compare import (
    SIDES,
    CompareRun,
    Metric,
    Round,
    comparable,
    notes,
    round_metrics,
    session_metrics,
)
from glmtui.services.compare_figures import Side
from glmtui.services.conversation_export import reply_lines


def _cell(text: str) -> str:
    return sanitize(text).replace("|", "\\|").replace("\n", " ")


def metrics_table(rows: Sequence[Metric], names: tuple[str, str]) -> list[str]:
    lines = [f"| metric | {_cell(names[0])} | {_cell(names[1])} | verdict |", "|---|---:|---:|---|"]
    for row in rows:
        a = f"**{row.a}**" if row.better == "a" else row.a
        b = f"**{row.b}**" if row.better == "b" else row.b
        lines.append(f"| {row.label} | {_cell(a)} | {_cell(b)} | {_cell(row.verdict)} |")
    return lines


def _label(run: CompareRun, round_: Round, side: Side) -> str:
    letter = side.upper()
    if not run.revealed:
        return f"{letter} (model hidden: blind run, not voted)"
    turn = round_.turn(side)
    think = f" · think {turn.think}" if turn is not None and turn.think is not None else ""
    return f"{letter} · {_who(round_, side)}{think}"


def _who(round_: Round, side: Side) -> str:
    """The side's model, as `node1 · model` when the round's two sides were on different endpoints."""
    if round_.endpoint_a != round_.endpoint_b:
        return ModelRef(round_.endpoint(side), round_.model(side)).label
    return round_.model(side)


def _turn_lines(turn: Turn | None) -> list[str]:
    if turn is None:
        return ["_Not sent: the model was not installed._", ""]
    lines = reply_lines(turn, 3)
    if turn.status is TurnStatus.STOPPED:
        lines += ["_Stopped by the user; the reply above is partial._", ""]
    elif turn.status is TurnStatus.FAILED:
        lines += [f"_Failed: {sanitize(turn.error or 'unknown error')}; the reply above is partial._", ""]
    return lines


def compare_markdown(
    run: CompareRun, *, host: str, now: float | None = None, urls: Mapping[str, str] | None = None
) -> str:
    """The whole run as Markdown: each side's heading names its model and think setting for that round
    (and its endpoint, when the sides' differ: `urls` gives each endpoint's URL for the header)."""
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(now if now is not None else time.time()))
    last = run.rounds[-1] if run.rounds else None
    models = (_who(last, "a"), _who(last, "b")) if last else ("?", "?")
    server = f"- Ollama: {host}"
    if last is not None and last.endpoint_a != last.endpoint_b:
        known = urls or {}
        server = "- Endpoints: " + ", ".join(
            f"{side.upper()} {name} ({known.get(name, '?')})"
            for side, name in zip("AB", (last.endpoint_a, last.endpoint_b), strict=True)
        )
    names = (f"A · {models[0]}", f"B · {models[1]}") if run.revealed else ("A", "B")
    title = f"{models[0]} vs {models[1]}" if run.revealed else "blind run (models hidden until voted)"
    lines = [
        f"# A/B comparison: {title}",
        "",
        f"- Date: {when}",
        server,
        f"- Run mode: {last.mode if last else 'n/a'}",
        f"- Rounds: {len(run.rounds)}",
    ]
    if run.blind:
        vote = {"a": f"A ({models[0]})", "b": f"B ({models[1]})", "tie": "tie"}.get(run.vote or "", "not yet")
        lines.append(f"- Blind run; vote: {vote}")
    lines.append("")
    counted = len(comparable(run.rounds))
    session = session_metrics(run.rounds) if counted > 1 else []
    if session:
        lines += [
            f"## Session totals ({counted} complete round(s) with these models)",
            "",
            *metrics_table(session, names),
            "",
        ]
    for number, round_ in enumerate(run.rounds, 1):
        lines += [f"## Round {number}", "", "**Prompt**", ""]
        lines += [f"> {line}" if line else ">" for line in sanitize(round_.prompt).splitlines()] + [""]
        for side in SIDES:
            lines += [f"### {_label(run, round_, side)}", "", *_turn_lines(round_.turn(side))]
        own = (f"A · {_who(round_, 'a')}", f"B · {_who(round_, 'b')}") if run.revealed else ("A", "B")
        lines += ["**Figures**", "", *metrics_table(round_metrics(round_), own), ""]
        lines += [f"_{line}_" for line in notes(round_)] + ([""] if notes(round_) else [])
    return "\n".join(lines).rstrip() + "\n"
