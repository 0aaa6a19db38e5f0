"""Pilot flows for the model switcher against the simulator: switch, pull, fail, cancel, delete."""

from __future__ import annotations

import time

from glmtui.core.fit import largest_context, need_for
from glmtui.core.server_settings import ServerSettings, context_ollama_uses, modelfile_num_ctx
from glmtui.screens.chat import ChatScreen
from glmtui.screens.dialogs.confirm import ConfirmScreen
from glmtui.screens.models import ModelsScreen
from glmtui.simulator import Simulator
from glmtui.widgets.header import AppHeader
from glmtui.widgets.model_details import ModelDetailsView
from tests.helpers import (
    chat_requests,
    finished,
    future_catalog,
    job,
    make_app,
    open_models,
    palette,
    pane,
    pull_ends,
    ready,
    row_keys,
    screen_text,
    select,
    send,
    table,
    typed,
    wait_until,
)


async def test_switch_model_and_the_next_reply_comes_from_it(sim: Simulator) -> None:
    app = make_app(sim.url, model="glm-4.7-flash:latest")
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(app)
        first = await finished(await send(pilot, "hello there"))
        screen = await open_models(pilot)
        assert row_keys(screen, "installed") == ["glm-4.7-flash:latest", "gpt-oss:20b", "qwen3-coder:30b"]
        text = screen_text(app)
        assert "think tools" in text and "202,752" in text and "fits" in text
        # [ and ] pick the context the fit assumes (they never reach the filter box). The first press
        # steps from the context Ollama would use, which follows the simulator's version.
        await pilot.press("right_square_bracket")
        assert screen.context is not None
        while screen.context != 32768:
            await pilot.press("right_square_bracket" if screen.context < 32768 else "left_square_bracket")
        # qwen3-coder: +3 GiB KV cache, +0.3 GiB graph
        assert screen.context == 32768 and "fits 20.6/24 GiB" in screen_text(app)
        assert screen.query_one("#models-filter").value == ""  # type: ignore[attr-defined]
        await select(pilot, screen, "installed", "gpt-oss:20b")
        await pilot.press("enter")
        await wait_until(lambda: isinstance(app.screen, ChatScreen), what="back to the chat")
        assert app.model == "gpt-oss:20b"
        assert "gpt-oss:20b" in str(app.screen.query_one(AppHeader).render())
        second = await finished(await send(pilot, "and now?"))
        assert "gpt-oss:20b" in second.reply and second.model == "gpt-oss:20b"
        messages = chat_requests(sim)[-1]["messages"]
        assert messages[0]["content"] == "hello there" and messages[1]["content"] == first.reply


async def test_pull_a_variant_with_progress_then_switch_to_it(sim: Simulator) -> None:
    sim.pull_seconds = 60.0  # still pulling however long a loaded machine takes to show the progress
    app = make_app(sim.url, model="glm-4.7-flash:latest")
    seen: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        app.pulls_signal.subscribe(
            app, lambda jobs: seen.extend(j.fraction or 0 for j in jobs if j.state == "pulling")
        )
        screen = await open_models(pilot)
        await typed(pilot, screen, "q8")
        await select(pilot, screen, "catalogue", "glm-4.7-flash:q8_0")
        await pilot.press("enter")
        await wait_until(
            lambda: (
                "⤓ glm-4.7-flash:q8_0" in (text := screen_text(app))
                and "MB/s" in text
                and "ETA" in text
                and "GB/" in text
            ),
            what="the progress line with bytes, speed and ETA",
        )
        sim.pull_seconds = 0.3  # seen: the rest of the download at once
        done = await pull_ends(app, "glm-4.7-flash:q8_0")
        assert done.state == "done"
        # Progress went up in steps, and one bar covered all the layers' bytes.
        assert any(0 < fraction < 1 for fraction in seen) and seen == sorted(seen)
        await wait_until(
            lambda: "glm-4.7-flash:q8_0" in [m.name for m in screen.models], what="the list refresh"
        )
        await wait_until(lambda: isinstance(app.screen, ConfirmScreen), what="the offer to switch")
        await pilot.press("y")
        await wait_until(lambda: app.model == "glm-4.7-flash:q8_0", what="the switch")
        assert sim.store.find("glm-4.7-flash:q8_0") is not None


