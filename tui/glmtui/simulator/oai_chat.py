"""``POST /v1/chat/completions`` for the OpenAI-compatible simulator: validation, queueing, paced tokens.

The reply text, thinking text, prompt-token estimate and pacing are the Ollama simulator's
(``replies``, ``generation``), so an A/B across engines compares like with like. GLM-4.7-Flash thinks by
default; ``chat_template_kwargs: {"enable_thinking": false}`` turns it off (the chat template closes
``<think>`` at once, so the reasoning parser sends no reasoning deltas). ``max_tokens`` (or
``max_completion_tokens``) caps reasoning and answer together, as in both engines; ``ignore_eos`` and
``min_tokens`` set a fixed length (``oai_sampling``).

Prefill (``sim.pace``) runs after admission and before the first chunk, over the prompt tokens the
prefix cache lacks (``prompt_cache.PrefixIndex``), so a client-timed TTFT grows with the prompt; decode
slows with the context and takes the request's jitter draw. ``usage.prompt_tokens`` is always the whole
prompt; the cached part goes to ``usage.prompt_tokens_details.cached_tokens`` only with the engine's
cache report on and a hit (``oai_wire.usage``).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import oai_wire as w
from .engine_metrics import vtuple
from .faults import Output, StreamEnded
from .images import IMAGE_TOKENS, openai_content
from .oai_sampling import Sampling, generation_length, parse_sampling
from .replies import build_reply, build_thinking, prompt_token_count
from .tool_calls import PlannedCall, plan_call
from .wire import BadRequest, ClientGone, Responder

if TYPE_CHECKING:
    from .engine_metrics import Track
    from .oai_server import OpenAISimulator


@dataclass(frozen=True)
class Job:
    """What one admitted request will do: its tokens, how it ends, and the pace it runs at."""

    model: str
    contents: tuple[str, ...]  # the prompt's messages
    plan: list[tuple[str, str]]
    finish: str
    prompt: int
    cached: int
    factor: float  # the request's jitter draw
    include_usage: bool
    call: PlannedCall | None = None  # the tool call the reply makes (its pieces are in `plan`)


def _parse(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw)
    except ValueError:
        raise BadRequest("JSON decode error", 400) from None
    if not isinstance(body, dict):
        raise BadRequest("Input should be a valid dictionary", 400)
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise BadRequest("messages: Field required", 400)
    for message in messages:
        if not isinstance(message, dict) or openai_content(message.get("content")) is None:
            raise BadRequest("messages: each message needs a role and text content", 400)
    return body


def _images(body: dict[str, Any]) -> int:
    """The ``image_url`` parts over all the messages (checked by ``_parse``)."""
    return sum((openai_content(m.get("content")) or ("", 0))[1] for m in body["messages"])


def _text(message: dict[str, Any]) -> str:
    return (openai_content(message.get("content")) or ("", 0))[0]


def _admit(sim: OpenAISimulator, resp: Responder) -> None:
    """Wait for a batch slot (``max_running``); the wait shows as the engine's waiting/queue gauge."""
    metrics = sim.metrics
    with sim.sched:
        metrics.waiting += 1
        try:
            while len(metrics.running) + sim.admitted >= sim.max_running:
                sim.sched.wait(0.05)
                if sim.stopping.is_set() or resp.client_gone():
                    raise ClientGone("queued request abandoned")
        finally:
            metrics.waiting -= 1
        sim.admitted += 1


