"""JSON nested past the decoder's recursion limit, wherever glmtui decodes text it did not write.

`"[" * 3000` is valid JSON's start (a model stuck repeating one character, a damaged file, a hostile
server): `json.loads` raises RecursionError, not ValueError, so every `except ValueError` let it through.
The hostile tool-call tests (test_hostile_16_thinktools.py) found it in the tool-call view; these cover
the same failure in the wire parsing, the store's JSON columns and the other decoders.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from glmtui.core.presets import modelfile_parameters
from glmtui.core.state import Turn, TurnStatus
from glmtui.core.stats import LiveStats
from glmtui.core.tool_calls import arguments_text
from glmtui.services.engines.base import ContentDelta
from glmtui.services.engines.ollama import OllamaService
from glmtui.services.engines.probe import probe
from glmtui.services.prompt_sets import PromptSetError, parse_prompts
from glmtui.services.store import Store
from tests.helpers import ask
from tests.unit.test_engine_hardening import Canned, chunk, ndjson, ollama_line, run_chat, sse

DEEP = "[" * 3000 + "]" * 3000


def test_arguments_nested_too_deep_to_encode_are_still_text() -> None:
    deep: list[object] = []
    for _ in range(5000):
        deep = [deep]
    assert isinstance(arguments_text({"a": deep}), str)


async def test_a_deeply_nested_line_in_an_ollama_stream_is_a_readable_error_not_an_internal_one() -> None:
    line = ndjson(ollama_line("kept "))
    route = (200, line[1], line[2] + b'{"message": ' + DEEP.encode() + b"}\n")
    with Canned({"/api/chat": route}) as url:
        engine = OllamaService(url)
        texts: list[str] = []
        try:
            with pytest.raises(Exception) as raised:
                async for event in engine.chat("m", ask("hi"), think=None, live=LiveStats()):
                    if isinstance(event, ContentDelta):
                        texts.append(event.text)
        finally:
            await engine.close()
    assert texts == ["kept "]  # the partial reply stays
    assert getattr(raised.value, "kind", None) == "bad-stream", raised.value


async def test_a_deeply_nested_chunk_in_an_openai_stream_is_not_an_internal_error() -> None:
    texts, _stats, error = await run_chat(sse(chunk("kept "), DEEP, chunk(finish="stop")))
    assert texts[:1] == ["kept "]
    assert error is None or error.kind != "internal", error


async def test_a_deeply_nested_version_answer_is_not_an_internal_error() -> None:
    with Canned({"/api/version": (200, "application/json", DEEP.encode())}) as url:
        engine = OllamaService(url)
        try:
            with pytest.raises(Exception) as raised:
                await engine.version()
        finally:
            await engine.close()
        found = await probe(url)  # the endpoint probe reads the same answer
    assert getattr(raised.value, "kind", "internal") != "internal", raised.value
    assert found.kind != "ollama"


def test_deeply_nested_json_columns_read_as_damaged_not_raised(tmp_path: Path) -> None:
    path = tmp_path / "glmtui.db"
    store = Store(path)
    conversation_id = store.create_conversation("deep", "m", None)
    turn = Turn("q", "m", reply="a", status=TurnStatus.DONE)
    turn.id = store.start_turn(conversation_id, turn)
    store.finish_turn(turn.id, turn)
    store.close()
    with sqlite3.connect(path) as db:  # damaged by another program, or a disk fault
        db.execute(
            "UPDATE turns SET stats = ?, options = ?, images = ?, tool_calls = ?", (DEEP, DEEP, DEEP, DEEP)
        )
    saved = Store(path).load(conversation_id)
    assert saved is not None
    [loaded] = saved.turns
    assert loaded.reply == "a" and loaded.options == {} and loaded.tool_calls == () and loaded.images == ()


def test_a_deeply_nested_modelfile_parameter_is_kept_as_text() -> None:
    assert modelfile_parameters(f"mirostat_x {DEEP}") == {"mirostat_x": DEEP}


def test_a_deeply_nested_prompt_set_line_is_a_clear_error() -> None:
    with pytest.raises(PromptSetError, match="line 2"):
        parse_prompts(f'"first"\n{DEEP}\n', jsonl=True)
