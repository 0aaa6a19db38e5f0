"""Keys: a [keymap] rebinding works, F1 lists the screen's keys with ids, Ctrl+G copies, 80×24 fits."""

from __future__ import annotations

from glmtui.core.state import TurnStatus
from glmtui.keys import binding_ids, check_keymap, key_problem, normalize_key
from glmtui.screens.dialogs.copy import CopyScreen, code_blocks
from glmtui.screens.dialogs.problems import ProblemsScreen
from glmtui.screens.help import HelpScreen
from glmtui.simulator import Simulator
from glmtui.widgets.monitor.sidebar import MonitorSidebar
from glmtui.widgets.prompt_input import PromptInput
from glmtui.widgets.status_bar import StatusBar
from tests.helpers import (
    HELD_S,
    finished,
    hold_replies,
    make_app,
    palette,
    palette_highlighted,
    pane,
    ready,
    screen_text,
    send,
    wait_until,
)

GLM = "glm-4.7-flash:latest"


def test_every_binding_has_an_id_and_every_id_can_be_rebound() -> None:
    """Every Binding in glmtui's screens and widgets has an id, unique, and known to the keymap."""
    import importlib
    import pkgutil

    from textual.binding import Binding

    import glmtui.screens
    import glmtui.widgets

    ids = binding_ids()
    seen: dict[str, str] = {}
    for package in (glmtui.screens, glmtui.widgets):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            module = importlib.import_module(info.name)
            for owner in vars(module).values():
                if not isinstance(owner, type) or owner.__module__ != module.__name__:
                    continue
                for binding in owner.__dict__.get("BINDINGS", []):
                    if isinstance(binding, Binding):
                        where = f"{owner.__name__} {binding.key}"
                        assert binding.id, f"{where} has no id"
                        assert seen.setdefault(binding.id, where) == where, f"id {binding.id} used twice"
                        assert binding.id in ids, f"{binding.id} ({where}) cannot be rebound"


async def test_keymap_rebinds_stop_and_unknown_ids_are_reported(sim: Simulator) -> None:
    hold_replies(sim)
    app = make_app(
        sim.url, model=GLM, keymap={"stop-reply": "f10", "no-such-binding": "f12"}, stall_timeout=HELD_S
    )
    assert any("no-such-binding" in problem for problem in app.problems)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        turn = await send(pilot, "stop me with f10")
        await wait_until(
            lambda: (
                (view := pane(app).current_view) is not None
                and view.live is not None
                and view.live.tokens > 3
            ),
            what="tokens",
        )
        await pilot.press("escape")  # no longer bound to stop
        await pilot.pause(0.2)  # a window in which a wrong stop would land: load only makes it pass sooner
        assert turn.status is TurnStatus.STREAMING
        await pilot.press("f10")
        await finished(turn)
        assert turn.status is TurnStatus.STOPPED


async def test_f1_lists_the_keys_of_the_screen_with_their_ids(sim: Simulator) -> None:
    app = make_app(sim.url, model=GLM)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        await pilot.press("f1")
        await wait_until(lambda: isinstance(app.screen, HelpScreen), what="the help")
        await wait_until(
            lambda: (
                "Keys: Chat" in (text := screen_text(app))
                and "open-compare" in text
                and "Stop reply" in text
                and "stop-reply" in text
            ),
            what="the keys with their ids",
        )
        await pilot.press("escape")
        await wait_until(lambda: not isinstance(app.screen, HelpScreen), what="help closed")


async def test_ctrl_g_copies_the_reply_or_a_code_block(sim: Simulator) -> None:
    app = make_app(sim.url, model=GLM)
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign]  # what OSC 52 would carry
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        turn = await finished(await send(pilot, "Write a binary search in Rust"))
        await pilot.press("ctrl+g")
        await wait_until(lambda: isinstance(app.screen, CopyScreen), what="the copy list")
        await pilot.press("down")
        await pilot.press("enter")
        await wait_until(lambda: copied, what="the copy")
        assert copied[0] == code_blocks(turn.reply)[0][1] and "fn binary_search" in copied[0]


