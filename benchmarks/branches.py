"""Branches benchmark: a long chat with branches must resume, and move between branches, at once.

A database with one 500-turn conversation (each reply a realistic ~1.5 KB of Markdown with a code block)
is built in a temporary data folder, with two alternatives at prompt 495 (a regenerated reply, the way
Ctrl+R makes one: a sibling of the same parent) and an edited prompt at 250 whose branch goes on for 10
turns. The shown branch is the one through the regenerated reply. Then the real app starts in a 120×40
PTY with `--continue` and we time: the resumed conversation's last reply on screen; Alt+← at prompt 495
(the other alternative and the four turns after it on screen, with the notice that says so); and Alt+→
back. Median of N runs.

    python benchmarks/branches.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from glmtui.core.state import GenerationStats, Turn, TurnStatus
from glmtui.services.store import Store
from history import REPLY
from ptyapp import over_saved_history, resumed_app

MODEL = "qwen3-coder:30b"
TURNS = 500
REGENERATED_AT = 495  # prompt index (0-based) with two alternatives
EDITED_AT = 250  # prompt index with an edited sibling whose branch runs 10 turns
ALT_LEFT, ALT_RIGHT = "\x1b[1;3D", "\x1b[1;3C"  # xterm's Alt+← and Alt+→


def _turn(prompt: str, reply: str) -> Turn:
    turn = Turn(prompt=prompt, model=MODEL, reply=reply, status=TurnStatus.DONE)
    turn.stats = GenerationStats(ttft_s=0.21, eval_count=420, eval_duration_ns=5_900_000_000)
    return turn


def build(path: Path) -> None:
    """Through the store's own writes (start_turn with parent ids, finish_turn), as the app saves."""
    store = Store(path)
    cid = store.create_conversation("A long chat with branches", MODEL, None)
    parent = 0  # a root
    spine: list[int] = []
    for n in range(TURNS):
        marker = f" OLD-BRANCH-{n}" if n >= REGENERATED_AT else ""
        turn = _turn(f"Question {n} about step {n}?", REPLY.format(n=n) + marker)
        spine.append(store.start_turn(cid, turn, parent_id=parent))
        store.finish_turn(spine[-1], turn)
        parent = spine[-1]
    side = spine[EDITED_AT - 1]
    for n in range(10):  # the edited prompt's branch
        turn = _turn(f"Question {EDITED_AT + n}, edited?", REPLY.format(n=n))
        side = store.start_turn(cid, turn, parent_id=side)
        store.finish_turn(side, turn)
    # The regenerated reply at 495, then four turns after it: the branch shown on --continue.
    parent = spine[REGENERATED_AT - 1]
    for n in range(REGENERATED_AT, TURNS):
        turn = _turn(f"Question {n} about step {n}?", REPLY.format(n=n) + f" NEW-BRANCH-{n}")
        parent = store.start_turn(cid, turn, parent_id=parent)
        store.finish_turn(parent, turn)
    store.close()


def notice(which: int) -> bytes:
    return f"Prompt {REGENERATED_AT + 1}: branch {which} of 2".encode()


def run_once(url: str, data: Path) -> tuple[float, float, float]:
    app = resumed_app(url, MODEL, data)
    try:
        shown = app.wait_output(f"NEW-BRANCH-{TURNS - 1}".encode(), since=0.0, timeout=30) - app.started
        time.sleep(1.0)
        asked = time.monotonic()
        app.type(ALT_LEFT)
        # The notice comes with the frame that shows the other branch. (Not the reply's marker: Textual
        # writes only what changed on a line, so "OLD-" may reach the terminal without the rest of it.)
        left = app.wait_output(notice(1), since=asked, timeout=30) - asked
        time.sleep(1.0)
        asked = time.monotonic()
        app.type(ALT_RIGHT)
        right = app.wait_output(notice(2), since=asked, timeout=30) - asked
        return shown, left, right
    finally:
        app.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    results = over_saved_history(build, run_once, args.runs, f"{TURNS + 15} turns")
    shown, left, right = (statistics.median(r[i] for r in results) for i in range(3))
    print(f"| {TURNS}-turn chat with branches, 120×40 | median ms | runs |")
    print("|---|---|---|")
    print(f"| resumed: last reply on screen | {shown * 1000:.0f} | {[round(r[0] * 1000) for r in results]} |")
    print(
        f"| Alt+← at prompt {REGENERATED_AT + 1}: the other branch on screen | {left * 1000:.0f}"
        f" | {[round(r[1] * 1000) for r in results]} |"
    )
    print(f"| Alt+→ back | {right * 1000:.0f} | {[round(r[2] * 1000) for r in results]} |")


if __name__ == "__main__":
    main()
