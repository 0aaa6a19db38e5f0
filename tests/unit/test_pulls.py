"""Pull bookkeeping: one bar over all layers, speed from this pull's bytes only, the queue, names."""

from __future__ import annotations

import pytest

from glmtui.core.model_names import name_problem, same_model
from glmtui.core.state import PullProgress, PullUpdate
from glmtui.services.pulls import PullQueue, PullTracker
from glmtui.widgets.pull_list import pull_line, pull_summary
from tests.fakes import FakeClock

A = "sha256:" + "a" * 64
B = "sha256:" + "b" * 64


def test_tracker_sums_layers_and_measures_speed() -> None:
    clock = FakeClock()
    tracker = PullTracker("m:q8", clock)
    tracker.feed(PullUpdate("pulling manifest"))
    assert tracker.status == "pulling manifest" and tracker.total == 0 and tracker.rate() is None
    tracker.feed(PullUpdate("pulling aaaaaaaaaaaa", A, 1_000_000_000, None))
    clock.now += 1.0
    tracker.feed(PullUpdate("pulling aaaaaaaaaaaa", A, 1_000_000_000, 100_000_000))
    tracker.feed(PullUpdate("pulling bbbbbbbbbbbb", B, 500, 500))  # a small layer already on disk
    assert tracker.status == "downloading"
    assert tracker.total == 1_000_000_500 and tracker.completed == 100_000_500
    assert tracker.rate() == pytest.approx(100e6)  # 100 MB in one second; B's bytes were not downloaded now
    progress = tracker.progress()
    assert progress.eta_s == pytest.approx(9.0) and progress.fraction == pytest.approx(0.1, rel=1e-5)


def test_a_resumed_pull_does_not_claim_the_bytes_already_there() -> None:
    clock = FakeClock()
    tracker = PullTracker("m:q8", clock)
    tracker.feed(PullUpdate("pulling aaaaaaaaaaaa", A, 1000, 600))  # 60 % kept from the dropped pull
    clock.now += 0.5
    tracker.feed(PullUpdate("pulling aaaaaaaaaaaa", A, 1000, 700))
    assert tracker.completed == 700 and tracker.rate() == pytest.approx(200.0)


def test_speed_follows_the_last_few_seconds() -> None:
    clock = FakeClock()
    tracker = PullTracker("m", clock)
    done = 0
    for step in range(100):  # 10 s at 100 B/s, then 10 s at 10 B/s
        clock.now += 0.1
        done += 10 if step < 50 else 1
        tracker.feed(PullUpdate("pulling a", A, 10_000, done))
    assert tracker.rate() == pytest.approx(10.0, rel=0.1)


def test_queue_runs_one_at_a_time_in_order() -> None:
    queue = PullQueue()
    assert queue.add("a:1") is not None and queue.add("b:1") is not None
    assert queue.add("A:1") is None  # already queued (names are case-insensitive)
    first = queue.start_next()
    assert first is not None and first.name == "a:1" and first.state == "pulling"
    assert queue.start_next() is None  # one at a time
    queue.update(PullProgress("a:1", "pulling", "downloading", 5, 10))
    assert queue.find("a:1").completed == 5  # type: ignore[union-attr]
    assert queue.cancel_queued("b:1") and queue.find("b:1").state == "cancelled"  # type: ignore[union-attr]
    queue.finish("a:1", "failed", "dropped", "pull again")
    failed = queue.find("a:1")
    assert failed is not None and failed.state == "failed" and failed.error == "dropped" and not failed.active
    assert queue.add("a:1") is not None  # a finished pull can be asked again
    queue.clear_finished()
    assert [job.name for job in queue.jobs] == ["a:1"]


@pytest.mark.parametrize(
    "name",
    [
        "glm-4.7-flash:q8_0",
        "gpt-oss",
        "library/qwen3:8b",
        "me/my-model:v1.2",
        "registry.ollama.ai/library/llama3.1:8b",
    ],
)
def test_valid_names(name: str) -> None:
    assert name_problem(name) is None


@pytest.mark.parametrize(
    "name, why",
    [
        ("", "type a model name"),
        ("glm 4.7:q8", "spaces"),
        ("glm:q8:x", "single ':'"),
        ("glm:", "single ':'"),
        ("-glm:q8", "not a valid"),
        ("glm!:q8", "not a valid"),
        ("a/b/c/d:x", "not a valid"),
    ],
)
def test_malformed_names(name: str, why: str) -> None:
    problem = name_problem(name)
    assert problem is not None and why in problem


def test_same_model() -> None:
    assert same_model("GLM-4.7-flash", "glm-4.7-flash:latest")
    assert not same_model("glm-4.7-flash:q8_0", "glm-4.7-flash:latest")


def test_lines_and_summary() -> None:
    running = PullProgress(
        "glm-4.7-flash:q8_0", "pulling", "downloading", 13_400_000_000, 31_800_000_000, 110_200_000.0, 167.0
    )
    line = pull_line(running).plain
    assert "42%" in line and "13 GB/31 GB" in line and "110.2 MB/s" in line and "ETA 2:47" in line
    queued = PullProgress("gpt-oss:120b")
    summary = pull_summary((running, queued))
    assert summary is not None and summary.plain == "⤓ glm-4.7-flash:q8_0 42% 110.2 MB/s ETA 2:47 (+1 queued)"
    assert pull_summary((PullProgress("x:1", "done"),)) is None
    failed = PullProgress("x:1", "failed", error="'x:1' is not on the registry", hint="check the name")
    assert "not on the registry — check the name" in pull_line(failed).plain
