"""A conversation across engines: an Ollama simulator ("desk") and a vLLM-flavoured OpenAI simulator
("node1"), as `glmtui --demo` runs them. The chat moves desk → node1 → desk and the whole history goes
along each time (read in each simulator's request log); node1's turn is client-timed and says so; each
turn records its endpoint; node1 down while desk works; node1 behind an API key, with and without the
variable that holds it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from glmtui.core.endpoints import Endpoint
from glmtui.core.state import CLIENT_TIMED, EXACT, MonitorIntervals, TurnStatus
from glmtui.paths import db_path
from glmtui.simulator import OpenAISimulator, Simulator
from glmtui.widgets.header import AppHeader
from glmtui.widgets.monitor.engine_panel import EnginePanel
from glmtui.widgets.monitor.ollama_panel import OllamaPanel
from tests.helpers import (
    chat_requests,
    db_rows,
    finished,
    make_app,
    pane,
    panel_text,
    ready,
    screen_text,
    send,
    wait_until,
)

GLM = "glm-4.7-flash:latest"  # desk's (Ollama's name)
SERVED = "glm-4.7-flash"  # node1's (vLLM's --served-model-name)
KEY_VAR = "GLMTUI_TEST_NODE1_KEY"
FAST_ENGINE = MonitorIntervals(gpu_s=0.5, system_s=0.5, ollama_s=0.5, engine_s=0.2)


@pytest.fixture
def node1() -> Iterator[OpenAISimulator]:
    simulator = OpenAISimulator("vllm", rate=2000.0, spec_decode=True).start()
    try:
        yield simulator
    finally:
        simulator.stop()


def endpoints(desk: Simulator, node1: OpenAISimulator, key_env: str | None = None) -> tuple[Endpoint, ...]:
    return (Endpoint("desk", desk.url, "ollama"), Endpoint("node1", node1.url, "openai", key_env))


def openai_requests(sim: OpenAISimulator) -> list[dict[str, Any]]:
    return [body for method, path, body in sim.requests if path == "/v1/chat/completions"]


def contents(request: dict[str, Any]) -> list[str]:
    return [message["content"] for message in request["messages"]]


def header_text(app: Any) -> str:
    return str(app.screen.query_one(AppHeader).render())


def states(app: Any) -> dict[str, str]:
    return {status.name: status.state for status in app.endpoint_statuses}


def flat(app: Any) -> str:
    return " ".join(screen_text(app).split())


async def test_the_chat_moves_from_ollama_to_vllm_and_back_with_its_whole_history(
    sim: Simulator, node1: OpenAISimulator
) -> None:
    app = make_app(sim.url, model=GLM, endpoints=endpoints(sim, node1), monitor_intervals=FAST_ENGINE)
    async with app.run_test(size=(160, 45)) as pilot:
        await ready(app)
        first = await finished(await send(pilot, "first, on the desk"))
        assert first.status is TurnStatus.DONE and first.endpoint == "desk"
        assert first.stats.timing == EXACT  # Ollama's own durations
        await wait_until(lambda: states(app)["node1"] == "online", what="node1 online")

        await app.switch_model(SERVED, "node1")
        await ready(app)
        assert app.endpoint == "node1" and app.service.kind == "openai"
        second = await finished(await send(pilot, "second, on node1"))
        assert second.status is TurnStatus.DONE and second.endpoint == "node1" and second.reply
        sent = openai_requests(node1)
        assert len(sent) == 1 and sent[0]["model"] == SERVED
        # The whole history went along: the desk's prompt and reply, then the new prompt.
        assert contents(sent[0]) == ["first, on the desk", first.reply, "second, on node1"]
        # No server durations: glmtui timed it, and says so where the figures are shown.
        assert second.stats.timing == CLIENT_TIMED and second.stats.content_tokens > 0
        await wait_until(lambda: "(client-timed)" in flat(app), what="the client-timed label")
        # The sidebar follows: node1's engine panel with figures, and no Ollama panel (no /api/ps there).
        engine = app.screen.query_one(EnginePanel)
        await wait_until(lambda: engine.display and "running" in panel_text(engine), what="the engine panel")
        assert "vLLM" in panel_text(engine) and "node1" in panel_text(engine)
        await wait_until(lambda: "spec accept" in panel_text(engine), what="MTP's acceptance")
        assert not app.screen.query_one(OllamaPanel).display

        await app.switch_model(GLM, "desk")
        await ready(app)
        before = len(chat_requests(sim))
        third = await finished(await send(pilot, "third, back on the desk"))
        assert third.status is TurnStatus.DONE and third.endpoint == "desk"
        assert third.stats.timing == EXACT
        back = chat_requests(sim)[before:]
        assert len(back) == 1
        assert contents(back[0]) == [
            "first, on the desk",
            first.reply,
            "second, on node1",
            second.reply,
            "third, back on the desk",
        ]
        assert app.screen.query_one(OllamaPanel).display  # Ollama's panel again, for desk
        assert len(openai_requests(node1)) == 1  # node1 was asked nothing more
        conversation = pane(app).conversation.id
        await wait_until(
            lambda: len(db_rows(db_path(), "SELECT id FROM turns WHERE status = 'done'")) == 3,
            what="the three turns saved",
        )
        rows = db_rows(
            db_path(), "SELECT endpoint FROM turns WHERE conversation_id = ? ORDER BY id", (conversation,)
        )
        assert [row[0] for row in rows] == ["desk", "node1", "desk"]


async def test_the_context_window_on_vllm_is_its_max_model_len(
    sim: Simulator, node1: OpenAISimulator
) -> None:
    """The status bar's `ctx N / max`: vLLM serves every request at `max_model_len` (no Ollama rules)."""
    node1.max_model_len = 65536
    app = make_app(sim.url, model=GLM, endpoints=endpoints(sim, node1))
    async with app.run_test(size=(160, 45)) as pilot:
        await ready(app)
        await app.switch_model(SERVED, "node1")
        await ready(app)
        await finished(await send(pilot, "how big is the window?"))
        assert await app.expected_context(SERVED) == 65536
        await wait_until(lambda: "/ 64k" in flat(app), what="ctx N / 64k (65,536 tokens)")


