"""A saved conversation as Markdown, with its figures in YAML front matter.

Text is written verbatim (it is Markdown) with control characters made visible, so viewing the file in
a terminal can never run escape sequences.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from glmtui.core import branches
from glmtui.core.attachments import fence_for, file_size
from glmtui.core.presets import options_text
from glmtui.core.sanitize import sanitize, sanitize_line
from glmtui.core.state import Conversation, GenerationStats, Turn, TurnStatus
from glmtui.core.stats import rate_text
from glmtui.core.tool_calls import pretty_arguments
from glmtui.core.units import format_seconds, tenths

_SLUG_RE = re.compile(r"[^a-z0-9]+")


_HEADING_RE = re.compile(r"^(#{1,6})(\s)")
_FENCE_RE = re.compile(r"^\s*(```|~~~)")


def demote_headings(markdown: str, levels: int) -> str:
    """Push a reply's headings `levels` down (at most to ######), leaving code blocks alone, so
    the export's outline stays the export's: a reply's `## Answer` must not outrank `### A · model`."""
    out, in_code = [], False
    for line in markdown.split("\n"):
        if _FENCE_RE.match(line):
            in_code = not in_code
        elif not in_code and (match := _HEADING_RE.match(line)):
            line = "#" * min(6, len(match.group(1)) + levels) + line[len(match.group(1)) :]
        out.append(line)
    return "\n".join(out)


def reply_lines(turn: Turn, heading_levels: int) -> list[str]:
    """A reply as an export shows it: the thinking trace folded, then the answer, its headings
    pushed `heading_levels` below the export's own."""
    lines: list[str] = []
    if turn.thinking:
        stats = turn.stats
        when = f", {tenths(stats.thinking_s)}" if stats.thinking_s is not None else ""
        lines += [
            f"<details><summary>Thinking ({stats.thinking_tokens} tokens{when})</summary>",
            "",
            sanitize(turn.thinking).strip(),
            "",
            "</details>",
            "",
        ]
    answer = demote_headings(sanitize(turn.reply), heading_levels).rstrip()
    return [*lines, answer or ("" if turn.tool_calls else "_(no answer text)_"), "", *tool_call_lines(turn)]


def tool_call_lines(turn: Turn) -> list[str]:
    """The reply's tool calls, each with its arguments in a fenced block (glmtui never runs them)."""
    if not turn.tool_calls:
        return []
    lines = ["**Tool calls** (not run by glmtui):", ""]
    for call in turn.tool_calls:
        name = sanitize(call.name).replace("`", "'")
        lines += [f"- `{name}`" + (f" (id {sanitize(call.id)})" if call.id else "")]
        pretty = pretty_arguments(call)
        fence = fence_for(pretty)  # longer than any backtick run in the arguments
        lines += ["", f"  {fence}json", *(f"  {line}" for line in pretty.splitlines()), f"  {fence}", ""]
    return lines


def image_lines(turn: Turn) -> list[str]:
    """The images the prompt was sent with, by name and size (their bytes stay in the history: a
    text file is in the prompt's text already)."""
    if not turn.images:
        return []
    names = [sanitize_line(image.name).replace("`", "'") for image in turn.images]  # no early code span end
    named = ", ".join(
        f"`{name}` ({file_size(image.size)})" for name, image in zip(names, turn.images, strict=True)
    )
    return [f"_Sent with image{'s' if len(turn.images) > 1 else ''}: {named}_", ""]


def slug(text: str, limit: int = 40) -> str:
    return _SLUG_RE.sub("-", text.lower()).strip("-")[:limit].strip("-") or "conversation"


def timing_of(stats: list[GenerationStats]) -> str | None:
    """`exact`, `client` (timed by glmtui) or `mixed` over these replies; None when there are none."""
    kinds = {s.timing for s in stats}
    return None if not kinds else kinds.pop() if len(kinds) == 1 else "mixed"


