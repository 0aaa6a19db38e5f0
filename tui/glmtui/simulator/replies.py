"""Deterministic reply and thinking text, and the toy tokeniser that paces it.

Replies are realistic Markdown (heading, lists, fenced code, tables, a blockquote) so the app's streaming
Markdown renderer meets the same shapes a real model produces, including code fences that arrive token by
token and non-ASCII punctuation. Everything is seeded from the model name and the prompt: the same request
always yields the same text, which keeps tests and screenshots stable.
"""

from __future__ import annotations

import hashlib
import random
import re
import zlib
from collections.abc import Iterator, Sequence

_TOKEN_RE = re.compile(r"\S+\s*|\s+")
_MAX_PIECE = 6  # long words are split into pieces of at most this many characters

_LANG_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("rust", ("rust", "cargo")),
    ("go", ("golang", " go ", "in go")),
    ("typescript", ("typescript", "javascript", " js", "node")),
    ("bash", ("bash", "shell", "script")),
    ("sql", ("sql", "query", "database")),
)

SNIPPETS: dict[str, str] = {
    "python": '''def binary_search(items: list[int], target: int) -> int:
    """Return the index of target in sorted items, or -1."""
    lo, hi = 0, len(items) - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        if items[mid] == target:
            return mid
        if items[mid] < target:
            lo = mid + 1
        else:
            hi = mid - 1
    return -1
''',
    "rust": """fn binary_search(items: &[i32], target: i32) -> Option<usize> {
    let (mut lo, mut hi) = (0usize, items.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        match items[mid].cmp(&target) {
            std::cmp::Ordering::Equal => return Some(mid),
            std::cmp::Ordering::Less => lo = mid + 1,
            std::cmp::Ordering::Greater => hi = mid,
        }
    }
    None
}
""",
    "go": """func BinarySearch(items []int, target int) int {
\tlo, hi := 0, len(items)-1
\tfor lo <= hi {
\t\tmid := lo + (hi-lo)/2
\t\tswitch {
\t\tcase items[mid] == target:
\t\t\treturn mid
\t\tcase items[mid] < target:
\t\t\tlo = mid + 1
\t\tdefault:
\t\t\thi = mid - 1
\t\t}
\t}
\treturn -1
}
""",
    "typescript": """export function binarySearch(items: number[], target: number): number {
  let lo = 0;
  let hi = items.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (items[mid] === target) return mid;
    if (items[mid] < target) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
""",
    "bash": """#!/usr/bin/env bash
set -euo pipefail

for model in glm-4.7-flash gpt-oss qwen3-coder; do
  echo "==> warming ${model}"
  curl -s http://127.0.0.1:11434/api/generate \\
    -d "{\\"model\\": \\"${model}\\", \\"keep_alive\\": \\"10m\\"}" > /dev/null
done
""",
    "sql": """SELECT m.name,
       COUNT(t.id)          AS turns,
       AVG(t.eval_rate)     AS avg_tokens_per_sec
FROM models AS m
JOIN turns AS t ON t.model_id = m.id
WHERE t.created_at >= DATE('now', '-7 days')
GROUP BY m.name
ORDER BY avg_tokens_per_sec DESC;
""",
    "json": """{
  "model": "glm-4.7-flash",
  "options": {"num_ctx": 8192, "temperature": 0.7, "top_p": 0.95},
  "keep_alive": "10m",
  "stream": true
}
""",
}

