"""The OpenAI-compatible engine against the OpenAI simulator over sockets, through the official client.

Each reasoning field by engine version, think off, the usage chunk and client timing, each error
(401 naming the variable, 404, 503 while loading, an error event inside a 200 stream, a dropped
stream, a stall) with the partial reply kept, version(), list_models() and show().
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from glmtui.core.errors import GlmTuiError
from glmtui.core.state import GenerationStats, ThinkSetting
from glmtui.core.stats import LiveStats
from glmtui.services.engines.base import ContentDelta, StreamDone, ThinkingDelta
from glmtui.services.engines.factory import make_engine
from glmtui.services.engines.ollama import OllamaService
from glmtui.services.engines.openai import OpenAIEngine
from glmtui.simulator import Fault, OpenAISimulator
from tests.helpers import SIM_RATE, ask, wait_until

MODEL = "glm-4.7-flash"
KEY_VAR = "GLMTUI_TEST_ENGINE_KEY"


class Reply:
    """What one chat call yielded, and how it ended."""

    def __init__(self) -> None:
        self.thinking: list[str] = []
        self.content: list[str] = []
        self.stats: GenerationStats | None = None
        self.error: GlmTuiError | None = None

    @property
    def text(self) -> str:
        return "".join(self.content)


async def chat(
    engine: OpenAIEngine,
    model: str = MODEL,
    *,
    think: ThinkSetting | None = "on",
    options: dict[str, Any] | None = None,
) -> Reply:
    reply = Reply()
    events: AsyncIterator[Any] = engine.chat(model, ask("hi"), think=think, live=LiveStats(), options=options)
    try:
        async for event in events:
            if type(event) is ThinkingDelta:
                reply.thinking.append(event.text)
            elif type(event) is ContentDelta:
                reply.content.append(event.text)
            elif type(event) is StreamDone:
                reply.stats = event.stats
    except GlmTuiError as exc:
        reply.error = exc
    return reply


@pytest.fixture(params=["vllm", "sglang"])
def server(request: pytest.FixtureRequest) -> Iterator[OpenAISimulator]:
    with OpenAISimulator(request.param, rate=SIM_RATE) as sim:
        yield sim


@pytest.fixture
async def engine(server: OpenAISimulator) -> AsyncIterator[OpenAIEngine]:
    engine = OpenAIEngine(server.url, flavour=server.flavour)
    yield engine
    await engine.close()


def chat_bodies(sim: OpenAISimulator) -> list[dict[str, Any]]:
    return [body for method, path, body in sim.requests if path == "/v1/chat/completions"]


# ----- streaming ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("flavour", "version"),
    [("vllm", "0.10.0"), ("vllm", "0.13.0"), ("vllm", "0.17.1"), ("sglang", "0.5.9")],
)
async def test_thinking_arrives_from_each_versions_reasoning_field_once(flavour: str, version: str) -> None:
    """0.10.0 sends reasoning_content, 0.13.0 both (the same text twice), 0.17.1 reasoning; SGLang
    reasoning_content. Every token is counted once: the usage chunk's count is what was yielded."""
    with OpenAISimulator(flavour, rate=SIM_RATE, version=version) as sim:  # type: ignore[arg-type]
        engine = OpenAIEngine(sim.url, flavour=flavour)
        reply = await chat(engine)
        await engine.close()
    thinking = "".join(reply.thinking)
    assert reply.error is None and reply.stats is not None
    assert thinking.startswith("The user wants") and thinking.count("The user wants") == 1
    assert "## Answer from glm-4.7-flash" in reply.text
    stats = reply.stats
    assert stats.thinking_tokens == len(reply.thinking) and stats.content_tokens == len(reply.content)
    assert stats.eval_count == stats.thinking_tokens + stats.content_tokens  # none doubled, none lost


async def test_think_off_asks_the_template_and_no_thinking_comes(
    server: OpenAISimulator, engine: OpenAIEngine
) -> None:
    reply = await chat(engine, think="off")
    assert reply.error is None and reply.thinking == [] and reply.text
    assert chat_bodies(server)[-1]["chat_template_kwargs"] == {"enable_thinking": False}
    await chat(engine, think="on")
    assert "chat_template_kwargs" not in chat_bodies(server)[-1]  # on: the template's default thinks


async def test_usage_gives_exact_counts_and_the_durations_are_client_timed(
    server: OpenAISimulator, engine: OpenAIEngine
) -> None:
    reply = await chat(engine)
    stats = reply.stats
    assert stats is not None and stats.final
    assert stats.timing == "client" and stats.client_timed
    assert stats.prompt_eval_count is not None and stats.prompt_eval_count > 0
    assert stats.prompt_eval_duration_ns is None  # the engine does not say how long the prompt took
    assert stats.eval_duration_ns is not None and stats.eval_duration_ns > 0
    assert stats.eval_rate is not None and stats.ttft_s is not None
    assert stats.done_reason == "stop"
    body = chat_bodies(server)[-1]
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}


