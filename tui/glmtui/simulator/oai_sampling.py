"""The sampling parameters the OpenAI-compatible simulator honours, checked as vLLM and SGLang check them.

A benchmark asks an engine for a fixed generation length with ``ignore_eos: true`` and ``max_tokens: N``
(vLLM's sampling extras, which SGLang's chat request carries too: ``min_tokens``, ``ignore_eos``), and
for reproducible text with ``seed`` and ``temperature: 0``. Sources: vLLM ``vllm/sampling_params.py``
``SamplingParams._verify_args`` (the messages below), ``get_max_tokens`` (``vllm/entrypoints/utils.py``,
later under ``entrypoints/serve/utils``: no ``max_tokens`` means whatever the context leaves,
``max_model_len - prompt``) and the chat handler (``max_completion_tokens`` wins over ``max_tokens``);
SGLang ``python/sglang/srt/entrypoints/openai/protocol.py`` (``ChatCompletionRequest``:
``min_tokens: int = 0``, ``ignore_eos: bool = False``, ``seed``, ``temperature``) and
``srt/sampling/sampling_params.py`` ``verify``.

The simulated model's own reply length is where it would emit EOS. ``ignore_eos`` generates past it up
to the cap (finish ``length``); ``min_tokens`` holds EOS back until that many tokens are out (finish
``stop`` there); the cap cuts a longer reply (``length``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from .wire import BadRequest

Flavour = Literal["vllm", "sglang"]


@dataclass(frozen=True)
class Sampling:
    """The validated fields of one request that decide its length and text."""

    max_tokens: int | None  # as asked (max_completion_tokens, else max_tokens); None: the context's room
    min_tokens: int = 0
    ignore_eos: bool = False
    seed: int | None = None
    temperature: float | None = None


def _integer(body: dict[str, Any], key: str) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest(f"{key}: Input should be a valid integer", 400)  # pydantic's message
    return value


def parse_sampling(flavour: Flavour, body: dict[str, Any]) -> Sampling:
    """The request's sampling fields; BadRequest (400) where the engine would refuse them."""
    completion = _integer(body, "max_completion_tokens")
    cap = completion if completion is not None else _integer(body, "max_tokens")
    min_tokens = _integer(body, "min_tokens") or 0
    ignore_eos = body.get("ignore_eos", False)
    if not isinstance(ignore_eos, bool):
        raise BadRequest("ignore_eos: Input should be a valid boolean", 400)
    temperature = body.get("temperature")
    number = isinstance(temperature, (int, float)) and not isinstance(temperature, bool)
    if temperature is not None and not number:
        raise BadRequest("temperature: Input should be a valid number", 400)
    if temperature is not None and temperature < 0:
        raise BadRequest(f"temperature must be non-negative, got {float(temperature)}.", 400)
    if cap is not None and cap < 1:
        what = "max_tokens" if flavour == "vllm" else "max_new_tokens"
        raise BadRequest(f"{what} must be at least 1, got {cap}.", 400)
    if min_tokens < 0:
        raise BadRequest(_min_message(flavour, min_tokens, None), 400)
    heat = None if temperature is None else float(temperature)
    return Sampling(cap, min_tokens, ignore_eos, _integer(body, "seed"), heat)


def _min_message(flavour: Flavour, min_tokens: int, cap: int | None) -> str:
    if flavour == "sglang":
        bound = "max_new_tokens" if cap is None else f"max_new_tokens({cap})"
        return f"min_new_tokens must be in [0, {bound}], got {min_tokens}."
    if cap is None:
        return f"min_tokens must be greater than or equal to 0, got {min_tokens}."
    return f"min_tokens must be less than or equal to max_tokens={cap}, got {min_tokens}."


def generation_length(flavour: Flavour, sampling: Sampling, natural: int, room: int) -> tuple[int, str]:
    """(tokens to generate, finish_reason) for a reply that would naturally end after ``natural`` tokens,
    with ``room`` tokens left in the context; BadRequest when ``min_tokens`` exceeds the cap."""
    cap = sampling.max_tokens if sampling.max_tokens is not None else max(1, room)
    if sampling.min_tokens > cap:
        raise BadRequest(_min_message(flavour, sampling.min_tokens, cap), 400)
    if sampling.ignore_eos:
        return cap, "length"
    wanted = max(natural, sampling.min_tokens)
    return (wanted, "stop") if wanted <= cap else (cap, "length")