_TOPICS = (
    "the core idea",
    "edge cases",
    "complexity",
    "testing strategy",
    "a worked example",
    "performance notes",
    "common pitfalls",
    "an alternative approach",
    "error handling",
    "memory usage",
    "readability",
    "how to extend it",
)
_POINTS = (
    "keep the invariant explicit — it makes the loop easy to reason about",
    "check the empty input first, so the happy path stays simple",
    "prefer small pure functions; they are trivial to unit test",
    "measure before optimising → the profile is usually surprising",
    "name things after what they mean, not how they are computed",
    "handle the error where you can add context, and nowhere else",
    "write the test for the bug before fixing it",
    "document the units of every duration (seconds vs nanoseconds)",
    "avoid hidden global state; pass dependencies in explicitly",
    "stream results as they arrive instead of buffering everything",
    "cap retries and add jitter, so clients do not stampede",
    "keep the public API small — it is easier to keep stable",
)
_SENTENCES = (
    "Each step keeps the problem a little smaller, so the loop always ends.",
    "The same shape works for any sorted sequence, not just integers.",
    "Tests for the boundaries catch most of the mistakes people make here.",
    "If the input can change while you read it, take a snapshot first.",
    "Logging the inputs of a failing case makes the bug easy to reproduce.",
    "A clear name for the helper is worth more than a clever one-liner.",
    "When the data grows, the logarithmic cost is what keeps it fast.",
    "You can swap the comparison for a key function without other changes.",
    "Returning an explicit sentinel keeps the caller honest about misses.",
    "Property-based tests are a good fit, since the invariant is simple.",
    "Keep the function pure; side effects belong at the edges of the program.",
    "Profiling later will show whether any of this actually matters.",
    "Most of the time the standard library already has what you need.",
    "Small, well-named pieces are easier to review than one long function.",
)
_THOUGHTS = (
    "The user wants {topic}.",
    "Let me think about what they actually need here.",
    "First I should restate the problem in my own words.",
    "An example in {lang} would make this concrete.",
    "I need to be careful with the edge cases: empty input, one element, duplicates.",
    "The complexity should be mentioned briefly, but not dwelt on.",
    "Maybe a short list of pitfalls would help too.",
    "Is there a simpler way? Probably not without losing clarity.",
    "I'll structure the answer with a heading, a few bullet points and a code block.",
    "Wait, I should double-check the loop bounds before writing it down.",
    "Yes, the invariant holds: the target is always inside the open range.",
    "Okay, that covers it; time to write the answer.",
)


def tokenize(text: str) -> list[str]:
    """Split text into short word pieces: words keep their trailing whitespace, long words are cut."""
    tokens: list[str] = []
    for match in _TOKEN_RE.finditer(text):
        piece = match.group()
        word = piece.rstrip()
        if len(word) <= _MAX_PIECE:
            tokens.append(piece)
            continue
        cuts = [word[i : i + _MAX_PIECE] for i in range(0, len(word), _MAX_PIECE)]
        cuts[-1] += piece[len(word) :]
        tokens.extend(cuts)
    return tokens


def estimate_tokens(text: str) -> int:
    """Prompt-side token estimate (~4 characters per token), deterministic and cheap."""
    return (len(text) + 3) // 4


def message_tokens(content: str) -> int:
    """One rendered message's tokens: its text plus the template's few around it."""
    return estimate_tokens(content) + 4


def prompt_token_count(contents: Sequence[str]) -> int:
    """Tokens for a rendered prompt: each message plus a few template tokens around it."""
    return sum(message_tokens(c) for c in contents) + 3


def fake_token_ids(count: int, salt: str, vocab: int) -> list[int]:
    """Stable pseudo token ids for generate's ``context`` field."""
    return [zlib.crc32(f"{salt}/{i}".encode()) % vocab for i in range(count)]


def _rng(*parts: object) -> random.Random:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def echo(prompt: str, limit: int = 60) -> str:
    """The start of the user's message, on one line, shortened with '...'."""
    first = " ".join(prompt.split())
    if len(first) <= limit:
        return first
    cut = first[:limit].rsplit(" ", 1)[0] or first[:limit]
    return cut + "..."


def _language(prompt: str, rng: random.Random) -> str:
    lowered = f" {prompt.lower()} "
    for lang, words in _LANG_KEYWORDS:
        if any(w in lowered for w in words):
            return lang
    return "python" if rng.random() < 0.7 else rng.choice(("rust", "typescript", "go"))


def _bullets(rng: random.Random, count: int, numbered: bool = False) -> str:
    points = rng.sample(_POINTS, count)
    marks = [f"{i + 1}." if numbered else "-" for i in range(count)]
    return "\n".join(f"{m} {p[0].upper()}{p[1:]}" for m, p in zip(marks, points, strict=True)) + "\n\n"


def _code(lang: str) -> str:
    return f"```{lang}\n{SNIPPETS[lang]}```\n\n"


def _table(rng: random.Random) -> str:
    rows = [("input size", "steps", "notes"), ("---", "---:", "---")]
    for n in sorted(rng.sample((8, 64, 1_000, 65_536, 1_000_000), 3)):
        rows.append((f"{n:,}", str(max(1, n.bit_length())), rng.choice(("fast", "still fast", "fine"))))
    return "\n".join("| " + " | ".join(r) + " |" for r in rows) + "\n\n"


