"""What answers at a url, for an endpoint of kind `auto`: each engine by the route only it serves, an
HTTP server that is neither (named for what it says it is), bytes that are not HTTP, nothing at all."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from functools import partial
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from glmtui.services.engines.probe import probe
from glmtui.simulator import OpenAISimulator, Simulator
from tests.helpers import SIM_RATE, answer_json


def serve(server: ThreadingHTTPServer) -> Iterator[str]:
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class ModelsOnly(BaseHTTPRequestHandler):
    """Another OpenAI-compatible server (llama.cpp's, LM Studio...): `/v1/models`, and 404 for the rest."""

    def do_GET(self) -> None:
        if self.path == "/v1/models":
            card = {"id": "some-model", "object": "model", "owned_by": "me"}
            body: Any = {"object": "list", "data": [card]}
            status = 200
        else:
            body, status = {"error": {"message": "Unknown route"}}, 404
        answer_json(self, status, body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class OlderSGLang(ModelsOnly):
    """An SGLang from before `/model_info`: only the deprecated `/get_model_info` names the model."""

    def do_GET(self) -> None:
        routes: dict[str, Any] = {
            "/v1/models": {"object": "list", "data": [{"id": "glm", "owned_by": "sglang"}]},
            "/get_model_info": {"model_path": "zai-org/GLM-4.7-Flash", "is_generation": True},
            "/get_server_info": {"version": "0.4.6"},
        }
        answer_json(self, 200 if self.path in routes else 404, routes.get(self.path, {"detail": "Not Found"}))


async def test_an_sglang_without_model_info_is_found_by_its_deprecated_route() -> None:
    for url in serve(ThreadingHTTPServer(("127.0.0.1", 0), OlderSGLang)):
        found = await probe(url)
        # its version is read only once the model facts have named it SGLang
        assert (found.kind, found.flavour, found.version) == ("openai", "sglang", "0.4.6"), found


@pytest.fixture
def static_server(tmp_path: Path) -> Iterator[str]:
    """`python3 -m http.server`: HTTP, but neither engine."""
    yield from serve(
        ThreadingHTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(tmp_path)))
    )


@pytest.fixture
def models_only() -> Iterator[str]:
    yield from serve(ThreadingHTTPServer(("127.0.0.1", 0), ModelsOnly))


@pytest.fixture
def garbage_server() -> Iterator[str]:
    """A TCP port that answers every connection with bytes that are not HTTP, and hangs up."""
    listener = socket.create_server(("127.0.0.1", 0))

    def answer() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return  # closed: the test is over
            with conn:
                conn.sendall(b"\x00\x01SSH-2.0-garbage\r\nnot http at all\r\n\r\n")

    threading.Thread(target=answer, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()


async def test_ollama(sim: Simulator) -> None:
    found = await probe(sim.url)
    assert (found.kind, found.flavour) == ("ollama", "ollama")
    assert found.version and found.message == f"Ollama {found.version} at {sim.url}"


@pytest.mark.parametrize(("flavour", "name"), [("vllm", "vLLM 0.17.1"), ("sglang", "SGLang 0.5.9")])
async def test_each_openai_engine_by_its_own_route(flavour: str, name: str) -> None:
    with OpenAISimulator(flavour, rate=SIM_RATE) as sim:  # type: ignore[arg-type]
        found = await probe(sim.url + "/v1")  # a url written for OpenAI clients works too
    assert (found.kind, found.flavour, found.version) == ("openai", flavour, name.split()[1])
    assert found.message == f"{name} at {sim.url}"


@pytest.mark.parametrize("flavour", ["vllm", "sglang"])
async def test_an_engine_behind_a_key_is_found_and_says_it_needs_one(flavour: str) -> None:
    with OpenAISimulator(flavour, rate=SIM_RATE, api_key="sekrit") as sim:  # type: ignore[arg-type]
        without = await probe(sim.url)
        keyed = await probe(sim.url, api_key="sekrit")
    assert without.kind == "openai" and "needs an API key" in without.message
    assert "sekrit" not in without.message and "sekrit" not in keyed.message
    assert (keyed.kind, keyed.flavour) == ("openai", flavour) and "needs" not in keyed.message


async def test_another_openai_compatible_server(models_only: str) -> None:
    found = await probe(models_only)
    assert (found.kind, found.flavour, found.version) == ("openai", "openai", None)
    assert found.message == f"an OpenAI-compatible server at {models_only}"


async def test_http_but_neither_names_what_answered(static_server: str) -> None:
    found = await probe(static_server)
    assert found.kind is None
    assert "speaks HTTP but is neither Ollama nor OpenAI-compatible" in found.message
    assert "SimpleHTTP" in found.message  # its Server header
    assert "/api/version gave HTTP 404, /v1/models HTTP 404" in found.message


async def test_not_http_and_nothing_listening(garbage_server: str) -> None:
    garbage = await probe(garbage_server)
    assert garbage.kind is None and "does not speak HTTP" in garbage.message
    refused = await probe("http://127.0.0.1:9")
    assert refused.kind is None
    assert refused.message == "Cannot reach http://127.0.0.1:9: nothing is listening there"
