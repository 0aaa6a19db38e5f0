"""Usage benchmark: the usage screen over a big history must open at once and re-filter without a wait.

A database of 100,000 turns over a year (5 models, one of them upgraded to a new digest half way, on
2 endpoints: Ollama's exact timings and an OpenAI-compatible engine's client-timed ones; 3 % stopped,
1 % failed; replies of a realistic ~1.5 KB, so the turns' rows are as big as real ones) is built in a
temporary folder. Then we time: the schema migration that builds the figures table from the turns
(once, on the first start after the upgrade); `usage_stats.load` per time range; and the real app,
headless against the simulator (once its start-up store work is done), from the F8 key press to the
screen drawn with its figures (wall and process CPU), then re-filtering. Median of N runs.

    python benchmarks/usage.py [--turns 100000] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from textual import events

from glmtui.app import GlmTuiApp
from glmtui.config import Config
from glmtui.core.usage import RANGES
from glmtui.screens.usage import UsageScreen
from glmtui.services import usage_stats
from glmtui.services.schema import MIGRATIONS, SCHEMA_VERSION
from glmtui.services.store import Store
from glmtui.simulator import Simulator

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.fakes import scripted_sampler

MODELS = ("glm-4.7-flash:q4_K_M", "glm-4.7-flash:q8_0", "gpt-oss:20b", "qwen3-coder:30b", "llama3.1:8b")
RATES = (72.0, 51.0, 118.0, 64.0, 140.0)  # tok/s, roughly what a 24 GB card gives each
REPLY = ("Here is the next part, with the reasoning first and a short example after it. " * 19)[:1500]
YEAR_S = 365 * 86_400


def build(path: Path, turns: int, now: float) -> None:
    """`turns` turns over the year before `now`, written at schema 5 (before the figures table), so
    that opening it measures the migration's backfill too."""
    db = sqlite3.connect(path, isolation_level=None)
    for script in MIGRATIONS[:5]:
        for statement in script.split(";"):
            if statement.strip():
                db.execute(statement)
    db.execute("PRAGMA user_version = 5")
    rng = random.Random(15)
    db.execute("BEGIN")
    per_conversation = 50
    for c in range(turns // per_conversation):
        db.execute(
            "INSERT INTO conversations (id, title, model, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
            (c + 1, f"conversation {c}", MODELS[0], now - YEAR_S, now),
        )
    rows = []
    for i in range(turns):
        created = now - YEAR_S + YEAR_S * i / turns + rng.random()
        m = rng.randrange(len(MODELS))
        endpoint = "desk" if rng.random() < 0.7 else "node1"
        # q4_K_M was re-pulled half way through the year: a new digest, and 8 % slower.
        upgraded = m == 0 and created > now - YEAR_S / 2
        digest = f"sha256:{m}{'b' if upgraded else 'a'}" + "0" * 60 if endpoint == "desk" else ""
        rate = RATES[m] * (0.92 if upgraded else 1.0) * rng.uniform(0.9, 1.1)
        tokens = rng.randint(50, 1500)
        roll = rng.random()
        status = "done" if roll > 0.04 else "stopped" if roll > 0.01 else "failed"
        stats: dict[str, object] = {"ttft_s": rng.lognormvariate(-1.2, 0.7), "content_tokens": tokens}
        if status == "done":
            stats |= {
                "eval_count": tokens,
                "eval_duration_ns": int(tokens / rate * 1e9),
                "prompt_eval_count": rng.randint(20, 8000),
                "prompt_eval_duration_ns": 40_000_000,
                "timing": "exact" if endpoint == "desk" else "client",
            }
        row = (1 + i // per_conversation, "a prompt", REPLY, MODELS[m], digest, status, json.dumps(stats))
        rows.append((*row, created, endpoint))
    db.executemany(
        "INSERT INTO turns (conversation_id, prompt, reply, model, model_digest, status, stats, created_at,"
        " endpoint) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    db.execute("COMMIT")
    db.close()


async def open_screen(folder: Path, sim: Simulator) -> tuple[float, float, float]:
    """(wall and CPU seconds from the F8 key press in the chat to the screen drawn with its figures,
    wall seconds to re-filter to all time)."""
    config = Config(host=sim.url, model=MODELS[0], monitor=False)
    app = GlmTuiApp(config, sampler=scripted_sampler(), store_path=folder / "glmtui.db")
    async with app.run_test(size=(140, 44)) as pilot:
        # After start-up's own store work (the integrity check reads the whole 200 MB file): the
        # usage read waits for the journal's lock like any store call, and would time that check.
        start_up = ("journal-check", "votes", "corrections")
        while app.connection != "online" or any(w.group in start_up and w.is_running for w in app.workers):
            await asyncio.sleep(0.02)
        await pilot.pause()
        start, cpu = time.perf_counter(), time.process_time()
        key = events.Key("f8", None)  # the key itself, as the terminal driver sends it
        key.set_sender(app)
        app._driver.send_message(key)  # type: ignore[union-attr]
        while not (isinstance(app.screen, UsageScreen) and app.screen.drawn):
            await asyncio.sleep(0.002)
            assert time.perf_counter() - start < 30, f"no usage screen after F8 ({app.screen})"
        opened, opened_cpu = time.perf_counter() - start, time.process_time() - cpu
        screen = app.screen
        start = time.perf_counter()
        screen.query_one("#usage-range").value = 0  # type: ignore[attr-defined]  # all time
        while screen.loads < 2:
            await asyncio.sleep(0.002)
        await pilot.pause()
        return opened, opened_cpu, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    now = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "glmtui.db"
        started = time.perf_counter()
        build(path, args.turns, now)
        print(f"built {args.turns:,} turns in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        store = Store(path)
        print(
            f"migrations 5 → {SCHEMA_VERSION} (the figures table's backfill of every turn):"
            f" {time.perf_counter() - started:.2f} s"
        )
        print(f"database: {path.stat().st_size / 1e6:.0f} MB")
        print("\n| range | usage_stats.load, median ms | min–max |\n|---|---|---|")
        for label, days in RANGES:
            times = []
            for _ in range(args.runs):
                started = time.perf_counter()
                usage_stats.load(store, usage_stats.UsageQuery(now=now, days=days))
                times.append((time.perf_counter() - started) * 1000)
            print(f"| {label} | {statistics.median(times):.0f} | {min(times):.0f}–{max(times):.0f} |")
        store.close()
        with Simulator() as sim:
            results = [asyncio.run(open_screen(folder, sim)) for _ in range(args.runs)]
        opened = [r[0] * 1000 for r in results]
        opened_cpu = [r[1] * 1000 for r in results]
        refilter = [r[2] * 1000 for r in results]
        print("\n| headless app, 140×44 | median ms | min–max |\n|---|---|---|")
        print(
            f"| F8 → the usage screen drawn (last 30 days): wall | {statistics.median(opened):.0f} | "
            f"{min(opened):.0f}–{max(opened):.0f} |"
        )
        print(
            f"| F8 → the usage screen drawn (last 30 days): CPU | {statistics.median(opened_cpu):.0f} | "
            f"{min(opened_cpu):.0f}–{max(opened_cpu):.0f} |"
        )
        print(
            f"| re-filter to all time | {statistics.median(refilter):.0f} | "
            f"{min(refilter):.0f}–{max(refilter):.0f} |"
        )


if __name__ == "__main__":
    main()
