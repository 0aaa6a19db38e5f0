"""Asking before Ctrl+Q stops a pull: the question, and the dialog it is asked in."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from glmtui.core.state import PullProgress
from glmtui.screens.dialogs.confirm import ConfirmScreen


class QuitPullsScreen(ConfirmScreen):
    """The quit-while-pulling question; its own class so a second Ctrl+Q can answer it."""


def pulls_to_stop(jobs: Sequence[PullProgress]) -> Text | None:
    """What quitting would stop (the running pull, the queued ones), or None when there is nothing."""
    running = [job for job in jobs if job.state == "pulling"]
    queued = [job for job in jobs if job.state == "queued"]
    if not running and not queued:
        return None
    text = Text("Quit and stop pulling?\n\n", style="bold")
    for job in running:
        text.append("Pulling ")
        text.append(job.name, style="bold")  # a model name: plain text, never markup
        if job.fraction is not None:
            text.append(f" ({job.fraction:.0%})")
        text.append(". Ollama keeps what was downloaded; pulling it again resumes.\n")
    if queued:
        names = ", ".join(job.name for job in queued)
        text.append(f"{len(queued)} queued, not started: {names}.\n")
    text.append("Ctrl+Q again quits.", style="dim")
    return text
