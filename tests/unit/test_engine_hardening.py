"""Issue 14, hostile review: what the endpoints, the OpenAI engine, the probe and the metrics feed get
wrong, each over a real socket through the real clients. Each test pinned a bug found (filed as a
strict xfail, the marker removed with the fix).

A canned HTTP server (`Canned`) stands in where the simulators cannot misbehave the way a proxy, an
odd server or a broken exporter does: junk SSE lines, a whole reply in one read, a bad histogram label.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from glmtui.chat_endpoint import build_registry
from glmtui.config import Config, load_config
from glmtui.core.endpoints import Endpoint
from glmtui.core.errors import GlmTuiError
from glmtui.core.state import GenerationStats
from glmtui.core.stats import LiveStats
from glmtui.services.engines.base import ContentDelta, StreamDone
from glmtui.services.engines.ollama import OllamaService
from glmtui.services.engines.openai import OpenAIEngine
from glmtui.services.engines.probe import probe
from glmtui.services.metrics_feed import MetricsFeed, MetricsTarget, wanted
from glmtui.simulator import OpenAISimulator
from tests.helpers import SIM_RATE, ask

Route = tuple[int, str, bytes]  # status, content type, body


class Canned:
    """A loopback HTTP/1.1 server answering each path with a fixed response (404 for the rest)."""

    def __init__(self, routes: Mapping[str, Route]) -> None:
        table = dict(routes)

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                status, ctype, body = table.get(
                    self.path.split("?")[0], (404, "application/json", b'{"detail":"Not Found"}')
                )
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = answer

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    def __enter__(self) -> str:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def sse(*events: object) -> Route:
    lines = "".join(f"data: {e if isinstance(e, str) else json.dumps(e)}\n\n" for e in events)
    return 200, "text/event-stream", lines.encode()


def chunk(content: str | None = None, finish: str | None = None, **extra: Any) -> dict[str, Any]:
    delta = {"content": content} if content is not None else {}
    return {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "m",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        **extra,
    }


async def run_chat(route: Route) -> tuple[list[str], GenerationStats | None, GlmTuiError | None]:
    with Canned({"/v1/chat/completions": route}) as url:
        engine = OpenAIEngine(url, flavour="vllm")
        texts: list[str] = []
        stats: GenerationStats | None = None
        error: GlmTuiError | None = None
        try:
            async for event in engine.chat("m", ask("hi"), think="on", live=LiveStats()):
                if isinstance(event, ContentDelta):
                    texts.append(event.text)
                elif isinstance(event, StreamDone):
                    stats = event.stats
        except GlmTuiError as exc:
            error = exc
        finally:
            await engine.close()
    return texts, stats, error


# -- secrets ------------------------------------------------------------------------------------------


def test_a_key_written_in_api_key_env_is_not_printed_in_the_config_problems(tmp_path: Path) -> None:
    secret = "sk-proj-S3CRETkeyABCDEF0123"
    path = tmp_path / "config.toml"
    path.write_text(f'[[endpoints]]\nname = "node1"\nurl = "http://node1:8000"\napi_key_env = "{secret}"\n')
    _, problems = load_config(path)
    assert problems  # it is reported...
    assert all(secret not in str(problem) for problem in problems)  # ...without the key


def test_a_metrics_target_repr_never_shows_the_key() -> None:
    target = MetricsTarget("http://node1:8000", api_key="sk-live-0123456789abcdef", flavour="vllm")
    assert "sk-live-0123456789abcdef" not in repr(target)


# -- the OpenAI engine ------------------------------------------------------------------------------


JUNK = {
    "a data line that is not JSON (a proxy's keep-alive)": "keep-alive",
    "a chunk without choices": {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m"},
    "a choice whose delta is null": {**chunk(), "choices": [{"index": 0, "delta": None}]},
}


@pytest.mark.parametrize("junk", list(JUNK.values()), ids=list(JUNK))
async def test_junk_in_the_stream_is_not_an_internal_error(junk: object) -> None:
    texts, _stats, error = await run_chat(sse(chunk("kept "), junk, chunk("and more"), chunk(finish="stop")))
    assert texts[:1] == ["kept "]  # the partial reply, either way
    assert error is None or error.kind != "internal", error


def ndjson(*lines: object) -> Route:
    return 200, "application/x-ndjson", "".join(json.dumps(line) + "\n" for line in lines).encode()


def ollama_line(content: object = None, *, done: bool = False, **extra: Any) -> dict[str, Any]:
    message = {"role": "assistant", "content": content} if content is not None else None
    return {"model": "m", "created_at": "2026-11-29T00:00:00Z", "message": message, "done": done, **extra}


OLLAMA_JUNK = {
    "a message that is null": ollama_line(),
    "content that is not text": ollama_line(5),
    "thinking that is not text": {**ollama_line(""), "message": {"role": "assistant", "thinking": ["x"]}},
}


@pytest.mark.parametrize("junk", list(OLLAMA_JUNK.values()), ids=list(OLLAMA_JUNK))
async def test_junk_in_an_ollama_stream_is_skipped_not_an_internal_error(junk: object) -> None:
    # Before, each line went through the client's pydantic ChatResponse: junk in one failed the reply as
    # "Unexpected error: ValidationError". Lines are now read as JSON objects, as the OpenAI engine's are.
    final = ollama_line("", done=True, done_reason="stop", eval_count=2, eval_duration=10**8)
    route = ndjson(ollama_line("kept "), junk, ollama_line("and more"), final)
    with Canned({"/api/chat": route}) as url:
        engine = OllamaService(url)
        events = [event async for event in engine.chat("m", ask("hi"), think=None, live=LiveStats())]
        await engine.close()
    assert [e.text for e in events if isinstance(e, ContentDelta)] == ["kept ", "and more"]
    done = events[-1]
    assert isinstance(done, StreamDone) and done.stats.eval_count == 2 and done.stats.done_reason == "stop"


# -- the probe --------------------------------------------------------------------------------------


async def test_https_to_a_plain_http_engine_is_not_nothing_listening() -> None:
    with OpenAISimulator("vllm", rate=SIM_RATE) as sim:
        found = await probe(sim.url.replace("http://", "https://"))
    assert found.kind is None
    assert "nothing is listening" not in found.message, found.message


async def test_a_refused_key_is_not_told_to_set_api_key_env() -> None:
    with OpenAISimulator("vllm", rate=SIM_RATE, api_key="right-key") as sim:
        found = await probe(sim.url, api_key="wrong-key")
    assert found.kind == "openai"
    assert "set the endpoint's api_key_env" not in found.message, found.message
    assert "wrong-key" not in found.message


# -- the metrics feed -------------------------------------------------------------------------------

BAD_LE = b"""# TYPE vllm:time_to_first_token_seconds histogram
vllm:time_to_first_token_seconds_bucket{le="0.1",model_name="m"} 1
vllm:time_to_first_token_seconds_bucket{le="fast",model_name="m"} 1
vllm:time_to_first_token_seconds_bucket{le="+Inf",model_name="m"} 1
vllm:time_to_first_token_seconds_count{model_name="m"} 1
vllm:time_to_first_token_seconds_sum{model_name="m"} 0.05
vllm:num_requests_running{model_name="m"} 0
"""


async def test_a_histogram_with_a_bad_bucket_label_does_not_end_the_feed() -> None:
    with Canned({"/metrics": (200, "text/plain; version=0.0.4", BAD_LE)}) as url:
        feed = MetricsFeed(2.0, publish=lambda _: None)
        feed.watch(MetricsTarget(url, flavour="vllm"))
        try:
            first = await feed.tick()
            second = await feed.tick()  # the first one with a previous scrape: the buckets are read
        finally:
            await feed.close()
    assert first is not None and second is not None
    assert second.state in ("ok", "invalid")


def test_a_large_foreign_metrics_page_is_not_handed_whole_to_the_parser() -> None:
    lines = ["# TYPE gateway_requests gauge"]
    lines += [f'gateway_requests{{route="r{i}",pod="p{i % 97}"}} {i}' for i in range(50_000)]
    text = "\n".join(lines) + "\n"  # ~2 MB, a gateway's exporter
    assert len(wanted(text)) < 100_000


# -- endpoints ------------------------------------------------------------------------------------


def test_two_endpoints_on_one_url_keep_their_own_names() -> None:
    url = "http://127.0.0.1:9"
    config = Config(endpoints=(Endpoint("fast", url, "openai"), Endpoint("slow", url, "openai")))
    registry = build_registry(config, lambda _: None)
    names = [getattr(registry.engine(name), "endpoint_name", None) for name in ("fast", "slow")]
    assert names == ["fast", "slow"]
