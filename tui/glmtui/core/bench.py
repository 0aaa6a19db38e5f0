"""The bench's rules, without I/O: the plan, the figures of one repetition, their summaries, when to stop
repeating, the cells' results, and the prompt of a requested token length.

A bench measures each model × endpoint × prompt length ("a cell") by repeating one request — fixed seed,
temperature 0, a fixed generation length, a prompt of the requested length — until the median is stable.
Every figure keeps where it came from: "exact" (Ollama's own timings) or "client-timed" (an
OpenAI-compatible engine sends token counts but no durations: glmtui timed them).

The runner (services/bench.py) does the I/O; exports and comparisons are in core/bench_export.py.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Literal

from glmtui.core.state import GenerationStats

Label = Literal["exact", "client-timed"]
EXACT: Label = "exact"
CLIENT: Label = "client-timed"

DEFAULT_CONTEXTS = (512, 4096, 16384, 32768)
DEFAULT_GEN = 256
DEFAULT_REPS = 10  # N: the most repetitions of one cell
MIN_REPS = 3  # fewer cannot say whether a median is stable
STABLE_SPREAD = 0.05  # relative spread under which the median counts as stable
SEED = 42
CTX_STEP = 256  # num_ctx is rounded up to this (llama.cpp pads its cache to 256 cells anyway)
CTX_MARGIN = 64  # tokens of slack above prompt + gen: the template and a calibration miss


# -- the plan ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BenchPlan:
    """What to measure. `endpoints` are endpoint names ("" : the default one); `contexts` are the prompt
    lengths in tokens; `max_reps` is N of the stopping rule; `cold` unloads the model before each
    repetition; `force` runs a model that the fit says will not fit."""

    models: tuple[str, ...]
    endpoints: tuple[str, ...] = ("",)
    contexts: tuple[int, ...] = DEFAULT_CONTEXTS
    gen: int = DEFAULT_GEN
    max_reps: int = DEFAULT_REPS
    cold: bool = False
    force: bool = False
    seed: int = SEED
    min_reps: int = MIN_REPS
    stable_spread: float = STABLE_SPREAD

    def __post_init__(self) -> None:
        if not self.models:
            raise ValueError("name at least one model")
        if any(c < 1 for c in self.contexts) or not self.contexts:
            raise ValueError("prompt lengths must be positive token counts")
        if self.gen < 1:
            raise ValueError("the generation length must be at least 1 token")
        if self.max_reps < self.min_reps:
            raise ValueError(f"repetitions must be at least {self.min_reps} (the stopping rule's minimum)")

    def cells(self) -> list[CellKey]:
        """Every cell, in the order they run: per endpoint, per model, shortest prompt first (a model is
        loaded once per endpoint while its lengths run)."""
        return [
            CellKey(model, endpoint, context)
            for endpoint in self.endpoints
            for model in self.models
            for context in self.contexts
        ]

    def num_ctx(self, prompt_tokens: int) -> int:
        """The context to load with: room for the longest prompt the calibration accepts for this target
        (`within`: up to 1 % over) + the generation + a margin, rounded up to 256. Sized for the target
        alone, a 32k prompt 1 % long plus 256 generated tokens overran it, and the run's last tokens
        were generated against a full context."""
        longest = prompt_tokens + tolerance(prompt_tokens)
        return -(-(longest + self.gen + CTX_MARGIN) // CTX_STEP) * CTX_STEP

    def options(self, prompt_tokens: int, *, vllm: bool = False) -> dict[str, object]:
        """The request's options, in Ollama's names (the OpenAI engine maps them: `num_predict` is
        `max_tokens`; `num_ctx` has no per-request meaning there and is not sent). On vLLM the
        generation is held at exactly `gen` tokens with its documented sampling extensions
        `ignore_eos` and `min_tokens` (docs.vllm.ai, "OpenAI-Compatible Server", extra parameters;
        vllm/entrypoints/openai/protocol.py ChatCompletionRequest): a model that stops early would
        otherwise make its decode rate a figure over fewer tokens than the cell says."""
        options: dict[str, object] = {
            "temperature": 0,
            "seed": self.seed,
            "num_predict": self.gen,
            "num_ctx": self.num_ctx(prompt_tokens),
        }
        if vllm:
            options |= {"ignore_eos": True, "min_tokens": self.gen}
        return options


MAX_CONTEXT = 1 << 20  # a prompt length past this is a typo, not a context any model has


def parse_contexts(text: str) -> tuple[int, ...]:
    """`512,4096,16k`: prompt lengths in tokens (`k` = 1024), duplicates dropped, in the order given.
    ValueError with a message that names the bad part (the CLI's `--ctx` and the bench screen's form)."""
    values = []
    parts = [part.strip().lower() for part in text.replace(" ", ",").split(",") if part.strip()]
    if not parts:
        raise ValueError("name at least one prompt length (e.g. 512,4096,16k)")
    for part in parts:
        scale = 1024 if part.endswith("k") else 1
        try:
            value = int(part.removesuffix("k")) * scale
        except ValueError:
            raise ValueError(f"not a token count: {part!r} (e.g. 512,4096,16k)") from None
        if value < 1:
            raise ValueError(f"prompt lengths must be positive, got {part!r}")
        if value > MAX_CONTEXT:
            raise ValueError(f"{part!r} is more than {MAX_CONTEXT:,} tokens")
        values.append(value)
    return tuple(dict.fromkeys(values))


@dataclass(frozen=True, slots=True)
class CellKey:
    """One cell of the plan."""

    model: str
    endpoint: str
    prompt_tokens: int  # the requested prompt length


# -- one repetition, and summaries --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RepFigures:
    """The figures of one repetition. Rates in tokens/s, times in seconds; None when not known."""

    prefill_tps: float | None
    decode_tps: float | None
    ttft_s: float | None
    load_s: float | None
    prompt_tokens: int | None  # as the server counted them
    gen_tokens: int | None
    label: Label


def rep_figures(stats: GenerationStats) -> RepFigures:
    """One repetition's figures from a reply's stats.

    Exact (Ollama): prompt_eval_count / prompt_eval_duration, eval_count / eval_duration, load_duration.
    Client-timed (OpenAI-compatible): the decode rate is glmtui's first-to-last-token timing; the
    prefill rate is the prompt's token count over the client-measured time to first token (network and
    queueing included, so it reads low), and load is only known when the engine made glmtui wait for
    it. TTFT is client-measured in both."""
    if stats.client_timed:
        prefill = (
            stats.prompt_eval_count / stats.ttft_s
            if stats.prompt_eval_count and stats.ttft_s and stats.ttft_s > 0
            else None
        )
        label: Label = CLIENT
    else:
        prefill = stats.prompt_eval_rate
        label = EXACT
    return RepFigures(
        prefill_tps=prefill,
        decode_tps=stats.eval_rate,
        ttft_s=stats.ttft_s,
        load_s=stats.load_s,
        prompt_tokens=stats.prompt_eval_count,
        gen_tokens=stats.eval_count,
        label=label,
    )


@dataclass(frozen=True, slots=True)
class Summary:
    """The runs of one figure: median, min, max and how many; every value kept (outliers are shown
    in min–max, never dropped)."""

    median: float | None = None
    min: float | None = None
    max: float | None = None
    runs: int = 0
    values: tuple[float, ...] = ()

    @property
    def spread(self) -> float | None:
        return spread(self.values)

    def as_dict(self) -> dict[str, object]:
        return {"median": self.median, "min": self.min, "max": self.max, "runs": self.runs}


EMPTY = Summary()


def summarize(values: list[float | None] | tuple[float | None, ...]) -> Summary:
    """The known values' summary (None values, a figure a run did not give, are left out)."""
    known = tuple(v for v in values if v is not None)
    if not known:
        return EMPTY
    return Summary(statistics.median(known), min(known), max(known), len(known), known)


