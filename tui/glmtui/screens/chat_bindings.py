"""The chat screen's key bindings, and why each is bound as it is.

Kept apart from screens/chat.py so the list can be read whole: which keys the chat binds, which take
`priority` because the focused prompt box (a TextArea) binds the same key, and which stay out of the
footer. Each binding has an id: a `[keymap]` entry and the F1 help name it (keys.py).
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

CHAT_BINDINGS: list[BindingType] = [
    Binding("escape", "stop", "Stop reply", id="stop-reply"),
    Binding("ctrl+t", "cycle_think", "Think", id="cycle-think"),
    Binding("ctrl+n", "new_chat", "New chat", id="new-chat"),
    Binding("f2", "toggle_monitor", "Monitor", id="toggle-monitor"),
    Binding("f3", "focus_loaded", "Loaded models", id="focus-loaded-models"),
    Binding("f4", "models", "Models", id="open-models"),
    Binding("f5", "compare", "Compare", id="open-compare"),
    # priority: the prompt box (a TextArea) has F6 as "select line", which would take it first. Not in
    # the footer (full at 100 columns); F1 and the palette ("Bench models") list it.
    Binding("f6", "bench", "Bench", id="open-bench", priority=True, show=False),
    # priority: the prompt box (a TextArea) binds F7 to select-all, and it has the focus
    Binding("f7", "arena", "Leaderboard", priority=True, show=False, id="open-arena"),
    Binding("ctrl+o", "history", "History", id="open-history"),
    Binding("f8", "usage", "Usage", id="open-usage"),
    Binding("ctrl+g", "copy", "Copy", id="copy-reply"),
    # Regenerate took Ctrl+R over from "retry" (a failed last prompt is regenerated, the failed turn
    # kept as a branch): the id stays "retry-prompt", so a [keymap] entry for it keeps working.
    Binding("ctrl+r", "regenerate", "Regenerate", id="retry-prompt", show=False),  # F1, palette
    # priority: the prompt box has the focus and would otherwise see these keys first.
    Binding("alt+e", "edit_prompt", "Edit prompt", id="edit-prompt", show=False, priority=True),
    Binding("alt+left", "branch(-1)", "Previous branch", id="branch-previous", show=False, priority=True),
    Binding("alt+right", "branch(1)", "Next branch", id="branch-next", show=False, priority=True),
    Binding("ctrl+q", "app.quit", "Quit", id="quit"),
    # priority: the prompt box has the focus. Not in the footer (full); F1 and the palette list them.
    Binding("f9", "pick_preset", "Preset…", priority=True, show=False, id="pick-preset"),
    Binding("alt+o", "chat_options", "Chat options…", priority=True, show=False, id="chat-options"),
    # priority: the focused prompt box would otherwise get the key first. F1 and the palette list it.
    Binding(
        "alt+t",
        "toggle_preserved_thinking",
        "Preserved thinking",
        id="preserved-thinking",
        show=False,
        priority=True,
    ),
    # Not in the footer (full at 100 columns); F1 and the palette ("Attach file…") list it.
    Binding("alt+a", "attach_file", "Attach file", id="attach-file", show=False),
]
