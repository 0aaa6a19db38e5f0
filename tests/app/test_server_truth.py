"""What answered, what is known, what was sent: unknown capabilities, servers that are not Ollama,
failed prompts kept out of the context, prompts typed before the model is known, the remembered model.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from functools import partial
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.request import urlopen

import pytest

from glmtui.__main__ import start_simulator
from glmtui.core import branches
from glmtui.core.state import MonitorIntervals, TurnStatus
from glmtui.simulator import Fault, Simulator
from glmtui.widgets.chat_log import ChatLog
from glmtui.widgets.header import AppHeader
from glmtui.widgets.monitor.ollama_panel import OllamaPanel
from glmtui.widgets.prompt_input import PromptInput
from glmtui.widgets.status_bar import StatusBar
from tests.helpers import (
    answer_json,
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

GLM = "glm-4.7-flash:latest"  # thinks
CODER = "qwen3-coder:30b"  # does not
FAST = MonitorIntervals(gpu_s=0.5, system_s=0.5, ollama_s=0.5)


def notices(app: Any) -> str:
    log = app.screen.query_one(ChatLog)
    return "\n".join(str(w.render()) for w in log.query(".log-notice"))


def header(app: Any) -> str:
    return str(app.screen.query_one(AppHeader).render())


def user_messages(body: dict[str, Any]) -> list[str]:
    return [m["content"] for m in body["messages"] if m["role"] == "user"]


# -- 3: a failed /api/show is "unknown", not "cannot think" ------------------------------------------


async def test_failed_show_says_unknown_lets_ctrl_t_choose_and_is_retried(sim: Simulator) -> None:
    sim.inject(Fault("http500", path="/api/show", message="show broke"))
    sim.inject(Fault("stall", path="/api/show", seconds=60))  # the retry waits until release()
    app = make_app(sim.url, model=GLM)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        bar = app.screen.query_one(StatusBar)
        assert "unknown (capabilities not read)" in str(bar.render())
        assert "does not think" not in str(bar.render())
        await pilot.press("ctrl+t")  # unknown is not "no": the user may choose
        assert app.think_label.startswith("off (capabilities not read)")
        await finished(await send(pilot, "hello"))
        assert chat_requests(sim)[-1]["think"] is False
        sim.release()  # the retry reads the capabilities: the choice stands, now known
        await wait_until(lambda: app.think_label == "off", what="the capabilities to be read again")


# -- 8: what answered, when it is not Ollama ----------------------------------------------------------


@pytest.fixture
def static_server(tmp_path: Path) -> Iterator[str]:
    """`python3 -m http.server` on loopback: HTTP, but not Ollama."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class OpenAiStub(BaseHTTPRequestHandler):
    """Speaks only the OpenAI-compatible API: `/v1/models`, and 404 for the rest."""

    def do_GET(self) -> None:
        if self.path == "/v1/models":
            body = {"object": "list", "data": [{"id": "some-model", "object": "model"}]}
            status = 200
        else:
            body, status = {"error": {"message": "Unknown route", "type": "invalid_request_error"}}, 404
        answer_json(self, status, body)

    do_POST = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def openai_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), OpenAiStub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def raw_server(reply: bytes) -> Iterator[str]:
    """A TCP port that answers every connection with `reply` and hangs up."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return  # the listener was closed: the test is over
            with conn:
                conn.sendall(reply)

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()


@pytest.fixture
def garbage_server() -> Iterator[str]:
    """A TCP port that answers every connection with bytes that are not HTTP."""
    yield from raw_server(b"\x00\x01SSH-2.0-garbage\r\nnot http at all\r\n\r\n")


@pytest.fixture
def hello_server() -> Iterator[str]:
    """A TCP port that answers `hello\n` and hangs up (to httpx: "disconnected without a response")."""
    yield from raw_server(b"hello\n")


NOT_OLLAMA = [
    ("static_server", "speaks HTTP but is not Ollama"),
    ("openai_server", "is an OpenAI-compatible server, not Ollama"),
    ("garbage_server", "does not speak HTTP"),
    ("hello_server", "does not speak HTTP"),
]


@pytest.mark.parametrize(("server", "said"), NOT_OLLAMA)
async def test_a_server_that_is_not_ollama_is_named_for_what_it_is(
    server: str, said: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue(server)
    app = make_app(url)
    async with app.run_test(size=(120, 40)):
        await wait_until(lambda: said in notices(app), what=f"the notice {said!r}")
        text = screen_text(app)
        assert url.removeprefix("http://") in notices(app)
        assert "that model" not in text and "ollama pull" not in notices(app)
        assert "journalctl" not in notices(app)


@pytest.mark.parametrize(("server", "said"), NOT_OLLAMA)
async def test_not_ollama_is_not_offline_and_the_ollama_panel_names_it_cleanly(
    server: str, said: str, request: pytest.FixtureRequest
) -> None:
    """The header's state and the Ollama panel say what the chat says; no raw page, no "mid-reply"."""
    url = request.getfixturevalue(server)
    app = make_app(url, monitor_intervals=FAST)
    async with app.run_test(size=(120, 40)):
        panel = app.screen.query_one(OllamaPanel)
        await wait_until(lambda: said in " ".join(panel_text(panel).split()), what=f"the panel: {said!r}")
        await wait_until(lambda: "not Ollama" in header(app), what="the header's state")
        assert app.connection == "not Ollama" and "offline" not in header(app)
        shown = panel_text(panel)
        assert "not Ollama: retrying" in shown and "offline" not in shown
        for raw in ("mid-reply", "<", "DOCTYPE", "{", "invalid_request_error"):
            assert raw not in shown


