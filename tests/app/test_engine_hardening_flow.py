"""Issue 14, hostile review, whole-app flows: glmtui pointed at a vLLM node (the OpenAI simulator) or at
something that is neither engine, as `--host` makes it (one `auto` endpoint). Each test pinned a bug found
(filed as a strict xfail, the marker removed with the fix)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from glmtui.core.endpoints import Endpoint
from glmtui.screens.chat import ChatScreen
from glmtui.simulator import OpenAISimulator
from glmtui.simulator.oai_server import MAX_MODEL_LEN
from glmtui.widgets.header import AppHeader
from glmtui.widgets.monitor.ollama_panel import OllamaPanel
from glmtui.widgets.prompt_input import PromptInput
from tests.helpers import finished, make_app, pane, panel_text, ready, screen_text, send, wait_until


def header_text(app: object) -> str:
    return str(app.screen.query_one(AppHeader).render())  # type: ignore[attr-defined]


def host(url: str) -> tuple[Endpoint, ...]:
    """What `--host URL` makes: one endpoint of kind auto."""
    return (Endpoint("node1", url, "auto"),)


@pytest.fixture
def vllm() -> Iterator[OpenAISimulator]:
    with OpenAISimulator("vllm", rate=2000.0) as node:
        yield node


async def test_the_header_does_not_call_a_vllm_node_ollama(vllm: OpenAISimulator) -> None:
    app = make_app(vllm.url, endpoints=host(vllm.url))
    async with app.run_test(size=(140, 40)):
        await ready(app)
        assert app.server_version == vllm.version
        assert "ollama" not in header_text(app).lower(), header_text(app)


async def test_a_long_prompt_on_vllm_is_judged_against_max_model_len(vllm: OpenAISimulator) -> None:
    app = make_app(vllm.url, endpoints=host(vllm.url))
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(app)
        assert app.model_info is not None and app.model_info.context_length == MAX_MODEL_LEN
        before = len(pane(app).conversation.turns)
        app.screen.query_one(PromptInput).insert("word " * 40_000)  # ~40k tokens: far below 202,752
        await pilot.press("enter")
        await wait_until(
            lambda: not isinstance(app.screen, ChatScreen) or len(pane(app).conversation.turns) > before,
            what="the turn to start, or a dialog",
        )
        assert isinstance(app.screen, ChatScreen), type(app.screen).__name__
        assert await app.expected_context(app.model) == MAX_MODEL_LEN


async def test_an_auto_endpoint_that_comes_up_later_is_probed_again() -> None:
    with socket.socket() as s:  # a free port, nothing listening yet
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    app = make_app(url, endpoints=host(url))
    async with app.run_test(size=(140, 40)):
        await wait_until(lambda: app.connection == "offline", what="offline at start")
        with OpenAISimulator("vllm", port=port, rate=2000.0):
            await wait_until(
                lambda: app.connection != "offline", timeout=15.0, what="something answers at last"
            )
            await wait_until(
                lambda: app.connection == "online" and app.service.kind == "openai",
                timeout=5.0,
                what=f"the node found as vLLM (connection {app.connection}, engine {app.service.kind})",
            )


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def static_server(tmp_path: Path) -> Iterator[str]:
    """`python3 -m http.server`: HTTP, but neither engine."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


async def test_http_but_neither_is_said_as_such(static_server: str) -> None:
    app = make_app(static_server, endpoints=host(static_server))
    async with app.run_test(size=(140, 40)):
        await wait_until(lambda: app.connection == "not Ollama", what="the watchdog's verdict")
        # The chat says what the probe found (the Ollama panel's own /api/ps line says "speaks HTTP" too).
        await wait_until(
            lambda: "neither Ollama nor OpenAI-compatible" in screen_text(app), what="the error in the chat"
        )


async def test_the_ollama_panel_does_not_say_a_vllm_node_has_no_model_loaded(vllm: OpenAISimulator) -> None:
    app = make_app(vllm.url, endpoints=host(vllm.url))
    async with app.run_test(size=(150, 70)) as pilot:
        await ready(app)
        await finished(await send(pilot, "hello"))
        panel = app.screen.query_one(OllamaPanel)
        await wait_until(lambda: panel.host != "", what="the panel's host")
        assert not panel.display or "no model loaded" not in panel_text(panel), panel_text(panel)
