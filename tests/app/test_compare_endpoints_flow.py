"""A/B across endpoints and engines: an Ollama simulator ("desk") against a vLLM one ("node1").

Each pane streams through its own endpoint's engine (each simulator sees exactly its side's request),
the two servers run at once, the strip marks B's client-timed rate and crowns no winner on it, TTFT
(glmtui's clock on both) is still judged, and a blind vote is saved with both endpoints.

node1 must read as another machine, as a vLLM node would: its simulator listens on every interface
and its URL names this machine by its host name, which glmtui (no DNS look-ups) takes for another
host, exactly as it would a LAN name.
"""

from __future__ import annotations

import random
import socket
from collections.abc import Iterator

import pytest

from glmtui.core.endpoints import Endpoint, ModelRef
from glmtui.core.hosts import is_local
from glmtui.core.state import CLIENT_TIMED, EXACT, TurnStatus
from glmtui.screens.compare.dialogs import VoteScreen
from glmtui.screens.compare.screen import CompareScreen
from glmtui.screens.dialogs.confirm import ConfirmScreen
from glmtui.screens.models import ModelsScreen
from glmtui.services.compare import round_metrics
from glmtui.simulator import OpenAISimulator, Simulator
from tests.app.test_compare_flow import compare_screen, round_ends, send
from tests.helpers import chat_requests, make_app, row_keys, screen_text, select, wait_until

GLM = "glm-4.7-flash:latest"
SERVED = "glm-4.7-flash"  # vLLM's --served-model-name


def other_host_name() -> str:
    """A name for this machine that is not a loopback name (its host name), or skip."""
    name = socket.gethostname()
    try:
        socket.getaddrinfo(name, None)
    except OSError:
        pytest.skip("this machine's host name does not resolve")
    if is_local(f"http://{name}:1"):
        pytest.skip("this machine's host name is a loopback name")
    return name


@pytest.fixture
def node1() -> Iterator[OpenAISimulator]:
    name = other_host_name()
    with OpenAISimulator("vllm", host="0.0.0.0", rate=2000.0) as simulator:
        simulator.url_for_app = f"http://{name}:{simulator.port}"  # type: ignore[attr-defined]
        yield simulator


def endpoints(desk: Simulator, node1: OpenAISimulator) -> tuple[Endpoint, ...]:
    return (Endpoint("desk", desk.url, "ollama"), Endpoint("node1", node1.url_for_app, "openai"))  # type: ignore[attr-defined]


def completions(node1: OpenAISimulator) -> list[dict[str, object]]:
    return [body for _, path, body in node1.requests if path == "/v1/chat/completions"]


