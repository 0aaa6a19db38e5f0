"""Two Ollama simulators as two endpoints, "desk" and "node1": the header, one down while the other
works, the models screen grouped by endpoint, a conversation moving to node1 with its whole history,
the endpoint of each turn in the history, and `--continue` back onto node1."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from glmtui.core.endpoints import Endpoint
from glmtui.core.state import TurnStatus
from glmtui.paths import db_path
from glmtui.screens.chat import ChatScreen
from glmtui.screens.models import ModelsScreen
from glmtui.simulator import Simulator
from glmtui.widgets.header import AppHeader
from glmtui.widgets.monitor.ollama_panel import OllamaPanel
from tests.helpers import (
    chat_requests,
    db_rows,
    finished,
    make_app,
    pane,
    ready,
    row_keys,
    screen_text,
    select,
    send,
    wait_until,
)

GLM = "glm-4.7-flash:latest"
GPT = "gpt-oss:20b"


@pytest.fixture
def node1() -> Iterator[Simulator]:
    simulator = Simulator(port=0, rate=2000.0, load_seconds=0.05, pull_seconds=0.3).start()
    try:
        yield simulator
    finally:
        simulator.stop()


def two(desk: Simulator, node1: Simulator) -> tuple[Endpoint, ...]:
    return (Endpoint("desk", desk.url, "ollama"), Endpoint("node1", node1.url, "ollama"))


def header_text(app: Any) -> str:
    return str(app.screen.query_one(AppHeader).render())


def states(app: Any) -> dict[str, str]:
    return {status.name: status.state for status in app.endpoint_statuses}


async def test_both_endpoints_in_the_header_and_one_down_while_the_other_chats(
    sim: Simulator, node1: Simulator
) -> None:
    app = make_app(sim.url, model=GLM, endpoints=two(sim, node1))
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(app)
        await wait_until(lambda: states(app) == {"desk": "online", "node1": "online"}, what="both online")
        await wait_until(lambda: "desk ●" in header_text(app) and "node1 ●" in header_text(app))
        assert sim.url not in header_text(app)  # the names stand for the hosts
        node1.stop()
        await wait_until(lambda: states(app)["node1"] == "offline", what="node1 offline")
        await wait_until(lambda: "node1 ○ offline" in header_text(app), what="node1 offline in the header")
        turn = await finished(await send(pilot, "still here?"))
        assert turn.status is TurnStatus.DONE and turn.reply and turn.endpoint == "desk"
        assert app.connection == "online" and states(app)["desk"] == "online"


async def test_a_single_endpoint_header_is_as_before(sim: Simulator) -> None:
    app = make_app(sim.url, model=GLM)
    async with app.run_test(size=(140, 40)):
        await ready(app)
        assert sim.url in header_text(app) and "·" in header_text(app)
        assert [status.name for status in app.endpoint_statuses] == ["localhost"]


async def test_models_grouped_by_endpoint_and_the_chat_moves_to_node1_with_its_history(
    sim: Simulator, node1: Simulator
) -> None:
    app = make_app(sim.url, model=GLM, endpoints=two(sim, node1))
    async with app.run_test(size=(160, 45)) as pilot:
        await ready(app)
        first = await finished(await send(pilot, "first question on the desk"))
        assert first.endpoint == "desk"
        await pilot.press("f4")
        await wait_until(lambda: isinstance(app.screen, ModelsScreen), what="the models screen")
        screen = app.screen
        assert isinstance(screen, ModelsScreen)
        await wait_until(
            lambda: any(k.startswith("node1 · ") for k in row_keys(screen, "installed")),
            what="node1's models listed",
        )
        keys = row_keys(screen, "installed")
        assert f"desk · {GLM}" in keys and f"node1 · {GPT}" in keys
        desk_rows = [k for k in keys if k.startswith("desk · ")]
        assert keys[: len(desk_rows)] == desk_rows  # grouped: the chat's endpoint first, then node1
        await select(pilot, screen, "installed", f"node1 · {GPT}")
        await pilot.press("enter")
        await wait_until(lambda: isinstance(app.screen, ChatScreen), what="back in the chat")
        await wait_until(lambda: app.endpoint == "node1" and app.model == GPT, what="the chat on node1")
        await ready(app)
        before = len(chat_requests(node1))
        second = await finished(await send(pilot, "and now on node1"))
        assert second.status is TurnStatus.DONE and second.endpoint == "node1"
        sent = chat_requests(node1)[before:]
        assert len(sent) == 1 and sent[0]["model"] == GPT
        contents = [message["content"] for message in sent[0]["messages"]]
        # The whole history went along: the desk's turn, its reply, and the new prompt.
        assert contents[0] == "first question on the desk" and contents[1] == first.reply
        assert contents[-1] == "and now on node1"
        assert all(m["messages"][-1]["content"] != "and now on node1" for m in chat_requests(sim))
        assert "node1" in header_text(app)
        # The Ollama panel follows the chat's endpoint: its host, and /api/ps asked of node1's engine.
        assert app.screen.query_one(OllamaPanel).host == node1.url
        assert app.monitor.service is app.service and app.service.host == node1.url
        conversation_id = pane(app).conversation.id
        await wait_until(
            lambda: len(db_rows(db_path(), "SELECT endpoint FROM turns WHERE status = 'done'")) == 2,
            what="both turns saved",
        )
        rows = db_rows(
            db_path(), f"SELECT endpoint FROM turns WHERE conversation_id = {conversation_id} ORDER BY id"
        )
        assert [row[0] for row in rows] == ["desk", "node1"]
    again = make_app(sim.url, model=GLM, endpoints=two(sim, node1))
    again.continue_last = True
    async with again.run_test(size=(140, 40)) as pilot:
        await wait_until(lambda: len(pane(again).conversation.turns) == 2, what="the conversation resumed")
        await wait_until(lambda: again.endpoint == "node1" and again.model == GPT, what="back on node1")
        await ready(again)
        before = len(chat_requests(node1))
        third = await finished(await send(pilot, "still node1?"))
        assert third.endpoint == "node1" and len(chat_requests(node1)) == before + 1


async def test_continue_when_its_endpoint_is_gone_stays_on_the_default(
    sim: Simulator, node1: Simulator
) -> None:
    app = make_app(sim.url, model=GLM, endpoints=two(sim, node1))
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(app)
        await app.switch_model(GPT, "node1")
        await ready(app)
        await finished(await send(pilot, "on node1"))
        await wait_until(lambda: db_rows(db_path(), "SELECT status FROM turns") == [("done",)], what="saved")
    again = make_app(sim.url, model=GLM)  # node1 is no longer configured
    again.continue_last = True
    async with again.run_test(size=(140, 40), notifications=True) as pilot:
        await wait_until(lambda: len(pane(again).conversation.turns) == 1, what="the conversation resumed")
        await ready(again)
        await wait_until(
            lambda: "not configured now" in " ".join(screen_text(again).split()),
            what="the notice that node1 is gone",
        )
        assert again.endpoint == "localhost"
        turn = await finished(await send(pilot, "and here?"))
        assert turn.status is TurnStatus.DONE and turn.endpoint == "localhost"