def handle_chat(sim: OpenAISimulator, resp: Responder, raw: bytes) -> None:
    body = _parse(raw)
    model = body.get("model") or sim.models[0]
    if not isinstance(model, str):
        raise BadRequest("model: Input should be a valid string", 400)
    if sim.flavour == "vllm" and model not in sim.models:
        w.send_error(sim, resp, 404, f"The model `{model}` does not exist.", "NotFoundError", "model")
        return
    if sim.loading:
        w.send_error(sim, resp, 503, "The engine is still loading the model.", "Service Unavailable")
        return
    if _images(body) and model not in sim.vision_models and sim.flavour == "vllm":
        # vLLM's wording for a text-only model (module images); SGLang takes the request.
        message = f"{sim.model_path} is not a multimodal model"
        w.send_error(sim, resp, 400, message, "BadRequestError")
        return
    sampling = parse_sampling(sim.flavour, body)  # a refused request must not take a queued fault
    fault = sim.faults.pop(model)
    if fault is not None and fault.kind == "http500":
        w.send_error(sim, resp, 500, fault.message, "InternalServerError")
        return

    job = _plan(sim, body, model, sampling)
    _admit(sim, resp)
    track = None
    try:
        resp.wait(sim.pace.prefill_seconds(job.prompt - job.cached, 1.0, job.factor))
        track = sim.metrics.start(model, job.prompt, job.cached)
        with sim.sched:
            sim.admitted -= 1
        out = Output(
            resp,
            body.get("stream") is True,
            fault,
            opener=lambda: w.SseStream(resp),
            in_band=lambda message: w.stream_error(sim, message),
            refuse=lambda status, message: w.send_error(sim, resp, status, message, "InternalServerError"),
        )
        _generate(sim, resp, out, track, job)
        track.finish(job.finish)
    except StreamEnded:
        if track is not None:
            track.finish("abort")
    except ClientGone:
        if track is not None:
            track.finish("abort")
        raise
    finally:
        if track is None:
            with sim.sched:
                sim.admitted -= 1
        with sim.sched:
            sim.sched.notify_all()


def _plan(sim: OpenAISimulator, body: dict[str, Any], model: str, sampling: Sampling) -> Job:
    """The request's tokens (reasoning, then answer), length and finish; the prefix-cache lookup."""
    contents = [_text(m) for m in body["messages"]]
    users = [_text(m) for m in body["messages"] if m.get("role") == "user"]
    last_user = users[-1] if users else contents[-1]
    kwargs = body.get("chat_template_kwargs") or {}
    think = not (isinstance(kwargs, dict) and kwargs.get("enable_thinking") is False)
    contents += _kept_traces(sim, body["messages"], kwargs if isinstance(kwargs, dict) else {})
    reasoning = build_thinking(model, last_user, None, sampling.seed) if think else []
    call = plan_call(body, last_user)
    content = [] if call is not None else build_reply(model, last_user, sim.reply_tokens, sampling.seed)
    calls = [("tool_head", ""), *(("tool_args", piece) for piece in call.argument_pieces())] if call else []
    seen = _images(body) if model in sim.vision_models else 0  # SGLang drops a text-only model's images
    prompt = prompt_token_count(contents) + IMAGE_TOKENS * seen
    natural = len(reasoning) + len(content) + len(calls)
    length, finish = generation_length(sim.flavour, sampling, natural, sim.max_model_len - prompt)
    if length > natural and call is None:  # past the reply's own end (ignore_eos, min_tokens): it goes on
        content = build_reply(model, last_user, length - len(reasoning), sampling.seed)
    plan = ([("reasoning", t) for t in reasoning] + [("content", t) for t in content] + calls)[:length]
    if call is not None and finish == "stop":
        finish = "tool_calls"  # both engines, when the tool parser found calls
    options = body.get("stream_options") or {}
    include_usage = isinstance(options, dict) and options.get("include_usage") is True
    cached = sim.prefix_cache.lookup(contents, prompt)
    return Job(model, tuple(contents), plan, finish, prompt, cached, sim.pace.draw(), include_usage, call)


def _kept_traces(sim: OpenAISimulator, messages: list[Any], kwargs: dict[str, Any]) -> list[str]:
    """Earlier assistant turns' traces the template renders into the prompt: GLM-4.7's keeps them only
    with `clear_thinking` false (its chat_template.jinja). vLLM reads a request message's `reasoning`
    (entrypoints/chat_utils.py; `reasoning_content` before v0.11.1, vllm#38488), SGLang `reasoning_content`
    (ChatCompletionMessageGenericParam)."""
    if kwargs.get("clear_thinking") is not False:
        return []
    old_vllm = sim.flavour == "vllm" and vtuple(sim.version) < (0, 11, 1)
    key = "reasoning" if sim.flavour == "vllm" and not old_vllm else "reasoning_content"
    return [
        m[key] for m in messages if m.get("role") == "assistant" and isinstance(m.get(key), str) and m[key]
    ]


