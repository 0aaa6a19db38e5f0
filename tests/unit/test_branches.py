"""core/branches.py: regenerate and edit add alternatives, moving changes what is sent, stored
parents rebuild the tree (old files linear, a missing parent repaired with a notice)."""

from __future__ import annotations

from glmtui.core import branches
from glmtui.core.state import Conversation, Turn, TurnStatus


def turn(prompt: str, reply: str = "", turn_id: int | None = None) -> Turn:
    return Turn(prompt=prompt, model="m", reply=reply or f"re {prompt}", status=TurnStatus.DONE, id=turn_id)


def prompts(conversation: Conversation) -> list[str]:
    return [t.prompt for t in conversation.turns]


def sent(conversation: Conversation, prompt: str) -> list[str]:
    return [m["content"] for m in conversation.messages_for(prompt)]


def linear(*names: str) -> Conversation:
    conversation = Conversation()
    for name in names:
        branches.append(conversation, turn(name))
    return conversation


def test_a_regenerated_turn_is_a_sibling_shown_in_place_of_the_old() -> None:
    conversation = linear("a", "b")
    old = conversation.turns[-1]
    new = turn("b", "again")
    branches.add_sibling(conversation, new, old)
    assert conversation.turns[-1] is new and len(conversation.turns) == 2
    assert new.parent is conversation.turns[0] and branches.place(conversation, new) == (2, 2)
    assert branches.place(conversation, old) == (1, 2)
    assert sent(conversation, "c") == ["a", "re a", "b", "again", "c"]
    assert len(branches.every_turn(conversation)) == 3


def test_an_edit_branches_at_its_prompt_and_the_turns_after_stay_on_the_old_branch() -> None:
    conversation = linear("a", "b", "c", "d")
    b = conversation.turns[1]
    edited = turn("b edited")
    context = branches.context_before(conversation, b)
    assert [m["content"] for m in context.messages_for("b edited")] == ["a", "re a", "b edited"]
    branches.add_sibling(conversation, edited, b)
    assert prompts(conversation) == ["a", "b edited"]
    assert branches.step(conversation, edited, -1) is b
    assert prompts(conversation) == ["a", "b", "c", "d"]  # the old branch, whole
    assert branches.step(conversation, b, -1) is None  # already the first


def test_moving_changes_what_is_sent_next_and_each_position_remembers_its_choice() -> None:
    conversation = linear("a", "b")
    b = conversation.turns[1]
    b2 = turn("b2")
    branches.add_sibling(conversation, b2, b)
    branches.append(conversation, turn("c on b2"))
    assert sent(conversation, "next") == ["a", "re a", "b2", "re b2", "c on b2", "re c on b2", "next"]
    branches.step(conversation, b2, -1)
    assert sent(conversation, "next") == ["a", "re a", "b", "re b", "next"]
    branches.append(conversation, turn("c on b"))
    branches.step(conversation, conversation.turns[1], 1)  # back to b2: its own last choice comes back
    assert prompts(conversation) == ["a", "b2", "c on b2"]
    branches.step(conversation, conversation.turns[1], -1)
    assert prompts(conversation) == ["a", "b", "c on b"]
    assert branches.branch_points(conversation) == [1]
    assert branches.summary(conversation) == [(2, 1, 2)]


def test_the_first_prompt_edited_makes_a_second_root() -> None:
    conversation = linear("a", "b")
    first = conversation.turns[0]
    root = turn("a edited")
    branches.add_sibling(conversation, root, first)
    assert root.parent is None and prompts(conversation) == ["a edited"]
    assert sent(conversation, "x") == ["a edited", "re a edited", "x"]
    assert branches.parent_id(conversation, root) == 0


def test_a_conversation_built_whole_is_one_linear_branch() -> None:
    a, b = turn("a"), turn("b")
    conversation = Conversation(turns=[a, b])
    branches.append(conversation, turn("c"))
    assert prompts(conversation) == ["a", "b", "c"] and b.parent is a
    assert branches.places(conversation) == [(1, 1)] * 3


def test_a_turn_not_in_the_tree_is_saved_with_a_null_parent() -> None:
    conversation = linear("a")
    conversation.turns[0].id = 7
    branches.append(conversation, turn("b"))
    assert branches.parent_id(conversation, conversation.turns[1]) == 7
    assert branches.parent_id(conversation, turn("stray")) is None


def test_a_turn_after_an_unsaved_one_is_saved_after_the_nearest_saved_turn() -> None:
    # An unsaved parent (a queued prompt stopped unsent, a save that failed) is skipped: NULL would
    # read back as "follows the turn saved before it", a sibling would reopen as a follow-up.
    conversation = linear("a", "b", "c")
    a, _b, c = conversation.turns
    a.id, c.id = 7, 9
    regenerated = turn("c")
    branches.add_sibling(conversation, regenerated, c)
    assert branches.parent_id(conversation, c) == 7 and branches.parent_id(conversation, regenerated) == 7
    a.id = None  # nothing before it saved: the chain reaches the root
    assert branches.parent_id(conversation, regenerated) == 0


def test_restore_old_rows_with_null_parents_open_as_one_branch() -> None:
    conversation = Conversation()
    rows = [(turn("a", turn_id=1), None), (turn("b", turn_id=2), None), (turn("c", turn_id=3), None)]
    branches.restore(conversation, rows, None)
    assert prompts(conversation) == ["a", "b", "c"] and conversation.branches.notice is None


def test_restore_shows_the_stored_leafs_branch() -> None:
    rows = [
        (turn("a", turn_id=1), 0),
        (turn("b", turn_id=2), 1),
        (turn("c", turn_id=3), 2),
        (turn("b2", turn_id=4), 1),
    ]
    conversation = Conversation()
    branches.restore(conversation, rows, 3)
    assert prompts(conversation) == ["a", "b", "c"]
    branches.restore(conversation := Conversation(), rows, None)  # no leaf: the newest turn's branch
    assert prompts(conversation) == ["a", "b2"]


def test_restore_attaches_a_turn_whose_parent_is_missing_and_says_so() -> None:
    rows = [
        (turn("a", turn_id=1), 0),
        (turn("b", turn_id=2), 1),
        (turn("orphan", turn_id=5), 4),  # row 4 was deleted
        (turn("loop", turn_id=6), 9),  # not an earlier turn: a damaged value
    ]
    conversation = Conversation()
    branches.restore(conversation, rows, 77)  # the leaf is gone too
    assert prompts(conversation) == ["a", "b", "orphan", "loop"]  # nothing dropped
    notice = conversation.branches.notice or ""
    assert "2 turn(s) had lost the turn they follow" in notice and "Nothing was dropped" in notice
    assert "branch shown last is gone" in notice