async def test_pull_an_unknown_tag_says_so(sim: Simulator) -> None:
    app = make_app(sim.url, model="glm-4.7-flash:latest")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        screen = await open_models(pilot, key="f4")
        await pilot.press("tab")
        await typed(pilot, screen, "glm-4.7-flash:q3_nope")
        await pilot.press("enter")
        failed = await pull_ends(app, "glm-4.7-flash:q3_nope")
        assert failed.state == "failed"
        assert failed.error is not None and "pull model manifest: file does not exist" in failed.error
        await wait_until(lambda: "not on the registry" in screen_text(app), what="the failure line")


async def test_a_malformed_name_is_refused_before_sending(sim: Simulator) -> None:
    app = make_app(sim.url, model="glm-4.7-flash:latest")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        screen = await open_models(pilot)
        await pilot.press("tab")
        await typed(pilot, screen, "glm 4.7:q8 x")
        await pilot.press("enter")
        await pilot.pause()
        assert job(app, "glm 4.7:q8 x") is None
        assert not [path for _, path, _ in sim.requests if path == "/api/pull"]


async def test_dropped_pull_says_so_and_pulling_again_resumes(sim: Simulator) -> None:
    from glmtui.simulator.catalogue import SPECS
    from glmtui.simulator.faults import Fault

    sim.pull_seconds = 1.0
    weights = SPECS["glm-4.7-flash:q8_0"].layers[0]
    sim.inject(Fault("drop", after_tokens=6))
    app = make_app(sim.url, model="glm-4.7-flash:latest")
    async with app.run_test(size=(120, 40)):
        await ready(app)
        assert app.pulls.request("glm-4.7-flash:q8_0") is None
        failed = await pull_ends(app, "glm-4.7-flash:q8_0")
        assert failed.state == "failed" and failed.error is not None and "dropped" in failed.error
        assert "resume" in failed.hint
        complete, kept = sim.store.blob_progress(weights.digest)
        assert not complete and 0 < kept < weights.size  # Ollama keeps the partial download
        assert app.pulls.request("glm-4.7-flash:q8_0") is None
        assert (await pull_ends(app, "glm-4.7-flash:q8_0")).state == "done"


async def test_ollama_errors_are_shown_verbatim(sim: Simulator) -> None:
    from glmtui.simulator.faults import Fault

    disk = "write /root/.ollama/models/blobs/sha256-9b1c-partial: no space left on device"
    sim.inject(Fault("error", after_tokens=4, message=disk))
    app = make_app(sim.url, model="glm-4.7-flash:latest")
    async with app.run_test(size=(120, 40)):
        await ready(app)
        app.pulls.request("gpt-oss:120b")
        failed = await pull_ends(app, "gpt-oss:120b")
        assert failed.state == "failed" and failed.error is not None and disk in failed.error


async def test_cancel_a_pull_and_queue_several(sim: Simulator) -> None:
    sim.pull_seconds = 30.0  # slow enough to cancel mid-way
    app = make_app(sim.url, model="glm-4.7-flash:latest")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        feed = app.pulls
        assert feed.request("glm-4.7-flash:q8_0") is None
        assert feed.request("glm-4.7-flash:bf16") is None
        assert feed.request("glm-4.7-flash:q8_0") is not None  # already queued: refused, not doubled
        await wait_until(
            lambda: (j := job(app, "glm-4.7-flash:q8_0")) is not None and j.completed > 0,
            what="bytes to arrive",
        )
        assert job(app, "glm-4.7-flash:bf16").state == "queued"  # type: ignore[union-attr]
        # Back in the chat the status bar shows the pull.
        from glmtui.widgets.status_bar import StatusBar

        await wait_until(
            lambda: "⤓ glm-4.7-flash:q8_0" in str(app.screen.query_one(StatusBar).render()),
            what="the status bar",
        )
        assert "(+1 queued)" in str(app.screen.query_one(StatusBar).render())
        screen = await open_models(pilot)
        await pilot.press("ctrl+x")  # the running pull
        assert (await pull_ends(app, "glm-4.7-flash:q8_0")).state == "cancelled"
        await wait_until(lambda: job(app, "glm-4.7-flash:bf16").state == "pulling", what="the next pull")  # type: ignore[union-attr]
        assert feed.cancel("glm-4.7-flash:bf16")
        assert (await pull_ends(app, "glm-4.7-flash:bf16")).state == "cancelled"
        assert sim.store.find("glm-4.7-flash:q8_0") is None and sim.store.find("glm-4.7-flash:bf16") is None
        assert "cancelled" in screen_text(app)
        assert screen is app.screen


