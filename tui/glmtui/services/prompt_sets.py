"""Prompt sets: a file of prompts the A/B screen runs one by one, blind, with a vote after each.

Two formats, told apart by the file's name:

- `*.jsonl` / `*.ndjson`: one prompt per line as a JSON string (`"Write a binary search in Rust"`),
  so a prompt can hold newlines (`\\n`); blank lines are skipped.
- anything else: plain text, prompts separated by a line that is exactly `---` (spaces around it
  allowed); each prompt's surrounding blank lines are trimmed; empty prompts are skipped.

A file that cannot be used raises `PromptSetError` with a sentence saying why (and the line, where
there is one). `parse_prompts` is pure; `read_prompt_set` reads the file (call it in a thread).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

MAX_BYTES = 4 * 1024 * 1024  # a prompt set is typed by a person: a bigger file is a wrong file
MAX_PROMPTS = 1000
SEPARATOR = "---"
JSON_SUFFIXES = (".jsonl", ".ndjson")


class PromptSetError(ValueError):
    """Why a prompt-set file cannot be run (a sentence for the user)."""


@dataclass(frozen=True, slots=True)
class PromptSet:
    """The prompts of one file, in order, and the file's name (for the progress line)."""

    name: str
    prompts: tuple[str, ...]


def parse_prompts(text: str, jsonl: bool) -> list[str]:
    """The prompts in `text` (see the module docstring); PromptSetError when there are none or a
    JSON line is not a string."""
    prompts: list[str] = []
    if jsonl:
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                raise PromptSetError(
                    f"line {number} is not JSON ({exc.msg}); each line is one JSON string"
                ) from None
            except RecursionError:  # "[[[[…": valid JSON's start, nested past the decoder's limit
                raise PromptSetError(
                    f"line {number} is JSON nested too deeply to read; each line is one JSON string"
                ) from None
            if not isinstance(value, str):
                raise PromptSetError(
                    f"line {number} is JSON {type(value).__name__}, not a string; each line is one "
                    'JSON string, e.g. "Write a binary search in Rust"'
                )
            if value.strip():
                prompts.append(value.strip())
    else:
        block: list[str] = []
        for line in [*text.splitlines(), SEPARATOR]:
            if line.strip() == SEPARATOR:
                prompt = "\n".join(block).strip()
                if prompt:
                    prompts.append(prompt)
                block = []
            else:
                block.append(line)
    if not prompts:
        raise PromptSetError(
            "it holds no prompts (plain text: prompts separated by a line '---'; .jsonl: one JSON "
            "string per line)"
        )
    if len(prompts) > MAX_PROMPTS:
        raise PromptSetError(f"it holds {len(prompts):,} prompts; a set runs at most {MAX_PROMPTS:,}")
    return prompts


def read_prompt_set(path: Path) -> PromptSet:
    """Read and parse a prompt-set file; PromptSetError with the reason when it cannot be used."""
    where = str(path)
    try:
        if path.is_dir():
            raise PromptSetError(f"{where} is a folder, not a file")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise PromptSetError(f"{where} is {size / 1e6:.1f} MB; a prompt set is at most 4 MB of text")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise PromptSetError(f"{where}: no such file") from None
    except PermissionError:
        raise PromptSetError(f"{where}: not allowed to read it") from None
    except OSError as exc:
        raise PromptSetError(f"{where}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PromptSetError(f"{where} is not UTF-8 text") from None
    try:
        prompts = parse_prompts(text, path.suffix.lower() in JSON_SUFFIXES)
    except PromptSetError as exc:
        raise PromptSetError(f"{where}: {exc}") from None
    return PromptSet(path.name, tuple(prompts))
