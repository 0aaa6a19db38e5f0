"""The chat screen's own palette entries: regenerate, edit, branches, preset, options, preserved
thinking, attach. Listed only when the palette is opened over the chat (commands.py), since from another
screen they would act on the chat beneath it, unseen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from glmtui.screens.chat import ChatScreen
from glmtui.screens.chat_thinking import PreservedThinking

Command = tuple[str, str, Callable[[], object]]
"""A palette entry: (title, help, what it does)."""


def chat_commands(chat: ChatScreen) -> Iterator[Command]:
    """The palette entries that act on the chat shown (its keys are bound on the chat screen only)."""
    yield (
        "Regenerate",
        "The last reply again with the model and options set now, as a new branch; retries a failed "
        "prompt (Ctrl+R in the chat)",
        lambda: chat.run_worker(chat.action_regenerate(), exit_on_error=False),
    )
    yield (
        "Edit prompt",
        "Edit an earlier prompt of this chat and send it as a new branch; the old one is kept (Alt+E)",
        lambda: chat.action_edit_prompt(),
    )
    yield (
        "Previous branch",
        "The previous alternative of the last prompt with branches (Alt+← in the chat; or click ‹)",
        lambda: chat.run_worker(chat.action_branch(-1), exit_on_error=False),
    )
    yield (
        "Next branch",
        "The next alternative of the last prompt with branches (Alt+→ in the chat; or click ›)",
        lambda: chat.run_worker(chat.action_branch(1), exit_on_error=False),
    )
    yield (
        "Preset…",
        "Pick this chat's preset: a system prompt and options per model family, from the model cards (F9)",
        lambda: chat.action_pick_preset(),
    )
    yield (
        "Chat options…",
        "Temperature, top_p, num_ctx… for this chat, over its preset; the model's defaults shown (Alt+O)",
        lambda: chat.action_chat_options(),
    )
    yield (
        PreservedThinking.TITLE,
        chat.preserved.palette_help(),
        lambda: chat.action_toggle_preserved_thinking(),
    )
    yield (
        "Attach file…",
        "A text file or an image for the next prompt; or type @ and a path in the prompt box (Alt+A)",
        lambda: chat.action_attach_file(),
    )
