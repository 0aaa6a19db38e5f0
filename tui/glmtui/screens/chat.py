"""The chat screen: header, the chat and prompt beside the monitor sidebar, a status bar, the footer."""

from __future__ import annotations

from rich.text import Text
from textual import getters, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Static

from glmtui.core.branches import belongs
from glmtui.core.errors import GlmTuiError
from glmtui.core.state import Conversation, Turn
from glmtui.keys import key_hint
from glmtui.screens.chat_attach import ChatAttachments, Prepared
from glmtui.screens.chat_bindings import CHAT_BINDINGS
from glmtui.screens.chat_branches import ChatBranches
from glmtui.screens.chat_context import ChatContext
from glmtui.screens.chat_path_complete import PathCompletion
from glmtui.screens.chat_presets import ChatPresets
from glmtui.screens.chat_send import ChatSender
from glmtui.screens.chat_thinking import PreservedThinking
from glmtui.screens.dialogs.attach import AttachFileScreen
from glmtui.surface import AppSurface
from glmtui.widgets.attachments import AttachmentChips, Chip
from glmtui.widgets.branch_prompt import BranchPrompt
from glmtui.widgets.chat_pane import ChatPane
from glmtui.widgets.footer import QuietFooter
from glmtui.widgets.header import AppHeader
from glmtui.widgets.monitor.ollama_panel import OllamaPanel
from glmtui.widgets.monitor.sidebar import MonitorSidebar
from glmtui.widgets.path_complete import PathCompletions
from glmtui.widgets.prompt_input import PromptInput
from glmtui.widgets.status_bar import StatusBar


