"""A damaged history database: detected (quick_check, or an error in use), salvaged row by row into a
fresh file, the damaged file moved aside beside it, the user told once, and saving goes on."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from glmtui.core.state import Conversation, Turn, TurnStatus
from glmtui.services.journal import Journal
from glmtui.services.salvage import damage_summary
from glmtui.services.store import Store
from tests.helpers import db_rows
from tests.unit.test_store import finished, save

CONVERSATIONS, TURNS_EACH = 12, 25


def filled(path: Path) -> None:
    """A history big enough that 8 KiB at `index_pages` or `turns_pages` lands inside its tables."""
    store = Store(path)
    for c in range(CONVERSATIONS):
        conv = store.create_conversation(f"conversation {c}", "m", None)
        for t in range(TURNS_EACH):
            save(store, conv, finished(f"prompt {c}.{t} " + "words " * 40))
    store.close()  # checkpoints the WAL: everything is in glmtui.db itself


def turns_pages(path: Path) -> int:
    """The file offset of a run of the turns table's own pages, past its root. (Found with `dbstat`,
    not written down: each table a migration adds moves them.)"""
    with closing(sqlite3.connect(path)) as db:
        size = db.execute("PRAGMA page_size").fetchone()[0]
        pages = [
            row[0] for row in db.execute("SELECT pageno FROM dbstat WHERE name = 'turns' ORDER BY pageno")
        ]
    run = next(page for page in pages[1:] if page + 8 in pages)  # 8 of its pages in a row from there
    return (run - 1) * size


def index_pages(path: Path) -> int:
    """The file offset of the turns' index (turns_by_conversation): damage there loses no row."""
    with closing(sqlite3.connect(path)) as db:
        size = db.execute("PRAGMA page_size").fetchone()[0]
        first = db.execute("SELECT min(pageno) FROM dbstat WHERE name = 'turns_by_conversation'").fetchone()[
            0
        ]
    return int((first - 1) * size)


def damage(path: Path, offset: int, size: int = 8192) -> None:
    data = bytearray(path.read_bytes())
    assert len(data) > offset + size * 4
    data[offset : offset + size] = bytes((i * 37 + 11) % 256 for i in range(size))
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("where", ["index", "turns"])  # an index's pages; turns' own pages
def test_quick_check_finds_the_damage_and_salvage_keeps_what_reads(tmp_path: Path, where: str) -> None:
    path = tmp_path / "glmtui.db"
    filled(path)
    offset = index_pages(path) if where == "index" else turns_pages(path)
    damage(path, offset)
    damaged = path.read_bytes()
    store = Store(path)  # the header and schema read fine: opening alone does not notice
    problem = store.check()
    assert problem is not None
    notice = store.salvage(problem)
    assert "Recovered" in notice and "moved to" in notice
    (aside,) = tmp_path.glob("glmtui.db.unreadable-*[0-9]")
    assert aside.read_bytes()[:4096] == damaged[:4096]  # kept, never deleted
    assert store.check() is None
    conversations = store.conversations()
    turns = sum(row.turns for row in conversations)
    assert 0 < turns <= CONVERSATIONS * TURNS_EACH and conversations
    if where == "turns":
        assert turns < CONVERSATIONS * TURNS_EACH  # rows on the damaged pages are skipped, not fatal
    assert f"{len(conversations)} conversation(s) and {turns} turn(s)" in notice
    # Saving goes on in the fresh file, and never reuses an id that was lost.
    new = store.create_conversation("after", "m", None)
    assert new > CONVERSATIONS
    turn_id = save(store, new, finished("a new turn"))
    assert store.load(new).turns[0].id == turn_id
    assert db_rows(path, "SELECT COUNT(*) FROM turns WHERE prompt = 'a new turn'")[0][0] == 1


