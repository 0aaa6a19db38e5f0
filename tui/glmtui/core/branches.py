"""Branches of a conversation: every turn is kept, one path through them is shown and sent.

Regenerating a reply or editing an earlier prompt never overwrites: the new turn is a *sibling* of the
old one (the same parent, so the same context before it), and the two are alternatives at one
position. A turn's parent is the turn it follows (`Turn.parent`; None: a root, the first prompt or an
edit of it). The *visible branch* starts at the root and, at each position, takes the alternative
chosen there (the newest by default, and the one last moved to once the user moved): that path is
`Conversation.turns`, so everything that reads it (the context sent, the gauge, the export, the log)
sees one linear conversation. `Conversation.branches` holds the rest.

In memory turns are linked by object (ids are given only when saved, and saving may be off); the
store writes `parent_id` from the parent's id (services/schema.py, migration 9, says what NULL and 0
mean). No I/O and no Textual here.
"""

from __future__ import annotations

from collections.abc import Sequence

from glmtui.core.state import BranchTree, ChatMessage, Conversation, GenerationRequest, ImageAttachment, Turn

ROOT = 0
"""The position of the roots (the first prompt and its edits): no object's id() is 0."""


def _position(parent: Turn | None) -> int:
    return ROOT if parent is None else id(parent)


def tree(conversation: Conversation) -> BranchTree:
    """The conversation's tree, after taking in any turn put into `turns` directly (a conversation
    built whole, as older code and tests do): such a turn follows the one before it in the list."""
    branches = conversation.branches
    turns = conversation.turns
    for index, turn in enumerate(turns):
        if id(turn) in branches.known:
            continue
        if turn.parent is None and index > 0:
            turn.parent = turns[index - 1]
        branches.every.append(turn)
        branches.known.add(id(turn))
        branches.chosen[_position(turn.parent)] = id(turn)
    return branches


def _children(branches: BranchTree) -> dict[int, list[Turn]]:
    children: dict[int, list[Turn]] = {}
    for turn in branches.every:
        children.setdefault(_position(turn.parent), []).append(turn)
    return children


def _visible(branches: BranchTree) -> list[Turn]:
    children = _children(branches)
    path: list[Turn] = []
    position = ROOT
    while (alternatives := children.get(position)) and len(path) < len(branches.every):
        chosen = branches.chosen.get(position)
        turn = next((t for t in alternatives if id(t) == chosen), alternatives[-1])
        path.append(turn)
        position = id(turn)
    return path


def _show(conversation: Conversation) -> None:
    # In place: a caller holding the list (the pane, a worker) sees the branch it now shows.
    conversation.turns[:] = _visible(conversation.branches)


def path_to(turn: Turn | None) -> list[Turn]:
    """`turn` and the turns before it, root first (empty for None)."""
    path: list[Turn] = []
    seen: set[int] = set()
    while turn is not None and id(turn) not in seen:
        seen.add(id(turn))
        path.append(turn)
        turn = turn.parent
    return path[::-1]


def _choose_path(branches: BranchTree, turn: Turn | None) -> None:
    for step in path_to(turn):
        branches.chosen[_position(step.parent)] = id(step)


def append(conversation: Conversation, turn: Turn) -> None:
    """A new turn after the last one shown: the visible branch goes on."""
    turns = conversation.turns
    _add(conversation, turn, turns[-1] if turns else None)


def add_sibling(conversation: Conversation, turn: Turn, of: Turn) -> None:
    """A new alternative to `of` (regenerated or edited): same parent; it becomes the one shown, so
    the turns after `of` stay on the old branch."""
    _add(conversation, turn, of.parent)


def _add(conversation: Conversation, turn: Turn, parent: Turn | None) -> None:
    branches = tree(conversation)
    turn.parent = parent
    branches.every.append(turn)
    branches.known.add(id(turn))
    _choose_path(branches, turn)
    _show(conversation)


def parent_id(conversation: Conversation, turn: Turn) -> int | None:
    """The `parent_id` a turn of this conversation is saved with: the id of the nearest saved turn
    before it (its parent, else the parent's parent...), 0 when none before it was saved (the chain
    reaches the root), NULL only for a turn that never went through the tree (a caller saving turns
    one after another, which reads back as following the turn saved before it).

    Never NULL for a parent that was not saved (a queued prompt stopped unsent, a save that failed):
    NULL reads back as "follows the turn saved before it", which makes a regenerated turn the child
    of the one it is an alternative to, and both prompts are then sent."""
    if id(turn) not in conversation.branches.known:
        return None
    ancestor = saved_ancestor(turn.parent)
    return 0 if ancestor is None else ancestor.id


def saved_ancestor(turn: Turn | None) -> Turn | None:
    """`turn` if it was saved, else the nearest saved turn before it; None when there is none."""
    for step in reversed(path_to(turn)):
        if step.id is not None:
            return step
    return None


def context_before(conversation: Conversation, turn: Turn) -> Conversation:
    """What a sibling of `turn` is sent after: the conversation up to `turn`'s parent (a copy; its
    `messages_for` gives the request)."""
    return Conversation(
        turns=path_to(turn.parent),
        system=conversation.system,
        id=conversation.id,
        title=conversation.title,
        endpoint=conversation.endpoint,
    )


