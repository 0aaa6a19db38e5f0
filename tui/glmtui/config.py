"""Configuration: a TOML file, then environment, then command-line flags (flags win).

A bad value never stops the app: each problem is reported with the file and key, and the default
is used for that key alone.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, cast

from glmtui.core.endpoints import Endpoint, duplicates, endpoint_from_table, name_for, resolve_endpoints
from glmtui.core.hosts import normalize_host
from glmtui.core.kv import CACHE_TYPES
from glmtui.core.options import known_option, option_problem
from glmtui.core.presets import Preset, presets_from_tables
from glmtui.core.server_settings import ServerSettings, parse_size
from glmtui.core.state import MonitorIntervals, ThinkSetting
from glmtui.core.toml_lines import structure_lines

THINK_VALUES: tuple[ThinkSetting, ...] = ("on", "off", "low", "medium", "high")


class ConfigError(Exception):
    """A problem with one key of one config file, with the line it is on when that is known."""

    def __init__(self, file: Path, key: str, reason: str, line: int | None = None) -> None:
        where = f"{file}:{line}" if line else f"{file}"
        super().__init__(f"{where}: {reason}" if key == "(file)" else f"{where}: {key}: {reason}")
        self.file, self.key, self.reason, self.line = file, key, reason, line


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
    keymap: Mapping[str, str] = field(
        default_factory=dict
    )  # binding id → keys, e.g. {"stop-reply": "ctrl+c"}
    low_bandwidth: bool | None = None  # None: on when $SSH_CONNECTION is set
    ollama: ServerSettings = field(default_factory=ServerSettings)
    """`[ollama]`: the server's settings, for when its environment cannot be read (another user, host)."""
    endpoints: tuple[Endpoint, ...] = ()
    """The servers of this run, the chat's default first (`[[endpoints]]`, `--host`, `--endpoint`);
    empty: the one server at `host`, spoken to as Ollama (see `endpoint_list`)."""
    presets: tuple[Preset, ...] = ()
    """`[[presets]]`: the user's own, checked by core/presets.py (the built-ins: services/presets.py)."""

    @property
    def endpoint_list(self) -> tuple[Endpoint, ...]:
        """The endpoints, never empty: `host` alone when none were given (today's single server)."""
        return self.endpoints or (Endpoint(name_for(self.host), self.host, "ollama"),)


# key → (type(s) accepted, description). Options: checked by core/options.py, unknown names reported.
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
    "keymap": (dict, 'a table of binding id = "keys"'),
    "low_bandwidth": ((bool, str), 'true, false or "auto"'),
    "ollama": (dict, "a table of the Ollama server's settings"),
    "endpoints": (list, "an array of [[endpoints]] tables (name, url, kind, api_key_env)"),
    "presets": (list, "an array of [[presets]] tables (name, system, models, tools, think, options)"),
}
_LINE_RE = re.compile(r"line (\d+)")
_INTERVALS = tuple(f.name for f in fields(MonitorIntervals))
MONITOR_FLOORS = {"gpu_s": 0.5, "processes_s": 5.0}  # faster NVML polling costs the GPU driver, not just us


