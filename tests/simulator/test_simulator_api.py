"""The Ollama simulator's API, exercised only through the official ``ollama`` client over a real socket.

Raw httpx / http.client is used only for what the client cannot express (HEAD, status codes, headers,
malformed bodies, the ``/_sim`` control endpoints). Tests wait on conditions, never on fixed sleeps; the
only timing assertions are lower bounds that the simulator's own sleeps guarantee.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import re

import httpx
import ollama
import pytest

from glmtui.simulator import Fault, Simulator
from glmtui.simulator.catalogue import SPECS
from tests.helpers import SIM_RATE, ask, wait_for


# ----- plain endpoints --------------------------------------------------------------------------------
def test_root_version_and_unknown_path(sim: Simulator) -> None:
    with httpx.Client(base_url=sim.url) as raw:
        root = raw.get("/")
        assert (root.status_code, root.text) == (200, "Ollama is running")
        assert root.headers["content-type"].startswith("text/plain")
        head = raw.head("/")
        assert head.status_code == 200 and head.content == b""
        version = raw.get("/api/version")
        assert version.headers["content-type"] == "application/json; charset=utf-8"
        assert re.fullmatch(r"\d+\.\d+\.\d+", version.json()["version"])
        missing = raw.get("/api/nope")
        assert (missing.status_code, missing.text) == (404, "404 page not found")


def test_tags_lists_installed_models(client: ollama.Client) -> None:
    models = {m.model: m for m in client.list().models}
    assert set(models) == {"glm-4.7-flash:latest", "gpt-oss:20b", "qwen3-coder:30b"}
    assert next(iter(models)) == "glm-4.7-flash:latest"  # newest first
    glm = models["glm-4.7-flash:latest"]
    assert glm.digest and re.fullmatch(r"[0-9a-f]{64}", glm.digest)
    assert glm.modified_at is not None and glm.modified_at.tzinfo is not None
    assert 18e9 < (glm.size or 0) < 20e9
    assert glm.details is not None and glm.details.quantization_level == "Q4_K_M"
    assert glm.details.format == "gguf" and glm.details.parameter_size == "29.9B"
    assert models["gpt-oss:20b"].details.quantization_level == "MXFP4"  # type: ignore[union-attr]


def test_show_reports_architecture_and_capabilities(client: ollama.Client) -> None:
    show = client.show("GLM-4.7-Flash")  # no tag means :latest; names match case-insensitively
    assert show.capabilities == ["completion", "tools", "thinking"]
    info = show.modelinfo or {}
    arch = info["general.architecture"]
    for key in (
        "block_count",
        "context_length",
        "embedding_length",
        "attention.head_count",
        "attention.head_count_kv",
        "attention.key_length",
        "attention.value_length",
    ):
        assert isinstance(info[f"{arch}.{key}"], int)
    assert info[f"{arch}.context_length"] == 202752 and info["general.parameter_count"] > 29e9
    assert show.template and show.license and show.parameters and "FROM " in (show.modelfile or "")
    assert "thinking" not in (client.show("qwen3-coder:30b").capabilities or [])
    with pytest.raises(ollama.ResponseError) as err:
        client.show("nope")
    assert err.value.status_code == 404 and err.value.error == "model 'nope:latest' not found"


# ----- chat / generate --------------------------------------------------------------------------------
def test_chat_stream_thinks_then_answers_with_measured_stats(sim: Simulator, client: ollama.Client) -> None:
    parts = list(client.chat("glm-4.7-flash:latest", ask("Write a binary search"), stream=True))
    *chunks, final = parts
    kinds = ["thinking" if c.message.thinking else "content" for c in chunks]
    assert kinds[0] == "thinking" and "thinking" not in kinds[kinds.index("content") :]
    assert all(not (c.message.thinking and c.message.content) for c in chunks)
    assert all(c.model == "glm-4.7-flash:latest" and not c.done and c.created_at for c in chunks)
    content = "".join(c.message.content or "" for c in chunks)
    assert "## Answer from glm-4.7-flash:latest" in content
    assert 'You asked: "Write a binary search"' in content
    assert content.count("```") >= 2 and "\n- " in content
    assert final.done and final.done_reason == "stop" and final.message.content == ""
    assert final.eval_count == len(chunks)
    assert final.prompt_eval_count and final.prompt_eval_count > 0
    assert final.eval_duration and final.eval_duration >= len(chunks) / SIM_RATE * 1e9 * 0.99  # paced
    assert final.load_duration and final.load_duration >= 0.04e9  # first request loads the model
    assert final.prompt_eval_duration and final.total_duration
    assert final.total_duration >= final.load_duration + final.eval_duration
    again = client.chat("glm-4.7-flash:latest", ask("Write a binary search"))
    assert again.load_duration and again.load_duration < final.load_duration  # already loaded
    assert again.message.content == content  # deterministic; stream:false aggregates the same text
    assert again.message.thinking == "".join(c.message.thinking or "" for c in chunks)
    assert again.eval_count == final.eval_count
    assert ("POST", "/api/chat") in [(m, p) for m, p, _ in sim.requests]


def test_generate_uses_top_level_fields(client: ollama.Client) -> None:
    parts = list(client.generate("gpt-oss:20b", "Explain grüße → 🎉", stream=True))
    *chunks, final = parts
    thinking = "".join(c.thinking or "" for c in chunks)
    response = "".join(c.response or "" for c in chunks)
    assert thinking and 'You asked: "Explain grüße → 🎉"' in response  # non-ASCII survives streaming
    assert final.done and final.done_reason == "stop" and final.context
    whole = client.generate("gpt-oss:20b", "Explain grüße → 🎉", system="be brief")
    assert whole.response == response and whole.thinking == thinking


def test_think_levels_and_switches(client: ollama.Client) -> None:
    def thinking(model: str, think: bool | str | None) -> str:
        reply = client.chat(model, ask("Compare sorting algorithms"), think=think)  # type: ignore[arg-type]
        return reply.message.thinking or ""

    low, medium, high = (len(thinking("gpt-oss:20b", lvl)) for lvl in ("low", "medium", "high"))
    assert 0 < low < medium < high
    assert thinking("gpt-oss:20b", False)  # gpt-oss cannot switch its trace off
    assert thinking("glm-4.7-flash", None) and thinking("glm-4.7-flash", True)  # on by default
    assert thinking("glm-4.7-flash", False) == ""
    assert thinking("qwen3-coder:30b", None) == "" and thinking("qwen3-coder:30b", False) == ""
    for think in (True, "low"):
        with pytest.raises(ollama.ResponseError) as err:
            client.chat("qwen3-coder:30b", ask("hi"), think=think)  # type: ignore[arg-type]
        assert err.value.status_code == 400
        assert err.value.error == '"qwen3-coder:30b" does not support thinking'


def test_request_errors(sim: Simulator, client: ollama.Client) -> None:
    with pytest.raises(ollama.ResponseError) as err:
        client.chat("llama9:404b", ask("hi"), stream=True).__next__()
    assert err.value.status_code == 404 and err.value.error == "model 'llama9:404b' not found"
    with httpx.Client(base_url=sim.url) as raw:
        bad = raw.post("/api/chat", content=b'{"model": ')
        assert bad.status_code == 400 and bad.json()["error"]
        assert raw.post("/api/chat", json={"messages": []}).json() == {"error": "model is required"}
        level = raw.post("/api/chat", json={"model": "gpt-oss:20b", "think": "extreme"})
        assert level.status_code == 400 and "invalid think value" in level.json()["error"]


def test_num_predict_and_reply_tokens(sim: Simulator, client: ollama.Client) -> None:
    cut = client.chat("qwen3-coder:30b", ask("long please"), options={"num_predict": 12})
    assert cut.done_reason == "length" and cut.eval_count == 12
    sim.reply_tokens = 3000
    long = client.chat("qwen3-coder:30b", ask("long please"), stream=True)
    *chunks, final = list(long)
    text = "".join(c.message.content or "" for c in chunks)
    assert final.eval_count == len(chunks) == 3000 and final.done_reason == "stop"
    assert text.count("```") >= 6 and text.count("```") % 2 == 0  # several complete code blocks


async def test_async_client_runs_two_streams_at_once(sim: Simulator) -> None:
    client = ollama.AsyncClient(host=sim.url)

    async def run(prompt: str) -> list[ollama.ChatResponse]:
        return [part async for part in await client.chat("qwen3-coder:30b", ask(prompt), stream=True)]

    a, b = await asyncio.gather(run("left"), run("right"))
    assert a[-1].done and b[-1].done and a[-1].eval_count == len(a) - 1 and b[-1].eval_count == len(b) - 1
    assert 'You asked: "left"' in "".join(p.message.content or "" for p in a)


# ----- pull / delete / copy ---------------------------------------------------------------------------
def test_pull_streams_ollamas_sequence(client: ollama.Client) -> None:
    lines = list(client.pull("glm-4.7-flash:q8_0", stream=True))
    statuses = [p.status for p in lines]
    assert statuses[0] == "pulling manifest"
    assert statuses[-3:] == ["verifying sha256 digest", "writing manifest", "success"]
    layers: dict[str, list[int]] = {}
    for p in lines[1:-3]:
        assert p.digest and p.status == f"pulling {p.digest[7:19]}" and p.total
        layers.setdefault(p.digest, []).append(p.completed or 0)
    assert len(layers) >= 4
    for progress in layers.values():
        assert progress == sorted(progress)
    weights = max(layers.values(), key=len)
    assert len(weights) > 2 and weights[-1] == max(p.total or 0 for p in lines)
    assert "glm-4.7-flash:q8_0" in [m.model for m in client.list().models]
    again = [p for p in client.pull("glm-4.7-flash:q8_0", stream=True) if p.digest]
    assert all(p.completed == p.total for p in again)  # already on disk: nothing to download
    assert client.pull("gpt-oss:20b").status == "success"  # stream=False


def test_pull_unknown_model_fails_in_band(client: ollama.Client) -> None:
    with pytest.raises(ollama.ResponseError) as err:
        list(client.pull("llama9:404b", stream=True))
    assert err.value.error == "pull model manifest: file does not exist"


def test_interrupted_pull_resumes(sim: Simulator, client: ollama.Client) -> None:
    sim.inject(Fault(kind="drop", after_tokens=4))  # manifest + three lines of the weights layer
    seen = []
    with pytest.raises(httpx.HTTPError):
        for part in client.pull("gpt-oss:120b", stream=True):
            seen.append(part)
    partial = seen[-1].completed or 0
    assert 0 < partial < (seen[-1].total or 0)
    assert "gpt-oss:120b" not in [m.model for m in client.list().models]
    resumed = list(client.pull("gpt-oss:120b", stream=True))
    # Bytes that arrived after the last reported line are kept too, as on a real disk.
    assert resumed[1].digest == seen[-1].digest
    assert partial <= (resumed[1].completed or 0) < (seen[-1].total or 0)
    assert resumed[-1].status == "success"


def test_copy_and_delete(client: ollama.Client) -> None:
    assert client.copy("glm-4.7-flash", "my-glm").status == "success"
    models = {m.model: m.digest for m in client.list().models}
    assert models["my-glm:latest"] == models["glm-4.7-flash:latest"]
    assert client.delete("my-glm").status == "success"
    assert "my-glm:latest" not in [m.model for m in client.list().models]
    with pytest.raises(ollama.ResponseError) as err:
        client.delete("my-glm")
    assert err.value.status_code == 404 and err.value.error == "model 'my-glm' not found"
    with pytest.raises(ollama.ResponseError) as err:
        client.copy("nope", "other")
    assert err.value.status_code == 404


# ----- loaded models ----------------------------------------------------------------------------------
def test_load_keep_alive_and_unload(client: ollama.Client) -> None:
    assert client.ps().models == []
    loaded = client.chat("gpt-oss:20b", [])
    assert loaded.done_reason == "load" and loaded.message.content == ""
    (entry,) = client.ps().models
    # 24 GiB of simulated VRAM: Ollama's 24–48 GiB tier loads at 32,768 tokens (v0.15.5+).
    assert entry.model == "gpt-oss:20b" and entry.size_vram == entry.size and entry.context_length == 32768
    assert entry.expires_at is not None and entry.expires_at.tzinfo is not None
    unloaded = client.chat("gpt-oss:20b", [], keep_alive=0)
    assert unloaded.done_reason == "unload" and client.ps().models == []
    client.generate("qwen3-coder:30b", "hi", keep_alive=0)  # answer, then unload at once
    assert client.ps().models == []
    client.generate("qwen3-coder:30b", "hi", keep_alive="150ms")
    assert [m.model for m in client.ps().models] == ["qwen3-coder:30b"]
    wait_for(lambda: client.ps().models == [])  # expired


def test_vram_eviction_and_cpu_split() -> None:
    with (
        Simulator(rate=SIM_RATE, load_seconds=0.0, vram_bytes=16 * 1024**3) as small,
        ollama.Client(host=small.url) as client,
    ):
        client.chat("gpt-oss:20b", [])
        client.chat("glm-4.7-flash", [])  # does not fit beside gpt-oss: the older model is evicted
        (entry,) = client.ps().models
        assert entry.model == "glm-4.7-flash:latest"
        # Partly offloaded to CPU: whole layers fill the VRAM left after Ollama's 457 MiB per-GPU reserve
        # (the exact split is pinned in test_simulator_memory).
        assert 0 < (entry.size_vram or 0) < 16 * 1024**3 - 457 * 1024**2 < (entry.size or 0)


def test_wire_format_matches_go(sim: Simulator) -> None:
    """Chunked NDJSON with Go's JSON escaping; non-stream bodies carry Content-Length."""
    conn = http.client.HTTPConnection("127.0.0.1", sim.port, timeout=5)
    body = json.dumps({"model": "qwen3-coder:30b", "messages": ask("<b>&</b>")})
    conn.request("POST", "/api/chat", body, {"Content-Type": "application/json"})
    resp = conn.getresponse()
    assert resp.status == 200 and resp.getheader("Content-Type") == "application/x-ndjson"
    assert resp.getheader("Transfer-Encoding") == "chunked"
    raw = resp.read()
    assert b"\\u003cb\\u003e" in raw and b"\\u0026" in raw and b"<" not in raw and b"&" not in raw
    lines = raw.decode().splitlines()
    assert json.loads(lines[-1])["done"] is True
    conn.request("GET", "/api/tags")  # same connection: keep-alive works
    tags = conn.getresponse()
    assert tags.status == 200 and int(tags.getheader("Content-Length") or 0) == len(tags.read())
    conn.close()


def test_bigger_variants_stream_slower_unless_rates_are_uniform(
    sim: Simulator, client: ollama.Client
) -> None:
    sim.rate, sim.reply_tokens = 200.0, 40
    sim.store.install("glm-4.7-flash:q8_0", SPECS["glm-4.7-flash:q8_0"])

    def rate(model: str) -> float:
        done = client.chat(model, ask("hi"), think=False)
        return done.eval_count / (done.eval_duration / 1e9)

    q4, q8 = rate("glm-4.7-flash:latest"), rate("glm-4.7-flash:q8_0")
    assert q8 < q4 * 0.85  # q8_0 streams at 0.75× of q4_K_M
    sim.model_speeds = False
    assert rate("glm-4.7-flash:q8_0") > q4 * 0.9