def spread(values: tuple[float, ...] | list[float]) -> float | None:
    """The relative spread of a figure over its runs: the median absolute deviation from the median,
    divided by the median — `median(|x - m|) / m` with `m = median(x)`; None for no runs or a zero
    median.

    Why this form and not the range `(max - min) / median`: the range never shrinks as runs are added,
    so one outlier (a GC pause, another program's burst) would force every cell to run N times and
    still call it unstable, although the median we report hardly moved. The median absolute deviation
    measures the scatter the median itself is sensitive to, and settles once most runs agree. The
    outliers stay in the summary's min–max, shown beside the median."""
    if not values:
        return None
    middle = statistics.median(values)
    if middle <= 0:
        return None
    return statistics.median(abs(v - middle) for v in values) / middle


def stable(reps: list[RepFigures], *, min_reps: int = MIN_REPS, limit: float = STABLE_SPREAD) -> bool:
    """The stopping rule: at least `min_reps` runs, and the relative spread (see `spread`) of the decode
    rate, and of the prefill rate where the server gave one, under `limit`. The caller also stops at N."""
    if len(reps) < min_reps:
        return False
    for figure in ("decode_tps", "prefill_tps"):
        values = [getattr(r, figure) for r in reps if getattr(r, figure) is not None]
        if figure == "prefill_tps" and not values:
            continue  # no prefill figure at all (a cached or unreported prompt): judge by decode alone
        found = spread(values)
        if found is None or found >= limit:
            return False
    return True


