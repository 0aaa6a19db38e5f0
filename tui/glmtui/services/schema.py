"""The history database's schema, as migrations: `MIGRATIONS[n]` takes a database from version n
(PRAGMA user_version) to n + 1, so an old file is upgraded in place and a new one built step by step.
A migration is a script of statements; `statements` splits it where SQLite says a statement is complete
(a trigger's body has semicolons of its own)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

# One turn's figures as the usage view reads them (services/usage_stats.py), from the turns row `{row}`
# (NEW in a trigger). A damaged `stats` gives NULL figures instead of failing the write (a trigger that
# raised would refuse the turn itself, and a salvage would skip it): not JSON, and also valid JSON with
# a damaged figure — text ("lots"), a negative count or duration, a zero duration or TTFT. Only
# well-typed numbers in range count, as the leaderboard's read (arena_figures.py) checks `typeof`.
_VALID = "json_valid({row}.stats)"
_TYPED = "json_type({row}.stats, '$.{key}') IN ({types})"
_VALUE = "json_extract({row}.stats, '$.{key}')"
# Nested: SQLite does not promise to stop at a false left side of AND, and json_type raises on text
# that is not JSON.
_FIGURE = f"CASE WHEN {_VALID} THEN CASE WHEN {_TYPED} AND {_VALUE} {{bound}} THEN {_VALUE} END END"
_COUNT = ("'integer'", ">= 0")  # token counts: a whole number, 0 allowed (no thinking, a cached prompt)
_AMOUNT = ("'integer', 'real'", "> 0")  # durations and TTFT: a positive number of ns or seconds
_FIGURES_OF = """
    SELECT {row}.created_at, {row}.id, {row}.model, {row}.model_digest, {row}.endpoint, {row}.status,
        coalesce({timing}, 'exact'), {prompt_eval_count},
        coalesce({eval_count}, coalesce({thinking_tokens}, 0) + coalesce({content_tokens}, 0)),
        {eval_count}, {eval_duration_ns}, {ttft_s}
