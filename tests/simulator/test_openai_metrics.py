"""The engines' /metrics as prometheus_client's own text parser reads them: names, types, labels, motion."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx
import openai
from prometheus_client.parser import text_string_to_metric_families

from glmtui.simulator import OpenAISimulator
from tests.helpers import SIM_RATE

MODEL = "glm-4.7-flash"
HI = [{"role": "user", "content": "hi"}]


def scrape(sim: OpenAISimulator) -> dict[str, dict[str, object]]:
    """family name → {"type": …, "samples": {sample name + sorted labels: value}}."""
    response = httpx.get(f"{sim.url}/metrics")
    response.raise_for_status()
    out: dict[str, dict[str, object]] = {}
    for family in text_string_to_metric_families(response.text):
        samples = {(s.name, tuple(sorted(s.labels.items()))): s.value for s in family.samples}
        out[family.name] = {"type": family.type, "samples": samples}
    return out


def value(metrics: dict[str, dict[str, object]], sample: str, **labels: str) -> float:
    for family in metrics.values():
        for (name, pairs), number in family["samples"].items():  # type: ignore[attr-defined]
            if name == sample and set(labels.items()) <= set(pairs):
                return float(number)
    raise KeyError(sample)


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll a condition from a test thread (the app's wait_until is async); fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met"
        threading.Event().wait(0.01)


def chat(sim: OpenAISimulator, content: str = "hi") -> None:
    with openai.OpenAI(base_url=f"{sim.url}/v1", api_key="none", max_retries=0) as c:
        c.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": content}])


def test_vllm_metrics_have_the_real_names_types_and_labels() -> None:
    with OpenAISimulator("vllm", rate=SIM_RATE, spec_decode=True) as sim:
        before = scrape(sim)
        chat(sim)
        after = scrape(sim)
    types = {name: fam["type"] for name, fam in after.items()}
    for name, kind in {
        "vllm:num_requests_running": "gauge",
        "vllm:num_requests_waiting": "gauge",
        "vllm:kv_cache_usage_perc": "gauge",
        "vllm:prefix_cache_queries": "counter",
        "vllm:prefix_cache_hits": "counter",
        "vllm:prompt_tokens": "counter",
        "vllm:generation_tokens": "counter",
        "vllm:time_to_first_token_seconds": "histogram",
        "vllm:inter_token_latency_seconds": "histogram",
        "vllm:e2e_request_latency_seconds": "histogram",
        "vllm:spec_decode_num_drafts": "counter",
        "vllm:spec_decode_num_draft_tokens": "counter",
        "vllm:spec_decode_num_accepted_tokens": "counter",
    }.items():
        assert types[name] == kind, name
    assert "vllm:gpu_cache_usage_perc" not in types and "vllm:time_per_output_token_seconds" not in types
    labels = {"model_name": MODEL, "engine": "0"}
    assert value(before, "vllm:generation_tokens_total", **labels) == 0
    generated = value(after, "vllm:generation_tokens_total", **labels)
    assert generated > 100
    assert value(after, "vllm:prompt_tokens_total", **labels) > 0
    assert value(after, "vllm:time_to_first_token_seconds_count", **labels) == 1
    assert value(after, "vllm:inter_token_latency_seconds_count", **labels) == generated - 1
    assert value(after, "vllm:request_success_total", finished_reason="stop", **labels) == 1
    drafts = value(after, "vllm:spec_decode_num_drafts_total", **labels)
    accepted = value(after, "vllm:spec_decode_num_accepted_tokens_total", **labels)
    assert 0 < accepted <= drafts == value(after, "vllm:spec_decode_num_draft_tokens_total", **labels)
    # each verify step emits one token plus its accepted drafts (the last step may run past the end)
    assert generated <= drafts + accepted <= generated + 1


def test_old_vllm_shows_the_deprecated_names() -> None:
    with OpenAISimulator("vllm", rate=SIM_RATE, version="0.9.2") as sim:
        names = set(scrape(sim))
    assert {"vllm:gpu_cache_usage_perc", "vllm:kv_cache_usage_perc"} <= names
    assert "vllm:time_per_output_token_seconds" in names and "vllm:inter_token_latency_seconds" not in names


def test_running_waiting_and_kv_usage_move_while_requests_run() -> None:
    with OpenAISimulator("vllm", rate=50.0, max_running=1) as sim:
        threads = [threading.Thread(target=chat, args=(sim, f"q{i}")) for i in range(2)]
        for thread in threads:
            thread.start()
        labels = {"model_name": MODEL, "engine": "0"}

        def busy() -> bool:
            m = scrape(sim)
            running = value(m, "vllm:num_requests_running", **labels)
            waiting = value(m, "vllm:num_requests_waiting", **labels)
            return running == 1 and waiting == 1 and value(m, "vllm:kv_cache_usage_perc", **labels) > 0

        wait_for(busy)
        sim.rate = 0  # finish the rest at once
        for thread in threads:
            thread.join()
        idle = scrape(sim)
        assert value(idle, "vllm:num_requests_running", **labels) == 0
        assert value(idle, "vllm:num_requests_waiting", **labels) == 0


def test_a_second_turn_hits_the_prefix_cache() -> None:
    with OpenAISimulator("vllm", rate=SIM_RATE) as sim:
        history = [{"role": "user", "content": "x" * 400}]
        with openai.OpenAI(base_url=f"{sim.url}/v1", api_key="none", max_retries=0) as c:
            c.chat.completions.create(model=MODEL, messages=history)  # type: ignore[arg-type]
            history += [{"role": "assistant", "content": "ok"}, {"role": "user", "content": "more"}]
            c.chat.completions.create(model=MODEL, messages=history)  # type: ignore[arg-type]
        m = scrape(sim)
    hits = value(m, "vllm:prefix_cache_hits_total", model_name=MODEL)
    assert 0 < hits < value(m, "vllm:prefix_cache_queries_total", model_name=MODEL)


def test_restart_resets_the_counters() -> None:
    with OpenAISimulator("vllm", rate=SIM_RATE) as sim:
        chat(sim)
        assert value(scrape(sim), "vllm:generation_tokens_total") > 0
        httpx.post(f"{sim.url}/_sim/restart").raise_for_status()
        fresh = scrape(sim)
    assert value(fresh, "vllm:generation_tokens_total", model_name=MODEL) == 0
    assert value(fresh, "vllm:time_to_first_token_seconds_count", model_name=MODEL) == 0


def test_sglang_metrics_names_and_motion() -> None:
    with OpenAISimulator("sglang", rate=SIM_RATE, spec_decode=True) as sim:
        chat(sim)
        m = scrape(sim)
    sched = {"engine_type": "unified", "model_name": MODEL, "tp_rank": "0"}
    for name in ("num_running_reqs", "num_queue_reqs", "token_usage", "gen_throughput", "cache_hit_rate"):
        assert m[f"sglang:{name}"]["type"] == "gauge"
    assert value(m, "sglang:gen_throughput", **sched) > 0
    assert value(m, "sglang:spec_accept_length", **sched) > 1
    assert value(m, "sglang:generation_tokens_total", model_name=MODEL) > 100
    assert value(m, "sglang:num_requests_total", model_name=MODEL) == 1
    for name in ("time_to_first_token_seconds", "inter_token_latency_seconds", "e2e_request_latency_seconds"):
        assert m[f"sglang:{name}"]["type"] == "histogram"


def test_sglang_without_enable_metrics_answers_404() -> None:
    with OpenAISimulator("sglang", metrics=False) as sim:
        response = httpx.get(f"{sim.url}/metrics")
    assert response.status_code == 404 and response.json() == {"detail": "Not Found"}


def test_metrics_are_not_behind_the_api_key() -> None:
    for flavour in ("vllm", "sglang"):
        with OpenAISimulator(flavour, api_key="k") as sim:  # type: ignore[arg-type]
            assert httpx.get(f"{sim.url}/metrics").status_code == 200
