"""``/api/chat`` and ``/api/generate``: validation, model loading, paced token streaming, statistics.

The order of checks follows Ollama's handlers (bind JSON → resolve model → unload shortcut → thinking
capability → schedule/load → load-only shortcut → generate), so clients see the same status codes and
messages for the same mistakes. All durations in the final chunk are measured, not invented: the app's
tokens-per-second figure is computed from them, and benchmarks compare it with the wall clock. The pace
they measure is set by ``sim.pace`` (``pacing``: prefill rate and cap, decode slowdown, jitter) and the
loaded model's prompt cache (``prompt_cache``: only the tokens it lacks are evaluated).

``num_predict`` caps every generated token, thinking included, as Ollama's runner counts them
(``seq.numPredicted``, ``runner/ollamarunner/runner.go``): a reply cut during its thinking has no content.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from .faults import Output, StreamEnded
from .images import IMAGE_TOKENS, ollama_images, tagged
from .models import Installed, Loaded, parse_keep_alive
from .prompt_cache import CachedPrompt, ollama_cached
from .replies import build_reply, build_thinking, fake_token_ids, message_tokens, prompt_token_count
from .tool_calls import PlannedCall, offered, plan_call
from .wire import BadRequest, ClientGone, Responder, utc_now

if TYPE_CHECKING:
    from .server import Simulator

Endpoint = Literal["chat", "generate"]
THINK_LEVELS = ("high", "medium", "low", "max")


@dataclass(frozen=True)
class Prefill:
    """One request's prompt as the engine saw it (``Simulator.prefills``): the whole prompt and the part
    the prompt cache already held. What Ollama reports is the whole count (module ``prompt_cache``);
    this record lets tests and benchmarks check the hit itself by count, not by time."""

    model: str
    prompt_tokens: int
    cached_tokens: int

    @property
    def evaluated(self) -> int:
        return self.prompt_tokens - self.cached_tokens


@dataclass
class InferenceRequest:
    """The fields of a chat/generate body that the simulator acts on, validated."""

    endpoint: Endpoint
    model: str
    stream: bool
    think: bool | str | None
    keep_alive: float | None  # None = not given (matters for the unload shortcut)
    options: dict[str, Any]
    contents: list[str] = field(default_factory=list)  # message texts that make up the prompt
    last_user: str = ""
    raw: bool = False
    traces: list[str] = field(default_factory=list)  # earlier assistant turns' `thinking`, as sent
    tools: dict[str, Any] = field(default_factory=dict)  # the body's `tools`, for `tool_calls.plan_call`
    images: int = 0  # images on the messages (module ``images``)
    tagged: list[str] = field(default_factory=list)  # the contents with their ``[img-N]`` tags

    def prompt_tokens(self, vision: bool) -> int:
        """The prompt's tokens: a vision model's images count ``IMAGE_TOKENS`` each; a text-only model
        drops them and reads their tags as text (module ``images``)."""
        if not self.images:
            return prompt_token_count(self.contents)
        if vision:
            return prompt_token_count(self.contents) + IMAGE_TOKENS * self.images
        return prompt_token_count(self.tagged)

    @property
    def empty(self) -> bool:
        return not self.contents


def _field(body: dict[str, Any], key: str, kind: type | tuple[type, ...], gotype: str, default: Any) -> Any:
    value = body.get(key)
    if value is None:
        return default
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise BadRequest(
            f"json: cannot unmarshal {type(value).__name__} into Go struct field .{key} of type {gotype}"
        )
    return value


def parse_request(body: dict[str, Any], endpoint: Endpoint) -> InferenceRequest:
    """Validate like gin's binding of api.ChatRequest / api.GenerateRequest; raises BadRequest."""
    think = body.get("think")
    if isinstance(think, str) and think not in THINK_LEVELS:
        raise BadRequest(
            f'invalid think value: "{think}" (must be "high", "medium", "low", "max", true, or false)'
        )
    if think is not None and not isinstance(think, (bool, str)):
        raise BadRequest('think must be a boolean or string ("high", "medium", "low", "max", true, or false)')
    try:
        keep_alive = parse_keep_alive(body["keep_alive"]) if body.get("keep_alive") is not None else None
    except (TypeError, ValueError) as exc:
        raise BadRequest(str(exc)) from None
    req = InferenceRequest(
        endpoint=endpoint,
        model=_field(body, "model", str, "string", "").strip(),
        stream=_field(body, "stream", bool, "bool", True),  # Ollama streams unless told otherwise
        think=think,
        keep_alive=keep_alive,
        options=_field(body, "options", dict, "map[string]interface {}", {}),
        raw=_field(body, "raw", bool, "bool", False),
    )
    if endpoint == "chat":
        messages = _field(body, "messages", list, "[]api.Message", [])
        for message in messages:
            if not isinstance(message, dict) or not isinstance(message.get("content", ""), str):
                raise BadRequest(
                    "json: cannot unmarshal into Go struct field ChatRequest.messages of type api.Message"
                )
            req.contents.append(message.get("content") or "")
            thinking = message.get("thinking")
            if thinking is not None and not isinstance(thinking, str):
                raise BadRequest(
                    "json: cannot unmarshal into Go struct field Message.messages.thinking of type string"
                )
            if thinking and message.get("role") == "assistant":
                req.traces.append(thinking)
            count = ollama_images(message)
            req.images += count
            req.tagged.append(tagged(message.get("content") or "", count))
            if message.get("role") == "user":
                req.last_user = message.get("content") or ""
        if messages and not req.last_user:
            req.last_user = req.contents[-1]
        req.tools = {"tools": body.get("tools")} if offered(body) else {}
    else:
        prompt = _field(body, "prompt", str, "string", "")
        system = _field(body, "system", str, "string", "")
        if prompt:
            req.contents = [system, prompt] if system else [prompt]
            req.last_user = prompt
    return req


