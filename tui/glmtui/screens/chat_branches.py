"""The chat's branches: regenerate, edit an earlier prompt, move between alternatives.

Owned by the chat screen (one pane, one prompt box). The tree itself is core/branches.py; this module
decides what the keys do with it:

- Regenerate (Ctrl+R): the last prompt again, with the model, options and think set now, as a new
  alternative beside the last turn. A failed last prompt is retried this way (the failed one is kept
  as a branch, out of the context).
- Edit (Alt+E): pick a prompt of the visible branch; its text goes into the box with a marker; Enter
  sends it as an alternative beside that turn, Esc cancels. An edit ended other than by sending (Esc,
  a move off its branch, a new or resumed chat) puts back the draft the box held before, if the edited
  text was not touched; a changed text stays (what was typed is never thrown away).
- Move (‹ › on a prompt, or Alt+←/→): Alt+←/→ move the prompt last moved, while it is on the visible
  branch, else the last prompt with alternatives. Refused while a reply streams (the branch it
  streams into must stay the one shown), and while a prompt is checked before it goes (the
  overflow check awaits the server: the prompt goes where it was checked for).
"""

from __future__ import annotations

from typing import Protocol

from rich.text import Text
from textual.widgets import Static

from glmtui.core import branches
from glmtui.core.state import Turn
from glmtui.screens.chat_attach import ChatAttachments
from glmtui.screens.chat_host import ChatHost
from glmtui.screens.dialogs.edit_prompt import EditPromptScreen
from glmtui.services.branch_store import set_leaf

STREAMING = "A reply is streaming: {what} once it ends (Esc stops it)."
CHECKING = "A prompt is being checked before it is sent: {what} once it is."
STEPPING = "Another branch is being shown: {what} once it is."


class BranchHost(ChatHost, Protocol):
    """What the branches need of their screen (the chat screen; a protocol, not an import of it)."""

    @property
    def edit_marker(self) -> Static: ...

    @property
    def submitting(self) -> bool: ...

    attach: ChatAttachments

    async def submit(self, text: str, *, sibling_of: Turn | None = None) -> bool: ...

    def show_last(self, turn: Turn | None) -> None: ...


