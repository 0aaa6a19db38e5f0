"""MetricsFeed against the OpenAI-compatible simulator over sockets: a chat request made through the
official openai client moves the figures; a restart shows as a reset; SGLang without --enable-metrics
is "off"; a key goes as a Bearer header; a dead port is "unreachable"; the panel follows the engine."""

from __future__ import annotations

import http.server
import threading

import httpx
import openai

from glmtui.core.engine_metrics import EngineMetrics
from glmtui.services.engines.base import EngineCapabilities
from glmtui.services.metrics_feed import MetricsFeed, MetricsTarget, target_of
from glmtui.simulator import OpenAISimulator
from tests.helpers import SIM_RATE

MODEL = "glm-4.7-flash"


async def chat(sim: OpenAISimulator, api_key: str = "none") -> None:
    async with openai.AsyncOpenAI(base_url=f"{sim.url}/v1", api_key=api_key, max_retries=0) as client:
        await client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}])


def feed(published: list[EngineMetrics]) -> MetricsFeed:
    return MetricsFeed(2.0, publish=published.append)


async def test_vllm_figures_move_with_a_chat_request() -> None:
    published: list[EngineMetrics] = []
    metrics = feed(published)
    with OpenAISimulator("vllm", rate=SIM_RATE, spec_decode=True) as sim:
        metrics.watch(MetricsTarget(f"{sim.url}/v1", flavour="vllm", version="0.17.1", name="node1"))
        first = await metrics.tick()
        await chat(sim)
        second = await metrics.tick()
    await metrics.close()
    assert first is not None and second is not None
    assert first.state == "ok" and first.flavour == "vllm" and first.where == "node1"
    (before,) = first.models
    assert before.gen_tps is None and before.ttft_p50 is None and before.running == 0
    (after,) = second.models
    assert after.model == MODEL
    assert after.gen_tps is not None and after.gen_tps > 0
    assert after.ttft_p50 is not None and after.itl_p50 is not None and after.itl_p95 is not None
    assert after.spec_acceptance_percent is not None and after.spec_mean_length is not None
    assert after.kv_percent is not None and after.prefix_hit_percent is not None
    assert not second.reset
    assert published[-1] == second  # published through the callable, as the app's signal gets it


async def test_a_restart_is_said_and_no_rate_goes_negative() -> None:
    metrics = feed([])
    with OpenAISimulator("vllm", rate=SIM_RATE) as sim:
        metrics.watch(MetricsTarget(sim.url, flavour="vllm"))
        await metrics.tick()
        await chat(sim)
        await metrics.tick()
        sim.restart_metrics()
        after = await metrics.tick()
        later = await metrics.tick()
    await metrics.close()
    assert after is not None and after.reset
    (figures,) = after.models
    assert figures.gen_tps is None  # not a negative rate over the restart
    assert figures.ttft_p50 is not None  # the last known latency stays shown, with the note
    assert later is not None and later.reset  # the note stays a while (RESET_NOTE_S)
    assert later.models[0].gen_tps == 0.0  # rates resume from the new counters


async def test_sglang_without_enable_metrics_is_off_and_with_it_reads_its_own_throughput() -> None:
    metrics = feed([])
    with OpenAISimulator("sglang", rate=SIM_RATE, metrics=False) as sim:
        metrics.watch(MetricsTarget(sim.url, flavour="sglang"))
        off = await metrics.tick()
    assert off is not None and off.state == "off"
    assert "--enable-metrics" in off.message
    with OpenAISimulator("sglang", rate=SIM_RATE, spec_decode=True) as sim:
        metrics.watch(MetricsTarget(sim.url, flavour="sglang"))
        await metrics.tick()
        await chat(sim)
        on = await metrics.tick()
    await metrics.close()
    assert on is not None and on.state == "ok" and on.flavour == "sglang"
    (figures,) = on.models
    assert figures.gen_tps_source == "engine"
    assert figures.spec_mean_length is not None and figures.spec_mean_length > 1


class KeyedProxy(http.server.BaseHTTPRequestHandler):
    """A proxy in front of an engine that guards /metrics with a Bearer key (the engines leave it open:
    vLLM's key guards /v1 only, SGLang exempts /metrics), answering what the engine behind would."""

    body = ""

    def do_GET(self) -> None:
        ok = self.headers.get("Authorization") == "Bearer sekrit"
        data = self.body.encode() if ok else b"Unauthorized"
        self.send_response(200 if ok else 401)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


async def test_the_api_key_goes_as_a_bearer_header() -> None:
    with OpenAISimulator("vllm", rate=SIM_RATE) as sim:
        KeyedProxy.body = httpx.get(f"{sim.url}/metrics").text
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), KeyedProxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    metrics = feed([])
    try:
        metrics.watch(MetricsTarget(url, flavour="vllm"))
        refused = await metrics.tick()
        metrics.watch(MetricsTarget(url, api_key="wrong", flavour="vllm"))
        wrong = await metrics.tick()
        metrics.watch(MetricsTarget(url, api_key="sekrit", flavour="vllm"))
        allowed = await metrics.tick()
    finally:
        await metrics.close()
        server.shutdown()
        server.server_close()
    assert refused is not None and refused.state == "denied" and "needs an API key" in refused.message
    assert wrong is not None and wrong.state == "denied" and "not accepted" in wrong.message
    assert allowed is not None and allowed.state == "ok"


async def test_a_dead_port_is_unreachable() -> None:
    with OpenAISimulator("vllm") as sim:
        url = sim.url
    metrics = feed([])
    metrics.watch(MetricsTarget(url))
    reading = await metrics.tick()
    await metrics.close()
    assert reading is not None and reading.state == "unreachable"


async def test_text_that_is_not_prometheus_is_said() -> None:
    KeyedProxy.body = "<html><body>Sign in</body></html>"  # a proxy's login page, answered 200
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), KeyedProxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    metrics = feed([])
    try:
        metrics.watch(MetricsTarget(f"http://127.0.0.1:{server.server_address[1]}", api_key="sekrit"))
        reading = await metrics.tick()
    finally:
        await metrics.close()
        server.shutdown()
        server.server_close()
    assert reading is not None and reading.state == "invalid"
    assert "not Prometheus text" in reading.message


class FakeEngine:
    """Only what the feed asks of an engine (capabilities, host, version): the scrape itself is real."""

    kind = "openai"

    def __init__(self, host: str, metrics: bool) -> None:
        self.host = host
        self.capabilities = EngineCapabilities(metrics=metrics)
        self.flavour = "vllm"

    async def version(self) -> str:
        return "0.17.1"


async def test_the_feed_follows_the_engine_and_hides_for_one_without_metrics() -> None:
    published: list[EngineMetrics] = []
    with OpenAISimulator("vllm", rate=SIM_RATE) as sim:
        engine = FakeEngine(sim.url, metrics=True)
        metrics = MetricsFeed(2.0, publish=published.append, engine=lambda: engine)  # type: ignore[arg-type,return-value]
        reading = await metrics.tick()
        assert reading is not None and reading.state == "ok" and reading.version == "0.17.1"
        engine = FakeEngine("http://127.0.0.1:11434", metrics=False)  # the chat moved to an Ollama
        assert await metrics.tick() is None
    await metrics.close()
    assert published[-1].state == "absent"
    assert target_of(engine) is None  # type: ignore[arg-type]
