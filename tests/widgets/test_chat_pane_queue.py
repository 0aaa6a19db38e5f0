"""ChatPane's queued prompt and sibling sends, in a host app on the simulator: a queued prompt belongs to the
conversation it was typed in, is sent the history its request asks for, and a sibling is of this tree."""

from __future__ import annotations

import base64

import pytest

from glmtui.core.state import Conversation, GenerationRequest, ImageAttachment, Turn, TurnStatus
from glmtui.services.engines.factory import make_engine
from glmtui.simulator import Simulator
from glmtui.widgets.chat_pane import ChatPane
from tests.helpers import HostApp, chat_requests, finished, wait_until

pytestmark = pytest.mark.sim(reply_tokens=8)

GLM = "glm-4.7-flash:latest"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(24))
IMAGE = ImageAttachment("cat.png", len(PNG), base64.b64encode(PNG).decode())


def _pane(sim: Simulator) -> ChatPane:
    return ChatPane(make_engine("ollama", sim.url), id="chat")


def _said() -> Turn:
    return Turn("what is it?", GLM, reply="A cat.", status=TurnStatus.DONE, images=(IMAGE,))


@pytest.mark.parametrize("how", ["load", "new"])
async def test_a_queued_prompt_is_stopped_unsent_when_another_conversation_is_shown(
    sim: Simulator, how: str
) -> None:
    pane = _pane(sim)
    async with HostApp([pane]).run_test() as pilot:
        queued = await pane.send("queued in B", GenerationRequest(GLM, None), queued="queued")
        assert pane.is_busy
        if how == "load":
            await pane.load(
                Conversation(turns=[Turn("chat A question", GLM, reply="a", status=TurnStatus.DONE)])
            )
        else:
            pane.new_conversation(None)
        # Stopped, as Esc stops it: never sent later with the other conversation's history.
        assert not pane.is_busy and queued.status is TurnStatus.STOPPED
        assert not pane.start_queued(GenerationRequest(GLM, None))
        await pilot.pause()
        assert chat_requests(sim) == []


async def test_a_queued_turn_of_another_tree_is_never_sent(sim: Simulator) -> None:
    pane = _pane(sim)
    async with HostApp([pane]).run_test() as pilot:
        queued = await pane.send("queued in B", GenerationRequest(GLM, None), queued="queued")
        pane.conversation = Conversation()  # replaced other than by load/new_conversation
        assert not pane.start_queued(GenerationRequest(GLM, None))
        assert queued.status is TurnStatus.STOPPED and not pane.is_busy
        await pilot.pause()
        assert chat_requests(sim) == []


async def test_a_queued_prompt_goes_without_earlier_images_when_its_request_says_so(sim: Simulator) -> None:
    pane = _pane(sim)
    async with HostApp([pane]).run_test():
        await pane.load(Conversation(turns=[_said()]))
        queued = await pane.send("and now?", GenerationRequest(GLM, None), queued="queued")
        # The model is known now, and known not to take images (ChatAttachments.request).
        assert pane.start_queued(GenerationRequest(GLM, None, earlier_images=False))
        await finished(queued)
        [body] = chat_requests(sim)
        assert [m["content"] for m in body["messages"]] == ["what is it?", "A cat.", "and now?"]
        assert not any("images" in m for m in body["messages"])


async def test_a_sibling_of_another_conversation_is_refused(sim: Simulator) -> None:
    pane = _pane(sim)
    async with HostApp([pane]).run_test():
        old = _said()
        await pane.load(Conversation(turns=[old]))
        pane.new_conversation(None)
        with pytest.raises(ValueError, match="not a turn of the conversation shown"):
            await pane.send("again", GenerationRequest(GLM, None), sibling_of=old)
        assert pane.conversation.turns == [] and not pane.is_busy


async def test_the_pane_is_busy_while_a_sibling_is_being_shown(sim: Simulator) -> None:
    pane = _pane(sim)
    async with HostApp([pane]).run_test():
        old = _said()
        await pane.load(Conversation(turns=[old]))
        seen: list[bool] = []
        show = pane.show_branch

        async def watched(keep: int, *, shown_after: bool = True) -> None:
            seen.append(pane.is_busy)  # the window before the new turn's worker is set
            await show(keep, shown_after=shown_after)

        pane.show_branch = watched  # type: ignore[method-assign]
        turn = await pane.send("again", GenerationRequest(GLM, None), sibling_of=old, queued="queued")
        assert seen == [True] and pane.current_turn is turn
        await wait_until(lambda: pane.is_queued, what="the queued sibling")