def conversation_markdown(conversation: Conversation, *, now: float | None = None) -> str:
    turns = conversation.turns
    done = [t.stats for t in turns if t.status is TurnStatus.DONE and t.stats.final]
    tokens = sum(s.eval_count or 0 for s in done)
    seconds = sum((s.eval_duration_ns or 0) for s in done) / 1e9
    models = list(dict.fromkeys(t.model for t in turns))
    when = time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(now if now is not None else time.time()))
    front = {
        "title": conversation.title or "Untitled",
        "models": models,
        "turns": len(turns),
        "exported": when,
        "output_tokens": tokens,
        "eval_rate_tok_s": round(tokens / seconds, 2) if seconds else None,
        # Whose clock the rate is on: Ollama's own durations, glmtui's (an OpenAI-compatible engine), or both.
        "eval_timing": timing_of(done),
        "mean_ttft_s": round(sum(s.ttft_s or 0 for s in done) / len(done), 3) if done else None,
        "stopped_or_failed": sum(t.status is not TurnStatus.DONE for t in turns),
    }
    # The branch shown is what is exported (what the model was sent); where other branches exist
    # (regenerated replies, edited prompts), the export says so at each such prompt.
    alternatives = {number: (which, count) for number, which, count in branches.summary(conversation)}
    if alternatives:
        front["branch"] = "the branch shown; others at prompt(s) " + ", ".join(map(str, alternatives))
    # JSON values are valid YAML: the front matter needs no YAML library.
    lines = [
        "---",
        *(f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in front.items()),
        "---",
        "",
        f"# {sanitize(conversation.title or 'Untitled')}",
        "",
    ]
    if conversation.system:
        lines += [
            "**System prompt**",
            "",
            *(f"> {line}" for line in sanitize(conversation.system).splitlines()),
            "",
        ]
    for number, turn in enumerate(turns, 1):
        lines += [f"## {number}. You", ""]
        if number in alternatives:
            which, count = alternatives[number]
            lines += [f"_branch {which} of {count} at prompt {number} (the others are in the history)_", ""]
        lines += [sanitize(turn.prompt).rstrip(), "", *image_lines(turn)]
        lines += [
            f"## {number}. {turn.model}" + (f" (think {turn.think})" if turn.think else ""),
            "",
        ]
        lines += reply_lines(turn, 2)
        stats = turn.stats
        figures = f"TTFT {format_seconds(stats.ttft_s)}"
        if stats.final:
            figures += f" · {rate_text(stats)} · {stats.eval_count} tokens"
        if turn.status is not TurnStatus.DONE:
            figures += f" · {turn.status.value}" + (f": {sanitize(turn.error)}" if turn.error else "")
        lines += [f"_{figures}_", ""]
        if turn.preset or turn.options:  # what it was sent with: the same prompt differs with these
            sent = [f"preset {turn.preset}"] if turn.preset else []
            sent += [f"options {options_text(turn.options)}"] if turn.options else []
            # One line: a preset name stored with a newline (before names were checked) must not end it.
            lines += [f"_Sent with {sanitize_line(' · '.join(sent))}_", ""]
    return "\n".join(lines).rstrip() + "\n"


def export_path(directory: Path, prefix: str, now: float | None = None) -> Path:
    """A fresh `prefix-YYYYmmdd-HHMMSS.md` in `directory` (never overwrites)."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now if now is not None else time.time()))
    path = directory / f"{prefix}-{stamp}.md"
    counter = 2
    while path.exists():
        path = directory / f"{prefix}-{stamp}-{counter}.md"
        counter += 1
    return path


def write_export(text: str, prefix: str, fallback: Path) -> Path:
    """Write into the current directory, or `fallback` when that is not writable."""
    for directory in (Path.cwd(), fallback):
        try:
            directory.mkdir(parents=True, exist_ok=True)
            path = export_path(directory, prefix)
            path.write_text(text, encoding="utf-8")
            return path
        except OSError:
            continue
    raise OSError(f"neither {Path.cwd()} nor {fallback} is writable")