async def test_options_are_mapped_and_load_time_ones_left_out(
    server: OpenAISimulator, engine: OpenAIEngine
) -> None:
    options = {"num_predict": 12, "temperature": 0.2, "top_k": 0, "repeat_penalty": 1.1, "num_ctx": 4096}
    reply = await chat(engine, options=options)
    assert reply.stats is not None and reply.stats.eval_count == 12 and reply.stats.done_reason == "length"
    body = chat_bodies(server)[-1]
    assert body["max_tokens"] == 12 and body["temperature"] == 0.2
    assert body["top_k"] == -1 and body["repetition_penalty"] == 1.1  # Ollama's 0 (off) is their -1
    assert "num_ctx" not in body and "num_predict" not in body and "options" not in body


# ----- errors -------------------------------------------------------------------------------------------
async def test_401_names_the_variable_never_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    with OpenAISimulator("vllm", rate=SIM_RATE, api_key="sekrit-123") as sim:
        monkeypatch.delenv(KEY_VAR, raising=False)
        unset = make_engine("openai", sim.url, api_key_env=KEY_VAR)
        with pytest.raises(GlmTuiError) as caught:
            await unset.list_models()
        assert caught.value.kind == "auth"
        assert f"set the environment variable {KEY_VAR}" in caught.value.message
        await unset.close()

        monkeypatch.setenv(KEY_VAR, "wrong-456")
        wrong = make_engine("openai", sim.url, api_key_env=KEY_VAR)
        reply = await chat(wrong)  # type: ignore[arg-type]
        assert reply.error is not None and reply.error.kind == "auth"
        assert KEY_VAR in reply.error.message and "wrong-456" not in str(reply.error)
        await wrong.close()

        monkeypatch.setenv(KEY_VAR, "sekrit-123")  # read from the environment when the client is made
        right = make_engine("openai", sim.url, api_key_env=KEY_VAR)
        assert [m.name for m in await right.list_models()] == [MODEL]
        assert (await chat(right)).error is None  # type: ignore[arg-type]
        await right.close()


async def test_an_unknown_model_on_vllm_is_not_found() -> None:
    with OpenAISimulator("vllm", rate=SIM_RATE) as sim:
        engine = OpenAIEngine(sim.url)
        reply = await chat(engine, "nope")
        with pytest.raises(GlmTuiError) as caught:
            await engine.show("nope")
        await engine.close()
    assert reply.error is not None and reply.error.kind == "not-found"
    assert "'nope' is not served by" in reply.error.message
    assert caught.value.kind == "not-found"


async def test_a_loading_engine_is_waited_for_then_answers() -> None:
    with OpenAISimulator("vllm", rate=SIM_RATE) as sim:
        sim.loading = True  # until the first request has been refused (a timed load raced the client)

        def chats() -> list[str]:
            return [path for _, path, _ in sim.requests if path == "/v1/chat/completions"]

        async def finish_loading() -> None:
            await wait_until(lambda: len(chats()) >= 1, what="a request refused while loading")
            sim.loading = False

        engine = OpenAIEngine(sim.url)
        loaded = asyncio.create_task(finish_loading())
        reply = await chat(engine)
        await loaded
        await engine.close()
        statuses = chats()
    assert reply.error is None and reply.text
    assert len(statuses) == 2  # a 503, then the reply
    assert reply.stats is not None and reply.stats.load_s is not None  # the wait, client-timed


async def test_a_loading_engine_that_stays_loading_says_so(server: OpenAISimulator) -> None:
    server.loading = True
    engine = OpenAIEngine(server.url, first_token_timeout=0.5)
    reply = await chat(engine)
    with pytest.raises(GlmTuiError) as caught:
        await engine.version()
    await engine.close()
    assert reply.error is not None and reply.error.kind == "loading"
    assert "starting or loading the model" in reply.error.message
    assert caught.value.kind == "loading"


async def test_an_error_event_inside_the_stream_keeps_the_partial_reply(
    server: OpenAISimulator, engine: OpenAIEngine
) -> None:
    server.inject(Fault("error", after_tokens=5, message="engine died"))
    reply = await chat(engine)
    assert reply.error is not None and reply.error.kind == "in-band"
    assert "engine died" in reply.error.message and "partial reply is kept" in reply.error.hint
    assert len(reply.thinking) == 4  # the role chunk, then four tokens before the error
    assert reply.stats is None