def should_stop(reps: list[RepFigures], plan: BenchPlan) -> bool:
    """Stop repeating a cell: N runs done, or the medians are stable."""
    return len(reps) >= plan.max_reps or stable(reps, min_reps=plan.min_reps, limit=plan.stable_spread)


# -- a cell's result --------------------------------------------------------------------------------


@dataclass(slots=True)
class CellResult:
    """One cell's figures (or why there are none). `prompt_tokens` is the requested length and
    `prompt_tokens_measured` the server's count (median); memory is `/api/ps`' `size` and `size_vram`,
    `processor` its CPU/GPU split ("unknown" where the engine has no `/api/ps`); `nvml_peak_bytes` the
    most GPU memory in use on this machine during the cell (None: unknown, never 0 for "no GPU")."""

    model: str
    endpoint: str
    engine: str  # "ollama", "vLLM", "SGLang", "OpenAI-compatible"
    prompt_tokens: int
    gen_tokens: int
    label: Label = EXACT
    prefill_tps: Summary = EMPTY
    decode_tps: Summary = EMPTY
    ttft_s: Summary = EMPTY
    load_s: Summary = EMPTY
    load_note: str = ""  # why there is no load figure ("cold start not available on vLLM")
    cold: bool = False
    prompt_tokens_measured: int | None = None
    gen_tokens_measured: int | None = None
    memory_bytes: int | None = None
    size_vram: int | None = None
    processor: str = "unknown"
    nvml_peak_bytes: int | None = None
    nvml_note: str = ""  # why the peak is unknown
    digest: str = ""
    server_version: str = ""
    num_ctx: int | None = None
    warning: str = ""  # said before it ran (a partial fit)
    error: str | None = None
    skipped: bool = False  # not run at all (won't fit, unknown model, endpoint gone)
    reps: list[RepFigures] = field(default_factory=list)

    @property
    def key(self) -> CellKey:
        return CellKey(self.model, self.endpoint, self.prompt_tokens)

    def add(self, rep: RepFigures) -> None:
        """One more repetition: the summaries follow."""
        self.reps.append(rep)
        self.label = rep.label
        self.prefill_tps = summarize([r.prefill_tps for r in self.reps])
        self.decode_tps = summarize([r.decode_tps for r in self.reps])
        self.ttft_s = summarize([r.ttft_s for r in self.reps])
        if not self.load_note:
            self.load_s = summarize([r.load_s for r in self.reps])
        prompt = summarize([float(r.prompt_tokens) for r in self.reps if r.prompt_tokens is not None])
        gen = summarize([float(r.gen_tokens) for r in self.reps if r.gen_tokens is not None])
        self.prompt_tokens_measured = None if prompt.median is None else round(prompt.median)
        self.gen_tokens_measured = None if gen.median is None else round(gen.median)


# -- the prompt -------------------------------------------------------------------------------------

