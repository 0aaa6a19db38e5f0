"""History benchmark: a big saved history must not slow the start, and a long chat must resume at once.

A database with 5,000 saved turns (one conversation of 500 turns and 90 of 50, each reply a
realistic ~1.5 KB of Markdown with a code block) is built in a temporary data folder. Then the real
app starts in a 120×40 PTY with `--continue` and we time: the first frame; the resumed conversation's
last reply on screen; and, after Ctrl+O, the history list on screen. Median of N runs.

    python benchmarks/history.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from glmtui.core.state import GenerationStats, TurnStatus
from glmtui.services.store import Store
from ptyapp import over_saved_history, resumed_app

MODEL = "qwen3-coder:30b"
REPLY = """## Step {n}

Here is the next part, with the reasoning first and a short example after it.

- keep the function pure; side effects belong at the edges
- check the empty input first, so the happy path stays simple
- measure before tuning: the profile is usually surprising

```python
def step_{n}(items: list[int]) -> int:
    total = 0
    for item in items:
        total += item * {n}
    return total
```

That covers it; the edge cases are the empty list and a single element.
"""


def build(path: Path) -> None:
    store = Store(path)
    stats = GenerationStats(
        ttft_s=0.21,
        eval_count=420,
        eval_duration_ns=5_900_000_000,
        prompt_eval_count=40,
        prompt_eval_duration_ns=30_000_000,
        load_duration_ns=10_000_000,
    )
    with store._lock:
        store._db.execute("BEGIN")
        for conversation, turns in [(i, 50) for i in range(90)] + [(90, 500)]:
            cid = store._db.execute(
                "INSERT INTO conversations (title, model, created_at, updated_at) VALUES (?, ?, ?, ?)",
                (f"Conversation {conversation}", MODEL, time.time(), time.time() + conversation),
            ).lastrowid
            for n in range(turns):
                marker = f"LAST-REPLY-MARKER-{n}" if n == turns - 1 and turns == 500 else ""
                store._db.execute(
                    "INSERT INTO turns"
                    " (conversation_id, prompt, reply, thinking, model, status, stats, created_at)"
                    " VALUES (?, ?, ?, '', ?, ?, ?, ?)",
                    (
                        cid,
                        f"Question {n} about step {n}?",
                        REPLY.format(n=n) + marker,
                        MODEL,
                        TurnStatus.DONE.value,
                        _json(stats),
                        time.time(),
                    ),
                )
        store._db.execute("COMMIT")
    total = store._db.execute("SELECT COUNT(*) FROM turns").fetchone()[0]
    assert total == 5000, total
    store.close()


def _json(stats: GenerationStats) -> str:
    return json.dumps(asdict(stats))


def run_once(url: str, data: Path) -> tuple[float, float, float]:
    app = resumed_app(url, MODEL, data)
    try:
        first = app.wait_output(b"glmtui", since=0.0, timeout=20) - app.started
        shown = app.wait_output(b"LAST-REPLY-MARKER-499", since=0.0, timeout=20) - app.started
        time.sleep(1.0)
        asked = time.monotonic()
        app.type("\x0f")  # Ctrl+O
        listed = app.wait_output(b"Conversation 89", since=asked, timeout=20) - asked
        return first, shown, listed
    finally:
        app.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    results = over_saved_history(build, run_once, args.runs, "5,000 turns")
    first, shown, listed = (statistics.median(r[i] for r in results) for i in range(3))
    print("| 5,000 saved turns, 120×40 | median ms | runs |")
    print("|---|---|---|")
    print(
        f"| first frame after launch (`--continue`) | {first * 1000:.0f}"
        f" | {[round(r[0] * 1000) for r in results]} |"
    )
    print(
        f"| 500-turn conversation resumed: last reply on screen | {shown * 1000:.0f} "
        f"| {[round(r[1] * 1000) for r in results]} |"
    )
    print(
        f"| Ctrl+O: history list (91 conversations) on screen | {listed * 1000:.0f} "
        f"| {[round(r[2] * 1000) for r in results]} |"
    )


if __name__ == "__main__":
    main()
