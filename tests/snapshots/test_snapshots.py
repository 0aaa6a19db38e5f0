"""Snapshot of a finished turn (fixed text and figures, so the picture is deterministic)."""

from __future__ import annotations

from glmtui.state import GenerationStats, Turn, TurnStatus
from glmtui.widgets.chat_log import ChatLog
from glmtui.widgets.message import ReplyView, UserMessage
from tests.widgets.host import HostApp

REPLY = """## Binary search

- halve the range each step
- stop when `lo >= hi`

```rust
fn search(xs: &[i32], t: i32) -> Option<usize> {
    xs.binary_search(&t).ok()
}
```
"""


class TurnApp(HostApp):
    """A chat log holding one finished turn with a thinking trace and exact stats."""

    def __init__(self) -> None:
        super().__init__([ChatLog()])

    async def on_mount(self) -> None:
        turn = Turn(prompt="Write a binary search in Rust", model="glm-4.7-flash:latest", think="on",
                    reply=REPLY, thinking="The user wants a binary search. Keep it short.", status=TurnStatus.DONE,
                    stats=GenerationStats(ttft_s=0.21, eval_count=812, eval_duration_ns=9_876_543_210,
                                          prompt_eval_count=38, prompt_eval_duration_ns=30_780_000,
                                          load_duration_ns=1_520_000_000, thinking_tokens=14, thinking_s=4.2))
        view = ReplyView(turn)
        await self.query_one(ChatLog).add_turn(UserMessage(turn.prompt), view)
        await view.finish()


def test_finished_turn(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(TurnApp(), terminal_size=(90, 24))
