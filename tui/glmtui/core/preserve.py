"""Preserved thinking: whether a model takes earlier turns' traces back, and how each engine is sent them.

GLM-4.7-Flash's "Preserved Thinking" keeps the reasoning of earlier assistant turns in the context
(Z.ai's thinking-mode guide, docs.z.ai/guides/capabilities/thinking-mode: off by default on the standard
API, turned on with `clear_thinking: false`, and the traces must come back complete and unmodified).
A trace only reaches the model if the engine's template renders it, so support is decided per model:

- Ollama: a request message's `thinking` field (`docs/api.md`, "The message object": `thinking`) is
  rendered by the model's renderer or template. Ollama's GLM-4.7 renderer (`model/renderers/glm47.go`)
  renders every earlier assistant turn's `Thinking` as `<think>…</think>` ("Thinking is PRESERVED by
  default ... equivalent to clear_thinking=false"); Ollama picks that renderer for GLM-4 architectures
  (`x/create/client/create.go`). Qwen3.5's renderer (`model/renderers/qwen35.go`) renders a trace only
  after the last user message (`lastQueryIndex`): earlier turns' traces are dropped.
- vLLM / SGLang: the GLM-4.7 chat template (huggingface.co/zai-org/GLM-4.7, `chat_template.jinja`) reads
  `m.reasoning_content` and keeps it for earlier turns only when `clear_thinking` is defined and false
  (a chat template kwarg). `openai_wire.chat_body` sends the trace and the kwarg.

Anything else that thinks is "unknown": the user may still turn it on (told that the template may
ignore the traces, which then cost nothing, or may read them, which costs context).
"""

from __future__ import annotations

from typing import Literal

from glmtui.core.state import ModelDetails

Support = Literal["yes", "no", "unknown"]

# GLM-4.7 (GLM-4.7-Flash is its 30B-A3B sibling, architecture glm4moelite in Ollama's converter).
KEEPS_TRACES = ("glm-4.7", "glm4.7", "glm4moelite")
# Qwen3.5 / Qwen3: their templates render a trace only after the last user message.
DROPS_TRACES = ("qwen3",)


def preserve_support(model: str, info: ModelDetails | None) -> tuple[Support, str]:
    """Whether `model` takes earlier traces back, and why, in words (for the palette and the notice)."""
    if info is not None and not info.can_think:
        return "no", f"{model or 'this model'} does not think: there are no traces to send back"
    names = [model.lower()]
    if info is not None:
        arch = info.model_info.get("general.architecture")
        root = info.model_info.get("root")  # vLLM's /v1/models `root`: the weights' path or repo
        names += [str(arch).lower() if arch else "", str(root).lower() if root else "", info.family.lower()]
    if any(key in name for name in names for key in KEEPS_TRACES):
        return "yes", "GLM-4.7's template keeps earlier turns' traces when they are sent back"
    if any(name.split("/")[-1].startswith(key) for name in names for key in DROPS_TRACES):
        return "no", f"{model}'s template drops the traces of earlier turns (only the current one counts)"
    if info is None:
        return "unknown", "the model's facts are not read yet"
    return "unknown", f"not known whether {model}'s template reads earlier traces"
