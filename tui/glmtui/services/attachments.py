"""Reading the files a prompt attaches, and listing folders for `@path` completion (blocking file I/O:
the UI calls these in a thread). The rules (kinds, caps, fencing) are core/attachments.py's.

Every refusal is a `GlmTuiError` of kind "attach" whose message names the file and says why, so the
chat shows it and keeps the prompt and the other attachments.
"""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

from glmtui.core.attachments import (
    IMAGE_CAP,
    TEXT_CAP,
    Attachment,
    TextAttachment,
    decode_text,
    image_kind,
    sizes_against,
)
from glmtui.core.errors import GlmTuiError
from glmtui.core.path_complete import MAX_COMPLETIONS, matches, split_path
from glmtui.core.sanitize import sanitize_line
from glmtui.core.state import ImageAttachment

ATTACH = "attach"  # the errors' kind


def resolve(path: str, cwd: Path) -> Path:
    """A typed path as a file: `~` expanded, relative paths taken from `cwd` (the working folder)."""
    expanded = Path(os.path.expanduser(path))
    return expanded if expanded.is_absolute() else cwd / expanded


def complete_path(path: str, cwd: Path, limit: int = MAX_COMPLETIONS) -> list[str]:
    """The completions of a typed `@path`, each the whole path as it would be typed (folder part
    kept as typed, `~` unexpanded), folders ending with `/`. A folder that cannot be listed: none."""
    folder, name = split_path(path)
    where = resolve(folder or ".", cwd)
    try:
        with os.scandir(where) as scan:
            entries = [(entry.name, _is_dir(entry)) for entry in scan]
    except OSError:
        return []
    return [folder + found for found in matches(name, entries, limit)]


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()  # follows symlinks: a link to a folder completes as one
    except OSError:
        return False


def read_attachment(
    path: str,
    cwd: Path,
    *,
    text_cap: int = TEXT_CAP,
    image_cap: int = IMAGE_CAP,
) -> Attachment:
    """The file at `path` as an attachment: an image (png, jpeg, webp, gif by magic bytes) or UTF-8
    text. Raises `GlmTuiError` (kind "attach") for a missing file, a folder, anything not a regular
    file (a FIFO, a device, a socket: reading one could block or never end), an unreadable file, a
    binary one, or one over its cap; the name shown is the path as typed."""
    # A file name can carry escapes and line breaks too; it is shown on a chip and heads its fenced
    # block, one line each.
    name = sanitize_line(path)
    target = resolve(path, cwd)
    try:
        info = target.stat()
    except FileNotFoundError:
        raise GlmTuiError(f"{name}: no such file; not attached", "check the path", kind=ATTACH) from None
    except OSError as exc:
        raise _unreadable(name, exc) from None
    if stat.S_ISDIR(info.st_mode):
        raise GlmTuiError(
            f"{name} is a folder; not attached", "attach the files in it one by one", kind=ATTACH
        )
    if not stat.S_ISREG(info.st_mode):
        raise _not_regular(name, info.st_mode)
    try:
        # O_NONBLOCK: were the file swapped for a FIFO since stat(), open() would wait for a writer
        # forever; the fstat() of what was opened then refuses it. A regular file ignores the flag.
        fd = os.open(target, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        with os.fdopen(fd, "rb") as file:
            mode = os.fstat(file.fileno()).st_mode
            if not stat.S_ISREG(mode):
                raise _not_regular(name, mode)
            head = file.read(12)
            kind = image_kind(head)
            cap = image_cap if kind is not None else text_cap
            if info.st_size > cap:
                raise _too_big(name, info.st_size, cap, "an image" if kind else "a text file")
            data = head + file.read(cap + 1 - len(head))  # the size may have grown since stat()
    except OSError as exc:
        raise _unreadable(name, exc) from None
    if len(data) > cap:
        raise _too_big(name, len(data), cap, "an image" if kind else "a text file")
    if kind is not None:
        return ImageAttachment(name=name, size=len(data), data=base64.b64encode(data).decode("ascii"))
    text = decode_text(data)
    if text is None:
        raise GlmTuiError(
            f"{name} is binary; not attached",
            "text files (UTF-8) and images (png, jpeg, webp, gif) can be attached",
            kind=ATTACH,
        )
    return TextAttachment(name=name, size=len(data), text=text)


def _not_regular(name: str, mode: int) -> GlmTuiError:
    what = (
        "a named pipe (FIFO)"
        if stat.S_ISFIFO(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "a device"
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "a special file"
    )
    return GlmTuiError(
        f"{name} is {what}, not a regular file; not attached",
        "attach a regular file (a pipe or a device could be read forever)",
        kind=ATTACH,
    )


def _unreadable(name: str, exc: OSError) -> GlmTuiError:
    reason = exc.strerror or type(exc).__name__
    return GlmTuiError(
        f"{name} cannot be read ({reason}); not attached", "check its permissions", kind=ATTACH
    )


def _too_big(name: str, size: int, cap: int, what: str) -> GlmTuiError:
    shown, limit = sizes_against(size, cap)
    return GlmTuiError(
        f"{name} is {shown}, over the {limit} limit for {what}; not attached",
        "attach a smaller file, or the part of it that matters",
        kind=ATTACH,
    )