async def test_a_dropped_stream_keeps_the_partial_reply(
    server: OpenAISimulator, engine: OpenAIEngine
) -> None:
    server.inject(Fault("drop", after_tokens=7))
    reply = await chat(engine)
    assert reply.error is not None and reply.error.kind == "dropped"
    assert "dropped mid-reply" in reply.error.message and "partial reply is kept" in reply.error.hint
    assert len(reply.thinking) == 6
    assert (await chat(engine)).error is None  # the next request works


async def test_a_stalled_stream_times_out(server: OpenAISimulator) -> None:
    server.inject(Fault("stall", after_tokens=3, seconds=30))
    engine = OpenAIEngine(server.url, stall_timeout=0.3)
    reply = await chat(engine)
    await engine.close()
    assert reply.error is not None and reply.error.kind == "stalled" and len(reply.thinking) == 2


async def test_nothing_listening_is_cannot_reach() -> None:
    engine = OpenAIEngine("http://127.0.0.1:9")
    reply = await chat(engine)
    with pytest.raises(GlmTuiError) as caught:
        await engine.version()
    await engine.close()
    assert reply.error is not None and reply.error.kind == "connect"
    assert "Cannot reach the engine at http://127.0.0.1:9" in reply.error.message
    assert caught.value.kind == "connect"


# ----- simple calls -------------------------------------------------------------------------------------
async def test_version_per_flavour(server: OpenAISimulator) -> None:
    for flavour in (server.flavour, None):  # probed, or not: both routes are tried
        engine = OpenAIEngine(server.url + "/v1/", flavour=flavour)  # a url with /v1 works too
        assert await engine.version() == server.version
        await engine.close()


async def test_models_and_their_context_window(server: OpenAISimulator, engine: OpenAIEngine) -> None:
    server.max_model_len = 32768
    [info] = await engine.list_models()
    assert info.name == MODEL and info.family == server.flavour
    shown = await engine.show(MODEL)
    assert shown.context_length == 32768 and shown.family == server.flavour
    assert shown.can_think
    thinking = str(shown.model_info["thinking"])
    # SGLang names its reasoning parser; vLLM does not say, so thinking is assumed, and says so.
    if server.flavour == "sglang":
        assert thinking == "reasoning parser glm45"
    else:
        assert thinking.startswith("assumed")
    await chat(engine)
    assert (await engine.show(MODEL)).model_info["thinking"] == "seen: a reply carried reasoning"


async def test_no_pulls_deletes_or_ps(engine: OpenAIEngine) -> None:
    caps = engine.capabilities
    assert not (caps.pull or caps.delete or caps.loaded_models) and caps.metrics
    assert await engine.ps() == []
    with pytest.raises(GlmTuiError) as caught:
        await engine.unload(MODEL)
    assert "serve the models they were started with" in caught.value.message


async def test_make_engine_by_kind() -> None:
    assert isinstance(make_engine("ollama", "http://127.0.0.1:11434"), OllamaService)
    made = make_engine("openai", "http://127.0.0.1:8000", stall_timeout=5.0, first_token_timeout=9.0)
    assert isinstance(made, OpenAIEngine) and made.kind == "openai"
    assert (made.stall_timeout, made.first_token_timeout) == (5.0, 9.0)
    with pytest.raises(ValueError, match="probe"):
        make_engine("auto", "http://127.0.0.1:8000")


IMPORT_THREAD = """
import asyncio, sys, threading
from glmtui.services.engines.openai import OpenAIEngine

assert "openai" not in sys.modules  # the engine's module alone does not import the client
where = []


class Watch:
    def find_spec(self, name, path=None, target=None):
        if name == "openai":
            where.append(threading.current_thread() is threading.main_thread())
        return None


sys.meta_path.insert(0, Watch())


async def main(url):
    engine = OpenAIEngine(url)
    print(await engine.version(), len(await engine.list_models()))
    await engine.close()


asyncio.run(main(sys.argv[1]))
print("main thread" if any(where) else "worker thread" if where else "never")
"""


def test_the_openai_client_is_imported_off_the_event_loop(server: OpenAISimulator) -> None:
    """`import openai` costs ~0.5 s of CPU: on the event loop it froze the UI right after the first
    frame of a run with an OpenAI endpoint (`--demo`'s node1). A fresh interpreter shows where it ran."""
    out = subprocess.run(
        [sys.executable, "-c", IMPORT_THREAD, server.url], capture_output=True, text=True, check=True
    )
    assert out.stdout.split("\n")[:2] == [f"{server.version} 1", "worker thread"]