async def test_delete_asks_first_and_warns_about_the_model_in_use(sim: Simulator) -> None:
    app = make_app(sim.url, model="qwen3-coder:30b")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        await finished(await send(pilot, "load it"))  # now loaded and in use
        screen = await open_models(pilot)
        await select(pilot, screen, "installed", "qwen3-coder:30b")
        await pilot.press("ctrl+d")
        await wait_until(lambda: isinstance(app.screen, ConfirmScreen), what="the confirmation")
        text = screen_text(app)
        assert (
            "Delete qwen3-coder:30b?" in text and "this chat's model" in text and "loaded in memory" in text
        )
        await pilot.press("enter")  # the focused button is Cancel: a stray Enter deletes nothing
        await wait_until(lambda: app.screen is screen, what="the dialog to close")
        assert sim.store.find("qwen3-coder:30b") is not None
        await pilot.press("ctrl+d")
        await wait_until(lambda: isinstance(app.screen, ConfirmScreen), what="the confirmation")
        await pilot.press("y")
        await wait_until(lambda: "qwen3-coder:30b" not in [m.name for m in screen.models], what="the refresh")
        assert sim.store.find("qwen3-coder:30b") is None


async def test_load_and_unload_from_the_switcher(sim: Simulator) -> None:
    app = make_app(sim.url, model="glm-4.7-flash:latest")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        screen = await open_models(pilot)
        await select(pilot, screen, "installed", "gpt-oss:20b")
        await pilot.press("ctrl+l")
        await wait_until(lambda: "gpt-oss:20b" in screen.loaded, what="the model to load")
        assert [r for r in sim.requests if r[1] == "/api/chat"][-1][2]["messages"] == []
        await wait_until(
            lambda: "●" in str(screen.table.model_rows[screen.table.cursor_row][1][0]), what="the mark"
        )
        await pilot.press("ctrl+u")
        await wait_until(lambda: "gpt-oss:20b" not in screen.loaded, what="the model to unload")


async def test_palette_opens_the_catalogue(sim: Simulator) -> None:
    app = make_app(sim.url, model="glm-4.7-flash:latest")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        await palette(pilot, "Pull model")
        await wait_until(lambda: isinstance(app.screen, ModelsScreen), what="the models screen")
        assert app.screen.tab == "catalogue"  # type: ignore[attr-defined]


async def test_progress_is_published_at_most_ten_times_a_second(sim: Simulator) -> None:
    sim.pull_seconds, sim.pull_progress_s = 1.5, 0.0005  # thousands of progress lines a second
    app = make_app(sim.url, model="glm-4.7-flash:latest")
    async with app.run_test(size=(120, 40)):
        await ready(app)
        feed = app.pulls
        started = time.monotonic()
        feed.request("glm-4.7-flash:bf16")
        assert (await pull_ends(app, "glm-4.7-flash:bf16")).state == "done"
        elapsed = time.monotonic() - started
        # ≤ 10 timed publishes a second, plus one per state change (queued, start, end), whatever the
        # number of lines (the bound scales with how long this machine took, so it is not a timing test).
        assert feed.lines_seen > 300, feed.lines_seen
        assert feed.publishes <= elapsed * 10 + 4, (feed.publishes, feed.lines_seen, elapsed)


