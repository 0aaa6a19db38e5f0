"""Ollama's model options: one table of what each accepts, used by the config file, the compare
options dialog and anything else that takes options from a person.

The ranges follow Ollama's Modelfile parameter table and llama.cpp's meaning of the edge values
(`num_predict = -1` is unlimited, `-2` fills the context; `repeat_last_n = -1` is the whole context;
`top_k = 0` turns it off). A value outside them is refused before it is sent: Ollama would pass most
of them to the runner as they are (`num_ctx = -5` included), with results from an error to nonsense.

Upper bounds are the sizes the numbers travel in: the counts (`num_ctx`, `num_predict`, `top_k`, ...)
end up in the llama.cpp runner's 32-bit ints, so 2**31-1 at most; `seed` is a Go int64; the other
numbers are Go float32s, which a larger value turns into infinity. Ollama documents no tighter maxima.

OTHER_OPTIONS are the names Ollama knows that glmtui does not check (`stop` is a list of strings,
`use_mmap` a bool, a few are older names a recent Ollama still reads or ignores). A name in neither
table is a typo as far as glmtui can tell: Ollama would drop it without a word, so it is reported and
not sent (`known_option`).
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
        low, high = self._shown(self.low), self._shown(self.high)
        if low is not None and high is not None:
            span = f" from {low} to {high}"
        elif low is not None:
            span = f" ≥ {low}"
        elif high is not None:
            span = f" ≤ {high}"
        else:
            span = ""
        return f"{kind}{span}{f' ({self.meaning})' if self.meaning else ''}"

    def _shown(self, bound: float | None) -> str | None:
        """A bound as a person reads it: whole numbers in full (2147483647, not 2.14748e+09)."""
        if bound is None:
            return None
        return str(int(bound)) if self.whole else f"{bound:g}"


INT32_MAX = 2**31 - 1  # llama.cpp's runner keeps the counts in 32-bit ints
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1  # Go's int, Ollama's type for the seed
FLOAT32_MAX = 3.4028234663852886e38  # Ollama's float options are float32: beyond this, infinity


def _count(low: int, meaning: str = "") -> OptionRule:
    return OptionRule(True, low, INT32_MAX, meaning)


def _real(low: float | None = None, high: float | None = None) -> OptionRule:
    return OptionRule(False, -FLOAT32_MAX if low is None else low, FLOAT32_MAX if high is None else high)


OPTION_RULES: dict[str, OptionRule] = {
    "temperature": _real(0),
    "top_p": _real(0, 1),
    "min_p": _real(0, 1),
    "typical_p": _real(0, 1),
    "top_k": _count(0, "0 turns it off"),
    "num_ctx": _count(1),
    "num_predict": _count(-2, "-1 no limit, -2 fill the context"),
    "seed": OptionRule(True, INT64_MIN, INT64_MAX),
    "repeat_penalty": _real(0),
    "repeat_last_n": _count(-1, "0 off, -1 the whole context"),
    "presence_penalty": _real(),
    "frequency_penalty": _real(),
    "mirostat": OptionRule(True, 0, 2, meaning="0 off, 1 Mirostat, 2 Mirostat 2.0"),
    "mirostat_tau": _real(0),
    "mirostat_eta": _real(0),
    "num_keep": _count(-1),
    "num_batch": _count(1),
    "num_gpu": _count(-1, "-1 lets Ollama decide"),
    "main_gpu": _count(0),
    "num_thread": _count(0, "0 lets Ollama decide"),
}
"""Every numeric option glmtui knows the range of."""

OTHER_OPTIONS = frozenset(
    {
        "stop",
        "use_mmap",
        "use_mlock",
        "numa",
        "low_vram",
        "f16_kv",
        "vocab_only",
        "logits_all",
        "penalize_newline",
        "tfs_z",
        "num_gqa",
        "rope_frequency_base",
        "rope_frequency_scale",
        "embedding_only",
    }
)
"""Options Ollama reads (or has read) whose values glmtui passes on unchecked."""


def known_option(name: str) -> bool:
    """Whether Ollama knows option `name`: one it does not is dropped there silently."""
    return name in OPTION_RULES or name in OTHER_OPTIONS


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