def belongs(conversation: Conversation, turn: Turn) -> bool:
    """Whether `turn` is in this conversation's tree (on any branch): a turn of another conversation
    (one shown before a new or resumed chat) is not."""
    return id(turn) in tree(conversation).known


def request_messages(
    conversation: Conversation,
    prompt: str,
    images: tuple[ImageAttachment, ...],
    request: GenerationRequest,
    *,
    before: Turn | None = None,
) -> list[ChatMessage]:
    """What `/api/chat` is sent for `prompt` with `request`: the visible branch then the prompt, or with
    `before` what a turn in `before`'s place follows (the context before it: a regenerated or edited
    sibling, or a queued turn already in the tree). The request decides whether earlier traces go back
    (`preserve_thinking`) and whether earlier prompts' images do (`earlier_images`). The one place a
    request's messages are built, so a prompt sent now and one queued are sent the same history."""
    context = conversation if before is None else context_before(conversation, before)
    return context.messages_for(
        prompt,
        images,
        preserve_thinking=request.preserve_thinking,
        earlier_images=request.earlier_images,
    )


def siblings(conversation: Conversation, turn: Turn) -> list[Turn]:
    """The alternatives at `turn`'s position, oldest first (`turn` among them)."""
    position = _position(turn.parent)
    return [t for t in tree(conversation).every if _position(t.parent) == position]


def place(conversation: Conversation, turn: Turn) -> tuple[int, int]:
    """(which, of how many): `turn`'s number among its alternatives, from 1 ((1, 1): no branch)."""
    alternatives = siblings(conversation, turn)
    which = next((n for n, t in enumerate(alternatives, 1) if t is turn), 1)
    return which, len(alternatives)


def places(conversation: Conversation) -> list[tuple[int, int]]:
    """`place` of each turn of the visible branch, in one pass (a long conversation opens fast)."""
    children = _children(tree(conversation))
    result = []
    for turn in conversation.turns:
        alternatives = children.get(_position(turn.parent), [turn])
        which = next((n for n, t in enumerate(alternatives, 1) if t is turn), 1)
        result.append((which, len(alternatives)))
    return result


def branch_points(conversation: Conversation) -> list[int]:
    """Indexes into the visible branch of the turns that have alternatives."""
    children = _children(tree(conversation))
    return [i for i, t in enumerate(conversation.turns) if len(children.get(_position(t.parent), ())) > 1]


def step(conversation: Conversation, turn: Turn, delta: int) -> Turn | None:
    """Show the alternative `delta` away from `turn` (the branch below it follows that one's own
    last choice, else its newest). None when there is none that way (the first or last already)."""
    alternatives = siblings(conversation, turn)
    index = next((n for n, t in enumerate(alternatives) if t is turn), None)
    if index is None or not 0 <= index + delta < len(alternatives):
        return None
    chosen = alternatives[index + delta]
    branches = conversation.branches
    _choose_path(branches, chosen)
    _show(conversation)
    return chosen


def every_turn(conversation: Conversation) -> list[Turn]:
    """Every turn, on any branch, oldest first (a parent always before its children)."""
    return list(tree(conversation).every)


def restore(
    conversation: Conversation, saved: Sequence[tuple[Turn, int | None]], leaf_id: int | None
) -> None:
    """Build the tree of a stored conversation: `saved` is (turn, its row's parent_id) in id order,
    `leaf_id` the visible branch's last turn as stored.

    parent_id NULL: an older file's turn, which follows the turn before it; 0: a root; n: the turn it
    follows. A parent that is not there (a deleted or damaged row, another conversation's turn, or
    not an earlier turn) cannot be followed: the turn is attached after the turn saved before it,
    nothing is dropped, and `branches.notice` says so. The branch shown is the one ending at
    `leaf_id`, else the newest turn's."""
    by_id: dict[int, Turn] = {}
    branches = BranchTree()
    repaired = 0
    previous: Turn | None = None
    for turn, parent_id in saved:
        if parent_id is None:
            turn.parent = previous
        elif parent_id == 0:
            turn.parent = None
        elif parent_id in by_id:  # only earlier turns are in it: a loop cannot be built
            turn.parent = by_id[parent_id]
        else:
            turn.parent = previous
            repaired += 1
        if turn.id is not None:
            by_id[turn.id] = turn
        branches.every.append(turn)
        branches.known.add(id(turn))
        previous = turn
    leaf = by_id.get(leaf_id) if leaf_id is not None else None
    _choose_path(branches, leaf if leaf is not None else previous)
    problems = []
    if repaired:
        problems.append(
            f"{repaired} turn(s) had lost the turn they follow (a deleted or damaged row): each is shown "
            "after the turn saved before it"
        )
    if leaf_id is not None and leaf is None and previous is not None:
        problems.append("the branch shown last is gone: the newest turn's branch is shown")
    text = "; ".join(problems)
    branches.notice = f"{text[:1].upper()}{text[1:]}. Nothing was dropped." if problems else None
    conversation.branches = branches
    conversation.turns = _visible(branches)


def summary(conversation: Conversation) -> list[tuple[int, int, int]]:
    """(prompt number, which, of how many) for each turn of the visible branch with alternatives,
    as the export names them ("branch 2 of 3 at prompt 4")."""
    return [(i + 1, *place(conversation, conversation.turns[i])) for i in branch_points(conversation)]
