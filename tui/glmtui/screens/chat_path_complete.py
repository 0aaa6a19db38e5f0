"""`@path` completion in the chat's prompt box: the list of paths above it, its keys, and accepting one
(a folder lists its entries; a file is attached through the attachments part, screens/chat_attach.py).

The rules (which `@` starts a path, escaping, the completions themselves) are core/path_complete.py and
services/attachments.py; this part follows the cursor, and keeps keys from ever waiting on file I/O.
"""

from __future__ import annotations

import asyncio

from glmtui.core.path_complete import AtToken, at_token, removed, replaced
from glmtui.screens.chat_attach import AttachHost, ChatAttachments
from glmtui.services.attachments import complete_path
from glmtui.widgets.prompt_input import PromptInput


class PathCompletion:
    """The `@path` completion of the chat screen's prompt box (one per chat screen)."""

    def __init__(self, screen: AttachHost, attachments: ChatAttachments) -> None:
        self._screen = screen
        self._attach = attachments
        self._dismissed: tuple[int, int] | None = None  # the token (row, column of @) Esc closed the list on
        self._again = False  # the prompt changed since the completions were last listed
        self._running = False  # a worker is listing them

    def prompt_key(self, key: str) -> bool:
        """The prompt box's key filter: the completion list's keys while it shows; Backspace in an
        empty box removes the last chip."""
        if self._screen.path_completions.take_key(key):
            if key == "escape":
                self._dismissed = self._token_place()
            return True
        prompt = self._screen.prompt_input
        if key == "backspace" and self._attach.pending and not prompt.text:
            self._screen.app.run_worker(
                self._attach.remove(len(self._attach.pending) - 1), exit_on_error=False
            )
            return True
        if key == "enter" and self._attach.pending and not prompt.text.strip():
            prompt.post_message(PromptInput.Submitted(prompt, ""))  # attachments alone are a prompt too
            return True
        return False

    def _token(self) -> tuple[int, AtToken] | None:
        prompt = self._screen.prompt_input
        row, column = prompt.cursor_location
        token = at_token(prompt.document.get_line(row), column)
        return (row, token) if token is not None else None

    def _token_place(self) -> tuple[int, int] | None:
        found = self._token()
        return (found[0], found[1].start) if found is not None else None

    def prompt_changed(self) -> None:
        """The prompt's text or cursor changed: list the completions again, in a worker (listing a
        folder is file I/O, in a thread; keys never wait for it). One worker at a time: changes made
        while it lists are listed once more when it is done, so the last state always wins."""
        self._again = True
        if not self._running:
            self._running = True
            self._screen.app.run_worker(self._relist(), group="path-complete", exit_on_error=False)

    async def _relist(self) -> None:
        try:
            while self._again:
                self._again = False
                await self.prompt_moved()
        finally:
            self._running = False

    async def prompt_moved(self) -> None:
        """The prompt's text or cursor changed: list the completions of the `@path` at the cursor."""
        completions = self._screen.path_completions
        found = self._token()
        place = (found[0], found[1].start) if found is not None else None
        if found is None or place == self._dismissed:
            self._dismissed = self._dismissed if found is not None else None
            completions.close()
            return
        paths = await asyncio.to_thread(complete_path, found[1].path, self._attach.cwd)
        if not self._again:  # changed meanwhile: the next round lists what is there now
            completions.open(paths)

    def accept(self, path: str) -> None:
        """A completion was accepted: it goes into the text (escaped, core/path_complete.py). A folder
        then lists its entries; a file is read and attached, and only once it is attached does its
        `@path` leave the text: refused (a text-only model, a file gone meanwhile), the typed path stays
        for the user to fix or send as text."""
        found = self._token()
        if found is None:
            return
        row, token = found
        prompt = self._screen.prompt_input
        line = prompt.document.get_line(row)
        text, column = replaced(line, token, path)
        if not path.endswith("/"):
            self._dismissed = (row, token.start)  # no list on this token while the file is read
            self._screen.path_completions.close()
            typed = text[token.start : column]
            self._screen.app.run_worker(
                self._attach_typed(path, row, token.start, typed), exit_on_error=False
            )
        prompt.replace(text, (row, 0), (row, len(line)))
        prompt.cursor_location = (row, column)

    async def _attach_typed(self, path: str, row: int, start: int, typed: str) -> None:
        """Attach an accepted file; attached, its `@path` (`typed`, at `row`, `start`) leaves the prompt."""
        await self._attach.attach(path, then=lambda: self._drop_typed(row, start, typed))
        if self._dismissed == (row, start):
            self._dismissed = None  # the next edit of the token lists completions again

    def _drop_typed(self, row: int, start: int, typed: str) -> None:
        """Take an attached file's `@path` off the prompt, unless the user changed that text meanwhile
        (then it is theirs to keep)."""
        prompt = self._screen.prompt_input
        if row >= prompt.document.line_count:
            return
        line = prompt.document.get_line(row)
        end = start + len(typed)
        if line[start:end] != typed or line[end : end + 1].strip():
            return
        text, _ = removed(line, AtToken(start, end, typed))
        cursor_row, cursor_column = prompt.cursor_location
        prompt.replace(text, (row, 0), (row, len(line)))
        if cursor_row == row:  # the cursor keeps its place in the text around the token
            shift = cursor_column - (end - start) if cursor_column >= end else min(cursor_column, start)
            prompt.cursor_location = (row, shift)
