"""`ChatHost`: what every part of the chat screen (context, presets, attachments, branches, thinking,
sending) needs of the screen — a protocol, so the parts live beside the screen without importing it.
A part that needs more extends it with its own few members."""

from __future__ import annotations

from typing import Protocol

from rich.text import Text

from glmtui.surface import AppSurface
from glmtui.widgets.chat_pane import ChatPane
from glmtui.widgets.prompt_input import PromptInput
from glmtui.widgets.status_bar import StatusBar


class ChatHost(Protocol):
    """The chat screen as its parts see it: the app, the chat pane, the prompt box, the status bar, and
    a line of information in the chat's flow."""

    @property
    def app(self) -> AppSurface: ...

    @property
    def pane(self) -> ChatPane: ...

    @property
    def prompt_input(self) -> PromptInput: ...

    @property
    def status_bar(self) -> StatusBar: ...

    async def show_notice(self, text: str | Text) -> None: ...
