"""The installed `glmtui` command's entry point: Ctrl+C from the first instant exits quietly.

A console script imports its target module before calling it, and `glmtui.__main__` imports the config
and its helpers at its top: a Ctrl+C then would print a KeyboardInterrupt traceback. This module imports
nothing of glmtui's until the quiet handler is in place (`__main__.quiet_start` takes over from there).
`python -m glmtui` runs `__main__` directly; its own top-level imports take a few milliseconds.
"""

from __future__ import annotations

import signal
from types import FrameType

EXIT_INTERRUPTED = 130


def _quit_quietly(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(EXIT_INTERRUPTED)


def main() -> None:
    """`glmtui …`: the quiet handler, then `glmtui.__main__.main`."""
    signal.signal(signal.SIGINT, _quit_quietly)
    from glmtui.__main__ import main as run

    run()
