"""Leaderboard benchmark: the arena over 10,000 stored blind votes must open in ≤ 300 ms.

A store is filled with VOTES blind A/B runs (each with one round of two ~1 KB replies, as the A/B
screen saves them) between MODELS models on two endpoints, and TURNS chat turns with decode figures.
Then we time, median of N runs: the rating fit alone (core/ratings.py, both views); what the
screen reads in its worker before it can show the board (services/arena.read_arena: votes, figures,
the by-model fit; the other view is fitted after the board is drawn); and the figure the issue names,
in the real app, headless: the F7 key press in the chat → the frame with the filled table drawn
(once the app's start-up store work is done), wall and process CPU time, on the first open of a
session and on a reopen (the fits kept).

    python benchmarks/leaderboard.py [--votes 10000] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fakes import scripted_sampler
from textual import events

from glmtui.app import GlmTuiApp
from glmtui.config import Config
from glmtui.core.ratings import fit
from glmtui.screens.arena import ArenaScreen
from glmtui.services.arena import forget_fits, outcomes, read_arena
from glmtui.services.arena_store import stored_votes
from glmtui.services.store import Store
from glmtui.simulator import Simulator

MODELS = [f"glm-4.7-flash:{q}" for q in ("q4_K_M", "q8_0", "bf16")] + [
    "gpt-oss:20b",
    "gpt-oss:120b",
    "qwen3-coder:30b",
    "qwen3:8b",
    "qwen3:32b",
    "llama3.3:70b",
    "gemma3:27b",
    "mistral-small:24b",
    "devstral:24b",
]
ENDPOINTS = ("desk", "node1")
REPLY = "A reply of about a kilobyte, as a blind round stores it. " * 18


def fill(path: Path, votes: int, turns: int, seed: int = 7) -> None:
    """`votes` voted blind runs and `turns` chat turns, written in a few transactions."""
    rng = random.Random(seed)
    strength = {m: rng.gauss(0, 1) for m in MODELS}
    store = Store(path)
    with store.transaction() as db:
        for n in range(votes):
            a, b = rng.sample(MODELS, 2)
            ea, eb = rng.choice(ENDPOINTS), rng.choice(ENDPOINTS)
            p = 1 / (1 + 10 ** ((strength[b] - strength[a]) / 2))
            draw = rng.random()
            vote = "tie" if draw < 0.1 else "a" if draw < 0.1 + 0.9 * p else "b"
            side = {
                "reply": REPLY,
                "status": "done",
                "stats": {"eval_count": 400, "eval_duration_ns": 10**10},
            }
            rounds = [
                {
                    "prompt": f"prompt {n}",
                    "mode": "parallel",
                    "a": {"model": a, **side},
                    "b": {"model": b, **side},
                }
            ]
            db.execute(
                "INSERT INTO compare_runs (created_at, model_a, model_b, blind, vote, rounds, endpoint_a,"
                " endpoint_b) VALUES (?, ?, ?, 1, ?, ?, ?, ?)",
                (1.79e9 + n, a, b, vote, json.dumps(rounds), ea, eb),
            )
        cursor = db.execute(
            "INSERT INTO conversations (title, model, created_at, updated_at) VALUES ('bench', 'm', 0, 0)"
        )
        conversation = cursor.lastrowid
        for n in range(turns):
            stats = {"eval_count": rng.randint(200, 800), "eval_duration_ns": rng.randint(4, 20) * 10**9}
            db.execute(
                "INSERT INTO turns (conversation_id, prompt, reply, model, status, stats, created_at,"
                " endpoint) VALUES (?, 'p', ?, ?, 'done', ?, ?, ?)",
                (conversation, REPLY, rng.choice(MODELS), json.dumps(stats), n, rng.choice(ENDPOINTS)),
            )
    store.close()


async def open_screen(url: str, path: Path) -> tuple[float, float, float, float]:
    """Opening the leaderboard in the real app (headless): (wall, CPU) seconds from the F7 key press
    in the chat to the frame with the table filled drawn, first with the fits cold (the first open
    in a session), then again after Esc (the kept fits: a reopen)."""
    app = GlmTuiApp(
        Config(host=url, model=MODELS[0], monitor=False), sampler=scripted_sampler(), store_path=path
    )
    forget_fits()  # each app is a fresh session: its first open fits
    async with app.run_test(size=(160, 40)) as pilot:
        # After start-up's own store work (the integrity check reads the whole file, the session's
        # vote tally): the leaderboard waits for the journal's lock like any store call.
        start_up = ("journal-check", "votes", "corrections")
        while app.connection != "online" or any(w.group in start_up and w.is_running for w in app.workers):
            await asyncio.sleep(0.02)
        await pilot.pause()
        figures = []
        for _ in range(2):
            wall, cpu = time.perf_counter(), time.process_time()
            # The key itself, as the terminal driver sends it (Pilot's press adds its own waits).
            key = events.Key("f7", None)
            key.set_sender(app)
            app._driver.send_message(key)  # type: ignore[union-attr]
            while not (isinstance(app.screen, ArenaScreen) and app.screen.drawn):
                await asyncio.sleep(0.001)
                assert time.perf_counter() - wall < 20, f"no leaderboard after F7 ({app.screen})"
            figures += [time.perf_counter() - wall, time.process_time() - cpu]
            await pilot.pause()
            app.screen.dismiss()
            while isinstance(app.screen, ArenaScreen):
                await asyncio.sleep(0.01)
            await pilot.pause()
        return figures[0], figures[1], figures[2], figures[3]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--votes", type=int, default=10_000)
    parser.add_argument("--turns", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "glmtui.db"
        fill(path, args.votes, args.turns)
        store = Store(path)
        votes = stored_votes(store).votes
        fits, reads = [], []
        for _ in range(args.runs):
            start = time.perf_counter()
            for by_endpoint in (False, True):
                fit(outcomes(votes, by_endpoint)[0])
            fits.append(time.perf_counter() - start)
            forget_fits()
            start = time.perf_counter()
            read_arena(store)
            reads.append(time.perf_counter() - start)
        store.close()
        sim = Simulator(port=0, rate=2000.0).start()
        try:
            opens = [asyncio.run(open_screen(sim.url, path)) for _ in range(args.runs)]
        finally:
            sim.stop()
    print(
        f"{args.votes:,} votes, {args.turns:,} chat turns, {len(MODELS)} models × {len(ENDPOINTS)} endpoints;"
        f" median of {args.runs} (process CPU: every thread)"
    )
    print(f"{'step':<56}{'median ms':>10}{'min–max ms':>14}")

    def line(label: str, values: list[float]) -> None:
        ms = [v * 1000 for v in values]
        print(f"{label:<56}{statistics.median(ms):>10.0f}{f'{min(ms):.0f}–{max(ms):.0f}':>14}")

    line("rating fit alone (both views)", fits)
    line("read_arena: votes + figures + the by-model fit", reads)
    line("F7 → leaderboard drawn, first open: wall", [o[0] for o in opens])
    line("F7 → leaderboard drawn, first open: CPU", [o[1] for o in opens])
    line("F7 → leaderboard drawn, reopened: wall", [o[2] for o in opens])
    line("F7 → leaderboard drawn, reopened: CPU", [o[3] for o in opens])


if __name__ == "__main__":
    main()
