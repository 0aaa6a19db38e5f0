"""Whether the model an SGLang server runs takes images, as SGLang itself says it.

SGLang answers `GET /model_info` (`GET /get_model_info` before, deprecated since and still served) with
`has_image_understanding` among the model's facts (SGLang docs, "Query and modify server": the test
there asserts the keys; `python/sglang/srt/entrypoints/http_server.py`). It matters because SGLang does
not refuse images sent to a text-only model: `TokenizerManager._tokenize_one_request` processes them only
when the model has a multimodal processor, so they are dropped without a word. vLLM refuses them
(`openai_wire.NO_IMAGES`), so only SGLang needs asking.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

# A fact route gets this long: the client reads without a timeout (replies stream for minutes), and
# whether a model sees must not hold up the chat (its details wait on it) behind a wedged route.
FACTS_TIMEOUT_S = 3.0
IMAGES_KEY = "images"  # the `ModelDetails.model_info` key: present only where the engine said
PATHS = ("/model_info", "/get_model_info")  # the current route first; an older SGLang has only the second
TAKES_IMAGES = "SGLang reports image understanding (has_image_understanding)"
NO_IMAGES = "SGLang reports no image understanding for it (images sent to it would be dropped unread)"


UNKNOWN = (
    "SGLang did not say whether {model} takes images (no has_image_understanding from /model_info): "
    "the images are sent, and a text-only model drops them unread"
)
UNREAD = (
    "SGLang's /model_info could not be read just now, so whether {model} takes images is not known "
    "(asked again shortly): the images are sent, and a text-only model drops them unread"
)


async def fact(get: Callable[[str], Awaitable[Any]], path: str) -> Any:
    """One fact route's body, within FACTS_TIMEOUT_S (raises TimeoutError past it, and what `get` raises)."""
    return await asyncio.wait_for(get(path), FACTS_TIMEOUT_S)


async def image_understanding(get: Callable[[str], Awaitable[Any]]) -> tuple[bool, bool | None]:
    """(answered, `has_image_understanding`): answered when a route gave the model's facts, whose value
    is None where they lack the key (an SGLang older than it: unknown for good, never taken for "no").
    Not answered (an error, a timeout): unknown for now, and worth asking again."""
    for path in PATHS:
        try:
            body = await fact(get, path)
        except Exception:
            continue  # 404 on an older server, no answer, or too slow: try the other route
        if isinstance(body, dict) and "model_path" in body:
            value = body.get("has_image_understanding")
            return True, value if isinstance(value, bool) else None
    return False, None


def images_note(takes: bool) -> str:
    """The sentence shown beside the model's details, and in a refusal to attach."""
    return TAKES_IMAGES if takes else NO_IMAGES