def test_code_blocks_are_found_with_their_language() -> None:
    text = "intro\n```rust\nfn a() {}\n```\nmid\n~~~\nplain\n~~~\n"
    assert code_blocks(text) == [("rust", "fn a() {}\n"), ("", "plain\n")]


async def test_the_chat_is_usable_at_80x24(sim: Simulator) -> None:
    app = make_app(sim.url, model=GLM)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app)
        await finished(await send(pilot, "hello at 80 columns"))
        screen = app.screen
        sidebar = screen.query_one(MonitorSidebar)
        await wait_until(lambda: sidebar.region.width == 28, what="the compact monitor laid out")
        assert sidebar.region.width == 28  # compact monitor beside the chat
        prompt = screen.query_one(PromptInput).region
        assert prompt.height >= 1 and prompt.bottom <= 23 and screen.query_one(StatusBar).region.y == 22
        assert pane(app).region.width >= 48 and pane(app).region.height >= 12
        await wait_until(lambda: "tok/s" in screen_text(app), what="the figures on screen")


async def test_low_bandwidth_mode_turns_animation_off(sim: Simulator) -> None:
    app = make_app(sim.url, model=GLM, low_bandwidth=True)
    assert app.animation_level == "none"
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(app)
        assert (await finished(await send(pilot, "hi"))).status is TurnStatus.DONE


