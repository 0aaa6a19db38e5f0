"""Prompt (prefix) caches: how many leading tokens of a new prompt an engine does not evaluate again.

The simulator's prompt is a list of message texts; its tokens are ``replies.prompt_token_count``'s: each
message is a 4-token template header plus ~4 characters a token, and 3 more tokens open the reply. A
prefix is counted in those units: whole messages that match, then the header and the whole tokens of the
first message that differs, up to the first differing character.

**Ollama** keeps, per loaded model, the inputs of its last sequence in a cache slot: the prompt, then the
tokens it generated. A new request reuses the longest common prefix and evaluates the rest; if the whole
prompt matches, it still evaluates the last token, to have logits to sample from (``numPast--``). Sources
(github.com/ollama/ollama): ``runner/ollamarunner/cache.go`` and ``runner/llamarunner/cache.go``
``LoadCacheSlot`` / ``findLongestCacheSlot`` / ``countCommonPrefix`` (v0.15.5); from v0.30 the
llama-server runner does the same (llama.cpp's server keeps the slot's tokens and re-evaluates at least
one). What Ollama *reports* is unchanged by a hit: ``prompt_eval_count`` is the whole prompt, cached
tokens included (``seq.numPromptInputs`` in both Go runners; for llama-server ``cache_n + prompt_n``,
ollama/ollama#16428, fixing #16414, a v0.30.0 regression), while ``prompt_eval_duration`` covers only
what was evaluated (``processingDuration``; llama-server's ``prompt_ms``). The app's context gauge relies
on the full count. Unloading the model (or reloading it with another ``num_ctx``) forgets the cache.

**vLLM and SGLang** share the cache across requests: vLLM hashes full KV blocks (16 tokens by default;
``vllm/v1/core/kv_cache_manager.py`` ``get_computed_blocks``), SGLang keeps a radix tree at token
granularity (page size 1). Both recompute the prompt's last token on a full hit, so at most
``prompt - 1`` tokens are cached. Here the cache is kept at message granularity: every message prefix a
request filled the cache with, and the same prefix followed by what it generated.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from .replies import estimate_tokens

HEADER_TOKENS = 4  # the template tokens around one message (as replies.prompt_token_count counts them)
REPLY_OPENER_TOKENS = 3  # the tokens that open the assistant's turn at the end of a prompt


def _message_tokens(text: str) -> int:
    return estimate_tokens(text) + HEADER_TOKENS


def shared_chars(a: str, b: str) -> int:
    """Length of the longest common prefix of two texts (a bisection over slices: fast on long prompts)."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _partial(old: str, new: str) -> int:
    """Tokens of ``new`` shared with ``old`` when the two messages differ: header, then whole tokens."""
    return HEADER_TOKENS + shared_chars(old, new) // 4


@dataclass(frozen=True)
class CachedPrompt:
    """What an Ollama cache slot holds: the messages of the last prompt, then what was generated for it
    (None until the reply finished; a reply cut short leaves only the prompt)."""

    messages: tuple[str, ...]
    generated: str | None = None


def common_prefix(cache: CachedPrompt | None, contents: Sequence[str]) -> int:
    """Leading tokens of the prompt rendered from ``contents`` that ``cache`` holds (before the last-token
    rule). The reply opener of the cached prompt lines up with the next assistant message's header, and
    the generated text with that message's content (a reply that began with thinking differs at once:
    chat templates do not send thinking back)."""
    if cache is None:
        return 0
    tokens = 0
    for i, new in enumerate(contents):
        if i < len(cache.messages):
            old = cache.messages[i]
            if old != new:
                return tokens + _partial(old, new)
            tokens += _message_tokens(new)
            continue
        if i == len(cache.messages) and cache.generated is not None:
            if cache.generated == new:
                return tokens + _message_tokens(new)
            return tokens + REPLY_OPENER_TOKENS + shared_chars(cache.generated, new) // 4
        return tokens
    if len(contents) == len(cache.messages):
        tokens += REPLY_OPENER_TOKENS  # the same prompt again: all of it
    return tokens


def ollama_cached(cache: CachedPrompt | None, contents: Sequence[str], total: int) -> int:
    """Tokens Ollama does not evaluate again (``numPast``): the common prefix, less one on a full hit."""
    past = min(common_prefix(cache, contents), total)
    return max(0, past - 1) if past >= total else past


class PrefixIndex:
    """The prefixes a vLLM or SGLang engine has in its KV cache (never evicted: the simulated cache is
    big enough for a test's or a benchmark's traffic); ``clear()`` is an engine restart."""

    def __init__(self, block: int) -> None:
        self.block = block  # vLLM's 16-token KV blocks; 1 for SGLang's token-level radix tree
        self._keys: set[str] = set()
        self._lock = threading.Lock()

    @staticmethod
    def _keys_of(contents: Sequence[str]) -> list[str]:
        digest, keys = hashlib.sha256(), []
        for text in contents:
            digest.update(text.encode() + b"\x00")
            keys.append(digest.hexdigest())
        return keys

    def lookup(self, contents: Sequence[str], total: int) -> int:
        """Cached tokens of this prompt (whole blocks, at most ``total - 1``); records its prefixes."""
        keys = self._keys_of(contents)
        tokens = matched = 0
        with self._lock:
            for key, text in zip(keys, contents, strict=True):
                if key not in self._keys:
                    break
                tokens, matched = tokens + _message_tokens(text), matched + 1
            self._keys.update(keys)
        if matched == len(contents):
            tokens += REPLY_OPENER_TOKENS
        cached = min(tokens, total - 1)
        return max(0, cached // self.block * self.block)

    def add_generated(self, contents: Sequence[str], generated: str) -> None:
        """The reply's tokens fill the cache too: the prompt followed by the reply as the next message."""
        with self._lock:
            self._keys.add(self._keys_of([*contents, generated])[-1])

    def clear(self) -> None:
        with self._lock:
            self._keys.clear()