INSTRUCTION = "Continue the following text in the same style, at length:"
# The fixed text every prompt is cut from: plain prose (no code, no markup) that any tokenizer counts
# in roughly four characters a token; repeated as often as a long prompt needs.
FIXED_TEXT = (
    "The river town woke before the sun. Bakers pulled the first trays from their ovens, and the smell "
    "of bread drifted down the narrow streets toward the water, where fishermen were already mending "
    "nets and arguing about the weather. A ferry horn sounded twice across the fog. On the hill above "
    "the market, the old clock tower struck six, a little late as always, and the pigeons rose from its "
    "ledges in one grey wave before settling again on the church roof. Children ran past the fountain "
    "with their school bags bouncing, a dog barked at a cart loaded with apples, and the postman began "
    "his round with a song nobody recognised. By seven the square was full: farmers set out cheese and "
    "honey, a woman sold flowers from buckets of cold water, and two students argued about a book they "
    "had both pretended to read. The mayor crossed the square with a newspaper under his arm, nodding to "
    "everyone and stopping nowhere. Near the bridge a painter unfolded an easel and studied the light on "
    "the water as if it might change its mind. Nobody in the town was in a hurry, and yet by noon "
    "everything that needed doing had somehow been done, the way it had been done for three hundred "
    "years, through floods and fairs and the long quiet winters when the river froze at its edges. "
)
CHARS_PER_TOKEN = 4.0  # the first guess only: the server's own count corrects it
PROBE_TRIES = 4  # calibration requests per cell at most
TOLERANCE_TOKENS = 8


def build_prompt(chars: int, tag: str) -> str:
    """A prompt whose body is the first `chars` characters of the fixed text (repeated as needed), after
    `tag`: a prefix distinct per repetition (and per run), so that Ollama's prompt cache, which reuses
    the longest common prefix of the last prompt, never turns a prefill measurement into a cache hit."""
    chars = max(0, chars)
    body = (FIXED_TEXT * (chars // len(FIXED_TEXT) + 1))[:chars]
    return f"{tag} {INSTRUCTION}\n\n{body}"


def rep_tag(nonce: str, index: int) -> str:
    """The distinct prefix of one request: the run's nonce and the request's number, fixed width so
    every prefix counts the same tokens."""
    return f"[{nonce}-{index:04d}]"


def tolerance(target: int) -> int:
    """How far a calibrated prompt may miss its target: 1 %, or 8 tokens for short ones."""
    return max(TOLERANCE_TOKENS, target // 100)


def within(target: int, counted: int) -> bool:
    """A calibrated prompt is close enough: within `tolerance` of the target."""
    return abs(counted - target) <= tolerance(target)


def first_guess(target: int) -> int:
    """Characters of fixed text for a first probe of `target` tokens."""
    return max(0, round(target * CHARS_PER_TOKEN))


def next_guess(target: int, tries: list[tuple[int, int]]) -> int:
    """Characters for the next probe, from the (characters, tokens counted) pairs so far: with one pair,
    scale it (the template's few tokens aside); with two or more, the line through the last two (tokens
    are close to linear in characters of the same text: a fixed overhead plus a steady rate)."""
    chars, counted = tries[-1]
    if len(tries) >= 2:
        chars0, counted0 = tries[-2]
        if counted != counted0 and chars != chars0:
            slope = (counted - counted0) / (chars - chars0)
            if slope > 0:
                return max(0, round(chars + (target - counted) / slope))
    if counted <= 0:
        return first_guess(target)
    return max(0, round(chars * target / counted))


def reach_warning(asked: int, measured: int | None, *, shortest: bool) -> str:
    """What to say when the prompt measured is not the length asked for ("" when it is, or unknown):
    a length under the template's own tokens cannot be reached (`shortest`: the calibration got down
    to no text at all), and a calibration may run out of tries. The cell's figures are then those of
    the measured length, and its rows are labelled by it."""
    if measured is None or within(asked, measured):
        return ""
    if shortest and measured > asked:
        return f"asked {asked} tokens, the shortest prompt is {measured}: measured at {measured}"
    return f"asked {asked} tokens, could not reach it: measured at {measured}"


def best_try(target: int, tries: list[tuple[int, int]]) -> int:
    """The characters whose count came closest to the target (when no try landed within tolerance)."""
    return min(tries, key=lambda pair: abs(pair[1] - target))[0]


def cell_runs(cell: CellResult) -> int:
    """How many runs a cell had: its repetitions, or (a cell read back from the store, which keeps the
    figures' values but not the repetitions) its figures' largest run count."""
    return max(len(cell.reps), cell.prefill_tps.runs, cell.decode_tps.runs, cell.ttft_s.runs)
