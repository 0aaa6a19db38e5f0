"""The Ollama simulator's speed model, through the official client: prompt cache, prefill, decode, jitter.

What a benchmark measures must behave as Ollama's figures do. Counts are asserted exactly (the prompt
cache's hit is read from ``Simulator.prefills``); durations only by lower bounds the simulator's own
sleeps guarantee, or by orderings and ratios with wide margins, never by a wall-clock ceiling that a busy
machine could break.
"""

from __future__ import annotations

import httpx
import ollama
import pytest

from glmtui.simulator import OpenAISimulator, Simulator
from glmtui.simulator.__main__ import build_parser, build_server
from glmtui.simulator.catalogue import SPECS
from glmtui.simulator.pacing import Pace
from tests.helpers import SIM_RATE, ask, wait_for

CODER = "qwen3-coder:30b"  # no thinking, speed 1.0: its replies are what the next turn sends back


def tokens_of(count: int) -> str:
    """A message of ``count`` prompt tokens for the simulator's ~4-characters-a-token estimate."""
    return "x" * (4 * count)


def chat(
    client: ollama.Client, text: str, model: str = CODER, think: bool | None = None
) -> ollama.ChatResponse:
    return client.chat(model, ask(text), think=think)


# ----- the prompt cache -----------------------------------------------------------------------------
def test_the_same_prompt_again_hits_the_cache_and_still_counts_in_full(
    sim: Simulator, client: ollama.Client
) -> None:
    sim.pace.prompt_cap_s, sim.pace.prompt_rate, sim.reply_tokens = None, 20_000.0, 5
    text = tokens_of(6000)
    first, second = chat(client, text), chat(client, text)
    total = sim.prefills[-1].prompt_tokens
    # Ollama reports the whole prompt either way (cached tokens included); only one token is evaluated
    # again on a full hit, to have logits to sample from.
    assert first.prompt_eval_count == second.prompt_eval_count == total
    assert [(p.cached_tokens, p.evaluated) for p in sim.prefills] == [(0, total), (total - 1, 1)]
    assert (first.prompt_eval_duration or 0) >= 6000 / 20_000 * 1e9  # the whole prompt, paced
    assert (second.prompt_eval_duration or 0) < (first.prompt_eval_duration or 0) / 3


def test_a_distinct_prefix_per_repetition_evaluates_the_whole_prompt(
    sim: Simulator, client: ollama.Client
) -> None:
    sim.reply_tokens = 5
    body = tokens_of(500)
    for rep in range(3):
        chat(client, f"[run {rep}] {body}")
    *_, last = sim.prefills
    # Only the template header and the shared "[run " are reused: a prefill measurement, not a hit.
    assert [p.cached_tokens for p in sim.prefills] == [0, 5, 5]
    assert last.evaluated >= 0.98 * last.prompt_tokens


def test_a_follow_up_evaluates_only_the_new_message_unless_the_reply_began_with_thinking(
    sim: Simulator, client: ollama.Client
) -> None:
    history = ask(tokens_of(300))
    reply = client.chat(CODER, history).message.content or ""
    history += [{"role": "assistant", "content": reply}, {"role": "user", "content": "and then?"}]
    client.chat(CODER, history)
    follow = sim.prefills[-1]
    assert follow.cached_tokens > 300 and follow.evaluated < 16  # "and then?" and the template

    # A thinking model's cache holds thinking then answer; the history sends the answer alone, so the
    # cache is reused only up to the reply.
    first = ask(tokens_of(300))
    answer = client.chat("glm-4.7-flash", first).message.content or ""
    client.chat("glm-4.7-flash", [*first, {"role": "assistant", "content": answer}, *ask("and then?")])
    thinking = sim.prefills[-1]
    assert 300 < thinking.cached_tokens < 320 and thinking.evaluated > len(answer) // 4


def test_unloading_forgets_the_cache_and_the_next_load_is_cold() -> None:
    with Simulator(rate=SIM_RATE, load_seconds=0.2, reply_tokens=5) as sim, ollama.Client(sim.url) as c:
        text = tokens_of(200)
        cold = chat(c, text)
        warm = chat(c, text)
        c.chat(CODER, [], keep_alive=0)  # Ollama's unload: an empty request with keep_alive 0
        wait_for(lambda: c.ps().models == [])
        again = chat(c, text)
    assert [p.cached_tokens > 0 for p in sim.prefills] == [False, True, False]
    assert (cold.load_duration or 0) >= 0.2e9 and (again.load_duration or 0) >= 0.2e9
    assert (warm.load_duration or 0) < (cold.load_duration or 0) / 2  # already loaded: scheduling only


def test_num_predict_counts_thinking_tokens_too(client: ollama.Client) -> None:
    cut = client.chat("glm-4.7-flash", ask("Write a binary search"), options={"num_predict": 12})
    assert cut.eval_count == 12 and cut.done_reason == "length"
    assert cut.message.thinking and not cut.message.content  # the budget ran out while thinking