"""


def _figures_of(row: str) -> str:
    counts = ("prompt_eval_count", "eval_count", "thinking_tokens", "content_tokens")
    amounts = ("eval_duration_ns", "ttft_s")
    figures = {key: _figure(row, key, *_COUNT) for key in counts}
    figures |= {key: _figure(row, key, *_AMOUNT) for key in amounts}
    figures["timing"] = _figure(row, "timing", "'text'", "IN ('exact', 'client')")  # else 'exact'
    return _FIGURES_OF.format(row=row, **figures)


def _figure(row: str, key: str, types: str, bound: str) -> str:
    return _FIGURE.format(row=row, key=key, types=types, bound=bound)


def statements(script: str) -> Iterator[str]:
    """The statements of one migration, each complete (`CREATE TRIGGER … BEGIN …; END` is one)."""
    pending = ""
    for part in script.split(";"):
        pending += part + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \t\n;"):
                yield pending
            pending = ""
    if pending.strip(" \t\n;"):
        yield pending


MIGRATIONS: tuple[str, ...] = (
    # 0 → 1: conversations and turns
    """
    CREATE TABLE conversations (
        id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: a stale id elsewhere must not hit a new chat
        title TEXT NOT NULL,
        model TEXT NOT NULL DEFAULT '',
        system TEXT,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE TABLE turns (
        id INTEGER PRIMARY KEY,
        conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        prompt TEXT NOT NULL,
        reply TEXT NOT NULL DEFAULT '',
        thinking TEXT NOT NULL DEFAULT '',
        model TEXT NOT NULL,
        think TEXT,
        status TEXT NOT NULL,
        error TEXT,
        stats TEXT NOT NULL DEFAULT '{}',
        created_at REAL NOT NULL
    );
    CREATE INDEX turns_by_conversation ON turns(conversation_id, id);
    """,
    # 1 → 2: the model's digest and the options each turn was sent with; A/B runs; settings
    """
    ALTER TABLE turns ADD COLUMN model_digest TEXT NOT NULL DEFAULT '';
    ALTER TABLE turns ADD COLUMN options TEXT NOT NULL DEFAULT '{}';
    CREATE TABLE compare_runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at REAL NOT NULL,
        model_a TEXT NOT NULL,
        model_b TEXT NOT NULL,
        blind INTEGER NOT NULL DEFAULT 0,
        vote TEXT,
        rounds TEXT NOT NULL DEFAULT '[]'
    );
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE INDEX conversations_by_update ON conversations(updated_at DESC);
    """,
    # 2 → 3: measured/estimated VRAM ratios per model digest (core/load_check.py)
    """
    CREATE TABLE fit_corrections (
        digest TEXT PRIMARY KEY,
        model TEXT NOT NULL,
        ratio REAL NOT NULL,
        context INTEGER NOT NULL,
        measured INTEGER NOT NULL,
        measured_at REAL NOT NULL
    );
    """,
    # 3 → 4: the endpoint (its name) of each turn, and of each conversation's last turn (`--continue`)
    """
    ALTER TABLE turns ADD COLUMN endpoint TEXT NOT NULL DEFAULT '';
    ALTER TABLE conversations ADD COLUMN endpoint TEXT NOT NULL DEFAULT '';
    """,
    # 4 → 5: the endpoint of each side of an A/B run (its last round's), for the vote tally
    """
    ALTER TABLE compare_runs ADD COLUMN endpoint_a TEXT NOT NULL DEFAULT '';
    ALTER TABLE compare_runs ADD COLUMN endpoint_b TEXT NOT NULL DEFAULT '';
    """,
    # 5 → 6: bench runs and their cells (services/bench_store.py); each cell keeps the model digest,
    # engine and server version it was measured with, so a later run can be compared with it. The
    # medians are columns (the leaderboard and history read them); the whole cell is JSON beside them.
    """
    CREATE TABLE bench_runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at REAL NOT NULL,
        finished_at REAL,
        status TEXT NOT NULL DEFAULT 'running',
        gpus TEXT NOT NULL DEFAULT '[]',
        glmtui_version TEXT NOT NULL DEFAULT '',
        plan TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE bench_cells (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES bench_runs(id) ON DELETE CASCADE,
        model TEXT NOT NULL,
        model_digest TEXT NOT NULL DEFAULT '',
        endpoint TEXT NOT NULL DEFAULT '',
        engine TEXT NOT NULL DEFAULT '',
        server_version TEXT NOT NULL DEFAULT '',
        prompt_tokens INTEGER NOT NULL,
        gen_tokens INTEGER NOT NULL,
        cold INTEGER NOT NULL DEFAULT 0,
        label TEXT NOT NULL,
        prefill_median REAL,
        decode_median REAL,
        ttft_median REAL,
        memory_bytes INTEGER,
        error TEXT,
        figures TEXT NOT NULL DEFAULT '{}',
        created_at REAL NOT NULL
    );
    CREATE INDEX bench_cells_by_model ON bench_cells(model, prompt_tokens);
    CREATE INDEX bench_cells_by_run ON bench_cells(run_id, id);
    """,
    # 6 → 7: one narrow row of figures per turn for the usage view (services/usage_stats.py), kept by
    # triggers, in time order (WITHOUT ROWID: the key is the table, so a range of days is read alone).
    # Reading the figures out of the stats JSON took 0.1-0.2 s per field per 100,000 turns (json_extract
    # parses the whole text each time, and a long reply's overflow pages are read to reach it): four
    # charts took over a second. Self-contained: the table, its index, its triggers and the backfill of
    # the turns already saved; deleting a turn (or its conversation) deletes its figures.
    """
    CREATE TABLE turn_figures (
        created_at REAL NOT NULL,
        turn_id INTEGER NOT NULL REFERENCES turns(id) ON DELETE CASCADE,
        model TEXT NOT NULL,
        model_digest TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        status TEXT NOT NULL,
        timing TEXT NOT NULL,        -- 'exact' (the server's own durations) or 'client' (timed by glmtui)
        prompt_tokens INTEGER,       -- prompt_eval_count: NULL when the server did not say
        generated_tokens INTEGER,    -- eval_count, else the thinking + content chunks received
        eval_count INTEGER,
        eval_duration_ns INTEGER,
        ttft_s REAL,
        PRIMARY KEY (created_at, turn_id)
    ) WITHOUT ROWID;
    CREATE INDEX turn_figures_by_turn ON turn_figures(turn_id);
    CREATE TRIGGER turn_figures_on_insert AFTER INSERT ON turns BEGIN
        INSERT OR REPLACE INTO turn_figures """
    + _figures_of("NEW")
    + """;
    END;
    CREATE TRIGGER turn_figures_on_update AFTER UPDATE ON turns BEGIN
        DELETE FROM turn_figures WHERE turn_id = OLD.id;
        INSERT OR REPLACE INTO turn_figures """
    + _figures_of("NEW")
    + """;
    END;
    INSERT INTO turn_figures """
    + _figures_of("turns")
    + """ FROM turns;
    """,
    # 7 → 8: indexes for two screens' reads.
    # The leaderboard's votes are read from compare_runs_votes alone (services/arena_store.stored_votes):
    # without it every run's rounds (kilobytes of replies) are paged in to reach the endpoint columns
    # behind them (~100 ms for 10,000 runs; ~10 ms with it). IF NOT EXISTS: the arena's first version
    # made it at read time, so a file may have it already.
    # The usage screen's filter choices (SELECT DISTINCT model, endpoint: every open and re-filter)
    # scan this narrow index instead of the whole figures table: ~10 ms instead of 25-45 ms for
    # 100,000 turns.
    """
    CREATE INDEX IF NOT EXISTS compare_runs_votes
        ON compare_runs(vote, model_a, model_b, endpoint_a, endpoint_b);
    CREATE INDEX turn_figures_by_model ON turn_figures(model, endpoint);
    """,
    # 8 → 9: chat craft (issue 16). Per turn: the preset it was sent with, its images (JSON list of
    # {name, size, data}: base64, so a later turn can send them again), the reply's tool calls (JSON list
    # of {name, arguments, id}), and its branch parent: NULL = an older file's turn, which follows the
    # turn before it by id (the first turn of a conversation is a root); 0 = a root (the first prompt,
    # or an edit of it); n = the turn it follows. Regenerating or editing adds a sibling, never
    # overwrites. Per conversation: the visible branch's last turn (NULL: the newest turn's branch).
    """
    ALTER TABLE turns ADD COLUMN preset TEXT NOT NULL DEFAULT '';
    ALTER TABLE turns ADD COLUMN images TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE turns ADD COLUMN tool_calls TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE turns ADD COLUMN parent_id INTEGER;
    ALTER TABLE conversations ADD COLUMN leaf_turn_id INTEGER;
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