def _option_int(options: dict[str, Any], key: str) -> int | None:
    value = options.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value)


def _thinking(model: Installed, req: InferenceRequest) -> tuple[bool, str | None]:
    """(think?, level) for a validated request on a model that supports what was asked."""
    spec = model.spec
    if spec.thinking_levels:
        # gpt-oss (harmony) always reasons; booleans are ignored and "max" maps to "high".
        level = req.think if isinstance(req.think, str) else "medium"
        return True, "high" if level == "max" else level
    if "thinking" in spec.capabilities:
        # Ollama turns thinking on by default for models that can think.
        return req.think is None or req.think is True or isinstance(req.think, str), None
    return False, None


def _shell(req: InferenceRequest, **extra: Any) -> dict[str, Any]:
    """A response object with the endpoint's fields in Go's struct order."""
    obj: dict[str, Any] = {"model": req.model, "created_at": utc_now()}
    if req.endpoint == "chat":
        message: dict[str, Any] = {"role": "assistant", "content": extra.pop("content", "")}
        if thinking := extra.pop("thinking", ""):
            message["thinking"] = thinking
        if tool_calls := extra.pop("tool_calls", None):
            message["tool_calls"] = tool_calls
        obj["message"] = message
    else:
        obj["response"] = extra.pop("content", "")
        if thinking := extra.pop("thinking", ""):
            obj["thinking"] = thinking
    obj["done"] = extra.pop("done", False)
    obj.update(extra)
    return obj


def handle_inference(sim: Simulator, resp: Responder, body: dict[str, Any], endpoint: Endpoint) -> None:
    """Serve one chat/generate request end to end."""
    start = time.monotonic()
    req = parse_request(body, endpoint)
    if not req.model:
        # Ollama's chat says "model is required"; generate falls through to a not-found for ''.
        if endpoint == "chat":
            raise BadRequest("model is required")
        raise BadRequest("model '' not found", 404)
    model = sim.store.find(req.model)
    if model is None:
        raise BadRequest(f"model '{req.model}' not found", 404)
    if req.empty and req.keep_alive == 0:
        sim.store.unload(model.name)
        resp.json(200, _shell(req, done=True, done_reason="unload"))
        return
    if "thinking" not in model.spec.capabilities and (req.think is True or isinstance(req.think, str)):
        raise BadRequest(f'"{req.model}" does not support thinking')
    if req.tools and "tools" not in model.spec.capabilities:
        raise BadRequest(f'"{req.model}" does not support tools')  # server/routes.go checks CapabilityTools

    # Faults belong to requests that generate; a bare load/unload must not swallow one.
    fault = None if req.empty else sim.faults.pop(model.name)
    if fault is not None and fault.kind == "http500":
        resp.error(500, fault.message)
        return

    keep_alive = req.keep_alive if req.keep_alive is not None else parse_keep_alive(None)
    loaded = sim.store.acquire(
        model, keep_alive, _option_int(req.options, "num_ctx"), sim.load_seconds, sim.stopping
    )
    if loaded is None:
        raise ClientGone("simulator stopping")
    try:
        load_ns = max(1, int((time.monotonic() - start) * 1e9))
        if req.empty:
            resp.json(200, _shell(req, done=True, done_reason="load"))
            return
        _generate(sim, resp, req, model, loaded, Output(resp, req.stream, fault), start, load_ns)
    except StreamEnded:
        pass
    finally:
        sim.store.release(loaded, keep_alive)


