"""Configuration: a TOML file, then environment, then command-line flags (flags win).

A bad value never stops the app: each problem is reported with the file and key, and the default
is used for that key alone.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, cast

from glmtui.hosts import resolve_host
from glmtui.state import ThinkSetting

THINK_VALUES: tuple[ThinkSetting, ...] = ("on", "off", "low", "medium", "high")


class ConfigError(Exception):
    """A problem with one key of one config file."""

    def __init__(self, file: Path, key: str, reason: str) -> None:
        super().__init__(f"{file}: {key}: {reason}")
        self.file, self.key, self.reason = file, key, reason


@dataclass(frozen=True)
class MonitorIntervals:
    """Seconds between readings of each kind (the `[monitor]` table of the config file)."""

    gpu_s: float = 1.0  # memory and utilisation; never below 0.5 (NVML's driver lock)
    gpu_slow_s: float = 5.0  # temperature and power
    processes_s: float = 5.0  # who holds VRAM; never below 5
    system_s: float = 1.0  # CPU, RAM, swap, load, the Ollama process
    ollama_s: float = 2.0  # /api/ps (also right after each reply)

    @property
    def tick_s(self) -> float:
        """How often the monitor loop wakes: the fastest cadence."""
        return max(0.5, min(self.gpu_s, self.system_s))


@dataclass(frozen=True)
class Config:
    """Everything configurable, with its default."""

    host: str = "http://127.0.0.1:11434"
    model: str | None = None
    think: ThinkSetting = "on"
    theme: str = "glmtui-dark"
    system: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    keep_alive: str | None = None
    stall_timeout: float = 60.0  # seconds without a chunk, once the reply has started
    first_token_timeout: float = 600.0  # loading a big model can take minutes
    demo: bool = False
    monitor: bool = True  # the sidebar is shown at start (F2 toggles it; --no-monitor hides it)
    monitor_intervals: MonitorIntervals = field(default_factory=MonitorIntervals)


# key → (type(s) accepted, description). Options pass through to Ollama untouched.
_SCHEMA: dict[str, tuple[type | tuple[type, ...], str]] = {
    "host": (str, "Ollama URL"),
    "model": (str, "model name"),
    "think": ((str, bool), "on, off, low, medium or high"),
    "theme": (str, "theme name"),
    "system": (str, "system prompt"),
    "options": (dict, "a table of Ollama options"),
    "keep_alive": ((str, int, float), "duration like '5m'"),
    "stall_timeout": ((int, float), "seconds"),
    "first_token_timeout": ((int, float), "seconds"),
    "monitor": (dict, "a table: enabled and the *_s intervals"),
}
_INTERVALS = tuple(f.name for f in fields(MonitorIntervals))


def load_config(path: Path | None) -> tuple[dict[str, Any], list[ConfigError]]:
    """Read a config file into validated values and a list of problems. A missing file is fine."""
    if path is None or not path.exists():
        return {}, []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        return {}, [ConfigError(path, "(file)", f"not valid TOML: {exc}")]
    except (OSError, UnicodeDecodeError) as exc:
        return {}, [ConfigError(path, "(file)", f"cannot be read: {exc}")]
    values: dict[str, Any] = {}
    problems: list[ConfigError] = []
    for key, value in data.items():
        if key not in _SCHEMA:
            problems.append(ConfigError(path, key, "unknown key (ignored)"))
            continue
        expected, description = _SCHEMA[key]
        if isinstance(value, bool) and key != "think" or not isinstance(value, expected):
            problems.append(ConfigError(path, key, f"expected {description}, got {value!r}"))
            continue
        if key == "monitor":
            problems.extend(_monitor_table(path, value, values))
            continue
        if key == "think":
            value = ("on" if value else "off") if isinstance(value, bool) else value
            if value not in THINK_VALUES:
                problems.append(ConfigError(path, key, f"expected {description}, got {value!r}"))
                continue
        values[key] = value
    return values, problems


def _monitor_table(path: Path, table: dict[str, Any], values: dict[str, Any]) -> list[ConfigError]:
    """`[monitor]`: `enabled` and the sampling intervals in seconds; each bad key falls back alone."""
    problems: list[ConfigError] = []
    intervals: dict[str, float] = {}
    for key, value in table.items():
        name = f"monitor.{key}"
        if key == "enabled":
            if isinstance(value, bool):
                values["monitor"] = value
            else:
                problems.append(ConfigError(path, name, f"expected true or false, got {value!r}"))
        elif key in _INTERVALS:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                problems.append(ConfigError(path, name, f"expected seconds > 0, got {value!r}"))
            else:
                intervals[key] = float(value)
        else:
            problems.append(ConfigError(path, name, "unknown key (ignored)"))
    if intervals:
        values["monitor_intervals"] = MonitorIntervals(**intervals)
    return problems


def build_config(
    file_values: Mapping[str, Any],
    *,
    env: Mapping[str, str] | None = None,
    flags: Mapping[str, Any] | None = None,
) -> Config:
    """Apply precedence: flags > environment > file > defaults."""
    env = os.environ if env is None else env
    flags = flags or {}
    config = Config()
    known = {k: v for k, v in file_values.items() if k != "host"}
    config = replace(config, **known)
    host = resolve_host(flags.get("host"), env.get("OLLAMA_HOST"), cast(str | None, file_values.get("host")))
    config = replace(config, host=host)
    overrides = {k: v for k, v in flags.items() if k != "host" and v is not None}
    return replace(config, **overrides)