def load_config(path: Path | None, *, named: bool = False) -> tuple[dict[str, Any], list[ConfigError]]:
    """Read a config file into validated values and a list of problems. A missing file is fine when
    it is the default path; one `named` on the command line is a problem (a typo would otherwise
    run with the defaults without a word)."""
    if path is None or not path.exists():
        if named and path is not None:
            return {}, [ConfigError(path, "(file)", "no such file: running with the defaults")]
        return {}, []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return {}, [ConfigError(path, "(file)", f"cannot be read: {exc}")]
    lines = text.splitlines()
    data, errors = parse_leniently(lines)
    problems = [
        ConfigError(path, "(file)", f"not valid TOML ({reason}): {_skipped(first, last, len(lines))}", line)
        for line, reason, first, last in errors
    ]
    values: dict[str, Any] = {}

    def problem(key: str, reason: str) -> None:
        problems.append(ConfigError(path, key, reason, line_of(text, key)))

    for key, value in data.items():
        if key not in _SCHEMA:
            problem(key, "unknown key (ignored)")
            continue
        expected, description = _SCHEMA[key]
        if not _has_type(key, value, expected):
            problem(key, f"expected {description}, got {value!r}")
            continue
        if key == "monitor":
            _monitor_table(value, values, problem)
        elif key == "ollama":
            values["ollama"] = _ollama_table(value, problem)
        elif key == "endpoints":
            values["endpoints"] = _endpoints(value, path, text, problems)
        elif key == "presets":
            presets, found = presets_from_tables(value)
            values["presets"] = tuple(presets)
            for index, name, reason in found:  # each bad key dropped alone: the rest of its preset kept
                line = table_line(text, "presets", index, name.partition("[")[0])
                problems.append(ConfigError(path, f"presets[{index}].{name}", reason, line))
        elif key == "options":
            values["options"] = _options(value, problem)
            if (
                "keep_alive" in values["options"]
            ):  # a request field, not a model option: where Ollama wants it
                values.setdefault("keep_alive", values["options"].pop("keep_alive"))
        elif key == "keymap":
            values["keymap"] = _keymap(value, problem)
        elif key == "low_bandwidth":
            if value not in (True, False, "auto"):
                problem(key, f"expected {description}, got {value!r}")
            else:
                values[key] = None if value == "auto" else value
        elif key == "think":
            value = ("on" if value else "off") if isinstance(value, bool) else value
            if value not in THINK_VALUES:
                problem(key, f"expected {description}, got {value!r}")
                continue
            values[key] = value
        elif key == "host":
            try:
                normalize_host(value)
            except ValueError as exc:
                problem(key, f"{exc} (using the default)")
                continue
            values[key] = value
        else:
            values[key] = value
    return values, problems


SyntaxProblem = tuple[int, str, int, int]
"""A TOML syntax error: its line, what is wrong, and the first and last line skipped because of it."""


def parse_leniently(lines: list[str], start: int = 1) -> tuple[dict[str, Any], list[SyntaxProblem]]:
    """Parse TOML, keeping what a syntax error leaves intact: every whole statement before the
    error (the longest prefix that parses, so a value cut in half is never taken), and everything
    from the next `[table]` header after it on (parsed the same way, recursively). The lines
    between are skipped and reported. `start` is the file line of lines[0]."""
    try:
        return tomllib.loads("\n".join(lines)), []
    except tomllib.TOMLDecodeError as exc:
        found = _LINE_RE.search(str(exc))
        bad = int(found.group(1)) if found else len(lines)  # "at end of document": an unclosed value
        reason = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(exc))
    data: dict[str, Any] = {}
    kept = 0
    for kept in range(bad - 1, -1, -1):
        try:
            data = tomllib.loads("\n".join(lines[:kept]))
            break
        except tomllib.TOMLDecodeError:
            continue
    resume = next((i for i in range(bad, len(lines)) if lines[i].lstrip().startswith("[")), len(lines))
    problems = [(start + bad - 1, reason, start + kept, start + resume - 1)]
    if resume < len(lines):
        rest, more = parse_leniently(lines[resume:], start + resume)
        _merge(data, rest)
        problems += more
    return data, problems


def _merge(into: dict[str, Any], more: Mapping[str, Any]) -> None:
    """Tables split by a skipped stretch come back together; a later key wins, as it would be read."""
    for key, value in more.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        elif isinstance(value, list) and isinstance(into.get(key), list):
            into[key] = into[key] + value  # an array of tables, [[name]], on both sides of the gap
        else:
            into[key] = value


def _skipped(first: int, last: int, total: int) -> str:
    if first <= 1 and last >= total:
        return "the whole file is ignored, defaults apply"
    lines = f"line {first}" if first == last else f"lines {first}–{last}"
    return f"{lines} ignored, the rest of the file applies"


