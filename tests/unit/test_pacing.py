"""The reply reader both engines share (`pacing.paced`): its first-token and stall timeouts, and what it
costs the event loop per chunk. In-memory streams stand in for the network here; the engines' own stall
tests run over real sockets (tests/app/test_failures.py, tests/unit/test_openai_engine.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from glmtui.core.errors import GlmTuiError
from glmtui.services.engines.pacing import paced


class CountingLoop(asyncio.SelectorEventLoop):
    """An event loop that counts the timers scheduled on it."""

    def __init__(self) -> None:
        super().__init__()
        self.timers = 0

    def call_at(self, when: float, callback: Callable[..., object], *args: Any, context: Any = None) -> Any:
        self.timers += 1
        return super().call_at(when, callback, *args, context=context)


async def ready(count: int) -> AsyncIterator[int]:
    """`count` chunks, each there at once (a batch already read off the socket)."""
    for index in range(count):
        yield index


async def spaced(count: int, delay: float) -> AsyncIterator[int]:
    """`count` chunks, each `delay` seconds after the last (a server generating them)."""
    for index in range(count):
        await asyncio.sleep(delay)
        yield index


async def silent_after(count: int) -> AsyncIterator[int]:
    """`count` chunks, then nothing, ever (a stalled server)."""
    for index in range(count):
        yield index
    await asyncio.Event().wait()


def read(stream: AsyncIterator[int], *, first: float = 5.0, stall: float = 5.0, **kw: Any) -> Any:
    return paced(stream, first_timeout=first, stall_timeout=stall, who="Ollama", check="the server", **kw)


async def collect(stream: AsyncIterator[int], **kw: Any) -> list[int]:
    return [chunk async for chunk in read(stream, **kw)]


def test_a_thousand_chunks_cost_a_few_timers_not_one_each() -> None:
    # Before: an asyncio.timeout per read scheduled (and cancelled) a timer per chunk, each left in the
    # loop's heap until it came due.
    with asyncio.Runner(loop_factory=CountingLoop) as runner:
        loop = runner.get_loop()
        assert isinstance(loop, CountingLoop)
        before = loop.timers
        assert runner.run(collect(ready(1000))) == list(range(1000))
        assert loop.timers - before < 50


async def test_silence_after_the_first_chunk_is_a_stall() -> None:
    got: list[int] = []
    with pytest.raises(GlmTuiError) as caught:
        async for chunk in read(silent_after(2), stall=0.05):
            got.append(chunk)
    assert got == [0, 1]  # what came before is the caller's to keep
    assert caught.value.kind == "stalled" and "0.05 s" in caught.value.message


async def test_the_first_chunk_has_its_own_timeout() -> None:
    with pytest.raises(GlmTuiError) as caught:
        await collect(silent_after(0), first=0.05, stall=60.0)
    assert caught.value.kind == "stalled" and "0.05 s" in caught.value.message


async def test_time_the_caller_spends_between_chunks_is_not_silence() -> None:
    got = []
    async for chunk in read(ready(3), stall=0.05):
        got.append(chunk)
        await asyncio.sleep(0.12)  # the caller's own work, longer than the stall timeout
    assert got == [0, 1, 2]


async def test_each_read_gets_the_whole_stall_timeout() -> None:
    # Four reads of 0.15 s under a 0.5 s stall timeout: 0.6 s in all, and no read ever stalls.
    assert await collect(spaced(4, 0.15), stall=0.5, batch_s=0.0) == [0, 1, 2, 3]


async def test_a_cancelled_reader_is_cancelled_not_stalled() -> None:
    started = asyncio.Event()

    async def reader() -> None:
        async for _ in read(silent_after(1), stall=60.0):
            started.set()

    task = asyncio.create_task(reader())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