def test_the_journal_checks_after_start_salvages_once_and_keeps_saving(tmp_path: Path) -> None:
    path = tmp_path / "glmtui.db"
    filled(path)
    damage(path, index_pages(path))
    told: list[str] = []

    async def flow() -> None:
        journal = Journal(Store(path), told.append)
        await journal.check()
        assert journal.enabled and len(told) == 1 and "Recovered" in told[0]
        rows = await journal.conversations()
        assert rows and "No saved" not in told[0]
        conversation = Conversation()
        turn = Turn(prompt="after the salvage", model="m")
        await journal.turn_started(conversation, turn)
        turn.reply, turn.status = "saved", TurnStatus.DONE
        await journal.turn_ended(turn)
        assert (await journal.load(conversation.id or 0)).turns[0].reply == "saved"  # type: ignore[union-attr]
        await journal.check()  # sound now: nothing more to say
        assert len(told) == 1
        journal.close()

    asyncio.run(flow())
    assert len(list(tmp_path.glob("glmtui.db.unreadable-*[0-9]"))) == 1


def test_damage_met_in_use_is_salvaged_and_the_write_retried(tmp_path: Path) -> None:
    path = tmp_path / "glmtui.db"
    filled(path)
    told: list[str] = []

    async def flow() -> None:
        damage(path, offset=turns_pages(path))
        journal = Journal(Store(path), told.append)  # no check(): the damage is met in use
        conversation = Conversation()
        turn = Turn(prompt="written into damage", model="m")
        await journal.conversations("nowhere in any turn")  # reads every turn: meets the damage
        await journal.turn_started(conversation, turn)
        assert journal.enabled and any("Recovered" in line for line in told), told
        assert conversation.id is not None and turn.id is not None
        journal.close()

    asyncio.run(flow())
    assert db_rows(path, "SELECT COUNT(*) FROM turns WHERE prompt = 'written into damage'")[0][0] >= 1


def test_a_file_damaged_where_the_schema_lives_is_salvaged_at_open(tmp_path: Path) -> None:
    path = tmp_path / "glmtui.db"
    filled(path)
    damage(path, offset=0, size=4096)  # page 1: the header and the schema
    store = Store(path)
    assert store.notice is not None and "moved to" in store.notice
    assert store.create_conversation("fresh", "m", None) >= 1
    assert len(list(tmp_path.glob("glmtui.db.unreadable-*[0-9]"))) == 1
    assert not list(tmp_path.glob("*.salvaging*"))


def test_a_salvage_copies_rows_and_adopts_orphan_turns(tmp_path: Path) -> None:
    path = tmp_path / "glmtui.db"
    filled(path)
    with sqlite3.connect(path) as db:  # a conversation row lost, its turns not
        db.execute("PRAGMA foreign_keys = OFF")
        db.execute("DELETE FROM conversations WHERE id = 3")
    store = Store(path)
    store.salvage("test")
    titles = {row.title for row in store.conversations()}
    assert "Recovered conversation 3" in titles and len(titles) == CONVERSATIONS


def test_the_notice_is_one_short_sentence_and_the_raw_detail_kept_beside_the_file(tmp_path: Path) -> None:
    path = tmp_path / "glmtui.db"
    filled(path)
    damage(
        path, offset=turns_pages(path), size=4 * 8192
    )  # pages overwritten: quick_check lists them, verbosely
    store = Store(path)
    problem = store.check()
    assert problem is not None
    told: list[str] = []

    async def flow() -> None:
        journal = Journal(store, told.append)
        await journal.check()
        journal.close()

    asyncio.run(flow())
    (notice,) = told
    assert notice.startswith("The history file was damaged (SQLite's integrity check failed). Recovered ")
    assert "***" not in notice and "Page" not in notice and "\n" not in notice and len(notice) < 300
    (aside,) = tmp_path.glob("glmtui.db.unreadable-*[0-9]")
    reason = aside.with_name(aside.name + ".reason.txt").read_text(encoding="utf-8")
    assert "Page" in reason or "***" in reason  # SQLite's own rows, for whoever looks into the file
    # SQLite's one-line errors are already a sentence; quick_check's rows never reach a message.
    assert damage_summary("database disk image is malformed") == "SQLite: database disk image is malformed"
    assert damage_summary("*** in database main ***\nPage 4: btreeInitPage() returns error code 11") == (
        "SQLite's integrity check failed"
    )