def line_of(text: str, key: str) -> int | None:
    """The line a (possibly dotted, `table.key`) key is set on, for messages; None if not found."""
    table, _, name = key.rpartition(".")
    in_table = not table
    for number, line in structure_lines(text):  # not the lines inside a multi-line string
        stripped = line.strip()
        if stripped.startswith("["):
            header = stripped.strip("[] ")
            in_table = header == table
            if not table and header == name:
                return number  # a whole table with a problem: its header
            continue
        if in_table and re.match(rf"\s*\"?{re.escape(name)}\"?\s*=", line):
            return number
    return None


def _has_type(key: str, value: object, expected: type | tuple[type, ...]) -> bool:
    """The schema's check. A separate function so that `value` keeps TOML's Any type: the branches
    below know what each key's table or scalar is."""
    if isinstance(value, bool) and key not in ("think", "low_bandwidth"):
        return False  # a bool is an int to isinstance, never a number here
    return isinstance(value, expected)


def _options(table: dict[str, Any], problem: Callable[[str, str], None]) -> dict[str, Any]:
    """`[options]`: known options checked against core/options.py's rules, type and range (a bad one
    is dropped alone, so Ollama's default applies). A name Ollama does not know (a typo such as
    `tempreature`) is reported and not sent: Ollama would ignore it without a word."""
    options: dict[str, Any] = {}
    for key, value in table.items():
        if key != "keep_alive" and not known_option(key):  # keep_alive: moved to the request below
            problem(f"options.{key}", "not an option glmtui knows (not sent: Ollama ignores unknown ones)")
            continue
        if (reason := option_problem(key, value)) is not None:
            problem(f"options.{key}", f"{reason} (not sent: the model's default applies)")
            continue
        options[key] = value
    return options


def _keymap(table: dict[str, Any], problem: Callable[[str, str], None]) -> dict[str, str]:
    """`[keymap]`: binding id = "keys" (comma-separated alternatives, Textual's key names)."""
    keymap: dict[str, str] = {}
    for key, value in table.items():
        if not isinstance(value, str) or not value.strip():
            problem(f"keymap.{key}", f'expected keys like "ctrl+k" or "f9,ctrl+k", got {value!r}')
            continue
        keymap[key] = value.replace(" ", "")
    return keymap


def _monitor_table(
    table: dict[str, Any], values: dict[str, Any], problem: Callable[[str, str], None]
) -> None:
    """`[monitor]`: `enabled` and the sampling intervals in seconds; each bad key falls back alone."""
    intervals: dict[str, float] = {}
    for key, value in table.items():
        name = f"monitor.{key}"
        if key == "enabled":
            if isinstance(value, bool):
                values["monitor"] = value
            else:
                problem(name, f"expected true or false, got {value!r}")
        elif key in _INTERVALS:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                problem(name, f"expected seconds > 0, got {value!r}")
            elif value < (floor := MONITOR_FLOORS.get(key, 0.0)):
                problem(name, f"{value} s is below the {floor:g} s minimum (NVML's limits): using {floor:g}")
                intervals[key] = floor
            else:
                intervals[key] = float(value)
        else:
            problem(name, "unknown key (ignored)")
    if intervals:
        values["monitor_intervals"] = MonitorIntervals(**intervals)


def _ollama_table(table: dict[str, Any], problem: Callable[[str, str], None]) -> ServerSettings:
    """`[ollama]`: what the server was started with (its OLLAMA_* variables), for the VRAM fit when
    glmtui cannot read the server's environment. Each bad key is reported and left unset alone."""
    found: dict[str, Any] = {}
    for key, value in table.items():
        name = f"ollama.{key}"
        if key == "kv_cache_type":
            if isinstance(value, str) and value.strip().lower() in CACHE_TYPES:  # Ollama lowercases it
                found["cache_type"], found["cache_type_source"] = value.strip().lower(), "config"
            else:
                problem(name, f"expected {', '.join(repr(t) for t in CACHE_TYPES)}, got {value!r}")
        elif key in ("context_length", "num_parallel"):
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                found[key] = value
            else:
                problem(name, f"expected a whole number > 0, got {value!r}")
        elif key == "gpu_overhead":
            size = value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None
            if isinstance(value, str):
                size = parse_size(value)
            if size is None:
                problem(name, f'expected bytes per GPU (a number, or a size like "512MiB"), got {value!r}')
            else:
                found[key] = size
        elif key == "flash_attention":
            if isinstance(value, bool):
                found[key] = value
            else:
                problem(name, f"expected true or false, got {value!r}")
        else:
            problem(name, "unknown key (ignored)")
    return ServerSettings(**found)


