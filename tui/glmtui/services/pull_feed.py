"""PullFeed: the app's pulls. One at a time, in order, in the background, published at most 10× a second.

Pulls outlive the models screen (a pull keeps running while you chat, and several queue), so the app
owns this feed and the models screen and the status bar only subscribe to what it publishes. The feed
is Textual-free: the app passes `publish` (its signal's) and `spawn` (runs a coroutine as a worker).

Ollama sends a progress line per ~chunk (many per second per layer); every line updates the tracker,
but subscribers hear of it only when the state changes or a tenth of a second has passed, so the
repaint cost is flat however fast lines arrive.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any

from glmtui.core.errors import GlmTuiError
from glmtui.core.model_names import name_problem, same_model
from glmtui.core.state import PullProgress
from glmtui.services.engines.ollama_models import ModelLibrary
from glmtui.services.pulls import PullQueue, PullTracker
from glmtui.services.trace import trace

PUBLISH_EVERY_S = 0.1


class PullFeed:
    """Queues pulls, runs them on one app worker, and publishes `PullProgress` snapshots."""

    def __init__(
        self,
        library: ModelLibrary,
        *,
        publish: Callable[[tuple[PullProgress, ...]], None],
        spawn: Callable[[Coroutine[Any, Any, None]], object],
        on_finished: Callable[[PullProgress], None],
    ) -> None:
        self.library = library
        self._publish_jobs = publish
        self._spawn = spawn
        self.on_finished = on_finished
        self.queue = PullQueue()
        self._running = False  # set and cleared synchronously with the queue checks: no lost wake-up
        self._task: asyncio.Task[None] | None = None
        self._cancelling: str | None = None
        self._published_at = 0.0
        self.lines_seen = 0  # progress lines read, all pulls (benchmarks compare it with publishes)
        self.publishes = 0

    @property
    def current(self) -> PullProgress | None:
        """The pull running now, if any."""
        return self.queue.current

    def find(self, name: str) -> PullProgress | None:
        """The job for a model name, if one is queued, running or finished."""
        return self.queue.find(name)

    @property
    def jobs(self) -> tuple[PullProgress, ...]:
        return self.queue.jobs

    def request(self, name: str) -> str | None:
        """Queue a pull. Returns why it was refused (a malformed name, already queued), or None."""
        name = name.strip()
        problem = name_problem(name)
        if problem is not None:
            return problem
        if self.queue.add(name) is None:
            return f"{name} is already being pulled"
        self._publish(force=True)
        if not self._running:
            self._running = True
            self._spawn(self._run())
        return None

    def cancel(self, name: str) -> bool:
        """Cancel a queued or running pull. Ollama keeps what was downloaded: pulling again resumes."""
        if self.queue.cancel_queued(name):
            self._publish(force=True)
            return True
        current = self.queue.current
        if current is not None and same_model(current.name, name) and self._task is not None:
            self._cancelling = current.name
            self._task.cancel()
            return True
        return False

    def clear_finished(self) -> None:
        self.queue.clear_finished()
        self._publish(force=True)

    async def _run(self) -> None:
        try:
            await self._run_queue()
        finally:
            self._running = False

    async def _run_queue(self) -> None:
        while (job := self.queue.start_next()) is not None:
            self._publish(force=True)
            self._task = asyncio.create_task(self._pull(job.name))
            try:
                await self._task
            except asyncio.CancelledError:
                if self._cancelling is None:
                    self._task.cancel()  # the app is closing, not a user's cancel: end the download too
                    raise
                self.queue.finish(job.name, "cancelled", hint="pulling it again resumes where it stopped")
            finally:
                self._task = None
                self._cancelling = None
            self._publish(force=True)
            trace("pull_end", lines=self.lines_seen, publishes=self.publishes)
            finished = self.queue.find(job.name)
            if finished is not None:
                self.on_finished(finished)

    async def _pull(self, name: str) -> None:
        tracker = PullTracker(name)
        try:
            async for update in self.library.pull(name):
                self.lines_seen += 1
                tracker.feed(update)
                if update.status == "success":
                    self.queue.finish(name, "done")
                    return
                self.queue.update(tracker.progress())
                self._publish()
        except GlmTuiError as exc:
            self.queue.finish(name, "failed", exc.message, exc.hint)
            return
        self.queue.finish(
            name, "failed", "The pull ended before Ollama said success", "pull it again to resume"
        )

    def _publish(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._published_at < PUBLISH_EVERY_S:
            return
        self._published_at = now
        self.publishes += 1
        trace("pull_publish", lines=self.lines_seen)
        self._publish_jobs(self.queue.jobs)