async def test_a_b_across_an_ollama_desk_and_a_vllm_node(sim: Simulator, node1: OpenAISimulator) -> None:
    app = make_app(
        sim.url,
        model=GLM,
        endpoints=endpoints(sim, node1),
        compare=(f"desk · {GLM}", f"node1/{SERVED}", None),
    )
    app.compare_rng = random.Random(1)  # its first draw is < 0.5: a blind run swaps the sides
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await compare_screen(app)
        a, b = screen.panes
        assert (a.endpoint, a.model, b.endpoint, b.model) == ("desk", GLM, "node1", SERVED)
        assert f"desk · {GLM}" in a.title_text() and f"node1 · {SERVED}" in b.title_text()
        # Two servers on two machines cannot evict or slow each other: both at once, and the title says why.
        assert screen.sides.mode == "parallel"
        assert "different servers: both at once" in screen.sides.mode_reason
        assert "different servers: both at once" in screen_text(app)

        await send(pilot, screen, "hello both")
        await round_ends(screen)
        turn_a, turn_b = a.last_turn, b.last_turn
        assert turn_a is not None and turn_b is not None
        assert turn_a.status is TurnStatus.DONE and turn_b.status is TurnStatus.DONE
        assert (turn_a.endpoint, turn_b.endpoint) == ("desk", "node1")
        # Each pane went through its own endpoint's engine: one request each, to the right server.
        assert [body["model"] for body in chat_requests(sim)] == [GLM]
        assert [body["model"] for body in completions(node1)] == [SERVED]
        assert turn_a.stats.timing == EXACT and turn_b.stats.timing == CLIENT_TIMED

        # The strip: B's rate is marked client-timed and not judged against A's exact one; TTFT,
        # glmtui's clock on both sides, is compared as ever.
        rows = {row.label: row for row in round_metrics(screen.run.rounds[-1])}
        rate = rows["eval rate"]
        assert "client-timed" in rate.b and "client-timed" not in rate.a
        assert rate.better is None and "not like for like" in rate.verdict
        ttft = rows["TTFT"]
        assert "client-timed" not in ttft.a + ttft.b and "not like for like" not in ttft.verdict
        await wait_until(
            lambda: any(
                "eval rate" in line and "client-timed" in line and "not like for like" in line
                for line in screen_text(app).splitlines()
            ),
            what="the strip's eval rate row, marked and unjudged",
        )
        assert f"node1 · {SERVED}" in screen_text(app)  # the strip's column names the endpoint

        # A blind run swaps the sides with their endpoints; the vote is saved with both endpoints.
        await pilot.press("ctrl+b")
        await wait_until(lambda: isinstance(app.screen, ConfirmScreen), what="new comparison?")
        await pilot.press("y")
        await wait_until(lambda: screen.run.blind and not screen.run.rounds, what="the blind run")
        assert (a.endpoint, a.model, b.endpoint, b.model) == ("node1", SERVED, "desk", GLM)
        await send(pilot, screen, "which is better?")
        await round_ends(screen)
        assert [body["model"] for body in completions(node1)] == [SERVED, SERVED]  # A, now on node1
        assert len(chat_requests(sim)) == 2
        assert all("hidden" in pane.title_text() and "node1" not in pane.title_text() for pane in (a, b))
        await pilot.press("f6")
        await wait_until(lambda: isinstance(app.screen, VoteScreen), what="the vote dialog")
        await pilot.press("b")
        await wait_until(lambda: screen.run.vote == "b", what="the vote")
        record = app.compare_votes[-1]
        assert (record.endpoint_a, record.model_a, record.endpoint_b, record.model_b) == (
            "node1",
            SERVED,
            "desk",
            GLM,
        )
        await wait_until(
            lambda: (
                f"node1 · {SERVED} 0 · desk · {GLM} 1" in screen_text(app)
                or f"desk · {GLM} 1 · node1 · {SERVED} 0" in screen_text(app)
            ),
            what="the tally by endpoint and model",
        )
        await wait_until(
            lambda: app.journal.store.votes() == [(SERVED, GLM, "b", 1, "node1", "desk")],  # type: ignore[union-attr]
            what="the vote saved with both endpoints",
        )


async def test_the_pane_picker_lists_every_endpoint_and_pull_says_why_not_on_vllm(
    sim: Simulator, node1: OpenAISimulator
) -> None:
    app = make_app(sim.url, model=GLM, endpoints=endpoints(sim, node1), compare=(GLM, GLM, None))
    async with app.run_test(size=(160, 45), notifications=True) as pilot:
        screen = await compare_screen(app)
        a, b = screen.panes
        assert a.endpoint == b.endpoint == "desk"  # a bare name: the chat's endpoint
        assert "one model serves both" in screen.sides.mode_reason  # same server: the fit rule as ever
        screen.pane("b").chat.log_view.focus()
        await wait_until(lambda: screen.active == "b", what="pane B focused")
        await pilot.press("f4")
        await wait_until(lambda: isinstance(app.screen, ModelsScreen), what="the picker")
        picker = app.screen
        assert isinstance(picker, ModelsScreen)
        await wait_until(
            lambda: f"node1 · {SERVED}" in row_keys(picker, "installed"), what="node1's model in the picker"
        )
        keys = row_keys(picker, "installed")
        assert f"desk · {GLM}" in keys
        assert keys.index(f"desk · {GLM}") < keys.index(f"node1 · {SERVED}")  # grouped, the chat's first
        await select(pilot, picker, "installed", f"node1 · {SERVED}")
        await pilot.press("enter")
        await wait_until(lambda: isinstance(app.screen, CompareScreen), what="back in the comparison")
        await wait_until(lambda: b.endpoint == "node1" and b.model == SERVED, what="B on node1")
        assert app.endpoint == "desk" and app.model == GLM  # the chat stayed where it was
        await wait_until(lambda: "different servers" in screen.sides.mode_reason, what="the mode again")
        assert f"node1 · {SERVED}" in b.title_text()

        # A model node1 does not serve: not installed, its notice and F7 say why vLLM cannot pull it.
        await screen.sides.set_model(b, ModelRef("node1", "qwen3-coder:30b"))
        assert b.installed is False
        await wait_until(lambda: "cannot pull" in screen_text(app), what="the pane's notice")
        assert "F7 pulls it" not in screen_text(app)
        await pilot.press("f7")
        await wait_until(lambda: screen_text(app).count("cannot pull") >= 2, what="F7's refusal")
        assert not app.pulls.jobs  # nothing was queued on the chat's endpoint instead
