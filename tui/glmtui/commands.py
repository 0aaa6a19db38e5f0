"""The command palette's glmtui entries, and navigation: opening screens and going back to the chat.

A floor above the screens (it imports them) and below `app.py` (which calls it). The palette entries
are yielded with Textual's own system commands (one provider, one sorted list: a second provider
answers concurrently, and the order of the list then changed from run to run); navigation is plain
functions over the `AppSurface`, so the App's intents (`open_models`, `resume`...) are one line each
and no screen ever imports another's opener. The app's other chores (start-up problems, quitting, a pull's
end, the stored votes...) are in app_chores.py.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from textual.screen import Screen

from glmtui.chat_endpoint import installed_on, resumed_endpoint
from glmtui.core.model_names import same_model
from glmtui.core.state import Conversation
from glmtui.screens.chat import ChatScreen
from glmtui.screens.chat_palette import Command, chat_commands
from glmtui.services.compare import CompareRun
from glmtui.services.prompt_sets import PromptSet
from glmtui.services.trace import trace
from glmtui.surface import AppSurface, BusyScreen

if TYPE_CHECKING:
    from glmtui.screens.compare.screen import CompareScreen

# Screens other than the chat are imported when first opened, not on the way to the first frame:
# together they cost ~150 ms of imports at start-up.


def palette_commands(app: AppSurface, screen: Screen[Any] | None = None) -> Iterator[Command]:
    """glmtui's palette entries: (title, help, what it does). Every action glmtui has a key for.

    `screen`: the screen the palette was opened over. The chat's own entries (regenerate, edit,
    branches, preset, options, attach, preserved thinking) are listed only over the chat: from another
    screen they would act on the chat beneath it, unseen."""
    if isinstance(screen, ChatScreen):
        yield from chat_commands(screen)
    yield (
        "Switch model",
        "Installed models: pick one for this chat (F4)",
        lambda: app.open_models("installed"),
    )
    yield (
        "Pull model",
        "The variant catalogue with VRAM fit, or any name:tag",
        lambda: app.open_models("catalogue"),
    )
    yield (
        "Change theme",
        "Pick a theme: dark, light, high contrast, ANSI 16 colours, or yours (remembered for the next run)",
        app.action_change_theme,
    )
    yield (
        "Open history",
        "Saved conversations: search, resume, rename, delete, export (Ctrl+O)",
        app.open_history,
    )
    yield (
        "Show usage",
        "Tokens per day, decode rate over time per model, TTFT distribution, from the saved turns (F8)",
        app.open_usage,
    )
    yield (
        "New chat",
        "Start a new conversation (the current one stays in the history)",
        lambda: app.run_worker(app.new_chat(), exit_on_error=False),
    )
    yield (
        "Copy last reply",
        "The last reply or one of its code blocks, to the clipboard (OSC 52)",
        app.copy_last_reply,
    )
    if app.problems:
        yield (
            "Show start-up problems",
            f"{len(app.problems)} found in the config file, keymap, themes or history, with file:line",
            lambda: show_problems(app),
        )
    yield (
        "Compare models",
        "A/B: one prompt to two models side by side, figures compared (F5)",
        lambda: app.run_worker(app.open_compare(), exit_on_error=False),
    )
    yield (
        "Bench models",
        "Prefill and decode rates, TTFT, load and memory per model and prompt length; earlier runs (F6)",
        app.open_bench,
    )
    yield (
        "Leaderboard",
        "The arena: every blind vote rated, with speed and memory beside each model; past A/B runs (F7)",
        app.open_arena,
    )


# -- navigation ---------------------------------------------------------------------------------


def chat_screen(app: AppSurface) -> ChatScreen:
    """The chat screen: the base of the stack (there while the app runs)."""
    return next(screen for screen in app.screen_stack if isinstance(screen, ChatScreen))


async def back_to(app: AppSurface, screen: Screen[Any]) -> None:
    """Pop screens until `screen` is on top (it must be in the stack)."""
    while app.screen is not screen:
        await app.pop_screen()


T = TypeVar("T")


def busy_screen(app: AppSurface) -> BusyScreen | None:
    """The screen in the stack whose work must not go on unseen (a running bench), or None."""
    return next((s for s in reversed(app.screen_stack) if isinstance(s, BusyScreen) and s.busy_with()), None)


def gate(app: AppSurface, what: str, go: Callable[[], T]) -> T | None:
    """Open another screen (`go`) unless that would cover a screen whose work must not go on unseen:
    then ask first — stop it (what it finished is kept) and open `what`, or stay. The one place every
    navigation over such a screen passes (the palette's entries and the intents), so no screen checks
    it itself. `go`'s result when it ran at once (an awaitable the caller awaits), else None."""
    busy = busy_screen(app)
    if busy is None:
        return go()
    from rich.text import Text

    from glmtui.screens.dialogs.confirm import ConfirmScreen

    question = Text(f"{busy.busy_with()}.\n", style="bold")
    question.append(
        f"It never runs on unseen beneath another screen: anything else on the GPU would spoil its "
        f"figures.\n\nStop it (the finished cells are kept) and open {what}?",
        style="",
    )

    async def answered(stop: bool | None) -> None:
        if not stop or busy is None:
            return
        await busy.stop_busy()
        result = go()
        if inspect.isawaitable(result):
            await result

    app.push_screen(ConfirmScreen(question, yes="Stop it and open", no="Stay", danger=True), answered)
    return None


def show_problems(app: AppSurface) -> None:
    from glmtui.screens.dialogs.problems import ProblemsScreen

    app.push_screen(ProblemsScreen(app.problems))


def show_help(app: AppSurface) -> None:
    from glmtui.screens.help import HelpScreen

    if not isinstance(app.screen, HelpScreen):
        app.push_screen(HelpScreen(app.screen))


def open_history(app: AppSurface) -> None:
    from glmtui.screens.history import HistoryScreen

    if not isinstance(app.screen, HistoryScreen):
        app.push_screen(HistoryScreen())


def open_usage(app: AppSurface) -> None:
    from glmtui.screens.usage import UsageScreen

    if not isinstance(app.screen, UsageScreen):
        app.push_screen(UsageScreen())


def open_bench(app: AppSurface) -> None:
    from glmtui.screens.bench import BenchScreen

    if not isinstance(app.screen, BenchScreen):
        app.push_screen(BenchScreen())


def open_arena(app: AppSurface) -> None:
    from glmtui.screens.arena import ArenaScreen

    if not isinstance(app.screen, ArenaScreen):
        app.push_screen(ArenaScreen())


def open_models(app: AppSurface, tab: str) -> None:
    from glmtui.screens.models import ModelsScreen

    if isinstance(app.screen, ModelsScreen):
        app.screen.show_tab(tab)
        return
    app.push_screen(ModelsScreen(tab))


def chat_conversation(app: AppSurface) -> Conversation | None:
    """None once the stack is empty (a worker finishing while the app shuts down)."""
    chat = next((screen for screen in app.screen_stack if isinstance(screen, ChatScreen)), None)
    return chat.pane.conversation if chat is not None else None


async def new_chat(app: AppSurface) -> None:
    chat = chat_screen(app)
    await back_to(app, chat)
    await chat.action_new_chat()


async def conversation_deleted(app: AppSurface, conversation_id: int) -> bool:
    """The chat showing a conversation just deleted starts a new one where it is (beneath the history,
    which stays open): a reply streaming in it stops, and the next prompt starts a new conversation."""
    chat = chat_screen(app)
    if chat.pane.conversation.id != conversation_id:
        return False
    await chat.new_chat()  # even while a prompt is checked: that one is then not sent (ChatScreen.submit)
    return True


def copy_last_reply(app: AppSurface) -> None:
    conversation = chat_conversation(app)
    turn = next((t for t in reversed(conversation.turns) if t.reply), None) if conversation else None
    if turn is None:
        app.notify("No reply to copy yet.", timeout=2)
        return
    from glmtui.screens.dialogs.copy import CopyScreen

    app.push_screen(CopyScreen(turn.reply))


async def open_compare(
    app: AppSurface,
    current: CompareScreen | None,
    keep: Callable[[CompareScreen], None],
    model_a: str | None,
    model_b: str | None,
    prompt: str | None,
    reopen: CompareRun | None = None,
    prompt_set: PromptSet | None = None,
) -> None:
    """Back to the comparison in progress (`current`), or a new one when models are named (or none
    exists, or a stored run is reopened). `keep` hands a new comparison to the app (which keeps it
    while it is out of sight) before it is pushed, so a quit or a second F5 meanwhile finds it."""
    if current is not None and model_a is None and model_b is None and reopen is None:
        if current in app.screen_stack:  # beneath another screen (the model picker): back down to it
            await back_to(app, current)
        else:
            app.push_screen(current)
        return
    from glmtui.screens.compare.screen import CompareScreen

    screen = CompareScreen(
        model_a, model_b, prompt, rng=app.compare_rng, reopen=reopen, prompt_set=prompt_set
    )
    keep(screen)  # the old one is no longer the app's to stop or save, whatever happens below
    if current is not None:
        if current in app.screen_stack:
            await back_to(app, current)
            await app.pop_screen()
        app.uninstall_screen(current)
        await current.remove()
    app.install_screen(screen, name="compare")
    await app.push_screen(screen)


async def resume(app: AppSurface, conversation_id: int | None) -> bool:
    """Open a saved conversation in the chat, with the model of its last turn if it is installed."""
    if conversation_id is None:
        app.notify("No saved conversation to continue yet.", timeout=3)
        return False
    trace("resume_start", id=conversation_id)
    chat = chat_screen(app)
    # A reply streaming now is stopped and saved first: resuming that same conversation must read
    # it back with its partial text (the model is sent what the user saw). A prompt queued (waiting
    # for Ollama) is stopped unsent: it belongs to the conversation it was typed in, and would
    # otherwise go with the resumed one's history and be saved there.
    if chat.pane.is_busy:
        await chat.stop_and_save()
    # Saved replies render as Markdown at once: import it (~0.2 s) while the turns are read.
    _, conversation = await asyncio.gather(
        asyncio.to_thread(importlib.import_module, "rich.markdown"), app.journal.load(conversation_id)
    )
    trace("resume_loaded", turns=len(conversation.turns) if conversation else 0)
    if conversation is None:
        app.notify("That conversation no longer exists (deleted in another glmtui?).", severity="warning")
        return False
    await back_to(app, chat)
    await chat.show_conversation(conversation)
    trace("resume_mounted")
    last_model = conversation.turns[-1].model if conversation.turns else None
    endpoint = resumed_endpoint(app, conversation)  # None: it stays on the chat's endpoint
    if endpoint is not None and last_model:
        if installed_on(app, endpoint, last_model):
            await app.switch_model(last_model, endpoint)
        else:
            app.notify(
                f"It was with {last_model} on {endpoint}, which no longer lists it: "
                f"it continues with {app.model} on {app.endpoint}.",
                severity="warning",
                timeout=6,
            )
    elif last_model and not same_model(last_model, app.model):
        if app.is_installed(last_model):
            await app.switch_model(last_model)
        else:
            app.notify(
                f"It was with {last_model}, which is not installed: it continues with {app.model}.",
                severity="warning",
                timeout=6,
            )
    await chat.presets.judge()  # the conversation's preset, for the model it goes on with
    app.notify(f"Resumed “{conversation.title}” ({len(conversation.turns)} turns).", timeout=3)
    return True
