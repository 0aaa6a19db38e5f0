"""Human units and display names: how glmtui writes bytes, rates, durations, ages and GPU names.

Pure functions (no I/O, no Textual, no Rich: plain values in, `str` out), so every screen and panel
writes the same figure the same way, and each figure's format has one home.
"""

from __future__ import annotations

import time

GIB = 1024**3
MIB = 1024**2
GPU_VENDOR_WORDS = ("NVIDIA ", "GeForce ", "Tesla ")


def short_gpu_name(name: str) -> str:
    """`NVIDIA GeForce RTX 4090` → `RTX 4090`: the vendor words carry no information in glmtui."""
    for prefix in GPU_VENDOR_WORDS:
        if name.startswith(prefix):
            name = name[len(prefix) :]
    return name


def gpu_names(names: list[str]) -> str:
    """GPUs named as they are: `1× RTX 4090`, `2× RTX 4090`, `RTX 4090 + H100 80GB`,
    `2× RTX 4090 + H100 80GB`. A count only ever multiplies the one name it stands before."""
    counts: dict[str, int] = {}
    for name in names:
        short = short_gpu_name(name)
        counts[short] = counts.get(short, 0) + 1
    if len(counts) == 1:
        (name, count), *_ = counts.items()
        return f"{count}× {name}"
    return " + ".join(name if count == 1 else f"{count}× {name}" for name, count in counts.items())


# Bytes


def human_bytes(value: int) -> str:
    """Decimal units as `ollama ps` and `ollama list` print sizes (e.g. `19 GB`, `5.4 GB`)."""
    for unit, scale in (("TB", 1000**4), ("GB", 1000**3), ("MB", 1000**2), ("KB", 1000)):
        if value >= scale:
            amount = value / scale
            # Ollama's format.HumanBytes: whole numbers from 10 up, one decimal below unless exact.
            if amount >= 10 or amount == int(amount):
                return f"{int(amount)} {unit}"
            return f"{amount:.1f} {unit}"
    return f"{value} B"


def gib(value: float | None, digits: int = 1) -> str:
    """Binary GiB as GPU memory is usually quoted, the number only (`23.5`); `n/a` when unknown.

    The caller writes the unit once: `f"{gib(used)}/{gib(total)} GiB"`. `digits=0` for totals
    (`24`), 2 for small amounts such as a KV cache.
    """
    return "n/a" if value is None else f"{value / GIB:.{digits}f}"


def binary_size(value: int) -> str:
    """Process memory: `300 MiB` below a GiB (a runner's RSS), else `18.2 GiB`."""
    if value < GIB:
        return f"{value / MIB:.0f} MiB"
    return f"{gib(value)} GiB"


def byte_rate(rate: float | None) -> str:
    """A download speed in decimal megabytes, `12.3 MB/s`; `…` before there is one."""
    return "…" if rate is None else f"{rate / 1e6:.1f} MB/s"


# Rates and shares


def format_rate(rate: float | None, digits: int = 2) -> str:
    """`45.12 tok/s` to two decimals, exactly as `ollama run --verbose`; `n/a` when unknown.

    `digits=0` for a range of rates (`38 tok/s`), where decimals would only be noise.
    """
    return "n/a" if rate is None else f"{rate:.{digits}f} tok/s"


def rate_estimate(rate: float | None) -> str:
    """The live, client-side rate while a reply streams: `~42 tok/s (estimate)`; `…` before two tokens."""
    return "…" if rate is None else f"~{rate:.0f} tok/s (estimate)"


def percent(fraction: float, width: int = 0) -> str:
    """A share as a whole percentage, `42%`, right-aligned in `width` characters before the sign."""
    return f"{fraction * 100:{width}.0f}%"


# Durations


def format_seconds(seconds: float | None) -> str:
    """A measured time: `850 ms`, `2.34 s`, `1m05.0s`; `n/a` when unknown."""
    if seconds is None:
        return "n/a"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.2f} s"
    minutes, secs = divmod(seconds, 60)
    return f"{int(minutes)}m{secs:04.1f}s"


def tenths(seconds: float) -> str:
    """A time to a tenth of a second, `4.2 s`: how long a model thought."""
    return f"{seconds:.1f} s"


def duration(seconds: float | None) -> str:
    """A clock-style time left: `0:42`, `12:05`, `1:02:03`; `--:--` while unknown."""
    if seconds is None:
        return "--:--"
    whole = int(seconds + 0.5)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def countdown(seconds: float | None) -> str:
    """A keep-alive countdown: `forever`, `unloading`, `4m`, `1:05`, `42s`.

    Minutes only above two minutes, so an idle sidebar repaints once a minute rather than every second.
    """
    if seconds is None:
        return "forever"
    if seconds <= 0:
        return "unloading"
    if seconds >= 3600:
        return f"{seconds / 3600:.0f}h"
    if seconds >= 120:
        return f"{int(seconds // 60)}m"
    if seconds >= 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{int(seconds)}s"


# Ages and moments


def ago(timestamp: float | None, now: float | None = None) -> str:
    """`ollama list`-style age: `just now`, `5 minutes ago`, `3 days ago`, `2 months ago`; `?` unknown."""
    if timestamp is None:
        return "?"
    seconds = max(0.0, (now if now is not None else time.time()) - timestamp)
    for unit, size in (
        ("year", 365 * 86400),
        ("month", 30 * 86400),
        ("week", 7 * 86400),
        ("day", 86400),
        ("hour", 3600),
        ("minute", 60),
    ):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count > 1 else ''} ago"
    return "just now"


def when(epoch: float, now: float | None = None) -> str:
    """A moment in local time: `14:05` today, `Mon 14:05` this week, else `2026-11-02`."""
    now = time.time() if now is None else now
    local, today = time.localtime(epoch), time.localtime(now)
    if local[:3] == today[:3]:
        return time.strftime("%H:%M", local)
    if now - epoch < 6 * 86400:
        return time.strftime("%a %H:%M", local)
    return time.strftime("%Y-%m-%d", local)