class ChatBranches:
    """The edit in progress, and which prompt Alt+←/→ move."""

    def __init__(self, screen: BranchHost) -> None:
        self._screen = screen
        self.editing: Turn | None = None
        """The turn whose prompt is being edited (Enter sends a sibling of it), or None."""
        self._draft = ""  # the box's text before the edit began, given back after it
        self._moved: Turn | None = None  # the prompt last moved with ‹ › or Alt+←/→
        self._carried: str | None = None  # a prompt moved to a new chat holds the box over the draft
        self.stepping = False
        """Another branch is being shown (its turns mount): Enter waits, so a prompt continues the branch
        that ends up shown, not the one being left."""

    @property
    def draft(self) -> str:
        """The box's text from before the edit in progress ("" when none)."""
        return self._draft

    @property
    def carrying(self) -> bool:
        """A prompt moved to this new chat has the box; the draft comes back after it (`carry`)."""
        return self._carried is not None

    def carry(self, text: str, draft: str) -> bool:
        """The overflow dialog's "new chat" moved `text` (regenerated or edited) here: it takes the box.
        A `draft` the box held is given back once it is sent or at Esc, as an edit's is (True: held;
        the caller holds the draft's chips the same way)."""
        box = self._screen.prompt_input
        box.load_text(text)
        box.move_cursor(box.document.end)
        if not draft.strip() and not self._screen.attach.draft_chips:
            return False
        self._carried, self._draft = text, draft
        marker = self._screen.edit_marker
        marker.update(Text("↪ the prompt moved to this new chat — Enter sends it, Esc puts your draft back"))
        marker.display = True
        return True

    def _refused_while_busy(self, what: str) -> bool:
        """Refused (and said so) while a reply streams, or a prompt is checked before it goes (a regenerate
        or edit checked for one branch would otherwise be sent on the branch moved to)."""
        screen = self._screen
        busy = (
            STREAMING
            if screen.pane.is_busy
            else CHECKING
            if screen.submitting
            else STEPPING
            if self.stepping
            else None
        )
        if busy is not None:
            screen.app.notify(busy.format(what=what), severity="warning", timeout=4)
            return True
        return False

    # -- regenerate --------------------------------------------------------------------------------

    async def regenerate(self) -> None:
        if self._refused_while_busy("regenerate it"):
            return
        turns = self._screen.pane.conversation.turns
        if not turns:
            self._screen.app.notify("Nothing to regenerate yet: send a prompt first.", timeout=3)
            return
        last = turns[-1]
        self._moved = None  # Alt+←/→ now move the new alternatives
        await self._screen.submit(last.prompt, sibling_of=last)

    # -- edit ---------------------------------------------------------------------------------------

    def edit(self) -> None:
        if self._refused_while_busy("edit a prompt"):
            return
        turns = list(self._screen.pane.conversation.turns)
        if not turns:
            self._screen.app.notify("No prompt to edit yet.", timeout=3)
            return

        def picked(index: int | None) -> None:
            if index is not None and not self._screen.pane.is_busy:
                self.start_edit(turns[index], index + 1)

        self._screen.app.push_screen(EditPromptScreen([t.prompt for t in turns]), picked)

    def start_edit(self, turn: Turn, number: int) -> None:
        """Put `turn`'s prompt (number `number` of the branch) in the box, marked as an edit."""
        box = self._screen.prompt_input
        if self.editing is None:
            self._draft = box.text
        self.editing = turn
        box.load_text(turn.prompt)
        box.move_cursor(box.document.end)
        marker = self._screen.edit_marker
        marker.update(Text(f"✎ editing prompt {number} — Enter sends a new branch, Esc cancels"))
        marker.display = True
        box.focus()

    def cancel_edit(self) -> bool:
        """Esc while editing (or while a moved prompt holds the box): leave it (True), else False (Esc
        does what it does otherwise)."""
        if self.editing is None and self._carried is None:
            return False
        what = "Edit cancelled" if self.editing is not None else "The moved prompt was put away"
        self._leave_edit()
        self._screen.app.notify(f"{what}: nothing was sent.", timeout=3)
        return True

    def _leave_edit(self) -> None:
        """The edit ends other than by sending (Esc, a move off its branch, another conversation shown):
        an untouched edited text gives the draft back; a changed one stays (typing is never thrown away)."""
        held = self.editing.prompt if self.editing is not None else self._carried
        if held is None:
            return
        box = self._screen.prompt_input
        if box.text == held:
            box.load_text(self._draft)
            box.move_cursor(box.document.end)
        if self._carried is not None:
            self._screen.attach.give_back()
        self._end_edit()

    def drop_edit(self) -> None:
        """The edit (or a moved prompt's hold) ends and the box keeps what it holds: the prompt is sent in
        a new chat instead (the overflow dialog's "new chat"), so it stays in the box for Enter; the
        draft's chips stay held (the caller carries the draft on, `carry`)."""
        if self.editing is not None or self._carried is not None:
            self._end_edit()

    def edit_sent(self) -> None:
        """The edited prompt went out (the box was cleared): the draft from before comes back."""
        if self.editing is None and self._carried is None:
            return
        if self._carried is not None:
            self._screen.attach.give_back()
        box = self._screen.prompt_input
        if self._draft and not box.text:
            box.load_text(self._draft)
            box.move_cursor(box.document.end)
        self._end_edit()
        self._moved = None  # Alt+←/→ now move the new alternatives

    def _end_edit(self) -> None:
        self.editing = None
        self._carried = None
        self._draft = ""
        self._screen.edit_marker.display = False

    def reset(self) -> None:
        """Another conversation is shown (new or resumed): no edit (the draft given back), no prompt
        moved."""
        self._leave_edit()
        self._moved = None

    # -- moving between branches --------------------------------------------------------------------

    def target(self) -> Turn | None:
        """The prompt Alt+←/→ move: the one last moved while it is shown and has alternatives, else
        the last prompt of the visible branch with alternatives (None: there is none)."""
        conversation = self._screen.pane.conversation
        points = branches.branch_points(conversation)
        turns = conversation.turns
        moved = self._moved
        if moved is not None and any(turns[i] is moved for i in points):
            return moved
        return turns[points[-1]] if points else None

    async def step(self, delta: int, turn: Turn | None = None) -> None:
        """Show the alternative `delta` away from `turn` (None: `target()`), and the branch below it."""
        if self._refused_while_busy("move between branches"):
            return
        screen = self._screen
        app = screen.app
        turn = turn if turn is not None else self.target()
        conversation = screen.pane.conversation
        index = next((i for i, t in enumerate(conversation.turns) if t is turn), None)
        if turn is None or index is None:
            app.notify("No prompt has other branches: Ctrl+R regenerates, Alt+E edits a prompt.", timeout=4)
            return
        chosen = branches.step(conversation, turn, delta)
        which, count = branches.place(conversation, chosen or turn)
        if chosen is None:
            app.notify(f"Prompt {index + 1}: already branch {which} of {count}.", timeout=3)
            return
        self._moved = chosen
        if self.editing is not None and not any(t is self.editing for t in conversation.turns):
            self._leave_edit()  # the prompt being edited is on the branch just left
        self.stepping = True
        try:
            await screen.pane.show_branch(index)
        finally:
            self.stepping = False
        screen.prompt_input.focus()  # after a click on ‹ ›: the next prompt continues this branch
        screen.show_last(conversation.turns[-1])
        app.notify(f"Prompt {index + 1}: branch {which} of {count}.", timeout=3)
        # Reopening shows the branch last shown: up to its last saved turn (one never saved, a queued
        # prompt stopped unsent, is not in the store to end it).
        leaf = branches.saved_ancestor(conversation.turns[-1])
        leaf_id = leaf.id if leaf is not None else None
        journal = app.journal
        if conversation.id is not None and leaf_id is not None and journal.store is not None:
            await journal.run(set_leaf, journal.store, conversation.id, leaf_id)