def test_no_color_is_respected(sim: Simulator, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("NO_COLOR", "1")
    assert make_app(sim.url, model=GLM).no_color  # Textual then renders in monochrome


async def test_a_theme_picked_is_remembered_for_the_next_run(sim: Simulator) -> None:
    app = make_app(sim.url, model=GLM)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(app)
        await palette(pilot, "Change theme")
        await wait_until(lambda: palette_highlighted(app) != "", what="the theme picker")
        for char in "glmtui-light":
            await pilot.press(char if char != "-" else "minus")
        await wait_until(lambda: palette_highlighted(app).startswith("glmtui-light"), what="the light theme")
        await pilot.press("enter")
        await wait_until(lambda: app.theme == "glmtui-light", what="the theme to change")
        await wait_until(
            lambda: app.journal.store.get_setting("theme") == "glmtui-light",  # type: ignore[union-attr]
            what="the choice saved",
        )
    again = make_app(sim.url, model=GLM)
    assert again.theme == "glmtui-light"


def test_keymap_ids_no_binding_has_are_named_with_file_and_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "config.toml"
    path.write_text('[keymap]\nstop-reply = "f10"\nno-such-thing = "f10"\n')
    applied, (problem,) = check_keymap({"stop-reply": "f10", "no-such-thing": "f10"}, path)
    assert applied == {"stop-reply": "f10"} and problem.startswith(f"{path}:3: keymap.no-such-thing:")


def test_key_names_textual_never_produces_are_refused_and_the_default_kept(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "config.toml"
    path.write_text('[keymap]\nstop-reply = "not_a_key,,ctrl+"\nopen-models = "f25"\ncycle-think = "foo+t"\n')
    keymap = {"stop-reply": "not_a_key,,ctrl+", "open-models": "f25", "cycle-think": "foo+t"}
    applied, problems = check_keymap(keymap, path)
    assert applied == {}
    assert [p.split(": ")[0] for p in problems] == [f"{path}:2", f"{path}:3", f"{path}:4"]
    assert "keymap.stop-reply" in problems[0] and "keeping escape" in problems[0]
    for good in ("escape", "f24", "ctrl+shift+up", "equals_sign", "minus", "é", "A", "super+k", "newline"):
        assert key_problem(good) is None, good
    for bad in ("", "ctrl+", "not_a_key", "f25", "ctrl+ctrl+a", "foo+a", "<any>"):
        assert key_problem(bad) is not None, bad


def test_a_key_another_binding_has_on_the_same_screen_is_refused_naming_both() -> None:
    applied, (problem,) = check_keymap({"new-chat": "ctrl+q"})
    assert (
        applied == {} and "keymap.new-chat" in problem and "quit" in problem and "keeping ctrl+n" in problem
    )
    # Textual's own Ctrl+Q is always active: on screens without a glmtui quit binding too.
    assert check_keymap({"history-export": "ctrl+q"})[0] == {}
    # Both rebound to one key: the later one gives way; a swap is no clash; other screens don't clash.
    applied, (problem,) = check_keymap({"new-chat": "f10", "cycle-think": "f10"})
    assert applied == {"new-chat": "f10"} and "keymap.cycle-think" in problem and "new-chat" in problem
    assert check_keymap({"new-chat": "ctrl+t", "cycle-think": "ctrl+n"}) == (
        {"new-chat": "ctrl+t", "cycle-think": "ctrl+n"},
        [],
    )
    assert check_keymap({"models-delete": "ctrl+n", "stop-reply": "ctrl+c,f10"})[1] == []
    # A widget's key is live with its screen's: the prompt's newline on F5 would hide Compare.
    assert "open-compare" in check_keymap({"prompt-newline": "f5"})[1][0]


async def test_a_bad_keymap_keeps_esc_and_the_placeholder_shows_the_keys_bound(sim: Simulator) -> None:
    hold_replies(sim)
    keymap = {"stop-reply": "not_a_key,,ctrl+", "new-chat": "ctrl+q"}
    app = make_app(sim.url, model=GLM, keymap=keymap, stall_timeout=HELD_S)
    assert len(app.problems) == 2 and app.config.keymap == {}
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app)
        assert "Esc stops" in str(app.screen.query_one(PromptInput).placeholder)
        turn = await send(pilot, "stop me with escape")
        await wait_until(
            lambda: (v := pane(app).current_view) is not None and v.live is not None, what="a reply"
        )
        await pilot.press("escape")
        await finished(turn)
        assert turn.status is TurnStatus.STOPPED
    rebound = make_app(sim.url, model=GLM, keymap={"stop-reply": "f10", "prompt-newline": "ctrl+k"})
    async with rebound.run_test(size=(120, 40)):
        await ready(rebound)
        placeholder = str(rebound.screen.query_one(PromptInput).placeholder)
        assert "F10 stops" in placeholder and "Ctrl+K newline" in placeholder


async def test_many_problems_at_start_are_one_toast_and_a_list(sim: Simulator) -> None:
    keymap = {f"no-such-{n}": "f9" for n in range(5)}
    app = make_app(sim.url, model=GLM, keymap=keymap)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await ready(app)
        await wait_until(lambda: "5 problems at start" in screen_text(app), what="the summary toast")
        assert len(app.screen.query("Toast")) == 1 and "no-such-4" not in screen_text(app)  # not five
        await palette(pilot, "Show start-up problems")
        await wait_until(lambda: isinstance(app.screen, ProblemsScreen), what="the list")
        await wait_until(lambda: all(f"no-such-{n}" in screen_text(app) for n in range(5)), what="all five")
        await pilot.press("escape")
        await wait_until(lambda: not isinstance(app.screen, ProblemsScreen), what="the list closed")


def test_key_names_are_read_case_insensitively_but_a_lone_character_keeps_its_case(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "config.toml"
    path.write_text('[keymap]\nopen-models = "F11"\nnew-chat = "Ctrl+Y"\nstop-reply = "Escape,F10"\n')
    keymap = {"open-models": "F11", "new-chat": "Ctrl+Y", "stop-reply": "Escape,F10"}
    applied, problems = check_keymap(keymap, path)
    assert problems == []
    assert applied == {"open-models": "f11", "new-chat": "ctrl+y", "stop-reply": "escape,f10"}
    for good in ("F4", "Ctrl+Shift+Up", "Equals_Sign", "SUPER+k", "ctrl+K"):
        assert key_problem(good) is None, good
    assert normalize_key("A") == "A" and normalize_key("shift+A") == "shift+A"  # Shift+a is not a
    assert normalize_key("Ctrl+S") == "ctrl+s" and normalize_key("Alt+é") == "alt+é"
    assert key_problem("F25") is not None and key_problem("Foo+t") is not None
