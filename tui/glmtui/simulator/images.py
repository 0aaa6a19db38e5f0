"""Images on chat messages, as both engines take them: Ollama's ``images`` (base64 strings beside the text)
and the OpenAI API's content parts (``text`` and ``image_url`` with a data URL).

What real engines do, and this simulator copies:

- Ollama's ``ChatHandler`` asks the model for no ``vision`` capability (``server/routes.go``: the
  capabilities checked are completion, tools when tools are sent, and thinking), so images to a text-only
  model are accepted with 200. ``imageTaggedMessages`` (``server/prompt.go``) prefixes each image's
  ``[img-N]`` tag to its message's text; a runner whose model is not multimodal tokenizes that prompt as
  plain text (``runner/ollamarunner/runner.go``, ``inputs``: the ``[img-N]`` split happens only for a
  ``MultimodalProcessor``), so the images are dropped and the tags count as text tokens.
- A vision model's image counts as 768 prompt tokens: the figure Ollama's own truncation uses for an
  image (``server/prompt.go``, ``imageNumTokens``, "Clip images are represented as 768 tokens"). Real
  models vary (gemma3: 256 per image; Qwen-VL: by resolution); one plausible constant keeps the
  gauge honest in kind.
- Bad base64 is refused as Go's JSON decoding of ``[]byte`` refuses it (gin's bind error, 400):
  ``illegal base64 data at input byte N``.
- vLLM serving a text-only model refuses any image part with 400 ``<model> is not a multimodal model``
  (vllm-project/vllm main, ``MultiModalRegistry.create_processor`` in ``vllm/multimodal/registry.py``,
  reached from ``BaseMultiModalItemTracker.add`` in ``vllm/entrypoints/chat_utils.py``; the serving
  layer answers a ``ValueError`` with 400 ``BadRequestError``). A multimodal model started with
  ``--limit-mm-per-prompt`` at 0 says ``At most 0 image(s) may be provided in one prompt.`` instead
  (``BaseProcessingInfo.validate_num_items``); glmtui reads both.
- SGLang serving a text-only model takes the request: ``TokenizerManager._tokenize_one_request``
  (``python/sglang/srt/managers/tokenizer_manager.py``) processes images only ``if self.mm_processor``,
  and a text-only model has none, so they are dropped without a word and count no tokens. What it does
  say is ``has_image_understanding`` in ``GET /model_info`` (``/get_model_info`` before, now deprecated),
  which this simulator answers from ``vision_models``.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from .wire import BadRequest

IMAGE_TOKENS = 768  # server/prompt.go imageNumTokens
_B64 = re.compile(r"[^A-Za-z0-9+/=]")


def check_base64(data: object, index: int) -> None:
    """Refuse what Go's JSON decoder refuses for one ``images`` entry (raises BadRequest, 400)."""
    if not isinstance(data, str):
        raise BadRequest(
            f"json: cannot unmarshal {type(data).__name__} into Go struct field "
            f"Message.messages.images of type api.ImageData"
        )
    bad = _B64.search(data)
    if bad is not None:
        raise BadRequest(f"illegal base64 data at input byte {bad.start()}")
    try:
        base64.b64decode(data, validate=True)
    except binascii.Error:
        raise BadRequest(f"illegal base64 data at input byte {len(data) - len(data) % 4}") from None


def ollama_images(message: dict[str, Any]) -> int:
    """How many valid images a chat message carries (raises BadRequest for a bad ``images`` field)."""
    images = message.get("images")
    if images is None:
        return 0
    if not isinstance(images, list):
        raise BadRequest(
            "json: cannot unmarshal into Go struct field Message.messages.images of type []api.ImageData"
        )
    for index, data in enumerate(images):
        check_base64(data, index)
    return len(images)


def tagged(content: str, count: int) -> str:
    """The text the template sees for a message with ``count`` images (``imageTaggedMessages``):
    each ``[img]`` placeholder becomes ``[img-N]``, or the tags are prefixed when there is none."""
    prefix = ""
    for n in range(count):
        if "[img]" in content:
            content = content.replace("[img]", f"[img-{n}]", 1)
        else:
            prefix += f"[img-{n}]"
    return prefix + content


def openai_content(content: object) -> tuple[str, int] | None:
    """(the text, the number of ``image_url`` parts) of an OpenAI message's content: a string, null,
    or a list of content parts. None: not a shape the API takes."""
    if content is None:
        return "", 0
    if isinstance(content, str):
        return content, 0
    if not isinstance(content, list):
        return None
    texts: list[str] = []
    images = 0
    for part in content:
        if not isinstance(part, dict):
            return None
        if part.get("type") == "text" and isinstance(part.get("text"), str):
            texts.append(part["text"])
        elif part.get("type") == "image_url" and isinstance(part.get("image_url"), dict):
            images += 1
        else:
            return None
    return "\n".join(texts), images
