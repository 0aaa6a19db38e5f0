"""The SQLite store: migrations, saving turns in every ending, recovery, bad files, two instances."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

import pytest

from glmtui.core.state import GenerationStats, Turn, TurnStatus
from glmtui.services.schema import MIGRATIONS, SCHEMA_VERSION
from glmtui.services.store import Store, StoreError
from tests.helpers import db_rows


def finished(prompt: str, status: TurnStatus = TurnStatus.DONE, **kw: object) -> Turn:
    turn = Turn(prompt=prompt, model="glm-4.7-flash:latest", think="on")
    turn.reply, turn.thinking, turn.status = f"reply to {prompt}", "hmm", status
    turn.stats = GenerationStats(ttft_s=0.2, eval_count=10, eval_duration_ns=10**9, thinking_tokens=3)
    for key, value in kw.items():
        setattr(turn, key, value)
    return turn


def save(store: Store, conversation: int, turn: Turn) -> int:
    turn_id = store.start_turn(conversation, turn, digest="abc123", options={"temperature": 0.2})
    store.finish_turn(turn_id, turn)
    return turn_id


def test_turns_are_saved_done_stopped_and_failed_with_their_figures(tmp_path: Path) -> None:
    store = Store(tmp_path / "glmtui.db")
    conv = store.create_conversation("Rust search", "glm-4.7-flash:latest", "be terse")
    save(store, conv, finished("one"))
    save(store, conv, finished("two", TurnStatus.STOPPED, reply="partial"))
    save(store, conv, finished("three", TurnStatus.FAILED, reply="half", error="The connection dropped"))
    loaded = store.load(conv)
    assert loaded.title == "Rust search" and loaded.system == "be terse" and loaded.id == conv
    assert [t.status for t in loaded.turns] == [TurnStatus.DONE, TurnStatus.STOPPED, TurnStatus.FAILED]
    assert loaded.turns[0].stats.eval_rate == 10.0 and loaded.turns[0].thinking == "hmm"
    assert loaded.turns[1].reply == "partial" and loaded.turns[2].error == "The connection dropped"
    row = db_rows(store.path, "SELECT model_digest, options FROM turns LIMIT 1")[0]
    assert tuple(row) == ("abc123", '{"temperature": 0.2}')
    assert loaded.messages_for("four")[-2] == {"role": "assistant", "content": "half"}


def test_a_prompt_survives_a_kill_mid_reply(tmp_path: Path) -> None:
    path = tmp_path / "glmtui.db"
    store = Store(path)
    conv = store.create_conversation("t", "m", None)
    store.start_turn(conv, Turn(prompt="the prompt I typed", model="m"))
    del store  # no finish_turn: the process died
    again = Store(path)
    (turn,) = again.load(conv).turns
    assert turn.prompt == "the prompt I typed" and turn.status is TurnStatus.STOPPED
    assert turn.error == "glmtui closed before the reply finished"


def test_an_old_schema_is_migrated_in_place(tmp_path: Path) -> None:
    path = tmp_path / "glmtui.db"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0] + "; PRAGMA user_version = 1;")
    db.execute("INSERT INTO conversations (title, model, created_at, updated_at) VALUES ('old', 'm', 1, 1)")
    db.execute(
        "INSERT INTO turns (conversation_id, prompt, reply, model, status, created_at) "
        "VALUES (1, 'hi', 'hello', 'm', 'done', 1)"
    )
    db.commit()
    db.close()
    store = Store(path)
    assert db_rows(path, "PRAGMA user_version")[0][0] == SCHEMA_VERSION
    (turn,) = store.load(1).turns
    assert (turn.prompt, turn.reply, turn.status) == ("hi", "hello", TurnStatus.DONE)
    assert db_rows(path, "SELECT model_digest FROM turns")[0][0] == ""
    assert db_rows(path, "PRAGMA journal_mode")[0][0] == "wal"


@pytest.mark.parametrize("content", [b"this is not sqlite at all" * 100, "foreign"])
def test_a_corrupt_or_foreign_file_is_moved_aside_never_deleted(tmp_path: Path, content: bytes | str) -> None:
    path = tmp_path / "glmtui.db"
    if content == "foreign":
        db = sqlite3.connect(path)
        db.execute("CREATE TABLE invoices (id INTEGER)")
        db.commit()
        db.close()
    else:
        path.write_bytes(content)  # type: ignore[arg-type]
    original = path.read_bytes()
    store = Store(path)
    assert store.notice is not None and "moved to" in store.notice
    (aside,) = tmp_path.glob("glmtui.db.unreadable-*[0-9]")
    assert aside.read_bytes() == original
    assert store.create_conversation("fresh", "m", None) == 1


def test_two_instances_share_the_database(tmp_path: Path) -> None:
    path = tmp_path / "glmtui.db"
    first, second = Store(path), Store(path)
    conv_a = first.create_conversation("a", "m", None)
    conv_b = second.create_conversation("b", "m", None)

    def write(store: Store, conv: int) -> None:
        for i in range(40):
            save(store, conv, finished(f"p{i}"))

    threads = [threading.Thread(target=write, args=(s, c)) for s, c in ((first, conv_a), (second, conv_b))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(first.load(conv_b).turns) == 40 and len(second.load(conv_a).turns) == 40


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_a_read_only_folder_is_a_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(StoreError, match="cannot open the history database"):
            Store(folder / "glmtui.db")
    finally:
        folder.chmod(0o700)


def test_list_search_rename_delete_settings_and_votes(tmp_path: Path) -> None:
    store = Store(tmp_path / "glmtui.db")
    one = store.create_conversation("Binary search", "m", None)
    two = store.create_conversation("Borrow checker", "m", None)
    save(store, two, finished("lifetimes please"))
    rows = store.conversations()
    assert [r.id for r in rows] == [two, one] and rows[0].turns == 1
    assert [r.id for r in store.conversations("LIFETIMES")] == [two]  # prompts count too
    assert [r.id for r in store.conversations("binary")] == [one]
    store.rename(one, "Search, renamed")
    assert store.load(one).title == "Search, renamed"
    store.delete(two)
    assert [r.id for r in store.conversations()] == [one] and store.last_conversation_id() == one
    assert db_rows(store.path, "SELECT COUNT(*) FROM turns")[0][0] == 0  # cascade
    store.set_setting("theme", "glmtui-light")
    store.set_setting("theme", "glmtui-ansi")
    assert store.get_setting("theme") == "glmtui-ansi" and store.get_setting("nope") is None
    run = store.save_compare_run(
        None, model_a="q4", model_b="q8", blind=True, vote=None, rounds=[{}], created_at=1
    )
    assert store.votes() == []
    store.save_compare_run(
        run, model_a="q4", model_b="q8", blind=True, vote="b", rounds=[{}, {}], created_at=1
    )
    assert store.votes() == [("q4", "q8", "b", 2, "", "")]  # saved without endpoints
    store.save_compare_run(
        run,
        model_a="q4",
        model_b="q8",
        blind=True,
        vote="b",
        rounds=[{}, {}],
        created_at=1,
        endpoint_a="desk",
        endpoint_b="node1",
    )
    assert store.votes() == [("q4", "q8", "b", 2, "desk", "node1")]


def test_a_data_folder_that_cannot_be_made_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file where the folder should be")
    with pytest.raises(StoreError, match="cannot open the history database"):
        Store(tmp_path / "taken" / "glmtui.db")


def test_search_takes_percent_and_underscore_literally(tmp_path: Path) -> None:
    store = Store(tmp_path / "glmtui.db")
    snake = store.create_conversation("rename snake_case fields", "m", None)
    store.create_conversation("snakecase", "m", None)
    store.create_conversation("100% done", "m", None)
    assert [r.id for r in store.conversations("snake_case")] == [snake]
    assert [r.title for r in store.conversations("%")] == ["100% done"]
    assert store.load(999) is None  # gone (another instance deleted it): None, not an exception


def test_instances_starting_together_on_a_new_file_migrate_it_once(tmp_path: Path) -> None:
    path = tmp_path / "glmtui.db"
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            Store(path).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    Store(path).close()
    assert db_rows(path, "PRAGMA user_version")[0][0] == SCHEMA_VERSION


def test_a_newer_schema_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "glmtui.db"
    Store(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="newer glmtui"):
        Store(path)
    assert path.exists() and not list(tmp_path.glob("*.unreadable-*"))


def test_a_turns_preset_options_images_and_tool_calls_round_trip_and_damage_costs_only_them(
    tmp_path: Path,
) -> None:
    from glmtui.core.state import ImageAttachment, ToolCall

    store = Store(tmp_path / "glmtui.db")
    conv = store.create_conversation("craft", "m", None)
    image = ImageAttachment(name="cat.png", size=3, data="AAEC")
    turn = finished("look", options={"temperature": 0.7}, preset="GLM coding", images=(image,))
    turn.tool_calls = (ToolCall(name="get_weather", arguments='{"city": "Paris"}', id="call_1"),)
    turn_id = store.start_turn(conv, turn)
    store.finish_turn(turn_id, turn)
    (loaded,) = store.load(conv).turns
    assert (loaded.options, loaded.preset, loaded.images) == ({"temperature": 0.7}, "GLM coding", (image,))
    assert loaded.tool_calls == turn.tool_calls
    assert store.load(conv).messages_for("next")[0]["images"] == ["AAEC"]
    with store.transaction() as db:  # damage each column a different way
        db.execute("UPDATE turns SET options = '[1]', images = 'not json', tool_calls = '[{\"name\": 3}, 7]'")
    (damaged,) = store.load(conv).turns
    assert (damaged.options, damaged.images, damaged.tool_calls) == ({}, (), ())
    assert damaged.reply == "reply to look"
