"""ChatLog anchoring: a chat shorter than the pane reads from the top whether or not the anchor is
held (Textual parks an anchored container at a negative scroll, which put short chats at the bottom
until something released the anchor: the thinking-trace snapshot flipped between the two), and a
long one still follows its bottom."""

from __future__ import annotations

from textual.widgets import Static

from glmtui.widgets.chat_log import ChatLog
from tests.helpers import HostApp


async def test_a_short_chat_starts_at_the_top_held_or_released() -> None:
    log = ChatLog()
    async with HostApp([log]).run_test(size=(60, 20)) as pilot:
        await log.add_turn(Static("hello"), Static("world"))
        await pilot.pause()
        assert log.is_anchored
        assert log.children[0].region.y == 0
        log.release_anchor()
        await pilot.pause()
        assert log.children[0].region.y == 0


async def test_a_long_chat_follows_its_last_turn() -> None:
    log = ChatLog()
    async with HostApp([log]).run_test(size=(60, 20)) as pilot:
        for n in range(20):
            await log.add_turn(Static(f"prompt {n}"), Static(f"reply {n}"))
        await pilot.pause()
        last = log.children[-1]
        assert last.region.bottom == log.region.bottom  # in view, at the pane's foot
        assert log.scroll_offset.y == log.max_scroll_y > 0
