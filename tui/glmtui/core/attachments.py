"""Files and images attached to a prompt: what kind a file is, the caps, how a text file is fenced into
the prompt, and whether the chat's model may take images. Pure rules: the reading is
services/attachments.py's, the chips and the picker are the widgets'.

A text file goes into the same user message as the prompt, after it, as a fenced block under its name;
an image goes into the message's `images` (Ollama's field, base64; an OpenAI-compatible engine gets it
as an `image_url` content part, services/engines/openai_wire.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from glmtui.core.state import ImageAttachment

TEXT_CAP = 256 * 1024
"""Bytes of one text file, and of all the text files of one prompt together. 256 KiB is ~65k tokens
at ~4 bytes a token: already more than most loaded contexts (glmtui's overflow guard says so)."""
IMAGE_CAP = 20 * 1024 * 1024
"""Bytes of one image file. Ollama sets no limit of its own; 20 MiB is OpenAI's documented per-image
limit for its chat API, which vLLM and SGLang clients are written against."""

ImageKind = Literal["png", "jpeg", "webp", "gif"]


@dataclass(frozen=True, slots=True)
class TextAttachment:
    """A text file attached to a prompt (its content goes into the prompt as a fenced block)."""

    name: str  # as shown on the chip and above the fenced block (the path as the user gave it)
    size: int  # bytes of the file
    text: str


Attachment = TextAttachment | ImageAttachment


def image_kind(head: bytes) -> ImageKind | None:
    """The image format by its magic bytes (the file's first 12 bytes suffice), or None: the formats
    Ollama's vision models decode (png, jpeg, webp, gif); a file is never trusted by its extension."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    return None


def decode_text(data: bytes) -> str | None:
    """The file's text, or None when it is binary: a NUL byte, or not UTF-8 (a UTF-8 BOM is dropped)."""
    if b"\x00" in data:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


_BACKTICKS = re.compile(r"`+")


def fence_for(text: str) -> str:
    """A backtick fence longer than any run of backticks inside `text` (at least three), so a file
    holding Markdown or fenced code cannot close the block early (CommonMark: a closing fence is at
    least as long as the opening one)."""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    return "`" * max(3, longest + 1)


def fenced_block(attachment: TextAttachment) -> str:
    """One text file as it goes into the prompt: its name on a line, then its content fenced."""
    fence = fence_for(attachment.text)
    body = (
        attachment.text if attachment.text.endswith("\n") or not attachment.text else attachment.text + "\n"
    )
    return f"{attachment.name}:\n{fence}\n{body}{fence}"


def prompt_with_files(prompt: str, files: Sequence[TextAttachment]) -> str:
    """The user message's text: what was typed, then each text file as a fenced block."""
    parts = [prompt.rstrip()] if prompt.strip() else []
    parts.extend(fenced_block(file) for file in files)
    return "\n\n".join(parts)


def text_over_cap(files: Sequence[TextAttachment], cap: int = TEXT_CAP) -> str | None:
    """Why these text files together are too big to send (None: they fit)."""
    total = sum(file.size for file in files)
    if total <= cap:
        return None
    shown, limit = sizes_against(total, cap)
    return (
        f"The attached text files come to {shown}, over the {limit} limit: "
        "nothing was sent; remove one (click its chip)"
    )


def sizes_against(size: int, cap: int) -> tuple[str, str]:
    """`size` and `cap` as a refusal shows them: rounded as on chips, unless they are within 1 % of each
    other, where rounding would say `256 KiB, over the 256 KiB limit`; then exact bytes, the cap with
    its rounded form too (`262,145 B`, `262,144 B (256 KiB)`)."""
    if abs(size - cap) * 100 > cap:
        return file_size(size), file_size(cap)
    return f"{size:,} B", f"{cap:,} B ({file_size(cap)})"


def file_size(size: int) -> str:
    """A file's size in binary units, as the caps are set (`512 B`, `1.2 KiB`, `256 KiB`, `20 MiB`)."""
    amount = float(size)
    for unit in ("B", "KiB", "MiB"):
        if amount < 1024 or unit == "MiB":
            if unit == "B":
                return f"{size} B"
            return f"{amount:.1f} {unit}" if amount < 10 else f"{amount:.0f} {unit}"
        amount /= 1024
    return f"{size} B"  # not reached


def chip_label(attachment: Attachment) -> str:
    """The chip's text: a mark for the kind, the name and the size."""
    mark = "▣" if isinstance(attachment, ImageAttachment) else "▤"
    return f"{mark} {attachment.name} · {file_size(attachment.size)}"


Verdict = Literal["yes", "unknown", "no"]


def vision_verdict(model: str, capabilities: Sequence[str] | None) -> tuple[Verdict, str]:
    """Whether `model` takes images, and the sentence to show.

    `capabilities`: what the server listed (Ollama's `/api/show` `capabilities`), or None where they
    could not be read: `/api/show` failed, or the engine does not list them (vLLM and SGLang serve
    whatever they were started with, and `/v1/models` says nothing of modalities). Unknown is not
    "no": the images go, with a warning, and the engine's own error says it if the model cannot."""
    if capabilities is None:
        return "unknown", (
            f"{model or 'The model'}'s capabilities are not known: the images are sent; "
            "if it cannot take images, the engine will say so"
        )
    if "vision" in capabilities:
        return "yes", ""
    listed = ", ".join(capabilities) or "none listed"
    return "no", f"{model} cannot take images: its capabilities are {listed}"