async def test_quit_during_a_pull_asks_first_and_ctrl_q_again_quits(sim: Simulator) -> None:
    sim.pull_seconds = 30.0  # still running when we quit
    app = make_app(sim.url, model="glm-4.7-flash:latest")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        assert app.pulls.request("glm-4.7-flash:q8_0") is None
        assert app.pulls.request("glm-4.7-flash:bf16") is None  # a queued one is named too
        await wait_until(lambda: (j := job(app, "glm-4.7-flash:q8_0")) is not None and j.completed > 0)
        await pilot.press("ctrl+q")
        await wait_until(lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        text = " ".join(str(app.screen.query_one("#confirm-text").render()).split())
        assert "Quit and stop pulling?" in text and "glm-4.7-flash:q8_0" in text
        assert (
            "Ollama keeps what was downloaded" in text and "1 queued, not started: glm-4.7-flash:bf16" in text
        )
        await pilot.press("n")  # keep pulling
        await wait_until(lambda: not isinstance(app.screen, ConfirmScreen), what="the dialog to close")
        assert app.return_code is None and job(app, "glm-4.7-flash:q8_0").state == "pulling"  # type: ignore[union-attr]
        await pilot.press("ctrl+q")
        await wait_until(lambda: isinstance(app.screen, ConfirmScreen), what="the question again")
        await pilot.press("ctrl+q")  # again: yes
        await wait_until(lambda: app.return_code is not None, what="the app to quit")


async def test_quit_with_no_pull_does_not_ask(sim: Simulator) -> None:
    app = make_app(sim.url, model="glm-4.7-flash:latest")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        await pilot.press("ctrl+q")
        await wait_until(lambda: app.return_code is not None, what="the app to quit")


async def test_after_switching_models_the_prompt_has_the_focus_and_takes_typing(sim: Simulator) -> None:
    from glmtui.widgets.message import ReplyView
    from glmtui.widgets.prompt_input import PromptInput
    from glmtui.widgets.thinking import ThinkingView

    app = make_app(sim.url, model="glm-4.7-flash:latest")
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(app)
        await finished(await send(pilot, "think about it"))
        toggle = pane(app).query_one(ReplyView).query_one(ThinkingView).query_one("CollapsibleTitle")
        toggle.focus()  # the user clicked the trace's toggle
        await wait_until(lambda: app.focused is toggle, what="the toggle to have the focus")
        screen = await open_models(pilot)
        await select(pilot, screen, "installed", "gpt-oss:20b")
        await pilot.press("enter")
        await wait_until(lambda: isinstance(app.screen, ChatScreen), what="back to the chat")
        assert isinstance(app.focused, PromptInput)
        await pilot.press("o", "k")
        assert app.screen.query_one(PromptInput).text == "ok"
        # Siblings: back from the history and from help, the prompt has it too.
        for key in ("ctrl+o", "f1"):
            toggle.focus()
            await pilot.press(key)
            await wait_until(lambda: not isinstance(app.screen, ChatScreen), what=f"{key}'s screen")
            await pilot.press("escape")
            await wait_until(lambda: isinstance(app.screen, ChatScreen), what="back to the chat")
            assert isinstance(app.focused, PromptInput), key


async def test_switch_model_from_the_palette_clears_an_old_filter(sim: Simulator) -> None:
    app = make_app(sim.url, model="glm-4.7-flash:latest")
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(app)
        screen = await open_models(pilot)
        await typed(pilot, screen, "zzz")
        await wait_until(lambda: row_keys(screen, "installed") == [], what="the filter to empty the list")
        await palette(pilot, "Switch model")
        await wait_until(lambda: app.screen is screen, what="the palette to close")
        assert screen.query_one("#models-filter").value == ""  # type: ignore[attr-defined]
        await wait_until(lambda: len(row_keys(screen, "installed")) == 3, what="the full list")


def details(screen: ModelsScreen) -> str:
    return screen.query_one(ModelDetailsView).plain


async def test_each_model_is_fitted_at_the_context_ollama_will_load_it_at(sim: Simulator) -> None:
    app = make_app(sim.url, model="glm-4.7-flash:latest")
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(app)
        screen = await open_models(pilot)
        await wait_until(lambda: app.server_settings.origin != "", what="the server's settings")
        # No `ollama serve` of ours to read here and no [ollama] in the config: the cache type is unknown.
        assert (
            app.server_settings.cache_type is None and "nothing set in [ollama]" in app.server_settings.origin
        )
        assert "fit at the context Ollama will use ([ ] picks one)" in screen_text(app)
        for name in row_keys(screen, "installed"):
            await select(pilot, screen, "installed", name)
            shown = screen.details[name]
            arch = str(shown.model_info.get("general.architecture", ""))
            # What follows from the version the simulator reports, on the scripted GPU; per model (the
            # cap and the Modelfile's num_ctx are each model's own).
            choice = context_ollama_uses(
                ServerSettings(version=app.server_version),
                screen.machine.gpu_totals,
                max_context=shown.context_length,
                arch=arch,
                modelfile=modelfile_num_ctx(shown.parameters),
            )
            sentence = choice.sentence()
            await wait_until(lambda: sentence in details(screen), what=f"{name}'s sentence")  # noqa: B023
            assert f"at {choice.tokens:,} ctx (f16 assumed)" in details(screen)
            assert "(estimate)" in details(screen)


async def test_the_config_says_what_the_server_was_started_with(sim: Simulator) -> None:
    configured = ServerSettings(context_length=8192, cache_type="q8_0", cache_type_source="config")
    app = make_app(sim.url, model="glm-4.7-flash:latest", ollama=configured)
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(app)
        screen = await open_models(pilot)
        await select(pilot, screen, "installed", "glm-4.7-flash:latest")
        sentence = "Ollama will load this at 8,192 tokens (OLLAMA_CONTEXT_LENGTH)"
        await wait_until(lambda: sentence in details(screen), what="the configured context")
        assert "at 8,192 ctx (q8_0)" in details(screen) and "using [ollama] from the config" in details(
            screen
        )


async def test_largest_context_column_and_picked_versus_auto_context(sim: Simulator) -> None:
    app = make_app(sim.url, model="glm-4.7-flash:latest")
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(app)
        screen = await open_models(pilot)
        await wait_until(lambda: app.server_settings.origin != "", what="the server's settings")
        assert "max ctx (est.)" in screen_text(app) and "VRAM fit (est.)" in screen_text(app)
        cells = {key: cells[4].plain for key, cells in table(screen, "installed").model_rows}
        settings = app.server_settings
        for model in screen.models:
            shown = screen.details[model.name]
            largest = largest_context(
                screen.machine, model.size, shown.model_info, None, shown.context_length, settings
            )
            assert largest is not None and shown.context_length is not None
            if largest == shown.context_length:
                assert cells[model.name] == f"all {largest:,}"
                continue
            assert cells[model.name] == f"{largest:,}"
            # It is the largest: 256 tokens more no longer fit wholly on the GPUs.
            usable = screen.machine.usable(settings) or 0
            fits = need_for(model.size, shown.model_info, None, largest, None, settings).total
            more = need_for(model.size, shown.model_info, None, largest + 256, None, settings).total
            assert fits <= usable < more
        assert cells["gpt-oss:20b"] == "all 131,072"  # sliding-window layers: its cache stays small
        assert cells["glm-4.7-flash:latest"] not in ("none", "all 202,752")
        await select(pilot, screen, "installed", "glm-4.7-flash:latest")
        await wait_until(lambda: "largest context wholly on the GPUs" in details(screen), what="the details")
        # ] picks a context for every row; = goes back to the one Ollama will use.
        await pilot.press("right_square_bracket")
        picked = screen.context
        assert picked is not None
        await wait_until(lambda: f"fit at {picked:,} ctx ([ ] changes, = auto)" in screen_text(app))
        assert f"fit at {picked:,} ctx as picked with [ ]" in details(screen)
        await pilot.press("equals_sign")
        assert screen.context is None and screen.query_one("#models-filter").value == ""  # type: ignore[attr-defined]
        await wait_until(lambda: "fit at the context Ollama will use" in screen_text(app))
        # [ below the smallest goes back too.
        await pilot.press("left_square_bracket")
        while screen.context is not None and screen.context > 2048:
            await pilot.press("left_square_bracket")
        assert screen.context == 2048
        await pilot.press("left_square_bracket")
        assert screen.context is None


async def test_a_model_that_needs_a_newer_ollama_says_so_before_pulling_or_switching(
    sim: Simulator, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    catalog = future_catalog(tmp_path)
    app = make_app(sim.url, model="glm-4.7-flash:latest")
    async with app.run_test(size=(140, 40), notifications=True) as pilot:  # the refusal is a toast
        await ready(app)
        screen = ModelsScreen("catalogue", catalog=catalog)
        app.push_screen(screen)
        await wait_until(lambda: len(screen.details) == 3, what="the installed models' details")
        tags = {key: cells[1].plain for key, cells in table(screen, "catalogue").model_rows}
        assert tags["future-model:q4_K_M"] == "future-model:q4_K_M needs 99.0+"
        assert tags["glm-4.7-flash:q8_0"] == "glm-4.7-flash:q8_0"  # no min_ollama: no gate
        await select(pilot, screen, "catalogue", "future-model:q4_K_M")
        why = f"future-model:q4_K_M needs Ollama 99.0 or newer; the server is {app.server_version}"
        assert why in details(screen)
        await pilot.press("enter")
        await wait_until(
            lambda: "update Ollama first" in " ".join(screen_text(app).split()), what="the refusal"
        )
        assert job(app, "future-model:q4_K_M") is None
        assert not [path for _, path, _ in sim.requests if path == "/api/pull"]
        # An installed model whose entry needs a newer server: asked first, Cancel keeps the chat's.
        await select(pilot, screen, "installed", "gpt-oss:20b")
        await pilot.press("enter")
        await wait_until(lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        assert "gpt-oss:20b needs Ollama 99.0 or newer" in screen_text(app)
        await pilot.press("n")
        await wait_until(lambda: app.screen is screen, what="the dialog to close")
        assert app.model == "glm-4.7-flash:latest"
        await pilot.press("enter")
        await wait_until(lambda: isinstance(app.screen, ConfirmScreen), what="the question again")
        await pilot.press("y")
        await wait_until(lambda: app.model == "gpt-oss:20b", what="the switch")
        # A server version not known yet blocks nothing, and the details say what is needed.
        variant = catalog.find("future-model:q4_K_M")
        assert variant is not None and variant.needs_newer(None) is None