# ----- prefill pacing -------------------------------------------------------------------------------
def test_uncapped_prefill_grows_with_the_prompt_and_the_model_speed(
    sim: Simulator, client: ollama.Client
) -> None:
    sim.pace.prompt_cap_s, sim.pace.prompt_rate, sim.reply_tokens = None, 40_000.0, 3
    short, long = chat(client, tokens_of(100)), chat(client, "a" + tokens_of(8000))
    assert (long.prompt_eval_duration or 0) >= 8000 / 40_000 * 1e9
    assert (long.prompt_eval_duration or 0) > 4 * (short.prompt_eval_duration or 0)
    sim.store.install("glm-4.7-flash:q8_0", SPECS["glm-4.7-flash:q8_0"])  # speed 0.75
    q8 = chat(client, "b" + tokens_of(8000), model="glm-4.7-flash:q8_0", think=False)
    assert (q8.prompt_eval_duration or 0) >= 8000 / (40_000 * 0.75) * 1e9

    # The cap (the default keeps long chats snappy in the app's tests) bounds it again.
    assert httpx.post(f"{sim.url}/_sim/config", json={"prompt_cap_s": 0.02}).is_success
    capped = chat(client, "c" + tokens_of(8000))
    assert (capped.prompt_eval_duration or 0) < (long.prompt_eval_duration or 0) / 2


def test_defaults_are_what_the_simulator_always_did(sim: Simulator) -> None:
    assert sim.pace.knobs() == {
        "prompt_rate": 5000.0,
        "prompt_cap_s": 0.5,
        "decode_half_ctx": None,
        "jitter": 0.0,
        "jitter_seed": 0,
    }


# ----- decode slowdown and jitter -------------------------------------------------------------------
def test_decode_slows_as_the_context_grows_when_asked(sim: Simulator, client: ollama.Client) -> None:
    sim.rate, sim.reply_tokens = 800.0, 80
    sim.pace.prompt_rate, sim.pace.decode_half_ctx = 1e6, 1000

    def rate(response: ollama.ChatResponse) -> float:
        return (response.eval_count or 0) / ((response.eval_duration or 1) / 1e9)

    short, long = rate(chat(client, "hi")), rate(chat(client, tokens_of(3000)))
    assert long <= 1.01 * 800 / (1 + 3000 / 1000)  # every token reads a cache of 3,000+ tokens
    assert short > 2 * long
    sim.pace.decode_half_ctx = None
    assert rate(chat(client, "z" + tokens_of(3000))) > 2 * long


def test_jitter_is_seeded_and_the_reported_rates_follow_it() -> None:
    with (
        Simulator(rate=400.0, reply_tokens=60, jitter=0.3, jitter_seed=11) as sim,
        ollama.Client(sim.url) as c,
    ):
        rates = []
        for rep in range(3):
            done = chat(c, f"rep {rep}")
            rates.append((done.eval_count or 0) / ((done.eval_duration or 1) / 1e9))
    draws = list(sim.pace.draws)
    replay = Pace(jitter=0.3, jitter_seed=11)
    assert draws == [replay.draw() for _ in range(3)]  # the same seed, the same sequence
    assert max(draws) / min(draws) > 1.2  # this seed varies repetitions by more than 20 %
    for measured, factor in zip(rates, draws, strict=True):
        # Measured, so never faster than the schedule; within a generous margin of it.
        assert 0.7 * 400 * factor <= measured <= 400 * factor * 1.01
    assert max(rates) / min(rates) > 1.05  # a 5 % stopping rule sees the spread


def test_config_sets_the_pace_all_or_nothing(sim: Simulator) -> None:
    knobs = {
        "prompt_rate": 1000,
        "prompt_cap_s": None,
        "decode_half_ctx": 4096,
        "jitter": 0.1,
        "jitter_seed": 3,
    }
    assert httpx.post(f"{sim.url}/_sim/config", json=knobs).is_success
    assert sim.pace.knobs() == knobs
    for bad in ({"jitter": 1.5, "prompt_rate": 7}, {"decode_half_ctx": 0}, {"prompt_cap_s": -1}):
        answer = httpx.post(f"{sim.url}/_sim/config", json=bad)
        assert answer.status_code == 400 and answer.json()["error"]
    assert sim.pace.knobs() == knobs


@pytest.mark.parametrize("flavour", [None, "vllm"])
def test_cli_flags_reach_the_pace(flavour: str | None) -> None:
    argv = ["--prompt-rate", "900", "--prompt-cap-s", "none", "--decode-half-ctx", "32768"]
    argv += ["--jitter", "0.05", "--jitter-seed", "9"] + (
        ["--openai", flavour, "--cache-report"] if flavour else []
    )
    server = build_server(build_parser().parse_args(argv))
    assert server.pace.knobs() == {
        "prompt_rate": 900.0,
        "prompt_cap_s": None,
        "decode_half_ctx": 32768,
        "jitter": 0.05,
        "jitter_seed": 9,
    }
    if flavour is not None:
        assert isinstance(server, OpenAISimulator) and server.cache_report
