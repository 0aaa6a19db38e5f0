"""Ollama's model options: one table of what each accepts, used by the config file, the compare
options dialog and anything else that takes options from a person.

The ranges follow Ollama's Modelfile parameter table and llama.cpp's meaning of the edge values
(`num_predict = -1` is unlimited, `-2` fills the context; `repeat_last_n = -1` is the whole context;
`top_k = 0` turns it off). A value outside them is refused before it is sent: Ollama would pass most
of them to the runner as they are (`num_ctx = -5` included), with results from an error to nonsense.
Options not in the table pass through untouched: Ollama knows more than glmtui does.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OptionRule:
    """What one option accepts: a whole number or any number, within [low, high] (None: no bound)."""

    whole: bool
    low: float | None = None
    high: float | None = None
    meaning: str = ""  # what the edge values mean, for the message

    def describe(self) -> str:
        kind = "a whole number" if self.whole else "a number"
        if self.low is not None and self.high is not None:
            span = f" from {self.low:g} to {self.high:g}"
        elif self.low is not None:
            span = f" ≥ {self.low:g}"
        elif self.high is not None:
            span = f" ≤ {self.high:g}"
        else:
            span = ""
        return f"{kind}{span}{f' ({self.meaning})' if self.meaning else ''}"


OPTION_RULES: dict[str, OptionRule] = {
    "temperature": OptionRule(False, 0),
    "top_p": OptionRule(False, 0, 1),
    "min_p": OptionRule(False, 0, 1),
    "typical_p": OptionRule(False, 0, 1),
    "top_k": OptionRule(True, 0, meaning="0 turns it off"),
    "num_ctx": OptionRule(True, 1),
    "num_predict": OptionRule(True, -2, meaning="-1 no limit, -2 fill the context"),
    "seed": OptionRule(True),
    "repeat_penalty": OptionRule(False, 0),
    "repeat_last_n": OptionRule(True, -1, meaning="0 off, -1 the whole context"),
    "presence_penalty": OptionRule(False),
    "frequency_penalty": OptionRule(False),
    "mirostat": OptionRule(True, 0, 2, meaning="0 off, 1 Mirostat, 2 Mirostat 2.0"),
    "mirostat_tau": OptionRule(False, 0),
    "mirostat_eta": OptionRule(False, 0),
    "num_keep": OptionRule(True, -1),
    "num_batch": OptionRule(True, 1),
    "num_gpu": OptionRule(True, -1, meaning="-1 lets Ollama decide"),
    "main_gpu": OptionRule(True, 0),
    "num_thread": OptionRule(True, 0, meaning="0 lets Ollama decide"),
}
"""Every numeric option glmtui knows the range of."""


def option_problem(name: str, value: object) -> str | None:
    """Why `value` cannot be sent as option `name` (None: it can). Unknown options are not judged."""
    rule = OPTION_RULES.get(name)
    if rule is None:
        return None
    # A bool is an int to Python, never a number here; a float is not a whole number even if 2.0.
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or (rule.whole and isinstance(value, float))
    ):
        return f"expected {rule.describe()}, got {value!r}"
    if value != value or value in (float("inf"), float("-inf")):  # NaN and infinities: TOML has them
        return f"expected {rule.describe()}, got {value!r}"
    if (rule.low is not None and value < rule.low) or (rule.high is not None and value > rule.high):
        return f"expected {rule.describe()}, got {value!r}"
    return None


def parse_option(name: str, raw: str) -> tuple[int | float | None, str | None]:
    """An option typed as text (a dialog box, a flag): its value, or why it was refused."""
    rule = OPTION_RULES.get(name)
    whole = rule is not None and rule.whole
    value: int | float
    try:
        value = int(raw) if whole else float(raw)
    except ValueError:
        return None, f"{raw.strip()!r} is not {'a whole number' if whole else 'a number'}"
    problem = option_problem(name, value)
    return (None, problem) if problem else (value, None)
