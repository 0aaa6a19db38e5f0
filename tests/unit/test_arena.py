"""The arena's services: prompt-set files, the stored votes and runs, the figures beside each rating."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from glmtui.core.load_check import Correction
from glmtui.core.state import TurnStatus
from glmtui.services.arena import forget_fits, read_arena
from glmtui.services.arena_figures import CLIENT, EXACT, Speed, model_figures
from glmtui.services.arena_store import load_run, past_runs, stored_votes
from glmtui.services.prompt_sets import PromptSetError, parse_prompts, read_prompt_set
from glmtui.services.schema import MIGRATIONS, SCHEMA_VERSION, statements
from glmtui.services.store import Store
from tests.helpers import db_rows, seed_arena

VOTES_INDEX_STEP = 7  # MIGRATIONS[7] (7 → 8) makes the votes index; later steps came after it

# -- prompt sets ------------------------------------------------------------------------------------


def test_plain_text_prompts_are_separated_by_a_dashes_line() -> None:
    text = "Write a binary search in Rust\n---\n\n  Explain lifetimes.\nTwo lines.  \n\n ---  \n---\nLast"
    assert parse_prompts(text, jsonl=False) == [
        "Write a binary search in Rust",
        "Explain lifetimes.\nTwo lines.",
        "Last",
    ]
    assert parse_prompts("just one prompt\n", jsonl=False) == ["just one prompt"]
    assert parse_prompts("a\n----\nb", jsonl=False) == ["a\n----\nb"]  # only exactly three dashes


def test_jsonl_prompts_are_one_json_string_per_line() -> None:
    text = '"first"\n\n"second\\nwith a newline"\n'
    assert parse_prompts(text, jsonl=True) == ["first", "second\nwith a newline"]


@pytest.mark.parametrize(
    ("text", "jsonl", "says"),
    [
        ("", False, "no prompts"),
        ("---\n  \n---", False, "no prompts"),
        ('"ok"\n{"prompt": 1}', True, "line 2 is JSON dict, not a string"),
        ('"ok"\nnot json', True, "line 2 is not JSON"),
    ],
)
def test_a_bad_prompt_set_says_why(text: str, jsonl: bool, says: str) -> None:
    with pytest.raises(PromptSetError, match=says):
        parse_prompts(text, jsonl)


def test_reading_a_prompt_set_file_and_its_failures(tmp_path: Path) -> None:
    good = tmp_path / "set.jsonl"
    good.write_text('"one"\n"two"\n', encoding="utf-8")
    loaded = read_prompt_set(good)
    assert (loaded.name, loaded.prompts) == ("set.jsonl", ("one", "two"))
    (tmp_path / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    for path, says in [
        (tmp_path / "missing.txt", "no such file"),
        (tmp_path, "is a folder"),
        (tmp_path / "latin1.txt", "not UTF-8"),
    ]:
        with pytest.raises(PromptSetError, match=says):
            read_prompt_set(path)


# -- stored votes and runs -----------------------------------------------------------------------------


def test_stored_votes_leave_out_unknown_values_and_past_runs_flag_damaged_rounds(tmp_path: Path) -> None:
    store = Store(tmp_path / "glmtui.db")
    ids = seed_arena(store)
    stored = stored_votes(store)
    assert stored.unknown == 1  # the "maybe" vote another version wrote
    assert sum(count for _, count in stored.votes) == 6 and {v.vote for v, _ in stored.votes} <= {
        "a",
        "b",
        "tie",
    }
    runs = past_runs(store)
    assert [r.id for r in runs] == sorted(ids.values(), reverse=True)
    by_id = {r.id: r for r in runs}
    assert by_id[ids["damaged"]].rounds is None and by_id[ids["damaged"]].vote == "a"
    assert by_id[ids["hidden"]].hidden and by_id[ids["hidden"]].rounds == 1
    assert by_id[ids["unknown"]].vote == "maybe"


def test_a_stored_run_reopens_with_its_rounds_or_says_why_not(tmp_path: Path) -> None:
    store = Store(tmp_path / "glmtui.db")
    ids = seed_arena(store)
    hidden = load_run(store, ids["hidden"])
    assert hidden.run is not None and hidden.run.blind and hidden.run.vote is None and not hidden.run.revealed
    (round_,) = hidden.run.rounds
    assert round_.a is not None and round_.a.status is TurnStatus.DONE and round_.a.reply.startswith("reply")
    assert round_.b is not None and round_.b.stats.eval_count == 100 and round_.endpoint_b == "node1"
    assert round_.sent and round_.ended and round_.complete
    assert hidden.run.id == ids["hidden"]
    assert "damaged" in load_run(store, ids["damaged"]).problem
    assert "another glmtui version" in load_run(store, ids["unknown"]).problem
    assert "no longer" in load_run(store, 10_000).problem


def test_the_leaderboard_rates_by_model_and_by_endpoint_with_figures_beside(tmp_path: Path) -> None:
    store = Store(tmp_path / "glmtui.db")
    seed_arena(store)
    arena = read_arena(store)
    assert arena.votes == 6 and arena.unknown == 1 and arena.self_votes == 0
    names = [row.name for row in arena.by_model]
    assert names[0] == "glm-4.7-flash:q8_0"  # 3 wins, 1 tie, no loss
    assert {row.name for row in arena.by_endpoint} >= {"desk · glm-4.7-flash:q4_K_M", "node1 · glm-4.7-flash"}
    top = arena.by_model[0]
    assert (top.rating.wins, top.rating.ties, top.rating.losses) == (3, 1, 0)
    assert top.rank == 1 and top.rating.low < top.rating.rating < top.rating.high
    q4 = next(row for row in arena.by_model if row.name == "glm-4.7-flash:q4_K_M")
    assert q4.speed == Speed(40.0, 3, EXACT)  # the median of 30, 40, 50 tok/s from the chat history
    assert q4.memory is not None and q4.memory.bytes == 20 * 2**30 and q4.memory.context == 8192
    node = next(row for row in arena.by_endpoint if row.name == "node1 · glm-4.7-flash")
    assert node.speed is not None and node.speed.label == CLIENT
    assert node.memory is None  # /api/ps is Ollama's: never shown for a vLLM node


def test_figures_skip_unfinished_and_damaged_turns(tmp_path: Path) -> None:
    store = Store(tmp_path / "glmtui.db")
    seed_arena(store)
    conv = store.create_conversation("t", "m", None)
    with store.transaction() as db:
        for stats, status in [("{not json", "done"), (json.dumps({"eval_count": 5}), "done")]:
            db.execute(
                "INSERT INTO turns (conversation_id, prompt, model, status, stats, created_at, endpoint)"
                " VALUES (?, 'p', 'broken:latest', ?, ?, 0, 'desk')",
                (conv, status, stats),
            )
    book = model_figures(store)
    assert book.speed("broken") is None
    assert db_rows(store.path, "SELECT COUNT(*) FROM turns WHERE model = 'broken:latest'")[0][0] == 2


def test_an_empty_store_has_an_empty_board(tmp_path: Path) -> None:
    store = Store(tmp_path / "glmtui.db")
    arena = read_arena(store)
    assert (arena.by_model, arena.by_endpoint, arena.votes) == ([], [], 0)
    store.save_correction(Correction("sha", "glm-4.7-flash:q4_K_M", 1.0, 4096, 10, 1.0))
    assert read_arena(store).by_model == []


def test_bench_figures_replace_the_history_s_beside_a_rating(tmp_path: Path) -> None:
    """The leaderboard shows the bench's figure where one exists: the newest run's cell at its
    shortest prompt (closest to a chat turn), its label and its /api/ps size; chat history elsewhere."""
    from tests.snapshots.test_bench_snapshots import Q4, seed

    path = tmp_path / "glmtui.db"
    seed(path)  # two runs of q4_K_M and q8_0 on desk at 512/4k/16k; the newer is 4 % faster for q8_0
    store = Store(path)
    try:
        book = model_figures(store)
    finally:
        store.close()
    speed = book.speed(Q4, "desk")
    assert speed is not None and speed.tps == pytest.approx(120.0)  # newest run, 512-token cell
    assert speed.label == EXACT and speed.source == "bench, 512-token prompt" and speed.runs == 3
    q8 = book.speed("glm-4.7-flash:q8_0")
    assert q8 is not None and q8.tps == pytest.approx(90.0)  # not the older run's 86.5
    memory = book.memory(Q4, "desk")
    assert memory is not None and memory.source == "bench, /api/ps"
    assert memory.bytes == int((19.0 + 512 / 8192) * 2**30)
    assert book.memory(Q4) == memory  # the per-model view too
    assert book.speed("glm-4.7-flash:q8_0", "node1") is None  # the skipped cell gives nothing


def test_the_board_is_fitted_once_per_set_of_votes_and_the_endpoint_view_when_asked(tmp_path: Path) -> None:
    store = Store(tmp_path / "glmtui.db")
    seed_arena(store)
    forget_fits()
    arena = read_arena(store)
    assert arena.fitted(False) and not arena.fitted(True)  # the second view waits until it is wanted
    assert arena.by_endpoint and arena.fitted(True)
    again = read_arena(store)  # a reopen over the same votes: the kept fit, the figures read afresh
    assert again.by_model[0].rating is arena.by_model[0].rating
    with store.transaction() as db:  # one more vote: fitted again
        db.execute(
            "INSERT INTO compare_runs (created_at, model_a, model_b, blind, vote, rounds) VALUES"
            " (1, 'glm-4.7-flash:q8_0', 'glm-4.7-flash:q4_K_M', 1, 'b', '[]')"
        )
    after = read_arena(store)
    top = next(row for row in after.by_model if row.name == "glm-4.7-flash:q8_0")
    assert top.rating is not arena.by_model[0].rating and top.rating.losses == 1 and after.votes == 7


def test_the_votes_index_comes_from_a_migration_and_a_read_never_writes(tmp_path: Path) -> None:
    path = tmp_path / "glmtui.db"
    index = "SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'compare_runs_votes'"
    store = Store(path)
    assert db_rows(path, index) == [("compare_runs_votes",)]  # made with the schema, before any read
    seed_arena(store)
    with sqlite3.connect(path) as db:  # a file whose index is gone: the read goes on without it…
        db.execute("DROP INDEX compare_runs_votes")
    assert stored_votes(store).unknown == 1
    assert db_rows(path, index) == []  # …and does not make it (a read never writes)
    # A file at the previous version that has the index already (the arena's first version made it
    # at read time) is upgraded all the same.
    old = tmp_path / "old.db"
    with sqlite3.connect(old) as db:
        for script in MIGRATIONS[:VOTES_INDEX_STEP]:
            for statement in statements(script):
                db.execute(statement)
        columns = "vote, model_a, model_b, endpoint_a, endpoint_b"
        db.execute(f"CREATE INDEX compare_runs_votes ON compare_runs({columns})")
        db.execute(f"PRAGMA user_version = {VOTES_INDEX_STEP}")
    Store(old)
    assert db_rows(old, "PRAGMA user_version")[0][0] == SCHEMA_VERSION
    assert db_rows(old, index) == [("compare_runs_votes",)]
