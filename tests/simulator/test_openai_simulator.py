"""The OpenAI-compatible simulator through the official ``openai`` client: each flavour's fields and errors.

Real sockets, the client's own retries off (``max_retries=0``), so every error arrives as the client
surfaces it. Raw httpx is used only for what the client does not read (health, version, info endpoints).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import openai
import pytest

from glmtui.simulator import Fault, OpenAISimulator
from tests.helpers import SIM_RATE

MODEL = "glm-4.7-flash"
HI = [{"role": "user", "content": "hi"}]


@pytest.fixture(params=["vllm", "sglang"])
def engine(request: pytest.FixtureRequest) -> Iterator[OpenAISimulator]:
    with OpenAISimulator(request.param, rate=SIM_RATE) as sim:
        yield sim


def client(sim: OpenAISimulator, key: str = "none") -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{sim.url}/v1", api_key=key, max_retries=0)


def stream(sim: OpenAISimulator, **extra: object) -> list[openai.types.chat.ChatCompletionChunk]:
    with client(sim) as c:
        return list(c.chat.completions.create(model=MODEL, messages=HI, stream=True, **extra))  # type: ignore[call-overload]


def fields(chunks: list[openai.types.chat.ChatCompletionChunk], name: str) -> str:
    return "".join((ch.choices[0].delta.model_extra or {}).get(name) or "" for ch in chunks if ch.choices)


# ----- models and reasoning ------------------------------------------------------------------------------
def test_models_list_carries_each_engines_card(engine: OpenAISimulator) -> None:
    with client(engine) as c:
        [card] = c.models.list().data
    extra = card.model_extra or {}
    assert card.id == MODEL and extra["max_model_len"] == 202752
    assert card.owned_by == engine.flavour
    if engine.flavour == "vllm":
        assert (
            extra["root"] == "zai-org/GLM-4.7-Flash"
            and extra["permission"][0]["object"] == "model_permission"
        )
    else:
        assert extra["root"] == MODEL and "permission" not in extra


@pytest.mark.parametrize(
    ("flavour", "version", "present", "absent"),
    [
        ("vllm", "0.17.1", {"reasoning"}, {"reasoning_content"}),
        ("vllm", "0.12.0", {"reasoning", "reasoning_content"}, set()),
        ("vllm", "0.11.0", {"reasoning_content"}, {"reasoning"}),
        ("sglang", "0.5.9", {"reasoning_content"}, {"reasoning"}),
    ],
)
def test_thinking_arrives_in_the_versions_reasoning_field(
    flavour: str, version: str, present: set[str], absent: set[str]
) -> None:
    with OpenAISimulator(flavour, rate=SIM_RATE, version=version) as sim:  # type: ignore[arg-type]
        chunks = stream(sim)
    assert chunks[0].choices[0].delta.role == "assistant"
    for name in present:
        assert fields(chunks, name).startswith("The user wants")
    for name in absent:
        assert fields(chunks, name) == ""
    assert "## Answer from glm-4.7-flash" in "".join(ch.choices[0].delta.content or "" for ch in chunks)
    assert chunks[-1].choices[0].finish_reason == "stop"


def test_think_off_sends_no_reasoning(engine: OpenAISimulator) -> None:
    chunks = stream(engine, extra_body={"chat_template_kwargs": {"enable_thinking": False}})
    assert fields(chunks, "reasoning") == fields(chunks, "reasoning_content") == ""
    assert "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices)


def test_usage_chunk_counts_reasoning_in_completion_tokens(engine: OpenAISimulator) -> None:
    chunks = stream(engine, stream_options={"include_usage": True}, max_tokens=40)
    last = chunks[-1]
    assert last.choices == [] and last.usage is not None
    assert last.usage.completion_tokens == 40  # reasoning and answer together, capped by max_tokens
    assert last.usage.total_tokens == last.usage.prompt_tokens + 40
    assert chunks[-2].choices[0].finish_reason == "length"
    reasoning = (last.usage.model_extra or {}).get("reasoning_tokens")
    assert reasoning == (40 if engine.flavour == "sglang" else None)


def test_without_include_usage_there_is_no_usage_chunk(engine: OpenAISimulator) -> None:
    assert all(ch.usage is None and ch.choices for ch in stream(engine))


def test_non_streaming_completion_has_message_reasoning(engine: OpenAISimulator) -> None:
    with client(engine) as c:
        reply = c.chat.completions.create(model=MODEL, messages=HI)
    message = reply.choices[0].message
    key = "reasoning" if engine.flavour == "vllm" else "reasoning_content"
    assert (message.model_extra or {})[key].startswith("The user wants")
    assert message.content and reply.usage and reply.usage.completion_tokens > 0


# ----- errors -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("flavour", ["vllm", "sglang"])
def test_api_key_missing_or_wrong_is_401(flavour: str) -> None:
    with OpenAISimulator(flavour, rate=SIM_RATE, api_key="sekrit") as sim:  # type: ignore[arg-type]
        for key in ("wrong", "none"):
            with client(sim, key) as c, pytest.raises(openai.AuthenticationError) as caught:
                c.models.list()
            assert caught.value.status_code == 401 and caught.value.body == "Unauthorized"
        with client(sim, "sekrit") as c:
            assert c.models.list().data
        assert httpx.get(f"{sim.url}/health").status_code == 200  # health is never behind the key


def test_unknown_model_is_404_on_vllm_and_answered_on_sglang() -> None:
    with OpenAISimulator("vllm", rate=SIM_RATE) as sim, client(sim) as c:
        with pytest.raises(openai.NotFoundError) as caught:
            c.chat.completions.create(model="nope", messages=HI)
        assert caught.value.body == {
            "message": "The model `nope` does not exist.",
            "type": "NotFoundError",
            "param": "model",
            "code": 404,
        }
    with OpenAISimulator("sglang", rate=SIM_RATE) as sim, client(sim) as c:
        # SGLang's Python chat route does not check the name (sglang#7035) and echoes it back.
        assert c.chat.completions.create(model="nope", messages=HI).model == "nope"
        assert httpx.get(f"{sim.url}/v1/models/nope").json()["error"]["code"] == "model_not_found"


def test_old_vllm_errors_are_flat() -> None:
    with OpenAISimulator("vllm", rate=SIM_RATE, version="0.10.0") as sim:
        body = httpx.post(f"{sim.url}/v1/chat/completions", json={"model": "x", "messages": HI}).json()
    assert body["object"] == "error" and body["code"] == 404


def test_loading_answers_503_until_ready(engine: OpenAISimulator) -> None:
    engine.loading = True
    assert httpx.get(f"{engine.url}/health").status_code == 503
    with client(engine) as c, pytest.raises(openai.InternalServerError) as caught:
        c.chat.completions.create(model=MODEL, messages=HI)
    assert caught.value.status_code == 503
    engine.loading = False
    assert httpx.get(f"{engine.url}/health").status_code == 200


def test_loading_seconds_hold_health_at_503_from_the_start() -> None:
    with OpenAISimulator("sglang", loading_seconds=60) as sim:
        assert httpx.get(f"{sim.url}/health").status_code == 503
        assert sim.loading


def test_error_event_inside_a_200_stream(engine: OpenAISimulator) -> None:
    engine.inject(Fault("error", after_tokens=4, message="engine died"))
    seen = []
    with client(engine) as c, pytest.raises(openai.APIError) as caught:
        for ch in c.chat.completions.create(model=MODEL, messages=HI, stream=True):
            seen.append(ch)
    assert len(seen) == 4 and "engine died" in str(caught.value.message)
    raw = httpx.post(
        f"{engine.url}/v1/chat/completions", json={"model": MODEL, "messages": HI, "stream": True}
    )
    assert raw.status_code == 200 and raw.text.endswith("data: [DONE]\n\n")


def test_error_event_shape_per_flavour(engine: OpenAISimulator) -> None:
    engine.inject(Fault("error", after_tokens=1, message="boom"))
    body = {"model": MODEL, "messages": HI, "stream": True}
    events = httpx.post(f"{engine.url}/v1/chat/completions", json=body).text.split("\n\n")
    assert events[-2:] == ["data: [DONE]", ""]
    error = events[-3]
    if engine.flavour == "vllm":
        assert '"error": {"message": "boom", "type": "InternalServerError"' in error
    else:
        assert '"error": {"object": "error", "message": "boom"' in error


def test_dropped_stream_raises_and_the_next_request_works(engine: OpenAISimulator) -> None:
    engine.inject(Fault("drop", after_tokens=6))
    seen = []
    with client(engine) as c:
        with pytest.raises((httpx.HTTPError, openai.APIError)):
            for ch in c.chat.completions.create(model=MODEL, messages=HI, stream=True):
                seen.append(ch)
        assert len(seen) == 6
        assert c.chat.completions.create(model=MODEL, messages=HI).choices[0].finish_reason == "stop"


def test_http500_fault_is_the_engines_500(engine: OpenAISimulator) -> None:
    engine.inject(Fault("http500", message="kaputt"))
    with client(engine) as c, pytest.raises(openai.InternalServerError) as caught:
        c.chat.completions.create(model=MODEL, messages=HI, stream=True)
    assert "kaputt" in caught.value.message


# ----- small endpoints ----------------------------------------------------------------------------------
def test_each_flavour_serves_its_own_endpoints_and_404s_the_others(engine: OpenAISimulator) -> None:
    get = lambda path: httpx.get(f"{engine.url}{path}")  # noqa: E731
    assert get("/health").status_code == 200 and get("/health").content == b""
    if engine.flavour == "vllm":
        assert get("/version").json() == {"version": engine.version}
        assert get("/get_model_info").json() == {"detail": "Not Found"}
    else:
        info = get("/get_model_info").json()
        assert info["model_path"] == "zai-org/GLM-4.7-Flash" and info["is_generation"] is True
        server = get("/get_server_info").json()
        assert server["version"] == engine.version and server["reasoning_parser"] == "glm45"
        assert get("/version").status_code == 404
    assert get("/api/version").status_code == 404  # not an Ollama


def test_version_is_settable() -> None:
    with OpenAISimulator("vllm", version="0.11.2") as sim:
        assert httpx.get(f"{sim.url}/version").json() == {"version": "0.11.2"}
        httpx.post(f"{sim.url}/_sim/config", json={"version": "0.12.0"}).raise_for_status()
        assert httpx.get(f"{sim.url}/version").json() == {"version": "0.12.0"}
