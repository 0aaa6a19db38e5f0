"""Hostile Pilot flows on SGLang's image verdict (services/engines/sglang_info.py, OpenAIEngine.show, the
chat's `_vision`): an SGLang whose /model_info is slow, or failed once.

Each test is a bug found by attacking the build, fixed since: the fact routes are read within
sglang_info.FACTS_TIMEOUT_S, and details read only in part (`ModelDetails.partial`) are not cached and are
asked for again at the watchdog's next poll."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from glmtui.core.endpoints import Endpoint
from glmtui.screens.chat import ChatScreen
from glmtui.services.engines.sglang_info import IMAGES_KEY
from glmtui.simulator import OpenAISimulator, oai_server
from tests.helpers import make_app, ready, wait_until

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(40))
SGLANG = oai_server.FLAVOURED["sglang"]


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "cat.png").write_bytes(PNG)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def gate() -> Iterator[threading.Event]:
    """Holds a simulator route until the test ends (set then, so the server can stop)."""
    event = threading.Event()
    yield event
    event.set()


async def test_an_sglang_slow_to_answer_model_info_does_not_keep_the_chat_from_ever_being_ready(
    work: Path, monkeypatch: pytest.MonkeyPatch, gate: threading.Event
) -> None:
    real = oai_server._model_info

    def slow(sim: Any, resp: Any, request: Any) -> None:
        gate.wait(120)  # an SGLang busy (or wedged) on this one route: /health, /v1/models answer
        real(sim, resp, request)

    monkeypatch.setitem(SGLANG, ("GET", "/model_info"), slow)
    with OpenAISimulator("sglang", rate=2000.0) as server:
        endpoint = Endpoint("node", server.url, "openai")
        app = make_app(server.url, model="glm-4.7-flash", endpoints=(endpoint,))
        async with app.run_test(size=(120, 40)):
            # Whether the model sees is a detail: the chat should not wait for it for ever.
            await wait_until(lambda: app.model_ready, timeout=15.0, what="the chat to be ready")
        gate.set()


async def test_a_model_info_that_failed_once_is_read_again_and_the_image_refused(
    work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {"n": 0}
    real = oai_server._model_info

    def flaky(sim: Any, resp: Any, request: Any) -> None:
        calls["n"] += 1
        if calls["n"] <= 2:  # both routes fail once (a restart's moment, a proxy's 500), then answer
            oai_server.w.send_json(resp, 500, {"detail": "busy"})
        else:
            real(sim, resp, request)

    monkeypatch.setitem(SGLANG, ("GET", "/model_info"), flaky)
    monkeypatch.setitem(SGLANG, ("GET", "/get_model_info"), flaky)
    with OpenAISimulator("sglang", rate=2000.0) as server:
        endpoint = Endpoint("node", server.url, "openai")
        app = make_app(server.url, model="glm-4.7-flash", endpoints=(endpoint,))
        async with app.run_test(size=(120, 40)):
            await ready(app)
            screen = app.screen
            assert isinstance(screen, ChatScreen)
            await wait_until(lambda: app.model_info is not None, what="the model's details")
            assert calls["n"] >= 2  # the one failed read (the next poll may already be asking again)
            # The watchdog polls every 0.2 s here: plenty of looks at the model to ask again.
            await wait_until(
                lambda: app.model_info is not None and IMAGES_KEY in app.model_info.model_info,
                timeout=5.0,
                what="SGLang's image verdict read again",
            )
            assert not await screen.attach.attach("cat.png")


async def test_an_sglang_whose_server_info_failed_is_not_denied_thinking(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """/get_server_info failing is not SGLang naming no reasoning parser: thinking stays assumed, and the
    details are partial (asked for again), not cached as "cannot think"."""
    from glmtui.services.engines.openai import OpenAIEngine

    def broken(sim: Any, resp: Any, request: Any) -> None:
        oai_server.w.send_json(resp, 500, {"detail": "busy"})

    monkeypatch.setitem(SGLANG, ("GET", "/get_server_info"), broken)
    with OpenAISimulator("sglang", rate=2000.0) as server:
        engine = OpenAIEngine(server.url, flavour="sglang")
        try:
            shown = await engine.show("glm-4.7-flash")
        finally:
            await engine.close()
    assert shown.can_think and shown.partial
    assert shown.model_info["thinking"] != "no reasoning parser"