# -- 10: failed prompts leave the context; Ctrl+R retries ---------------------------------------------


async def test_a_failed_prompt_is_not_sent_again_and_ctrl_r_retries_it(sim: Simulator) -> None:
    app = make_app(sim.url, model=CODER)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        await finished(await send(pilot, "warm up"))
        sim.inject(Fault("http500", message="runner died"))
        failed = await finished(await send(pilot, "the question"))
        assert failed.status is TurnStatus.FAILED and failed.reply == ""
        await pilot.press("ctrl+r")
        await wait_until(lambda: pane(app).conversation.turns[-1] is not failed, what="the retried turn")
        retried = await finished(pane(app).conversation.turns[-1])
        assert retried.status is TurnStatus.DONE and retried.prompt == "the question"
        assert user_messages(chat_requests(sim)[-1]) == ["warm up", "the question"]
        # Ctrl+R regenerates (issue 16): the failed turn stays as the other branch (‹ 1/2 ›, saved),
        # instead of a second copy of the prompt after it.
        conversation = pane(app).conversation
        assert len(conversation.turns) == 2 and any(t is failed for t in branches.every_turn(conversation))
        assert branches.place(conversation, retried) == (2, 2)
        await pilot.press("f1")
        await wait_until(lambda: "retry-prompt" in screen_text(app), what="Ctrl+R in F1")


async def test_a_failed_prompt_names_the_retry_key_as_bound(sim: Simulator) -> None:
    app = make_app(sim.url, model=CODER, keymap={"retry-prompt": "f12"})
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        sim.inject(Fault("http500", message="runner died"))
        failed = await finished(await send(pilot, "the question"))
        assert failed.status is TurnStatus.FAILED
        await wait_until(lambda: "F12 retries this prompt" in notices(app), what="the retry key named")
        await pilot.press("f12")
        await wait_until(lambda: pane(app).conversation.turns[-1] is not failed, what="the retried turn")
        assert (await finished(pane(app).conversation.turns[-1])).status is TurnStatus.DONE


async def test_a_prompt_sent_while_offline_waits_for_ollama_then_goes(sim: Simulator) -> None:
    port = sim.port
    app = make_app(sim.url, model=CODER)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        sim.stop()
        await wait_until(lambda: app.connection == "offline", what="offline")
        turn = await send(pilot, "are you there?")
        await wait_until(lambda: "queued: waiting for Ollama" in screen_text(app), what="the queued prompt")
        assert turn.status is not TurnStatus.FAILED
        revived = Simulator(port=port, rate=2000.0, load_seconds=0.01).start()
        try:
            await finished(turn)
            assert turn.status is TurnStatus.DONE
            assert [user_messages(body) for body in chat_requests(revived)] == [["are you there?"]]
        finally:
            revived.stop()


# -- 12: a prompt typed before the model is known waits, then goes ------------------------------------


async def test_a_prompt_sent_while_models_are_listed_is_queued_then_sent(sim: Simulator) -> None:
    sim.inject(Fault("stall", path="/api/tags", seconds=60))
    app = make_app(sim.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(lambda: "listing models" in header(app), what="the header to say so")
        turn = await send(pilot, "early bird")
        assert app.screen.query_one(PromptInput).text == ""  # taken, not dropped
        await wait_until(lambda: "queued" in screen_text(app), what="the queued prompt")
        assert chat_requests(sim) == []
        sim.release()
        await finished(turn)
        assert turn.status is TurnStatus.DONE and turn.model == GLM
        assert [user_messages(body) for body in chat_requests(sim)] == [["early bird"]]


async def test_a_model_named_on_the_command_line_is_known_at_once(sim: Simulator) -> None:
    sim.inject(Fault("stall", path="/api/tags", seconds=60))
    app = make_app(sim.url, model=CODER)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(lambda: app.connection == "online", what="online")
        assert CODER in header(app)
        turn = await send(pilot, "fast typist")
        sim.release()
        await finished(turn)
        assert turn.status is TurnStatus.DONE
        assert [user_messages(body) for body in chat_requests(sim)] == [["fast typist"]]


# -- 15: the last model used is remembered (per host) -------------------------------------------------


async def test_the_last_model_used_is_remembered_for_the_host(sim: Simulator, tmp_path: Path) -> None:
    store = tmp_path / "glmtui.db"
    first = make_app(sim.url, store_path=store)
    async with first.run_test(size=(120, 40)):
        await ready(first)
        assert first.model == GLM  # the newest installed, with nothing remembered
        await first.switch_model(CODER)
        await wait_until(
            lambda: db_rows(store, "SELECT value FROM settings WHERE key LIKE 'model@%'") == [(CODER,)],
            what="the model to be remembered",
        )
    again = make_app(sim.url, store_path=store)
    async with again.run_test(size=(120, 40)):
        await ready(again)
        assert again.model == CODER


def test_the_demo_opens_on_q4_k_m() -> None:
    """`--demo` installs the README's two quantisations; the first named heads the listing (no drift)."""
    proc, url = start_simulator()
    try:
        with urlopen(f"{url}/api/tags", timeout=10) as response:
            names = [m["name"] for m in json.load(response)["models"]]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert names[:2] == ["glm-4.7-flash:q4_K_M", "glm-4.7-flash:q8_0"]
