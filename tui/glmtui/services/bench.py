"""The bench runner: measures each cell of a `BenchPlan` over the `Engine` protocol, headless or for a screen.

One runner, two faces: `glmtui bench` (bench_cli.py) renders its events as a Rich progress bar, a bench
screen as a progress view; both start it the same way and cancel it the same way.

    runner = BenchRunner(plan, targets, on_event=show, save=save_cell, machine=machine, nvml=nvml)
    problems = await runner.preflight()      # unknown models, fits: say so before anything runs
    cells = await runner.run()               # cancel the task to stop: finished cells are kept

Per cell: the prompt is calibrated to the requested token length with the model's own tokenizer (probe
requests with `num_predict` 1; the server's `prompt_eval_count` / `usage.prompt_tokens` counts it), which
also loads the model at the cell's `num_ctx`; then repetitions, each with a distinct prefix so no prefill
is a prompt-cache hit, until the stopping rule (core/bench.py) says the medians are stable. `cold`
unloads the model before each repetition (where the engine can: vLLM cannot, and says so). Memory is
`/api/ps` after the runs, and the NVML peak on this machine during the cell (local endpoints only).

Each finished cell goes to `save` at once (a crash or Ctrl+C keeps it) and into `results`. An engine that
goes away mid-bench fails its cell and marks the rest of its cells, keeping the others' results.
"""

from __future__ import annotations

import asyncio
import difflib
import secrets
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from glmtui.core.bench import (
    PROBE_TRIES,
    BenchPlan,
    CellKey,
    CellResult,
    RepFigures,
    best_try,
    build_prompt,
    first_guess,
    next_guess,
    reach_warning,
    rep_figures,
    rep_tag,
    should_stop,
    within,
)
from glmtui.core.errors import GlmTuiError
from glmtui.core.fit import Machine, fit_need, need_for
from glmtui.core.model_names import same_model
from glmtui.core.server_settings import ServerSettings
from glmtui.core.state import GenerationStats, ModelInfo
from glmtui.core.stats import LiveStats
from glmtui.services.bench_gpu import PeakSampler
from glmtui.services.engines.base import Engine, StreamDone, engine_label
from glmtui.services.nvml import Nvml

# How long the reader pauses after a read that waited, so the tokens that arrive meanwhile are read in
# one go (`pacing.paced`). Nothing is drawn, and where the server times the reply (Ollama: exact figures)
# the one figure on glmtui's clock is the TTFT, whose chunk is never held back: so 50 ms, not the chat's
# 20 ms, which at 100 tok/s wakes the reader half as often (~40 % of the bench's CPU per token here) and
# reads each reply's last chunk ~15 ms later on average. A client-timed engine gets no pause at all: its
# decode time ends at the last token *as read*, and a pause before that read would add up to the pause
# to the measured time (the chat's 20 ms is 3 % of 64 tokens at 100 tok/s): accuracy over CPU here.
EXACT_READ_BATCH_S = 0.05
CLIENT_READ_BATCH_S = 0.0

# A failure of these kinds may mean the server went away: it is asked for its version before the
# remaining cells are tried (so one dropped stream does not fail a whole endpoint).
GONE_KINDS = frozenset({"connect", "dropped", "timeout", "stalled", "not-http"})


@dataclass(frozen=True, slots=True)
class BenchTarget:
    """An endpoint to bench on: its name, its engine, and whether it runs on this machine (its GPU
    memory is then ours to read)."""

    endpoint: str
    engine: Engine
    local: bool = True


# -- progress events (the CLI and a screen render the same ones) -------------------------------------


@dataclass(frozen=True, slots=True)
class BenchStarted:
    cells: tuple[CellKey, ...]
    max_reps: int


@dataclass(frozen=True, slots=True)
class CellStarted:
    index: int  # 0-based, of `total`
    total: int
    key: CellKey