class ChatScreen(Screen[None]):
    """The main screen. Owns sending, stopping and showing failures for its pane.

    It is a `StreamingScreen` for the app: `streaming_models` and `stop_and_save` answer for its pane.
    """

    CSS_PATH = "chat.tcss"
    BINDINGS = CHAT_BINDINGS  # screens/chat_bindings.py
    # The sidebar compacts below 100 columns and hides below 80 (see chat.tcss).
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (80, "-compact"), (100, "-wide")]
    LIVE_TICK_S = 0.5  # live figures refresh twice a second, all in one frame

    app = getters.app(AppSurface)
    pane = getters.query_one("#chat-body", ChatPane)
    status_bar = getters.query_one(StatusBar)
    sidebar = getters.query_one(MonitorSidebar)
    prompt_input = getters.query_one(PromptInput)
    attachment_chips = getters.query_one(AttachmentChips)
    path_completions = getters.query_one(PathCompletions)
    edit_marker = getters.query_one("#edit-marker", Static)

    def __init__(self) -> None:
        super().__init__()
        self.context = ChatContext(self)
        """The context gauge's figures and the overflow guard (screens/chat_context.py)."""
        self.presets = ChatPresets(self)
        """The chat's preset and option edits (screens/chat_presets.py)."""
        self.preserved = PreservedThinking(self)
        """Whether this chat sends earlier turns' traces back (screens/chat_thinking.py)."""
        self.attach = ChatAttachments(self)
        """The next prompt's files and images (screens/chat_attach.py)."""
        self.completion = PathCompletion(self, self.attach)
        """`@path` completion in the prompt box (screens/chat_path_complete.py)."""
        self.branches = ChatBranches(self)
        """Regenerate, edit and moving between branches (screens/chat_branches.py)."""
        self.sender = ChatSender(self)
        """Sending prompts: the request, the overflow check, a queued prompt (screens/chat_send.py)."""

    def compose(self) -> ComposeResult:
        app = self.app
        yield AppHeader(id="header")
        with Horizontal(id="main"):
            with Vertical(id="chat-column"):
                yield ChatPane(
                    app.service,
                    system=app.config.system,
                    low_bandwidth=bool(app.config.low_bandwidth),
                    id="chat-body",
                )
                keymap = app.config.keymap  # the keys actually bound, after [keymap]
                newline = key_hint(keymap, "prompt-newline", PromptInput)
                stop = key_hint(keymap, "stop-reply", ChatScreen)
                yield AttachmentChips(id="attachments")
                yield PathCompletions(id="path-completions")
                yield Static(id="edit-marker", markup=False)
                yield PromptInput(
                    id="prompt",
                    placeholder=f"Message the model  (Enter sends · {newline} newline · {stop} stops)",
                )
            yield MonitorSidebar(id="monitor")
        yield StatusBar(id="status")
        yield QuietFooter()

    def on_mount(self) -> None:
        app = self.app
        header = self.query_one(AppHeader)
        header.demo = app.config.demo
        # The app owns connection and model state; this screen mirrors it into its widgets.
        self.watch(app, "model", lambda value: setattr(header, "model", value))
        self.watch(app, "model", self._model_changed, init=False)
        self.watch(app, "listing_models", lambda value: setattr(header, "listing", value))
        self.watch(app, "connection", lambda value: setattr(header, "connection", value))
        self.watch(app, "server_version", lambda value: setattr(header, "server_version", value))
        self.watch(app, "server_kind", lambda value: setattr(header, "server_kind", value))
        self.watch(app, "endpoint_statuses", lambda value: setattr(header, "endpoints", value))
        self.watch(app, "endpoint", self._endpoint_moved)
        self.watch(app, "think_label", lambda value: setattr(self.status_bar, "think", value))
        self.watch(app, "show_monitor", self._show_monitor)
        app.pulls_signal.subscribe(self, self.status_bar.show_pulls)
        self.status_bar.low_bandwidth = bool(app.config.low_bandwidth)
        tick = self.LIVE_TICK_S * (2 if app.config.low_bandwidth else 1)  # slow links: half the repaints
        self._live_timer = self.set_interval(tick, self._live_tick, pause=True)
        self.prompt_input.focus()
        self.prompt_input.key_filter = self.completion.prompt_key
        self.path_completions.on_accept = self.completion.accept

    async def _model_changed(self, model: str) -> None:
        await self.presets.model_changed(model)

    def action_pick_preset(self) -> None:
        self.presets.pick()

    def action_chat_options(self) -> None:
        self.presets.edit()

    def _endpoint_moved(self, name: str) -> None:
        """The chat moved to another endpoint: the header names its host, the pane's next request
        goes to its engine (with the whole history: the conversation stays in the pane)."""
        header = self.query_one(AppHeader)
        header.host = self.app.host
        header.endpoint = name
        if not self.pane.is_streaming:  # a reply streaming now finishes where it started
            self.pane.service = self.app.service

    def on_screen_resume(self) -> None:
        # Back from the models screen, the history, a comparison, help or a dialog: the prompt has the
        # focus, not whatever had it last (a trace's toggle), so the next thing typed is not lost.
        self.prompt_input.focus()

    def _show_monitor(self, shown: bool) -> None:
        self.set_class(not shown, "-monitor-off")

    def _live_tick(self) -> None:
        # One timer for every live figure on screen, so they repaint in the same frame.
        self.status_bar.tick()
        self.sidebar.tick()
        # The reply so far goes to the journal every few seconds and as Markdown blocks settle (the
        # journal decides; the write runs in its thread): a crash loses at most those seconds.
        partial = self.pane.partial()
        journal = self.app.journal
        if partial is not None and journal.partial_due(partial):
            self.run_worker(journal.turn_progress(partial), group="partial-save", exit_on_error=False)

    async def on_prompt_input_submitted(self, event: PromptInput.Submitted) -> None:
        event.stop()
        self.path_completions.close()
        if self.sender.refuses():  # before it is prepared: a refused prompt stages nothing (all kept)
            return
        editing = self.branches.editing
        # The attachments folded in (None: refused, all kept). An edit goes with its turn's images
        # (chat_attach.py `_images_for`): the chips above the box stay the draft's, for the next prompt.
        prepared = self.attach.prepare(event.text) if editing is None else Prepared(event.text, (), ())
        if prepared is not None and await self.submit(prepared.text, from_input=True, sibling_of=editing):
            event.input.clear()
            if editing is not None or self.branches.carrying:
                self.branches.edit_sent()  # the draft from before comes back

    def on_text_area_changed(self, event: PromptInput.Changed) -> None:
        if event.text_area is self.prompt_input:
            self.completion.prompt_changed()

    def on_text_area_selection_changed(self, event: PromptInput.SelectionChanged) -> None:
        if event.text_area is self.prompt_input:
            self.completion.prompt_changed()

    async def on_chip_remove(self, event: Chip.Remove) -> None:
        event.stop()
        await self.attach.remove(event.index)
        self.prompt_input.focus()

    def action_attach_file(self) -> None:
        """The file picker; the chosen file is attached as an accepted `@path` is."""

        def chosen(path: str | None) -> None:
            if path:
                self.run_worker(self.attach.attach(path), exit_on_error=False)

        self.app.push_screen(AttachFileScreen(self.attach.cwd), chosen)

    async def submit(
        self, text: str, *, from_input: bool = False, checked: bool = False, sibling_of: Turn | None = None
    ) -> bool:
        """Send a prompt (screens/chat_send.py `ChatSender.submit`)."""
        return await self.sender.submit(text, from_input=from_input, checked=checked, sibling_of=sibling_of)

    @property
    def submitting(self) -> bool:
        """A prompt is being checked before it is sent (or the overflow dialog asks about it)."""
        return self.sender.submitting

    async def model_ready(self) -> None:
        """The app knows its model now (or is back online): send the prompt queued meanwhile, if any."""
        await self.sender.model_ready()

    async def action_regenerate(self) -> None:
        """The last reply again, with the model and options set now, as a new branch (a failed last
        prompt is retried this way: the failed turn is kept as a branch, out of the context)."""
        await self.branches.regenerate()

    def action_edit_prompt(self) -> None:
        """Pick a prompt of the branch shown; Enter sends the edited text as a new branch."""
        self.branches.edit()

    async def action_branch(self, delta: int) -> None:
        """Show the previous (-1) or next (1) alternative of the last prompt with branches."""
        await self.branches.step(delta)

    async def on_branch_prompt_step(self, event: BranchPrompt.Step) -> None:
        event.stop()
        await self.branches.step(event.delta, event.turn)

    def on_chat_pane_started(self, event: ChatPane.Started) -> None:
        self.status_bar.follow(event.live)
        self.sidebar.follow(event.live)
        self._live_timer.resume()

    def streaming_models(self) -> list[str]:
        """The model streaming in this screen's pane, if any."""
        model = self.pane.streaming_model
        return [model] if model else []

    async def stop_and_save(self) -> None:
        """Stop the reply streaming now, if any, and save the last turn as it stands (partial text
        and all): once the app quits, the pane's Finished handler would not run any more."""
        await self.pane.stop_and_wait()
        last = self.pane.conversation.turns[-1] if self.pane.conversation.turns else None
        if last is not None and last.id is not None:
            await self.app.journal.turn_ended(last)

    async def show_conversation(self, conversation: Conversation) -> None:
        """Show a saved conversation; the next prompt continues it."""
        self.branches.reset()
        self.preserved.reset()  # per chat, off at first: not the toggle of the chat shown before
        await self.pane.load(conversation)
        self.presets.resumed(conversation)  # the preset its last turn was sent with, or none (said so)
        self.show_last(conversation.turns[-1] if conversation.turns else None)
        notice = conversation.branches.notice
        if notice:  # a stored parent was missing: the conversation opens anyway, and says so
            conversation.branches.notice = None
            await self.show_notice(Text(f"⚠ {notice}"))
            self.notify(notice, severity="warning", timeout=8)

    def show_last(self, turn: Turn | None) -> None:
        """The status bar's last figures: a resumed or new conversation's own, never another's."""
        self.status_bar.last = turn
        self.context.show(None)
        if turn is not None:
            self._context_after(turn, notices=False)

    @work(exclusive=True, group="context", exit_on_error=False)
    async def _context_after(self, turn: Turn, *, notices: bool = True) -> None:
        """The gauge (and any notice) for `turn`, in a worker: /api/ps is asked. The latest wins."""
        await self.context.reply_done(turn, notices=notices)

    def _reply_ended(self, turn: Turn) -> bool:
        """The live figures stop; the bar shows `turn`'s when it is of the conversation shown (a turn
        stopped as another conversation opened is not: that one's figures stay). True if it is."""
        self._live_timer.pause()
        bar = self.status_bar
        bar.follow(None)
        self.sidebar.follow(None)
        shown = belongs(self.pane.conversation, turn)
        if shown:
            bar.last = turn
        return shown

    async def on_chat_pane_finished(self, event: ChatPane.Finished) -> None:
        shown = self._reply_ended(event.turn)
        self.app.reply_finished(event.turn)
        if shown:
            self._context_after(event.turn)
        await self.app.journal.turn_ended(event.turn)

    async def on_chat_pane_failed(self, event: ChatPane.Failed) -> None:
        self._reply_ended(event.turn)
        await self.app.journal.turn_ended(event.turn)
        retry = key_hint(self.app.config.keymap, "retry-prompt", ChatScreen)
        error = event.error
        if error.kind == "no-images":  # learnt: the next request leaves the earlier images out
            self.attach.images_refused(event.turn.model, event.turn.endpoint)
        hint = "; ".join(part for part in (error.hint, f"{retry} retries this prompt") if part)
        await self.show_error(GlmTuiError(error.message, hint, error.kind))
        self.app.reply_failed(error)

    async def show_error(self, error: GlmTuiError) -> None:
        """An error in the flow of the chat (stays visible) and as a toast."""
        await self.pane.log_view.add_error(error.message, error.hint)
        self.notify(error.message, title="Ollama", severity="error")

    async def show_notice(self, text: str | Text) -> None:
        await self.pane.log_view.add_notice(text)

    def action_stop(self) -> None:
        if self.branches.cancel_edit():
            return
        if not self.pane.stop():
            self.notify("Nothing is streaming.", timeout=2)

    def on_ollama_panel_unload_requested(self, event: OllamaPanel.UnloadRequested) -> None:
        self.app.unload_model(event.model)

    def action_toggle_monitor(self) -> None:
        self.app.toggle_monitor()

    def action_focus_loaded(self) -> None:
        """Into the Ollama panel, to pick a loaded model and unload it (Tab or Shift+Tab leaves)."""
        panel = self.query_one(OllamaPanel)
        if not self.sidebar.display:
            self.notify("The monitor is hidden: F2 shows it.", timeout=3)
            return
        panel.focus()

    def action_models(self) -> None:
        self.app.open_models()

    def action_history(self) -> None:
        self.app.open_history()

    def action_usage(self) -> None:
        self.app.open_usage()

    def action_copy(self) -> None:
        self.app.copy_last_reply()

    async def action_compare(self) -> None:
        await self.app.open_compare()

    def action_bench(self) -> None:
        self.app.open_bench()

    def action_arena(self) -> None:
        self.app.open_arena()

    def action_cycle_think(self) -> None:
        self.app.cycle_think()

    def action_toggle_preserved_thinking(self) -> None:
        self.preserved.toggle()

    async def action_new_chat(self) -> None:
        if self.submitting:
            self.notify("A prompt is being checked before it is sent: a new chat once it is.", timeout=4)
            return
        await self.new_chat()

    async def new_chat(self) -> None:
        """Start a new conversation (the old one stays saved)."""
        await self.pane.stop_and_wait()
        self.branches.reset()
        self.pane.new_conversation(self.presets.system)  # the old one stays saved; the preset goes on
        self.preserved.reset()
        self.show_last(None)
        await self.pane.log_view.clear_turns()
        self.prompt_input.focus()
