"""MonitorFeed: the app's monitor loop. Samples on one dedicated thread, polls `/api/ps`, publishes.

NVML and psutil run on a single worker thread (never on the event loop: NVML calls can block on the
driver lock while the GPU is busy). `/api/ps` goes through the async Ollama client every
`ollama_s` and right after each reply. Nothing is sampled while no sidebar is visible, and a sample
is published only when it differs from the last one, so steady readings cost no repaint at all.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from glmtui.core.errors import NOT_OLLAMA, GlmTuiError, connection_state
from glmtui.core.state import MonitorIntervals, MonitorSample, OllamaSnapshot
from glmtui.services.engines.base import Engine
from glmtui.services.monitor import Sampler


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
    ) -> None:
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
                snapshot = OllamaSnapshot(online=True, models=tuple(await self.service.ps()))
            except GlmTuiError as exc:
                not_ollama = connection_state(exc) == NOT_OLLAMA
                snapshot = OllamaSnapshot(online=False, error=exc.message, not_ollama=not_ollama)
        if snapshot != self.snapshot:
            self.snapshot = snapshot
            self._publish_snapshot(snapshot)

    def close(self) -> None:
        # NVML shutdown on the thread that used it, then let the thread go.
        self._executor.submit(self.sampler.close)
        self._executor.shutdown(wait=False)
