"""The OpenAI-compatible simulator's speed model and sampling extras, through the official ``openai`` client.

A benchmark against vLLM or SGLang times the first token itself, asks for a fixed length with
``ignore_eos``/``max_tokens``, and reads prefix-cache hits from ``usage.prompt_tokens_details``. Counts
are asserted exactly; times only by lower bounds the simulator's sleeps guarantee, or by orderings with
wide margins.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import openai
import pytest

from glmtui.simulator import OpenAISimulator
from glmtui.simulator.pacing import Pace
from tests.helpers import SIM_RATE

MODEL = "glm-4.7-flash"
NO_THINK = {"chat_template_kwargs": {"enable_thinking": False}}


def tokens_of(count: int) -> str:
    return "x" * (4 * count)


def client(sim: OpenAISimulator) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{sim.url}/v1", api_key="none", max_retries=0)


def timed_stream(c: openai.OpenAI, text: str, **extra: Any) -> tuple[float, float, Any]:
    """(seconds to the first content token, seconds from it to the last, the usage chunk's usage)."""
    first, last, usage = None, 0.0, None
    start = time.monotonic()
    for chunk in c.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": text}],
        stream=True,
        stream_options={"include_usage": True},
        **extra,
    ):
        if chunk.usage is not None:
            usage = chunk.usage
        if chunk.choices and chunk.choices[0].delta.content:
            last = time.monotonic()
            first = first or last
    assert first is not None
    return first - start, last - first, usage


# ----- prefill before the first token, decode slowdown, jitter ---------------------------------------
def test_client_timed_ttft_grows_with_the_uncached_prompt() -> None:
    sim = OpenAISimulator("vllm", rate=SIM_RATE, reply_tokens=3, prompt_cap_s=None, prompt_rate=20_000)
    with sim, client(sim) as c:
        timed_stream(c, "warm-up", extra_body=NO_THINK)  # the client's first request builds its types
        short, _, _ = timed_stream(c, "hi", extra_body=NO_THINK)
        long, _, usage = timed_stream(c, tokens_of(6000), extra_body=NO_THINK)
        again, _, _ = timed_stream(c, tokens_of(6000), extra_body=NO_THINK)  # a prefix-cache hit
    assert usage.prompt_tokens == 6000 + 7 and long >= 6000 / 20_000
    assert short < long / 3 and again < long / 3


def test_decode_slows_with_the_context_and_jitter_is_seeded() -> None:
    fixed = {"max_tokens": 80, "extra_body": NO_THINK | {"ignore_eos": True}}
    with (
        OpenAISimulator("sglang", rate=800.0, prompt_rate=1e6, decode_half_ctx=1000) as sim,
        client(sim) as c,
    ):
        _, short, _ = timed_stream(c, "hi", **fixed)
        _, long, _ = timed_stream(c, tokens_of(3000), **fixed)
    assert long >= 0.8 * 79 * (1 + 3000 / 1000) / 800  # 79 gaps, each reading a 3,000+ token cache
    assert short < long / 2
    with OpenAISimulator("vllm", rate=SIM_RATE, jitter=0.25, jitter_seed=4) as sim, client(sim) as c:
        for rep in range(3):
            timed_stream(c, f"rep {rep}", max_tokens=5, extra_body=NO_THINK)
    replay = Pace(jitter=0.25, jitter_seed=4)
    assert sim.pace.draws == [replay.draw() for _ in range(3)]


# ----- the prefix cache as each engine reports it ---------------------------------------------------
@pytest.mark.parametrize(("flavour", "block"), [("vllm", 16), ("sglang", 1)])
def test_cached_tokens_are_reported_only_with_the_flag_and_a_hit(flavour: str, block: int) -> None:
    text = tokens_of(500)
    sim = OpenAISimulator(flavour, rate=SIM_RATE, reply_tokens=3, cache_report=True)  # type: ignore[arg-type]
    with sim, client(sim) as c:
        _, _, miss = timed_stream(c, text, extra_body=NO_THINK)
        _, _, hit = timed_stream(c, text, extra_body=NO_THINK)
        full = c.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": text}])
        assert httpx.post(f"{sim.url}/_sim/config", json={"cache_report": False}).is_success
        _, _, quiet = timed_stream(c, text, extra_body=NO_THINK)
    prompt = 500 + 7
    assert miss.prompt_tokens == hit.prompt_tokens == quiet.prompt_tokens == prompt  # always the whole
    assert miss.prompt_tokens_details is None  # no hit: nothing to report
    expected = (prompt - 1) // block * block  # the last token is always computed again
    assert hit.prompt_tokens_details is not None and hit.prompt_tokens_details.cached_tokens == expected
    assert full.usage is not None and full.usage.prompt_tokens_details is not None
    assert full.usage.prompt_tokens_details.cached_tokens == expected
    assert quiet.prompt_tokens_details is None  # the engine's flag off: hits are not reported


# ----- sampling extras ------------------------------------------------------------------------------
@pytest.mark.parametrize("flavour", ["vllm", "sglang"])
def test_ignore_eos_and_min_tokens_set_the_generation_length(flavour: str) -> None:
    with OpenAISimulator(flavour, rate=20_000.0) as sim, client(sim) as c:  # type: ignore[arg-type]
        hi = [{"role": "user", "content": "hi"}]
        natural = c.chat.completions.create(model=MODEL, messages=hi, temperature=0, seed=7)  # type: ignore[arg-type]
        n = natural.usage.completion_tokens if natural.usage else 0
        assert natural.choices[0].finish_reason == "stop" and 0 < n < 400
        fixed = c.chat.completions.create(
            model=MODEL,
            messages=hi,
            max_tokens=400,
            extra_body={"ignore_eos": True},  # type: ignore[arg-type]
        )
        assert fixed.usage and fixed.usage.completion_tokens == 400
        assert fixed.choices[0].finish_reason == "length"
        longer = c.chat.completions.create(
            model=MODEL,
            messages=hi,
            max_tokens=500,
            extra_body={"min_tokens": 450},  # type: ignore[arg-type]
        )
        assert longer.usage and longer.usage.completion_tokens == 450
        assert longer.choices[0].finish_reason == "stop"
        again = c.chat.completions.create(model=MODEL, messages=hi, temperature=0, seed=7)  # type: ignore[arg-type]
        other = c.chat.completions.create(model=MODEL, messages=hi, temperature=0, seed=8)  # type: ignore[arg-type]
    assert again.choices[0].message.content == natural.choices[0].message.content  # the seed's text
    assert other.choices[0].message.content != natural.choices[0].message.content


def test_sampling_fields_are_refused_as_vllm_refuses_them() -> None:
    refused = [
        (
            {"max_tokens": 4, "extra_body": {"min_tokens": 5}},
            "min_tokens must be less than or equal to max_tokens=4",
        ),
        ({"temperature": -1}, "temperature must be non-negative"),
        ({"max_tokens": 0}, "max_tokens must be at least 1"),
        ({"extra_body": {"seed": "x"}}, "seed"),
    ]
    with OpenAISimulator("vllm", rate=SIM_RATE) as sim, client(sim) as c:
        for extra, message in refused:
            with pytest.raises(openai.BadRequestError) as caught:
                c.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}], **extra)
            assert message in str(caught.value)