async def test_vllm_down_while_ollama_works_and_moving_there_loses_nothing(
    sim: Simulator, node1: OpenAISimulator
) -> None:
    app = make_app(sim.url, model=GLM, endpoints=endpoints(sim, node1))
    async with app.run_test(size=(160, 45), notifications=True) as pilot:
        await ready(app)
        await wait_until(lambda: states(app)["node1"] == "online", what="node1 online")
        first = await finished(await send(pilot, "before node1 went away"))
        node1.stop()
        await wait_until(lambda: states(app)["node1"] == "offline", what="node1 offline")
        await wait_until(lambda: "node1 ○ offline" in header_text(app), what="node1 offline in the header")
        second = await finished(await send(pilot, "the desk still answers"))
        assert second.status is TurnStatus.DONE and second.endpoint == "desk"
        assert app.connection == "online" and states(app)["desk"] == "online"

        await app.switch_model(SERVED, "node1")
        await wait_until(lambda: app.connection == "offline", what="the chat's endpoint offline")
        await wait_until(lambda: "Cannot reach" in flat(app), what="a clear message about node1")
        assert f"127.0.0.1:{node1.port}" in flat(app)
        turns = pane(app).conversation.turns
        assert [t.reply for t in turns] == [first.reply, second.reply]  # nothing lost
        assert "before node1 went away" in flat(app) or "the desk still answers" in flat(app)

        await app.switch_model(GLM, "desk")
        await ready(app)
        third = await finished(await send(pilot, "and back"))
        assert third.status is TurnStatus.DONE and third.endpoint == "desk"
        sent = chat_requests(sim)[-1]
        assert contents(sent)[:4] == [
            "before node1 went away",
            first.reply,
            "the desk still answers",
            second.reply,
        ]


async def test_a_keyed_vllm_works_with_its_variable_set(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_VAR, "s3cret-node1-key")
    with OpenAISimulator("vllm", rate=2000.0, api_key="s3cret-node1-key") as node1:
        app = make_app(sim.url, model=GLM, endpoints=endpoints(sim, node1, KEY_VAR))
        async with app.run_test(size=(160, 45)) as pilot:
            await ready(app)
            await wait_until(lambda: states(app)["node1"] == "online", what="node1 online with its key")
            await app.switch_model(SERVED, "node1")
            await ready(app)
            turn = await finished(await send(pilot, "with the key"))
            assert turn.status is TurnStatus.DONE and turn.endpoint == "node1" and turn.reply
            assert "s3cret-node1-key" not in flat(app)


async def test_a_keyed_vllm_without_its_variable_names_the_variable(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEY_VAR, raising=False)
    with OpenAISimulator("vllm", rate=2000.0, api_key="s3cret-node1-key") as node1:
        app = make_app(sim.url, model=GLM, endpoints=endpoints(sim, node1, KEY_VAR))
        async with app.run_test(size=(160, 45), notifications=True) as pilot:
            await ready(app)
            await wait_until(lambda: states(app)["node1"] == "needs key", what="node1 needs a key")
            assert KEY_VAR in app.endpoints.status("node1").message
            await wait_until(
                lambda: "node1 ○ needs key" in header_text(app) or "needs key" in header_text(app)
            )
            first = await finished(await send(pilot, "on the desk meanwhile"))
            assert first.status is TurnStatus.DONE
            await app.switch_model(SERVED, "node1")
            await wait_until(lambda: KEY_VAR in flat(app), what="the variable to set, on screen")
            assert "s3cret-node1-key" not in flat(app)
            assert [t.reply for t in pane(app).conversation.turns] == [first.reply]


async def test_the_models_screen_shows_another_endpoints_model_from_that_endpoint(
    sim: Simulator, node1: OpenAISimulator
) -> None:
    from glmtui.simulator.oai_server import MAX_MODEL_LEN
    from tests.helpers import open_models

    app = make_app(sim.url, model=GLM, endpoints=endpoints(sim, node1))
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(app)
        screen = await open_models(pilot)
        await wait_until(
            lambda: any(t == ("node1", SERVED) for t in screen.targets.values()), what="node1's rows"
        )
        key = next(k for k, t in screen.targets.items() if t == ("node1", SERVED))
        while screen.table.selected_key != key:
            await pilot.press("down")
        # Its facts come from node1's own engine (never "loading details…" for ever), and no fit is
        # claimed for GPUs this machine cannot see; vLLM's window is its max_model_len.
        shown = f"serves up to {MAX_MODEL_LEN:,} tokens of context (its max_model_len)"
        await wait_until(lambda: shown in screen_text(app), what="node1's own details")
        text = screen_text(app)
        assert "served by vLLM" in text and "not seen from this machine" in text
        assert "loading details" not in text and "Ollama will load" not in text
        # desk (the chat's Ollama) was never asked about node1's model.
        assert not [
            b for _, path, b in sim.requests if path == "/api/show" and (b or {}).get("model") == SERVED
        ]