@dataclass(frozen=True, slots=True)
class RepDone:
    """One repetition measured; `cell` holds the summaries so far."""

    index: int
    rep: int  # 1-based
    figures: RepFigures
    cell: CellResult
    elapsed_s: float  # this repetition's wall time (an ETA's input)


@dataclass(frozen=True, slots=True)
class CellDone:
    index: int
    cell: CellResult
    elapsed_s: float  # the whole cell's, calibration included


@dataclass(frozen=True, slots=True)
class BenchFinished:
    cells: tuple[CellResult, ...]
    stopped: bool  # cancelled before the end


BenchEvent = BenchStarted | CellStarted | RepDone | CellDone | BenchFinished


@dataclass(frozen=True, slots=True)
class Preflight:
    """What is known before running one cell: a problem that stops it (`skip`), or a warning."""

    key: CellKey
    message: str
    skip: bool
    kind: str  # "unknown-model", "unreachable", "wont-fit", "partial-fit"


class BenchRunner:
    """Runs a plan over its targets. `results` holds every finished cell, also after a cancellation."""

    def __init__(
        self,
        plan: BenchPlan,
        targets: Sequence[BenchTarget],
        *,
        on_event: Callable[[BenchEvent], None] = lambda _: None,
        save: Callable[[CellResult], Awaitable[None]] | None = None,
        machine: Machine | None = None,
        settings: ServerSettings | None = None,
        nvml: Nvml | None = None,
        nonce: str | None = None,
    ) -> None:
        self.plan = plan
        self.targets = {t.endpoint: t for t in targets}
        missing = [name for name in plan.endpoints if name not in self.targets]
        if missing:
            raise ValueError(f"no target for endpoint(s) {', '.join(missing)} of the plan")
        self.on_event = on_event  # public: a caller may attach its view after preflight
        self.save = save  # awaited with each finished cell (the store)
        self.machine = machine
        self.settings = settings
        self.nonce = nonce or secrets.token_hex(3)  # per run: an earlier run's cached prompt never matches
        self._nvml = nvml
        self._peaks: PeakSampler | None = None
        self._requests = 0
        self.results: list[CellResult] = []
        self.versions: dict[str, str] = {}
        self._models: dict[str, list[ModelInfo]] = {}
        self._unreachable: dict[str, str] = {}
        self._preflight: dict[CellKey, Preflight] | None = None

    @property
    def gpus(self) -> tuple[str, ...]:
        """The GPU names NVML gave on this machine (empty when there are none or none were read)."""
        return self._peaks.gpus if self._peaks is not None else ()

    # -- before running ------------------------------------------------------------------------------

    async def preflight(self) -> list[Preflight]:
        """Reach each endpoint (version, models), and for each cell say what stops it or what to know:
        an unknown model (naming the installed ones nearby), an endpoint that cannot be reached, a
        model that will not fit at the cell's context (skipped unless `force`), or a partial fit."""
        found: dict[CellKey, Preflight] = {}
        for name, target in self.targets.items():
            try:
                self.versions[name] = await target.engine.version()
                self._models[name] = await target.engine.list_models()
            except GlmTuiError as exc:
                self._unreachable[name] = str(exc)
        for key in self.plan.cells():
            problem = await self._check(key)
            if problem is not None:
                found[key] = problem
        self._preflight = found
        return list(found.values())

    async def _check(self, key: CellKey) -> Preflight | None:
        if key.endpoint in self._unreachable:
            return Preflight(key, self._unreachable[key.endpoint], True, "unreachable")
        installed = self._models.get(key.endpoint, [])
        info = self._info(key)
        if info is None:
            names = [m.name for m in installed]
            near = difflib.get_close_matches(key.model, names, n=5, cutoff=0.4) or names[:8]
            where = key.endpoint or self.targets[key.endpoint].engine.host
            return Preflight(
                key,
                f"Model '{key.model}' is not installed on {where}"
                + (f" (installed: {', '.join(near)})" if near else " (no models installed)"),
                True,
                "unknown-model",
            )
        target = self.targets[key.endpoint]
        if self.machine is None or not target.local or not target.engine.capabilities.loaded_models:
            return None  # no GPU facts for that server here: nothing to judge the fit by
        try:
            details = await target.engine.show(info.name)
        except GlmTuiError:
            return None
        settings = self.settings or ServerSettings(version=self.versions.get(key.endpoint))
        context = self.plan.num_ctx(key.prompt_tokens)
        need = need_for(info.size, details.model_info, None, context, details.context_length, settings)
        fit = fit_need(self.machine, need, settings)
        if fit.kind == "wont":
            action = "runs anyway (--force)" if self.plan.force else "skipped (--force runs it)"
            return Preflight(
                key,
                f"{key.model} at {context:,} ctx: {fit.describe()}; {action}",
                not self.plan.force,
                "wont-fit",
            )
        if fit.kind == "partial":
            return Preflight(key, f"{key.model} at {context:,} ctx: {fit.describe()}", False, "partial-fit")
        return None

    def _info(self, key: CellKey) -> ModelInfo | None:
        installed = self._models.get(key.endpoint, [])
        return next((m for m in installed if same_model(key.model, m.name) or m.name == key.model), None)

    # -- running -------------------------------------------------------------------------------------

    async def run(self) -> list[CellResult]:
        """Every cell, in order. Cancelling the task stops it: the cell under way is kept when it has
        runs (marked stopped), `BenchFinished(stopped=True)` is sent, and CancelledError goes on up."""
        if self._preflight is None:
            await self.preflight()
        checks = self._preflight or {}
        keys = self.plan.cells()
        self.on_event(BenchStarted(tuple(keys), self.plan.max_reps))
        if self._nvml is not None and any(t.local for t in self.targets.values()):
            self._peaks = await asyncio.to_thread(PeakSampler(self._nvml).start)
        current: CellResult | None = None
        index = 0
        try:
            for index, key in enumerate(keys):
                self.on_event(CellStarted(index, len(keys), key))
                began = time.monotonic()
                current = self._blank(key)
                check = checks.get(key)
                if key.endpoint in self._unreachable:
                    current.error, current.skipped = self._unreachable[key.endpoint], True
                elif check is not None and check.skip:
                    current.error, current.skipped = check.message, True
                else:
                    current.warning = check.message if check is not None else ""
                    await self._measure(index, current)
                finished, current = current, None
                await self._finish(index, finished, time.monotonic() - began)
        except asyncio.CancelledError:
            if current is not None and current.reps:
                current.error = f"stopped after {len(current.reps)} run(s)"
                await self._finish(index, current, 0.0)
            self.on_event(BenchFinished(tuple(self.results), stopped=True))
            raise
        finally:
            if self._peaks is not None:
                await asyncio.to_thread(self._peaks.stop)
        self.on_event(BenchFinished(tuple(self.results), stopped=False))
        return list(self.results)

    async def _finish(self, index: int, cell: CellResult, elapsed: float) -> None:
        self.results.append(cell)
        if self.save is not None:
            await self.save(cell)
        self.on_event(CellDone(index, cell, elapsed))

    def _blank(self, key: CellKey) -> CellResult:
        target = self.targets[key.endpoint]
        info = self._info(key)
        return CellResult(
            model=key.model,
            endpoint=key.endpoint,
            engine=engine_label(target.engine),
            prompt_tokens=key.prompt_tokens,
            gen_tokens=self.plan.gen,
            label="exact" if _exact(target.engine) else "client-timed",
            cold=self.plan.cold,
            digest=info.digest if info is not None else "",
            server_version=self.versions.get(key.endpoint, ""),
            num_ctx=self.plan.num_ctx(key.prompt_tokens),
        )

    async def _measure(self, index: int, cell: CellResult) -> None:
        target = self.targets[cell.endpoint]
        engine = target.engine
        can_unload = engine.capabilities.loaded_models
        if self.plan.cold and not can_unload:
            cell.load_note = f"cold start not available on {engine_label(engine)}"
        if self._peaks is not None and target.local:
            await asyncio.to_thread(self._peaks.mark)
        try:
            chars = await self._calibrate(engine, cell)
            vllm = getattr(engine, "flavour", None) == "vllm"
            options = self.plan.options(cell.prompt_tokens, vllm=vllm)
            while not should_stop(cell.reps, self.plan):
                if self.plan.cold and can_unload:
                    await engine.unload(cell.model)
                began = time.monotonic()
                stats = await self._request(engine, cell.model, build_prompt(chars, self._tag()), options)
                figures = rep_figures(stats)
                cell.add(figures)
                self.on_event(RepDone(index, len(cell.reps), figures, cell, time.monotonic() - began))
            await self._memory(target, cell)
            said = reach_warning(cell.prompt_tokens, cell.prompt_tokens_measured, shortest=chars == 0)
            cell.warning = "; ".join(w for w in (cell.warning, said) if w)
        except GlmTuiError as exc:
            cell.error = str(exc)
            if exc.kind in GONE_KINDS and not await self._answers(engine):
                self._unreachable[cell.endpoint] = (
                    f"{cell.endpoint or engine.host} went away ({exc.message})"  # the row says "skipped"
                )
        finally:
            if self._peaks is not None and target.local:
                cell.nvml_peak_bytes = await asyncio.to_thread(self._peaks.peak)
                cell.nvml_note = self._peaks.note if cell.nvml_peak_bytes is None else ""
        if self._peaks is None or not target.local:
            cell.nvml_note = "not this machine's GPU" if not target.local else "no NVML"

    async def _answers(self, engine: Engine) -> bool:
        try:
            await engine.version()
        except GlmTuiError:
            return False
        return True

    def _tag(self) -> str:
        self._requests += 1
        return rep_tag(self.nonce, self._requests)

    async def _calibrate(self, engine: Engine, cell: CellResult) -> int:
        """Characters of fixed text that make a prompt of the cell's length, as the model's own
        tokenizer counts it (probes of one generated token; at most PROBE_TRIES). The last probe also
        leaves the model loaded at the cell's context, so a warm run measures no load."""
        target = cell.prompt_tokens
        options = self.plan.options(target) | {"num_predict": 1}
        tries: list[tuple[int, int]] = []
        chars = first_guess(target)
        for _ in range(PROBE_TRIES):
            stats = await self._request(engine, cell.model, build_prompt(chars, self._tag()), options)
            if stats.prompt_eval_count is None:
                return chars  # the server does not count prompts: the length stays a guess
            tries.append((chars, stats.prompt_eval_count))
            if within(target, stats.prompt_eval_count):
                return chars
            chars = next_guess(target, tries)
        return best_try(target, tries)

    async def _request(
        self, engine: Engine, model: str, prompt: str, options: dict[str, object]
    ) -> GenerationStats:
        live = LiveStats()
        stats: GenerationStats | None = None
        messages = [{"role": "user", "content": prompt}]
        batch = EXACT_READ_BATCH_S if _exact(engine) else CLIENT_READ_BATCH_S
        chat = engine.chat(model, messages, think=None, live=live, options=options, read_batch_s=batch)
        async for event in chat:
            if isinstance(event, StreamDone):
                stats = event.stats
        if stats is None:
            raise GlmTuiError("The reply ended without its figures", "", kind="dropped")
        return stats

    async def _memory(self, target: BenchTarget, cell: CellResult) -> None:
        """`/api/ps`' size and size_vram of the model, loaded now (after its runs)."""
        if not target.engine.capabilities.loaded_models:
            return
        for loaded in await target.engine.ps():
            if same_model(cell.model, loaded.name):
                cell.memory_bytes, cell.size_vram = loaded.size, loaded.size_vram
                cell.processor = loaded.processor
                return


def _exact(engine: Engine) -> bool:
    """The server times its replies itself (Ollama's durations), so the figures are exact."""
    return engine.kind == "ollama"