def _blocks(model: str, prompt: str, rng: random.Random) -> Iterator[str]:
    """The reply as an endless sequence of Markdown blocks: a natural answer first, then elaboration."""
    lang = _language(prompt, rng)
    asked = echo(prompt) or "(an empty message)"
    yield f"## Answer from {model}\n\n"
    yield f'You asked: "{asked}"\n\n'
    yield (
        "Here is a short, practical answer — with the key points first and a small example "
        f"in {lang} after them.\n\n"
    )
    yield _bullets(rng, rng.randint(3, 4))
    yield _code(lang)
    yield "That is the whole idea → keep it simple, test the edges, and measure before tuning.\n\n"
    langs = [lang] + [k for k in SNIPPETS if k != lang]
    section = 0
    while True:
        section += 1
        topic = _TOPICS[(section - 1) % len(_TOPICS)]
        yield f"### {section}. {topic[0].upper()}{topic[1:]}\n\n"
        sentences = " ".join(rng.sample(_SENTENCES, rng.randint(2, 4)))
        yield f"Looking at {topic} in more detail. {sentences}\n\n"
        kind = rng.randrange(5)
        if kind == 0:
            yield _bullets(rng, rng.randint(3, 5))
        elif kind == 1:
            yield _bullets(rng, rng.randint(3, 4), numbered=True)
        elif kind == 2:
            yield _table(rng)
        else:
            yield f"For example, in {langs[section % len(langs)]}:\n\n"
            yield _code(langs[section % len(langs)])
        if section % 4 == 0:
            yield "> **Note:** " + rng.choice(_POINTS) + ".\n\n"


def natural_length(model: str, prompt: str) -> int:
    """Default reply length in tokens for this request (150-250, varying per prompt)."""
    return _rng("length", model, prompt).randint(160, 240)


def build_reply(model: str, prompt: str, tokens: int | None = None, seed: object = None) -> list[str]:
    """The reply as exactly ``tokens`` tokens (default: its natural length), as valid Markdown.

    Whole blocks are used while they fit; the remainder is filled with a plain sentence, so a long
    reply never ends inside an unterminated code fence.
    """
    target = tokens if tokens is not None and tokens > 0 else natural_length(model, prompt)
    rng = _rng("reply", model, prompt, seed)
    out: list[str] = []
    for block in _blocks(model, prompt, rng):
        pieces = tokenize(block)
        if len(out) + len(pieces) > target:
            break
        out.extend(pieces)
    filler: list[str] = []
    while len(filler) < target - len(out):
        filler += tokenize(" ".join(rng.sample(_SENTENCES, len(_SENTENCES))) + " ")
    filler = filler[: target - len(out)]
    # Never end on half a word: swap the pieces of a cut word for short whole words (same count).
    tail = len(filler)
    while tail and not filler[tail - 1][-1].isspace():
        tail -= 1
    if tail < len(filler) and any(t[-1].isspace() for t in filler[:tail]):
        closers = ("here", "too", "now", "then", "again", "still")
        filler[tail:] = [w + " " for w in closers[: len(filler) - tail]]
    if filler:
        # A paragraph cut at the token budget still ends like a sentence.
        filler[-1] = filler[-1].rstrip().rstrip(".,;:!?") + ".\n"
    return out + filler


def build_thinking(model: str, prompt: str, level: str | None, seed: object = None) -> list[str]:
    """A deterministic reasoning paragraph; ``level`` (low/medium/high) scales it like gpt-oss."""
    rng = _rng("thinking", model, prompt, seed)
    low, high = {"low": (30, 50), "medium": (70, 100), "high": (150, 200)}.get(level or "", (40, 120))
    target = rng.randint(low, high)
    topic, lang = echo(prompt, 40) or "an answer", _language(prompt, rng)
    out: list[str] = []
    index = 0
    while len(out) < target:
        sentence = _THOUGHTS[index % len(_THOUGHTS)].format(topic=f'"{topic}"', lang=lang)
        out.extend(tokenize(sentence + " "))
        index += 1 + (rng.random() < 0.25)
    out[-1] = out[-1].rstrip()
    return out
