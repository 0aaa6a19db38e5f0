"""ChatLog.cut_turns: a branch change keeps the shared turns and removes the rest (notices under them
too); a cut above the mounted window is refused, so the pane shows the branch afresh."""

from __future__ import annotations

from textual.widgets import Static

from glmtui.widgets.chat_log import MOUNTED_TURNS, ChatLog
from tests.helpers import HostApp


def pair(n: int) -> tuple[Static, Static]:
    return Static(f"prompt {n}"), Static(f"reply {n}")


async def test_a_cut_keeps_the_shared_turns_and_drops_what_follows() -> None:
    log = ChatLog()
    async with HostApp([log]).run_test():
        for n in range(4):
            await log.add_turn(*pair(n))
        await log.add_error("runner died", "Ctrl+R retries this prompt")  # under turn 3
        assert await log.cut_turns(3)
        assert log.mounted_turns == 3 and not log.query(".log-notice")
        assert [str(w.render()) for w in log.children][-1] == "reply 2"


async def test_a_cut_above_the_window_is_refused_and_one_within_it_is_not() -> None:
    log = ChatLog()
    async with HostApp([log]).run_test():
        for n in range(MOUNTED_TURNS + 5):  # five unmounted above the window
            await log.add_turn(*pair(n))
        assert not await log.cut_turns(2)
        assert log.mounted_turns == MOUNTED_TURNS  # untouched
        assert await log.cut_turns(MOUNTED_TURNS)
        assert log.mounted_turns == MOUNTED_TURNS - 5
        assert str(log.children[0].render()).startswith("⋯ 5 earlier turn(s)")  # the label stays