def _generate(sim: OpenAISimulator, resp: Responder, out: Output, track: Track, job: Job) -> None:
    rid, keys, model, plan = w.request_id(sim), w.reasoning_keys(sim), job.model, job.plan
    if out.streaming:
        out.line(w.chunk(sim, rid, model, {"role": "assistant", "content": ""}))
    due = time.monotonic()
    for index, (kind, token) in enumerate(plan):
        if out.resumed:  # after a stall, restart the schedule instead of bursting to catch up
            due, out.resumed = time.monotonic(), False
        rate = sim.pace.decode_rate(sim.rate * job.factor, job.prompt + index)
        if rate > 0:
            due += 1.0 / rate
            resp.wait(due - time.monotonic())
        track.token()
        if kind in ("tool_head", "tool_args") and job.call is not None:
            delta = w.tool_call_delta(sim, job.call, token if kind == "tool_args" else None)
        else:
            delta = {key: token for key in keys} if kind == "reasoning" else {"content": token}
        out.line(w.chunk(sim, rid, model, delta) if out.streaming else None)
    reasoning = "".join(t for k, t in plan if k == "reasoning")
    answer = "".join(t for k, t in plan if k == "content")
    arguments = "".join(t for k, t in plan if k == "tool_args")
    sim.prefix_cache.add_generated(job.contents, reasoning + answer)
    n_reasoning = sum(1 for k, _ in plan if k == "reasoning")
    usage = w.usage(sim, job.prompt, len(plan), n_reasoning, job.cached)
    if not out.streaming:
        out.line(None)  # the final object counts as a line for faults, as it does when streaming
        done = _completion(sim, rid, model, keys, reasoning, answer, job.finish, usage)
        if job.call is not None and any(k == "tool_head" for k, _ in plan):
            done["choices"][0]["message"]["tool_calls"] = [w.tool_call_message(sim, job.call, arguments)]
        w.send_json(resp, 200, done)
        return
    out.line(w.chunk(sim, rid, model, {"content": ""}, job.finish))
    if job.include_usage:
        created = int(time.time())
        head = {"id": rid, "object": "chat.completion.chunk", "created": created, "model": model}
        out.line(head | {"choices": [], "usage": usage})
    out.end()
    sim.last_done_at = time.monotonic()


def _completion(
    sim: OpenAISimulator,
    rid: str,
    model: str,
    keys: tuple[str, ...],
    reasoning: str,
    answer: str,
    finish: str,
    usage: dict[str, Any],
) -> dict[str, Any]:
    """A non-streamed ``chat.completion`` in the flavour's field set (``model_dump()``: nulls kept)."""
    head = {"id": rid, "object": "chat.completion", "created": int(time.time()), "model": model}
    thought = {key: reasoning or None for key in keys}
    message: dict[str, Any]
    choice: dict[str, Any]
    if sim.flavour == "sglang":
        message = {"role": "assistant", "content": answer or None, **thought, "tool_calls": None}
        choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": finish}
        choice |= {"matched_stop": w.GLM_EOS if finish == "stop" else None, "hidden_states": None}
        return head | {"choices": [choice], "usage": usage, "metadata": {"weight_version": "default"}}
    message = {"role": "assistant", "content": answer or None, "refusal": None, "annotations": None}
    message |= {"audio": None, "function_call": None, "tool_calls": [], **thought}
    choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": finish, "stop_reason": None}
    if "prompt_tokens_details" not in usage:  # the full response keeps nulls, in the model's field order
        usage = usage | {"prompt_tokens_details": None}
    tail = {"prompt_logprobs": None, "kv_transfer_params": None}
    return (
        head | {"choices": [choice], "service_tier": None, "system_fingerprint": None, "usage": usage} | tail
    )
