"""The history database's schema, as migrations: `MIGRATIONS[n]` takes a database from version n
(PRAGMA user_version) to n + 1, so an old file is upgraded in place and a new one built step by step."""

from __future__ import annotations

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
)
SCHEMA_VERSION = len(MIGRATIONS)