def _endpoints(tables: list[Any], path: Path, text: str, problems: list[ConfigError]) -> tuple[Endpoint, ...]:
    """`[[endpoints]]`: each table checked alone (core/endpoints.py's rules); a name used twice keeps
    its first endpoint. Problems name the table (`endpoints[2].url`) and its line."""
    found: list[Endpoint] = []
    for index, table in enumerate(tables, 1):
        where = f"endpoints[{index}]"
        if not isinstance(table, dict):
            problems.append(ConfigError(path, where, f"expected a [[endpoints]] table, got {table!r}"))
            continue
        endpoint, table_problems = endpoint_from_table(table)
        for key, reason in table_problems:
            problems.append(ConfigError(path, f"{where}.{key}", reason, endpoint_line(text, index, key)))
        if endpoint is None:
            continue
        if duplicates([*found, endpoint]):
            line = endpoint_line(text, index, "name")
            problems.append(
                ConfigError(path, f"{where}.name", f"{endpoint.name!r} is used twice: left out", line)
            )
            continue
        found.append(endpoint)
    return tuple(found)


def endpoint_line(text: str, index: int, key: str) -> int | None:
    """The line of `key` in the index-th `[[endpoints]]` table (its header when the key is not set)."""
    return table_line(text, "endpoints", index, key)


def table_line(text: str, array: str, index: int, key: str) -> int | None:
    """The line of `key` in the index-th `[[array]]` table (its header when the key is not set)."""
    seen, header = 0, None
    for number, line in structure_lines(text):  # not the lines inside a multi-line string
        stripped = line.strip()
        if stripped.startswith("["):
            if seen == index:
                if not stripped.replace(" ", "").lstrip("[").startswith(f"{array}."):  # sub-tables are in it
                    break  # past the table: the key is not in it
                continue
            if stripped.replace(" ", "").startswith(f"[[{array}]]"):
                seen += 1
                header = number if seen == index else header
            continue
        if seen == index and re.match(rf"\s*\"?{re.escape(key)}\"?\s*=", line):
            return number
    return header


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
    known = {k: v for k, v in file_values.items() if k not in ("host", "endpoints")}
    config = replace(config, **known)
    endpoints = resolve_endpoints(
        cast(tuple[Endpoint, ...], file_values.get("endpoints", ())),
        host_flag=flags.get("host"),
        flagged=flags.get("endpoints") or (),
        env_host=env.get("OLLAMA_HOST"),
        file_host=cast(str | None, file_values.get("host")),
    )
    config = replace(config, endpoints=endpoints, host=endpoints[0].url)
    overrides = {k: v for k, v in flags.items() if k not in ("host", "endpoints") and v is not None}
    config = replace(config, **overrides)
    if config.low_bandwidth is None:  # "auto": on over SSH
        config = replace(config, low_bandwidth=bool(env.get("SSH_CONNECTION")))
    if config.low_bandwidth:
        config = replace(config, monitor_intervals=slower(config.monitor_intervals))
    return config


def slower(intervals: MonitorIntervals) -> MonitorIntervals:
    """Low-bandwidth mode's monitor: every reading half as often (at least), so fewer screen updates."""
    return MonitorIntervals(
        gpu_s=max(2.0, intervals.gpu_s),
        gpu_slow_s=max(10.0, intervals.gpu_slow_s),
        processes_s=max(10.0, intervals.processes_s),
        system_s=max(2.0, intervals.system_s),
        ollama_s=max(5.0, intervals.ollama_s),
    )
