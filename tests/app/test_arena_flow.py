"""Pilot flows for the arena: the leaderboard from a stored history, reopening a past run, a prompt set
run blind through the A/B screen against the simulator."""

from __future__ import annotations

import random
from pathlib import Path

from glmtui.screens.arena import EMPTY, ArenaScreen
from glmtui.screens.compare.dialogs import PromptSetScreen, VoteScreen
from glmtui.screens.compare.screen import CompareScreen
from glmtui.services.store import Store
from glmtui.simulator import Simulator
from glmtui.widgets.footer import QuietFooter
from tests.helpers import make_app, palette, ready, screen_text, seed_arena, wait_until

GLM, QWEN = "glm-4.7-flash:latest", "qwen3-coder:30b"


async def arena(app) -> ArenaScreen:  # type: ignore[no-untyped-def]
    await wait_until(lambda: isinstance(app.screen, ArenaScreen) and app.screen.loaded, what="the arena")
    assert isinstance(app.screen, ArenaScreen)
    return app.screen


async def test_leaderboard_from_a_stored_history_and_a_past_run_reopened(
    sim: Simulator, tmp_path: Path
) -> None:
    path = tmp_path / "glmtui.db"
    ids = seed_arena(Store(path))
    app = make_app(sim.url, model=GLM, store_path=path, monitor=False)
    async with app.run_test(size=(150, 36), notifications=True) as pilot:
        await ready(app)
        await pilot.press("f7")
        screen = await arena(app)
        text = screen_text(app)
        assert "6 blind vote(s)" in text and "another glmtui version" in text
        first = next(line for line in text.splitlines() if "glm-4.7-flash:q8_0" in line)
        assert "3/1/0" in first and first.lstrip(" │▎").startswith("1 ")  # ranked first
        assert "40.0 tok/s exact, 3 replies" in text and "20.0 GiB at 8,192 ctx (/api/ps)" in text
        assert "—, no bench yet" in text
        await pilot.press("m")  # by model on its endpoint
        await wait_until(lambda: "node1 · glm-4.7-flash" in screen_text(app), what="the endpoint view")
        assert "client-timed" in screen_text(app)
        assert not screen.query("#arena-runs")  # the past runs' table is built when first shown
        await pilot.press("r")  # the past runs
        await wait_until(lambda: screen.runs is not None, what="the past runs")
        text = screen_text(app)
        assert "hidden (blind, not voted yet)" in text and "damaged" in text and "another version" in text
        rows = [run.id for run in screen.runs or []]
        await pilot.press(*["down"] * rows.index(ids["damaged"]), "enter")
        await wait_until(lambda: "are damaged" in screen_text(app), what="the damaged run refused")
        await pilot.press(*["up"] * (rows.index(ids["damaged"]) - rows.index(ids["hidden"])), "enter")
        await wait_until(lambda: isinstance(app.screen, CompareScreen), what="the run reopened")
        compare = app.screen
        assert isinstance(compare, CompareScreen)
        assert compare.run.id == ids["hidden"] and not compare.run.revealed
        assert [len(pane.chat.conversation.turns) for pane in compare.panes] == [1, 1]
        # It goes on where it stopped: the vote it never had is saved on that same run.
        await pilot.press("f6")
        await wait_until(lambda: isinstance(app.screen, VoteScreen), what="the vote dialog")
        await pilot.press("b")
        await wait_until(
            lambda: (ids["hidden"], "b") in [(r.id, r.vote) for r in past_runs_of(path)],
            what="the vote saved",
        )


def past_runs_of(path: Path):  # type: ignore[no-untyped-def]
    from glmtui.services.arena_store import past_runs

    return past_runs(Store(path))


async def test_empty_and_unreadable_stores_say_so(sim: Simulator, tmp_path: Path) -> None:
    app = make_app(sim.url, model=GLM, store_path=tmp_path / "glmtui.db", monitor=False)
    async with app.run_test(size=(150, 30)) as pilot:
        await palette(pilot, "Leaderboard")
        screen = await arena(app)
        assert EMPTY.split(" —")[0] in screen_text(app)
        await wait_until(lambda: screen.drawn, what="the board drawn")
        footer = screen.query_one(QuietFooter)
        assert footer.builds == 1  # once, however many binding changes opening it made
        chat_footer = app.screen_stack[0].query_one(QuietFooter)
        built = chat_footer.builds
        await pilot.press("escape")  # closed right after opening: its footer's pending check is dropped
        await wait_until(lambda: not isinstance(app.screen, ArenaScreen), what="the chat back")
        await pilot.press("f7")  # and again (a closed screen's footer check used to crash the app here)
        await arena(app)
        assert chat_footer.builds == built  # the chat's keys did not change under the arena: not rebuilt
    app = make_app(sim.url, model=GLM, store_path=None, monitor=False)  # no history this session
    async with app.run_test(size=(150, 30)) as pilot:
        await pilot.press("f7")
        await arena(app)
        assert "no votes to rate" in screen_text(app)


async def test_a_prompt_set_runs_blind_with_a_vote_after_each(sim: Simulator, tmp_path: Path) -> None:
    prompts = tmp_path / "set.txt"
    prompts.write_text("first prompt\n---\nsecond prompt\n---\nthird prompt\n", encoding="utf-8")
    path = tmp_path / "glmtui.db"
    app = make_app(sim.url, model=GLM, compare=(GLM, QWEN, None), store_path=path, monitor=False)
    app.compare_rng = random.Random(3)
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(app)
        await wait_until(lambda: isinstance(app.screen, CompareScreen) and app.screen.ready, what="compare")
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        await pilot.press("f9")
        await wait_until(lambda: isinstance(app.screen, PromptSetScreen), what="the file dialog")
        await pilot.press(*"missing.txt", "enter")  # a bad file: the reason, and the dialog stays
        await wait_until(lambda: "no such file" in screen_text(app), what="the bad file's reason")
        app.screen.query_one("#prompt-set-path").clear()  # type: ignore[attr-defined]
        await pilot.press(*str(prompts), "enter")

        async def round_ended(prompt: str) -> None:
            await wait_until(
                lambda: (
                    screen.run.rounds
                    and screen.run.rounds[-1].prompt == prompt
                    and screen.run.rounds[-1].ended
                    and not screen.busy
                ),
                what=f"{prompt} answered",
            )

        await round_ended("first prompt")
        assert screen.run.blind and not screen.run.revealed and "prompt set 1/3" in screen_text(app)
        await pilot.press("f6")
        await wait_until(lambda: isinstance(app.screen, VoteScreen), what="the vote dialog")
        await pilot.press("a")
        await round_ended("second prompt")
        assert "prompt set 2/3" in screen_text(app)
        await pilot.press("f10")  # skipped: its run stays, unvoted
        await round_ended("third prompt")
        await pilot.press("f6")
        await wait_until(lambda: isinstance(app.screen, VoteScreen), what="the vote dialog")
        await pilot.press("t")
        await wait_until(lambda: screen.prompt_set is None, what="the set to end")
        await wait_until(
            lambda: len(past_runs_of(path)) == 3 and past_runs_of(path)[0].vote == "tie", what="saved"
        )
        runs = past_runs_of(path)[::-1]
        assert [(r.rounds, r.blind) for r in runs] == [(1, True)] * 3
        assert [r.vote for r in runs] == ["a", None, "tie"]
        assert {(r.model_a, r.model_b) for r in runs} <= {(GLM, QWEN), (QWEN, GLM)}
