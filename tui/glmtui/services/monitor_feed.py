"""MonitorFeed: the app's monitor loop. Samples on one dedicated thread, polls `/api/ps`, publishes.

NVML and psutil run on a single worker thread (never on the event loop: NVML calls can block on the
driver lock while the GPU is busy). `/api/ps` goes through the async Ollama client every
`ollama_s` and right after each reply; for a local server, each loaded model's weights blob is asked of
`/api/show` (once per model, and only while some GPU process is a runner that names a blob), so the panels
can say which GPU holds which model by pid (`core.placement`). Nothing is sampled while no sidebar is
visible, and a sample is published only when it differs from the last one, so steady readings cost no
repaint at all.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from glmtui.core.errors import NOT_OLLAMA, GlmTuiError, connection_state
from glmtui.core.state import LoadedModel, MonitorIntervals, MonitorSample, OllamaSnapshot
from glmtui.services.engines.base import Engine
from glmtui.services.monitor import Sampler

BLOB_RETRY_S = 30.0  # a failed `/api/show` for a loaded model's blob is asked again after this


class MonitorFeed:
    """Owns the sampler thread; publishes samples and `/api/ps` snapshots through two callables.

    Textual-free: the app passes its signals' `publish` methods, and panels subscribe there.
    """

    def __init__(
        self,
        sampler: Sampler,
        service: Engine,
        intervals: MonitorIntervals,
        *,
        publish_sample: Callable[[MonitorSample], None],
        publish_snapshot: Callable[[OllamaSnapshot], None],
        resolve_blobs: bool = False,
    ) -> None:
        """`resolve_blobs`: the server runs on this machine, so its runners' pids are ours to map."""
        self.sampler = sampler
        self.service = service
        self.intervals = intervals
        self._publish_sample = publish_sample
        self._publish_snapshot = publish_snapshot
        self.sample: MonitorSample | None = None
        self.snapshot: OllamaSnapshot | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="glmtui-monitor")
        self._wake = asyncio.Event()
        self._ps_due = True
        self.resolve_blobs = resolve_blobs
        self._blobs: dict[tuple[str, str], str] = {}  # (name, manifest digest) → weights blob
        self._blob_retry: dict[tuple[str, str], float] = {}

    def refresh_ollama(self) -> None:
        """Ask `/api/ps` now (after a reply, an unload), not at the next poll."""
        self._ps_due = True
        self._wake.set()

    async def run(self, visible: Callable[[], bool]) -> None:
        """Sample and poll for ever, while `visible()` says someone can see the figures."""
        loop = asyncio.get_running_loop()
        next_ps = 0.0
        while True:
            self._wake.clear()  # before the work: a refresh asked for during it wakes the next wait
            if visible():
                sample = await loop.run_in_executor(self._executor, self.sampler.sample)
                if sample != self.sample:
                    self.sample = sample
                    self._publish_sample(sample)
                # A little slack: the 1 s wakeups jitter, and 1.99 s must not wait for the 3 s one.
                if self._ps_due or loop.time() >= next_ps - 0.1:
                    self._ps_due = False
                    next_ps = loop.time() + self.intervals.ollama_s
                    await self.poll_ollama()
            try:
                async with asyncio.timeout(self.intervals.tick_s):
                    await self._wake.wait()
            except TimeoutError:
                pass

    async def sample_now(self) -> MonitorSample | None:
        """The latest sample, taking one now (on the sampler's thread) if none was taken yet."""
        if self.sample is None:
            loop = asyncio.get_running_loop()
            self.sample = await loop.run_in_executor(self._executor, self.sampler.sample)
        return self.sample

    async def poll_ollama(self) -> None:
        """`/api/ps` now; publish the snapshot if it changed."""
        capabilities = self.service.capabilities
        if not capabilities.loaded_models:  # nothing to ask: the panel says why, no error each poll
            snapshot = OllamaSnapshot(online=True, error=capabilities.why_not("list the models in memory"))
        else:
            try:
                models = tuple(await self.service.ps())
                if self.resolve_blobs:
                    models = await self._with_blobs(models)
                snapshot = OllamaSnapshot(online=True, models=models)
            except GlmTuiError as exc:
                not_ollama = connection_state(exc) == NOT_OLLAMA
                snapshot = OllamaSnapshot(online=False, error=exc.message, not_ollama=not_ollama)
        if snapshot != self.snapshot:
            self.snapshot = snapshot
            self._publish_snapshot(snapshot)

    async def _with_blobs(self, models: tuple[LoadedModel, ...]) -> tuple[LoadedModel, ...]:
        """The models with their weights blobs, asked of `/api/show` (cached by the service, and here)."""
        gpus = self.sample.gpu.gpus if self.sample else ()
        if not any(p.model_blob for g in gpus for p in g.processes or ()):
            return models  # no runner names a blob: nothing to map by pid, so nothing to ask
        now = asyncio.get_running_loop().time()
        out = []
        for model in models:
            key = (model.name, model.digest)
            blob = self._blobs.get(key)
            if blob is None and now >= self._blob_retry.get(key, 0.0):
                try:
                    blob = self._blobs[key] = (await self.service.show(model.name)).weights_blob
                except GlmTuiError:  # deleted meanwhile, or the server hiccuped: sizes may still tell
                    self._blob_retry[key] = now + BLOB_RETRY_S
            out.append(replace(model, blob=blob) if blob else model)
        return tuple(out)

    def close(self) -> None:
        # NVML shutdown on the thread that used it, then let the thread go.
        self._executor.submit(self.sampler.close)
        self._executor.shutdown(wait=False)
