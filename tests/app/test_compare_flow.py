"""Pilot flows for the A/B compare screen against the simulator (whose replies name their model)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from glmtui.app import GlmTuiApp
from glmtui.core.state import Turn, TurnStatus
from glmtui.core.units import GIB
from glmtui.screens.chat import ChatScreen
from glmtui.screens.chat_thinking import PreservedThinking
from glmtui.screens.compare.dialogs import VoteScreen
from glmtui.screens.compare.screen import CompareScreen
from glmtui.services.compare import VoteRecord, round_metrics
from glmtui.services.fake_nvml import ScriptedGpu, ScriptedNvml
from glmtui.simulator import Simulator
from glmtui.simulator.faults import Fault
from glmtui.widgets.compare_pane import ComparePane
from glmtui.widgets.prompt_input import PromptInput
from tests.fakes import scripted_sampler
from tests.helpers import (
    HELD_S,
    chat_requests,
    hold_replies,
    make_app,
    palette,
    ready,
    screen_text,
    wait_until,
)

GLM, GPT, QWEN = "glm-4.7-flash:latest", "gpt-oss:20b", "qwen3-coder:30b"


async def compare_screen(app: GlmTuiApp) -> CompareScreen:
    await wait_until(
        lambda: isinstance(app.screen, CompareScreen) and app.screen.ready, what="the compare screen, ready"
    )
    screen = app.screen
    assert isinstance(screen, CompareScreen)
    return screen


async def round_ends(screen: CompareScreen, count: int = 1, timeout: float = 15.0) -> None:
    await wait_until(
        lambda: len(screen.run.rounds) >= count and screen.run.rounds[count - 1].ended and not screen.busy,
        timeout,
        what=f"round {count} to end",
    )


async def send(pilot, screen: CompareScreen, text: str) -> None:  # type: ignore[no-untyped-def]
    before = len(screen.run.rounds)
    screen.query_one(PromptInput).insert(text)
    await pilot.press("enter")
    await wait_until(lambda: len(screen.run.rounds) > before, what="the round to start")


def turns(screen: CompareScreen) -> tuple[Turn, Turn]:
    a, b = screen.panes
    assert a.last_turn is not None and b.last_turn is not None
    return a.last_turn, b.last_turn


async def test_compare_flag_sends_the_prompt_and_each_pane_answers_from_its_model(sim: Simulator) -> None:
    app = make_app(sim.url, model=GLM, compare=(GLM, GPT, "Write a binary search in Rust"))
    async with app.run_test(size=(140, 40)):
        await ready(app)
        screen = await compare_screen(app)
        await round_ends(screen)
        a, b = turns(screen)
        assert a.status is TurnStatus.DONE and b.status is TurnStatus.DONE
        assert a.model == GLM and GLM in a.reply and b.model == GPT and GPT in b.reply
        assert "fn binary_search" in a.reply  # the prompt reached both (Rust)
        # Together they need more than 24 GiB: sequential, A's reply over before B's request went out.
        assert screen.sides.mode == "sequential" and "one at a time" in screen.sides.mode_reason
        live_a, live_b = (pane.live for pane in screen.panes)
        assert live_a is not None and live_b is not None and live_a.last_token_at is not None
        assert live_a.last_token_at <= live_b.started
        models = [body["model"] for body in chat_requests(sim)]
        assert models == [GLM, GPT]
        await wait_until(
            lambda: (
                "eval rate" in (text := screen_text(app)) and "TTFT" in text and "×" in text and "✓" in text
            ),
            what="the comparison strip",
        )
        # The live tick repaints the titles with the exact figures.
        await wait_until(lambda: "tok/s" in screen.pane("b").title_text(), what="B's exact rate in its title")


async def test_parallel_when_both_fit_and_the_choice_can_be_switched(sim: Simulator) -> None:
    sim.store.vram_bytes = 80 * GIB
    sim.rate = 400.0  # replies long enough to overlap visibly
    h100 = ScriptedNvml([ScriptedGpu(name="NVIDIA H100 80GB HBM3", memory_total=80 * GIB, memory_used=GIB)])
    app = make_app(sim.url, model=GLM, sampler=scripted_sampler(h100), compare=(GLM, GPT, None))
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(app)
        screen = await compare_screen(app)
        assert screen.sides.mode == "parallel" and "both fit together" in screen.sides.mode_reason
        await send(pilot, screen, "hello both")
        await round_ends(screen)
        live_a, live_b = (pane.live for pane in screen.panes)
        assert live_a is not None and live_b is not None
        assert live_b.started < (live_a.last_token_at or 0) and live_a.started < (live_b.last_token_at or 0)
        await pilot.press("ctrl+r")
        assert screen.sides.mode == "sequential" and screen.sides.mode_by_user
        await send(pilot, screen, "and again, one after the other")
        await round_ends(screen, 2)
        live_a, live_b = (pane.live for pane in screen.panes)
        assert live_a is not None and live_b is not None and (live_a.last_token_at or 0) <= live_b.started
        # Each pane kept its own history: B's second request carries B's first reply, not A's.
        b_second = [body for body in chat_requests(sim) if body["model"] == GPT][-1]
        assert GPT in b_second["messages"][1]["content"] and GLM not in b_second["messages"][1]["content"]
        await wait_until(lambda: "session (2 rounds)" in screen_text(app), what="the session columns")


async def test_a_missing_model_says_so_and_the_other_pane_still_runs(sim: Simulator) -> None:
    missing = "glm-4.7-flash:q8_0"
    app = make_app(sim.url, model=GLM, compare=(missing, QWEN, "hello"))
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(app)
        screen = await compare_screen(app)
        await round_ends(screen)
        a, b = screen.panes
        assert a.installed is False and a.last_turn is None
        assert b.last_turn is not None and b.last_turn.status is TurnStatus.DONE and QWEN in b.last_turn.reply
        # The pane says so, and the strip says why A has no figures.
        await wait_until(
            lambda: (
                "not installed" in (text := screen_text(app))
                and "F7 pulls it" in text
                and "(not sent)" in text
            ),
            what="the missing model's messages",
        )
        await pilot.press("f7")
        await wait_until(lambda: a.installed is True, timeout=15, what="the pull to finish and A to be ready")
        assert sim.store.find(missing) is not None
        await send(pilot, screen, "now both")
        await round_ends(screen, 2)
        assert a.last_turn is not None and missing in a.last_turn.reply


def h100_app(sim: Simulator, compare: tuple[str, str, str | None], **config: object) -> GlmTuiApp:
    """80 GiB of (scripted) VRAM, so two models fit together and the run mode is parallel."""
    sim.store.vram_bytes = 80 * GIB
    h100 = ScriptedNvml([ScriptedGpu(name="NVIDIA H100 80GB HBM3", memory_total=80 * GIB, memory_used=GIB)])
    return make_app(sim.url, model=GLM, sampler=scripted_sampler(h100), compare=compare, **config)


async def test_one_pane_dropping_leaves_the_other_streaming(sim: Simulator) -> None:
    sim.rate = 300.0
    sim.inject(Fault("drop", after_tokens=30, model=GLM))
    app = h100_app(sim, (GLM, GPT, "tell me something"))
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(app)
        screen = await compare_screen(app)
        assert screen.sides.mode == "parallel"
        await round_ends(screen)
        a, b = turns(screen)
        assert a.status is TurnStatus.FAILED and (a.thinking or a.reply)  # A's partial text is kept
        assert b.status is TurnStatus.DONE and b.stats.final and GPT in b.reply
        live_a, live_b = (pane.live for pane in screen.panes)
        assert (
            live_a and live_b and (live_b.last_token_at or 0) > (live_a.last_token_at or 0) + 0.2
        )  # B went on
        await wait_until(
            lambda: "dropped" in (text := screen_text(app)).lower() and "(failed)" in text,
            what="A's error in its pane and the strip",
        )
        await send(pilot, screen, "again")
        await round_ends(screen, 2)
        assert all(t.status is TurnStatus.DONE for t in turns(screen))


async def test_escape_stops_both_and_f8_only_the_focused_pane(sim: Simulator) -> None:
    hold_replies(sim, 4, model=GPT)  # both rounds' replies, until stopped
    app = h100_app(sim, (GPT, GPT, None), stall_timeout=HELD_S)
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(app)
        screen = await compare_screen(app)
        await wait_until(lambda: "same model on both sides" in screen_text(app), what="the same-model label")
        await send(pilot, screen, "slow one")
        await wait_until(
            lambda: all(p.live and p.live.tokens > 3 for p in screen.panes), what="both streaming"
        )
        screen.pane("b").chat.log_view.focus()
        await pilot.pause()
        assert screen.active == "b"
        await pilot.press("f8")
        await wait_until(lambda: turns(screen)[1].status is TurnStatus.STOPPED, what="B to stop")
        assert turns(screen)[0].status is TurnStatus.STREAMING
        await pilot.press("escape")
        await round_ends(screen)
        first = turns(screen)[0]
        assert first.status is TurnStatus.STOPPED and (first.reply or first.thinking)
        # Esc with both streaming stops both.
        screen.query_one(PromptInput).focus()
        await send(pilot, screen, "both this time")
        await wait_until(
            lambda: all(p.live and p.live.tokens > 3 for p in screen.panes), what="both streaming"
        )
        await pilot.press("escape")
        await round_ends(screen, 2)
        assert all(t.status is TurnStatus.STOPPED for t in turns(screen))
        assert isinstance(app.screen, CompareScreen)  # Esc stopped; it did not leave
        await pilot.press("escape")
        await wait_until(lambda: isinstance(app.screen, ChatScreen), what="back to the chat")
        await pilot.press("f5")
        await wait_until(lambda: app.screen is screen, what="the same comparison again")
        assert len(screen.run.rounds) == 2


async def test_escape_in_sequential_mode_never_starts_the_queued_pane(sim: Simulator) -> None:
    hold_replies(sim, model=GLM)
    app = make_app(sim.url, model=GLM, compare=(GLM, GPT, None), stall_timeout=HELD_S)
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(app)
        screen = await compare_screen(app)
        assert screen.sides.mode == "sequential"
        await send(pilot, screen, "one then the other")
        await wait_until(
            lambda: (live := screen.pane("a").live) is not None and live.tokens > 3, what="A streaming"
        )
        assert screen.pane("b").chat.is_queued and "queued" in screen.pane("b").title_text()
        await pilot.press("escape")
        await round_ends(screen)
        a, b = turns(screen)
        assert a.status is TurnStatus.STOPPED and b.status is TurnStatus.STOPPED and not b.reply
        await pilot.pause(0.3)  # a window for a wrong request to go out: load only makes it pass sooner
        assert [body["model"] for body in chat_requests(sim)] == [GLM]  # B's prompt never went out


async def test_blind_vote_is_saved_and_reveals_the_models(sim: Simulator) -> None:
    app = make_app(sim.url, model=GLM, compare=(GLM, QWEN, None))
    app.compare_rng = random.Random(1)  # its first draw is < 0.5: the sides are swapped
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(app)
        screen = await compare_screen(app)
        await pilot.press("ctrl+b")
        assert screen.run.blind and not screen.run.revealed
        assert (screen.pane("a").model, screen.pane("b").model) == (QWEN, GLM)  # shuffled
        await send(pilot, screen, "which is better?")
        await round_ends(screen)
        await wait_until(
            lambda: all("hidden" in screen.pane(side).title_text() for side in "ab"),
            what="both titles hidden",
        )
        for side in "ab":
            title = screen.pane(side).title_text()
            assert "hidden" in title and GLM not in title and QWEN not in title
        # The strip names neither model (the replies may: the simulator's begin with their model).
        await wait_until(lambda: "eval rate" in screen_text(app), what="the strip's figures")
        rows = [line for line in screen_text(app).splitlines() if "eval rate" in line or "this round" in line]
        assert rows and not any(GLM in row or QWEN in row for row in rows), rows
        await pilot.press("f6")
        await wait_until(lambda: isinstance(app.screen, VoteScreen), what="the vote dialog")
        await pilot.press("b")
        await wait_until(lambda: screen.run.vote == "b", what="the vote")
        assert app.compare_votes[-1] == VoteRecord(
            QWEN, GLM, "b", 1, app.compare_votes[-1].at, "localhost", "localhost"
        )
        await wait_until(
            lambda: GLM in (text := screen_text(app)) and QWEN in text and "1 vote(s)" in text,
            what="the models revealed and the vote summary",
        )
        # The run and its vote are in the store.
        await wait_until(
            lambda: app.journal.store.votes() == [(QWEN, GLM, "b", 1, "localhost", "localhost")],  # type: ignore[union-attr]
            what="the vote saved",
        )


async def test_compare_waits_for_ollama_and_keeps_the_prompt(sim: Simulator) -> None:
    url, port = sim.url, sim.port
    sim.stop()
    app = make_app(url, model=GLM, compare=(GLM, GPT, "kept for later"))
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_until(
            lambda: isinstance(app.screen, CompareScreen) and app.screen.query(PromptInput),
            what="the compare screen",
        )
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        screen.connect_wait_s = 0.3
        await wait_until(
            lambda: screen.query_one(PromptInput).text == "kept for later", what="the prompt kept"
        )
        await wait_until(lambda: "not answering" in screen_text(app), what="the panes saying so")
        assert not screen.ready
        revived = Simulator(port=port, rate=2000.0, load_seconds=0.05).start()
        try:
            await wait_until(lambda: screen.ready, timeout=15, what="ready once Ollama is back")
            await pilot.press("enter")
            await round_ends(screen)
            assert all(t.status is TurnStatus.DONE for t in turns(screen))
        finally:
            revived.stop()


async def test_markup_in_a_model_name_is_shown_as_text(sim: Simulator) -> None:
    app = make_app(sim.url, model=GLM, compare=("odd[/]name[b]", QWEN, "hello"))
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(app)
        screen = await compare_screen(app)
        await round_ends(screen)
        await wait_until(lambda: "A odd[/]name[b]" in screen_text(app), what="the name in the strip header")
        app.notify("Ollama said: [/] and [bold]")  # plain text, never markup (this crashed Textual before)
        await pilot.pause()


async def test_export_has_both_transcripts_and_the_table(
    sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = make_app(sim.url, model=GLM, compare=(GLM, GPT, "Write a binary search in Rust"))
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(app)
        screen = await compare_screen(app)
        await round_ends(screen)
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_until(lambda: list(tmp_path.glob("glmtui-compare-*.md")), what="the export file")
        text = next(tmp_path.glob("glmtui-compare-*.md")).read_text()
        a, b = turns(screen)
        assert a.reply.strip()[:200] in text and b.reply.strip()[:200] in text
        assert f"### A · {GLM} · think on" in text and f"### B · {GPT} · think medium" in text
        assert "| eval rate |" in text and "| TTFT |" in text and "> Write a binary search in Rust" in text


@pytest.mark.parametrize("size", [(100, 30), (80, 24)])
async def test_a_narrow_terminal_stacks_the_panes(sim: Simulator, size: tuple[int, int]) -> None:
    app = make_app(sim.url, model=GLM, compare=(GLM, GPT, "hi"))
    async with app.run_test(size=size):
        await ready(app)
        screen = await compare_screen(app)
        await round_ends(screen)
        await wait_until(lambda: all(pane.region.height for pane in screen.panes), what="both panes laid out")
        a, b = screen.panes
        assert a.region.x == b.region.x and b.region.y > a.region.y  # B under A
        assert a.region.height >= 5 and b.region.height >= 5
        assert screen.query_one(PromptInput).region.height >= 1
        await wait_until(
            lambda: (
                "A  glm-4.7-flash" in (text := screen_text(app))
                and "B  gpt-oss" in text
                and "eval rate" in text
            ),
            what="both titles and the strip on screen",
        )


CHAT_ONLY = {
    "Regenerate",
    "Edit prompt",
    "Previous branch",
    "Next branch",
    "Preset…",
    "Chat options…",
    "Attach file…",
    PreservedThinking.TITLE,
}


def palette_titles(app: GlmTuiApp) -> set[str]:
    """The palette's entries over the screen shown (what Textual's system commands provider lists)."""
    return {command.title for command in app.get_system_commands(app.screen)}


async def test_side_by_side_from_120_columns_and_the_palette_opens_it(sim: Simulator) -> None:
    app = make_app(sim.url, model=GLM)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        assert palette_titles(app) >= CHAT_ONLY  # over the chat: its own entries are listed
        await palette(pilot, "Compare models")
        screen = await compare_screen(app)
        a, b = screen.panes
        assert isinstance(a, ComparePane) and a.region.y == b.region.y and b.region.x > a.region.x
        # Defaults: A is the chat's model, B the next installed one.
        assert a.model == GLM and b.model == GPT
        # Over the compare screen the chat's entries would act on the chat hidden beneath: not listed.
        titles = palette_titles(app)
        assert not CHAT_ONLY & titles and {"Compare models", "New chat", "Switch model"} <= titles


async def test_same_model_cold_in_sequence_does_not_crown_b_for_a_load(sim: Simulator) -> None:
    # The case: one model both sides, one after the other, not yet in memory. A pays the load.
    sim.load_seconds = 0.6
    app = make_app(sim.url, model=GLM, compare=(GLM, GLM, None))
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(app)
        screen = await compare_screen(app)
        if screen.sides.mode == "parallel":
            await pilot.press("ctrl+r")  # one copy would serve both at once: ask for one after the other
        assert screen.sides.mode == "sequential"
        await send(pilot, screen, "hello")
        await round_ends(screen)
        a, b = turns(screen)
        assert (a.stats.load_s or 0) >= 0.5 and (b.stats.load_s or 1) < 0.05  # A loaded, B found it loaded
        rows = {m.label: m for m in round_metrics(screen.run.rounds[0])}
        assert rows["TTFT"].better is None and rows["TTFT"].verdict == "includes A's load"
        assert rows["TTFT − load"].verdict != "" and rows["load time"].verdict == "B was already loaded"
        await wait_until(
            lambda: "TTFT − load" in (text := screen_text(app)) and "includes A's load" in text,
            what="TTFT without the load, and why the TTFT has no verdict",
        )
        ttft_line = next(line for line in screen_text(app).splitlines() if "TTFT " in line and "load" in line)
        assert "sooner" not in ttft_line.split("TTFT − load")[0]
        await pilot.pause()


async def test_the_session_columns_never_squeeze_out_the_row_labels_at_120_columns(sim: Simulator) -> None:
    # The tester's case: at 120 columns the second round's session columns took the labels' room.
    app = make_app(sim.url, model=GLM, compare=(GLM, GPT, None))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        screen = await compare_screen(app)
        for count in (1, 2):
            await send(pilot, screen, f"hello {count}")
            await round_ends(screen, count)
        await wait_until(lambda: "session (2" in screen_text(app), what="the session's figures")
        lines = screen_text(app).splitlines()
        assert any(f"A {GLM}" in line and f"B {GPT}" in line for line in lines)  # headers whole
        # The strip's rows with rates (the panes' titles, which show rates too, end at the divider ▕).
        figures = [line for line in lines if "tok/s" in line and "▕" not in line]
        assert len(figures) >= 2 and all(
            any(label in line for label in ("eval rate", "prompt eval", "session (2")) for line in figures
        ), figures
        # Wider, the session gets its own columns again, verdicts and all.
        await pilot.resize_terminal(180, 40)
        await wait_until(lambda: "session (2 rounds)" in screen_text(app), what="the session's columns")
        assert any("eval rate" in line and line.count("tok/s") == 4 for line in screen_text(app).splitlines())


async def test_blank_lines_around_a_compare_prompt_are_not_sent(sim: Simulator) -> None:
    app = make_app(sim.url, model=GLM, compare=(GLM, GPT, None))
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(app)
        screen = await compare_screen(app)
        await pilot.press("ctrl+j", "ctrl+j", "enter")  # only blank lines: nothing sent
        await send(pilot, screen, "\n \n  indented\n\nsecond\n\n")
        await round_ends(screen)
        assert screen.run.rounds[0].prompt == "  indented\n\nsecond"
        assert {body["messages"][-1]["content"] for body in chat_requests(sim)} == {"  indented\n\nsecond"}


async def test_a_model_that_needs_a_newer_ollama_is_not_pulled_from_compare(
    sim: Simulator, tmp_path: Path
) -> None:
    from glmtui.screens.models import ModelsScreen
    from tests.helpers import future_catalog

    future = "future-model:q4_K_M"
    app = make_app(sim.url, model=GLM, compare=(future, QWEN, None))
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await ready(app)
        screen = await compare_screen(app)
        await wait_until(lambda: screen.panes[0].installed is False, what="A to be found missing")
        screen.catalog = future_catalog(tmp_path)
        await pilot.press("f7")
        await wait_until(
            lambda: "update Ollama first" in " ".join(screen_text(app).split()), what="the refusal"
        )
        assert not [p for _, p, _ in sim.requests if p == "/api/pull"]
        # Its model picker answers from the same catalogue (the models flow tests the gate there).
        await pilot.press("f4")
        await wait_until(lambda: isinstance(app.screen, ModelsScreen), what="the picker")
        assert app.screen.catalog is screen.catalog  # type: ignore[attr-defined]