def _generate(
    sim: Simulator,
    resp: Responder,
    req: InferenceRequest,
    model: Installed,
    loaded: Loaded,
    out: Output,
    start: float,
    load_ns: int,
) -> None:
    think, level = _thinking(model, req)
    seed = _option_int(req.options, "seed")
    thinking = build_thinking(model.name, req.last_user, level, seed) if think else []
    call = plan_call(req.tools, req.last_user) if req.endpoint == "chat" else None
    content = [] if call is not None else build_reply(model.name, req.last_user, sim.reply_tokens, seed)
    plan: list[tuple[str, Any]] = [("thinking", t) for t in thinking] + [("content", t) for t in content]
    if call is not None:  # the parser hands over the whole call once it has closed (one chunk)
        plan.append(("tool_calls", [_ollama_call(call)]))
    done_reason = "stop"
    num_predict = _option_int(req.options, "num_predict")
    if num_predict is not None and 0 < num_predict < len(plan):
        plan, done_reason = plan[:num_predict], "length"

    # Earlier turns' traces reach the prompt only where the renderer renders them (GLM-4.7's does).
    traces = req.traces if _renders_traces(model) else []
    contents = [*req.contents, *traces]
    prompt_tokens = req.prompt_tokens("vision" in model.spec.capabilities) + sum(map(message_tokens, traces))
    cached = ollama_cached(loaded.prompt_cache, contents, prompt_tokens)
    sim.prefills.append(Prefill(model.name, prompt_tokens, cached))
    speed = model.spec.speed if sim.model_speeds else 1.0
    factor = sim.pace.draw()  # one jitter draw per request, for its prefill and its decode
    eval_start = time.monotonic()
    resp.wait(sim.pace.prefill_seconds(prompt_tokens - cached, speed, factor))
    loaded.prompt_cache = CachedPrompt(tuple(contents))  # the slot now holds this prompt
    gen_start = time.monotonic()
    prompt_ns = max(1, int((gen_start - eval_start) * 1e9))

    # Absolute schedule: token i is due at gen_start + the sum of the first i+1 token times; when behind,
    # send at once to catch up, so the measured duration is the schedule's, give or take one wake-up.
    # Reading sim.rate per token lets tests and benchmarks change it mid-stream.
    due = gen_start
    for index, (kind, token) in enumerate(plan):
        rate = sim.pace.decode_rate(sim.rate * speed * factor, prompt_tokens + index)
        if out.resumed:  # after a stall, restart the schedule instead of bursting to catch up
            due, out.resumed = time.monotonic(), False
        if rate > 0:
            due += 1.0 / rate
            resp.wait(due - time.monotonic())
        if out.streaming:
            out.line(_shell(req, **{kind: token}))
        else:
            out.line(None)
    gen_end = time.monotonic()
    generated = "".join(token for kind, token in plan if kind != "tool_calls")
    loaded.prompt_cache = CachedPrompt(tuple(contents), generated)

    final: dict[str, Any] = {"done": True, "done_reason": done_reason}
    if not out.streaming:
        final.update(
            content="".join(t for k, t in plan if k == "content"),
            thinking="".join(t for k, t in plan if k == "thinking"),
            tool_calls=[c for k, calls in plan if k == "tool_calls" for c in calls],
        )
    if req.endpoint == "generate" and not req.raw:
        final["context"] = fake_token_ids(prompt_tokens + len(plan), req.last_user, model.spec.vocab_size)
    final.update(
        total_duration=max(1, int((time.monotonic() - start) * 1e9)),
        load_duration=load_ns,
        prompt_eval_count=prompt_tokens,  # the whole prompt, cached tokens included, as Ollama reports
        prompt_eval_duration=prompt_ns,  # only what was evaluated
        eval_count=_generated(plan, call),  # Ollama counts every generated token, thinking too
        eval_duration=max(1, int((gen_end - gen_start) * 1e9)),
    )
    obj = _shell(req, **final)
    if out.streaming:
        out.line(obj)
        out.end()
        sim.last_done_at = time.monotonic()
    else:
        out.line(None)  # the final object counts as a line for faults, as it does when streaming
        resp.json(200, obj)


def _renders_traces(model: Installed) -> bool:
    """Whether the model's prompt carries earlier assistant turns' `thinking`: Ollama's GLM-4.7 renderer
    renders every one (model/renderers/glm47.go); a Go template only where it reads `.Thinking`."""
    return model.spec.renderer == "glm-4.7" or ".Thinking" in model.spec.template


def _ollama_call(call: PlannedCall) -> dict[str, Any]:
    """One call as Ollama streams it: its id, and the function with its index, name and arguments."""
    return {"id": call.ollama_id, "function": {"index": 0, "name": call.name, "arguments": call.arguments}}


def _generated(plan: list[tuple[str, Any]], call: PlannedCall | None) -> int:
    """Tokens generated: one per streamed piece, and a call's own tokens (its name and arguments)."""
    if call is None or not any(kind == "tool_calls" for kind, _ in plan):  # none, or cut by num_predict
        return len(plan)
    return len(plan) - 1 + 2 + len(call.argument_pieces())
