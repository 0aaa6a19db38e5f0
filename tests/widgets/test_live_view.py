"""LiveView grows in steps (so most flushes need no layout) and draws frozen lines plus the tail."""

from __future__ import annotations

from rich.text import Text

from glmtui.widgets.live_view import LiveView
from glmtui.widgets.stream_markdown import StreamingMarkdown
from tests.helpers import HostApp, wait_until


async def test_height_grows_in_steps() -> None:
    view = LiveView()
    async with HostApp([view]).run_test(size=(40, 30)) as pilot:
        await wait_until(lambda: view.content_region.width == 40, what="layout")
        assert view.step == 15  # half the screen
        view.set_tail(Text("one line"))
        await pilot.pause()
        assert view.size.height == view.step and view.line_count == 1
        view.set_tail(Text("\n".join(f"line {i}" for i in range(view.step))))
        await pilot.pause()
        assert view.size.height == view.step  # still fits the first step: no layout needed
        view.set_tail(Text("\n".join(f"line {i}" for i in range(view.step + 1))))
        await pilot.pause()
        assert view.size.height == 2 * view.step
        assert view.render_line(view.step).text.rstrip() == f"line {view.step}"
        assert view.render_line(2 * view.step - 1).text.strip() == ""


async def test_frozen_head_then_tail_and_rewrap_on_resize() -> None:
    view = LiveView()
    async with HostApp([view]).run_test(size=(40, 30)) as pilot:
        await wait_until(lambda: view.content_region.width == 40, what="layout")
        view.freeze(Text("frozen " * 8))  # 56 characters: two lines at width 40
        view.set_tail(Text("tail"))
        await pilot.pause()
        assert view.line_count == 3
        assert view.render_line(2).text.rstrip() == "tail"
        await pilot.resize_terminal(20, 30)
        await wait_until(lambda: view.content_region.width == 20, what="resize")
        await pilot.pause()
        assert view.line_count == 4  # the frozen text re-wrapped at the new width
        assert view.render_line(3).text.rstrip() == "tail"


async def test_streaming_markdown_freezes_blocks_and_keeps_fences_open() -> None:
    view = StreamingMarkdown()
    async with HostApp([view]).run_test(size=(60, 40)) as pilot:
        await wait_until(lambda: view.content_region.width == 60, what="layout")
        view.append("# Heading\n\nPara one.\n\n```python\nx = 1\n\n")
        await pilot.pause()
        assert view.frozen_count == 1  # heading and paragraph settled together; the open fence stays live
        lines = [view.render_line(y).text.rstrip() for y in range(view.line_count)]
        assert any("x = 1" in line for line in lines)
        view.append("y = 2\n```\n\nafter\n")
        await pilot.pause()
        assert view.frozen_count == 3  # + a blank separator and the now-closed code block
        assert view.source.endswith("after\n") and any(
            "y = 2" in view.render_line(y).text for y in range(view.line_count)
        )


async def test_lines_frozen_since_the_last_draw_are_repainted() -> None:
    """A line first drawn half-written (as tail) must be repainted when it completes and freezes."""
    view = LiveView()
    async with HostApp([view]).run_test(size=(40, 30)) as pilot:
        await wait_until(lambda: view.content_region.width == 40, what="layout")
        view.set_tail(Text("Answer from"))
        await pilot.pause()
        repaints: list[int] = []
        original = view.refresh

        def spy(*regions, **kwargs):  # type: ignore[no-untyped-def]
            repaints.extend(region.y for region in regions)
            return original(*regions, **kwargs)

        view.refresh = spy  # type: ignore[method-assign]
        view.freeze(Text("Answer from glm-4.7-flash"))
        view.set_tail(Text("next"))
        assert repaints and min(repaints) == 0  # line 0 changed from "Answer from" to the full line
        repaints.clear()
        view.set_tail(Text("next line"))
        assert repaints == [1]  # only the tail line changed this time
