"""Presets: a system prompt, options, think and tools under a name, and the rules that check them.

Two sources give the same tables: the built-ins shipped in `data/presets.toml` (each from a model card,
cited there) and the user's `[[presets]]` in the config. A table is checked key by key: an unknown key or
a value out of range is reported (the caller adds file:line) and dropped alone, the rest of the preset
kept; a preset without a name, or with a name already taken, is reported and left out.

Also here: which models a preset applies to (glob patterns on the name as Ollama or a vLLM server
reports it), the order options are layered in (the config's `[options]`, then the preset's, then the
chat's own edits), and the model's Modelfile `parameters` read as the baseline.

No I/O and no Textual: the tables come in already parsed.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from glmtui.core.model_names import with_tag
from glmtui.core.modelfile import go_value, parameter_lines, whole_number
from glmtui.core.options import OPTION_RULES, known_option, option_problem
from glmtui.core.sanitize import is_clean_line
from glmtui.core.state import ThinkSetting

THINK_VALUES: tuple[ThinkSetting, ...] = ("on", "off", "low", "medium", "high")
USER_KEYS = ("name", "system", "models", "tools", "think")
"""The keys a `[[presets]]` table may have besides the option names of core/options.py."""
BUILTIN_KEYS = (*USER_KEYS, "family", "citation", "url")
"""The built-in data file adds where each preset comes from."""

# Ollama's defaults, used where the Modelfile says nothing: the values of api/types.go `DefaultOptions`
# (https://github.com/ollama/ollama/blob/main/api/types.go), which docs/modelfile.md's "Valid
# Parameters and Values" documents but for the seed (it says 0; the code's -1 means a random seed per
# request, while 0 is a fixed one). num_ctx is left out: recent servers pick it from the VRAM
# (core/server_settings.py), not from one number.
OLLAMA_DEFAULTS: dict[str, Any] = {
    "temperature": 0.8,
    "top_p": 0.9,
    "top_k": 40,
    "min_p": 0.0,
    "repeat_penalty": 1.1,
    "repeat_last_n": 64,
    "num_predict": -1,
    "seed": -1,
}


@dataclass(frozen=True, slots=True)
class Preset:
    """A named system prompt with options (and optionally think and tools) for some models."""

    name: str
    system: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    think: ThinkSetting | None = None
    models: tuple[str, ...] = ()  # glob patterns; empty: every model
    tools: tuple[Mapping[str, Any], ...] = ()  # OpenAI-shape function definitions (offered, never run)
    source: str = "config"  # "built-in" or "config"
    family: str = ""  # the family it was written for, in words ("GLM-4.7-Flash")
    citation: str = ""  # what the model card says, for the picker
    url: str = ""  # the model card

    def applies_to(self, model: str, family: str = "") -> bool:
        return not_applying(self, model, family) is None


Problem = tuple[str, str]
"""(key, reason): the key as a person finds it in the table (`temperature`, `tools[2].function`)."""


def not_applying(preset: Preset, model: str, family: str = "") -> str | None:
    """Why `preset` does not apply to `model` (None: it does). Patterns match, case-blind, the whole
    name (`glm-4.7-flash:q8_0`), its last path part (`zai-org/GLM-4.7-Flash` → `glm-4.7-flash`) and the
    family Ollama reports (`glm4moelite`)."""
    if not preset.models:
        return None
    name = model.lower()
    last = name.rpartition("/")[2]
    # Ollama reads a name without a tag as `:latest` (core/model_names.with_tag): `llama3.2` in
    # `models` is the model listed as `llama3.2:latest`, and the other way round.
    candidates = {form for part in {name, last} - {""} for form in (part, with_tag(part))}
    for pattern in preset.models:
        wanted = pattern.lower()
        forms = {wanted} if any(char in wanted for char in "*?[") else {wanted, with_tag(wanted)}
        if any(fnmatch.fnmatchcase(candidate, form) for candidate in candidates for form in forms):
            return None
        if family and fnmatch.fnmatchcase(family.lower(), wanted):  # the family as it is: no tag
            return None
    return f"for {', '.join(preset.models)}; not {model or 'this model'}"


def layered_options(
    base: Mapping[str, Any], preset: Preset | None, edits: Mapping[str, Any]
) -> dict[str, Any]:
    """What a request is sent with: the config's `[options]`, the preset's over them, the chat's edits
    over both."""
    return {**base, **(preset.options if preset is not None else {}), **edits}


def preset_from_table(
    table: Mapping[str, Any], *, builtin: bool = False
) -> tuple[Preset | None, list[Problem]]:
    """One preset from its table, and a problem per key dropped. None when it has no usable name."""
    problems: list[Problem] = []
    allowed = BUILTIN_KEYS if builtin else USER_KEYS
    values: dict[str, Any] = {}
    options: dict[str, Any] = {}
    for key, value in table.items():
        if key in allowed:
            reason = _field(key, value, values, problems)
            if reason is not None:  # a bad name leaves the preset out: nothing else can name it
                outcome = ": the preset is left out" if key == "name" else " (ignored)"
                problems.append((key, reason + outcome))
        elif known_option(key):
            if (reason := option_problem(key, value)) is not None:
                problems.append((key, f"{reason} (not sent: the model's default applies)"))
            else:
                options[key] = value
        else:
            expected = ", ".join(allowed)
            problems.append((key, f"unknown key (ignored): a preset takes {expected} and Ollama's options"))
    name = values.get("name", "")
    if not name:
        if "name" not in table:
            problems.append(("name", "a preset needs a name: left out"))
        return None, problems
    source = "built-in" if builtin else "config"
    return Preset(options=options, source=source, **values), problems


def _field(key: str, value: object, values: dict[str, Any], problems: list[Problem]) -> str | None:
    """Check one non-option key into `values`; the reason it was refused, or None."""
    if key in ("name", "system", "family", "citation", "url"):
        if not isinstance(value, str) or (key == "name" and not value.strip()):
            return f"expected text, got {value!r}"
        if key == "name" and not is_clean_line(value.strip()):
            # A name is one line of printable text: it is shown on the status bar and in the picker,
            # and written on one line of a Markdown export (a newline, ESC or a bidi control there
            # would break or reorder what is shown).
            return f"expected one line of text without control characters, got {value!r}"
        values[key] = value.strip() if key == "name" else value
    elif key == "think":
        think = ("on" if value else "off") if isinstance(value, bool) else value
        if think not in THINK_VALUES:
            return f"expected on, off, low, medium, high or true/false, got {value!r}"
        values[key] = think
    elif key == "models":
        patterns = [value] if isinstance(value, str) else value
        if not isinstance(patterns, list) or not all(isinstance(p, str) and p.strip() for p in patterns):
            return f'expected a model name or a list of names/patterns like ["glm-4.7-flash*"], got {value!r}'
        if not all(is_clean_line(p.strip()) for p in cast(list[str], patterns)):
            # Shown in the picker's refusal and the drop notice, as names are: one printable line each.
            return f"expected names without control characters or line breaks, got {value!r}"
        values[key] = tuple(p.strip() for p in cast(list[str], patterns))
    elif key == "tools":
        if not isinstance(value, list):
            return f"expected a list of function definitions, got {value!r}"
        tools: list[Mapping[str, Any]] = []
        for index, tool in enumerate(value, 1):
            reason = tool_problem(tool)
            if reason is None:
                tools.append(cast(Mapping[str, Any], tool))
            else:
                problems.append((f"tools[{index}]", f"{reason} (this tool is not offered)"))
        values[key] = tuple(tools)
    return None


def tool_problem(tool: object) -> str | None:
    """Why `tool` is not an OpenAI-shape function definition (None: it is): `type = "function"`, a
    `function` table with a `name` and, when given, `parameters` as an object (a JSON-schema table)."""
    if not isinstance(tool, Mapping):
        return f"expected a table, got {tool!r}"
    if tool.get("type") != "function":
        return f'expected type = "function", got {tool.get("type")!r}'
    function = tool.get("function")
    if not isinstance(function, Mapping):
        return "expected a function table (function.name, function.parameters)"
    name = function.get("name")
    if not isinstance(name, str) or not name.strip():
        return f"expected function.name as text, got {name!r}"
    parameters = function.get("parameters", {})
    if not isinstance(parameters, Mapping) or parameters.get("type", "object") != "object":
        return f'expected function.parameters as an object schema (type = "object"), got {parameters!r}'
    return None


def presets_from_tables(
    tables: Sequence[object], *, builtin: bool = False, taken: Iterable[str] = ()
) -> tuple[list[Preset], list[tuple[int, str, str]]]:
    """Every preset of an array of tables, and (index from 1, key, reason) per problem. A name used
    twice (or one in `taken`, the built-ins' for the config's) keeps the first."""
    found: list[Preset] = []
    problems: list[tuple[int, str, str]] = []
    seen = {name.casefold() for name in taken}
    for index, table in enumerate(tables, 1):
        if not isinstance(table, Mapping):
            problems.append((index, "(table)", f"expected a [[presets]] table, got {table!r}"))
            continue
        preset, table_problems = preset_from_table(cast(Mapping[str, Any], table), builtin=builtin)
        problems += [(index, key, reason) for key, reason in table_problems]
        if preset is None:
            continue
        if preset.name.casefold() in seen:
            problems.append((index, "name", f"{preset.name!r} is used twice: left out"))
            continue
        seen.add(preset.name.casefold())
        found.append(preset)
    return found, problems


def modelfile_parameters(text: str) -> dict[str, Any]:
    """`/api/show`'s `parameters` (Modelfile PARAMETER lines as Ollama prints them, core/modelfile.py:
    `temperature 0.7`, `num_ctx 1.048576e+06`, `stop "\\n\\n"`) as options: numbers typed as
    core/options.py's rules say (a whole-number option from Go's float64 as an int), Go-quoted strings
    decoded, `stop` gathered into a list, anything unreadable left out (it is shown as Ollama sent it
    elsewhere, never guessed at)."""
    found: dict[str, Any] = {}
    for name, raw in parameter_lines(text):
        value = go_value(raw)
        if name == "stop":
            found.setdefault("stop", []).append(value if isinstance(value, str) else raw)
            continue
        rule = OPTION_RULES.get(name)
        if rule is None:
            found[name] = value
        elif rule.whole:
            if (number := whole_number(value)) is not None:
                found[name] = number
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            found[name] = float(value)
    return found


def baseline(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """The model's defaults: its Modelfile's parameters, Ollama's documented defaults for the rest."""
    return {**OLLAMA_DEFAULTS, **parameters}


def differs(value: object, default: object) -> bool:
    """Whether an option's value is not the model's default (1 and 1.0 are the same)."""
    if isinstance(value, (int, float)) and isinstance(default, (int, float)):
        return float(value) != float(default)
    return value != default


def options_text(options: Mapping[str, Any]) -> str:
    """`temperature 0.7 · top_p 1` for a line of text ("" for none)."""
    return " · ".join(f"{key} {shown(value)}" for key, value in options.items())


def shown(value: object) -> str:
    """One option value as a person reads it (0.7, not 0.7000000001; a stop list quoted)."""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return ", ".join(json.dumps(v, ensure_ascii=False) for v in value)
    return str(value)
