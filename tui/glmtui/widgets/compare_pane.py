"""ComparePane: one side (A or B) of the compare screen — a title line over its own ChatPane.

The pane holds what makes its side different in one `PaneModel` (`self.state`): the model, its facts
(`/api/show`), the think setting and the options, so a blind run's shuffle swaps two objects. The
title line says what the pane is doing — queued, loading the model, thinking, streaming at ~N tok/s,
done at the exact rate, stopped, failed, not installed, pulling — refreshed by the screen's live
timer, never per token.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from glmtui.core.endpoints import ModelRef
from glmtui.core.state import GenerationRequest, ThinkSetting, Turn, TurnStatus
from glmtui.core.stats import LiveStats, rate_text
from glmtui.core.think import effective_think
from glmtui.core.units import duration, format_seconds
from glmtui.services.compare import PaneModel
from glmtui.services.engines.base import Engine
from glmtui.widgets.chat_pane import ChatPane

OPTION_LABELS = {
    "temperature": "temp",
    "top_p": "top_p",
    "top_k": "top_k",
    "seed": "seed",
    "num_ctx": "ctx",
    "num_predict": "max",
}


class ComparePane(Vertical):
    """One side of an A/B comparison."""

    DEFAULT_CSS = """
    ComparePane { width: 1fr; height: 1fr; }
    ComparePane > .pane-title { height: 1; background: $panel; padding: 0 1; }
    ComparePane.-active > .pane-title { background: $primary 45%; text-style: bold; }
    ComparePane > ChatPane { height: 1fr; }
    """

    def __init__(
        self,
        side: str,
        service: Engine,
        state: PaneModel,
        *,
        system: str | None,
        keep_alive: str | None,
        low_bandwidth: bool = False,
    ) -> None:
        super().__init__(id=f"pane-{side}")
        self.side = side
        self.letter = side.upper()
        self.state = state  # the model and all that is known about it: a blind shuffle swaps these
        self.keep_alive = keep_alive
        self.model_loading = False  # the model was not in memory when the request went out
        self.hidden = False  # blind run, not voted yet: the model stays a secret
        self.same_as_other = False
        self.show_endpoint = False  # several endpoints: the title names this side's (`node1 · model`)
        self.live: LiveStats | None = None
        self._title = Static(classes="pane-title", markup=False)
        self.chat = ChatPane(service, system=system, low_bandwidth=low_bandwidth)

    def compose(self) -> ComposeResult:
        yield self._title
        yield self.chat

    @property
    def model(self) -> str:
        return self.state.model

    @property
    def endpoint(self) -> str:
        """The endpoint this side's model is on (its engine streams the replies)."""
        return self.state.endpoint

    @property
    def label(self) -> str:
        """`node1 · glm-4.7-flash` with several endpoints, else the model's name."""
        return ModelRef(self.endpoint, self.model).label if self.show_endpoint else self.model

    def use_engine(self, engine: Engine) -> None:
        """Stream through this engine from the next request (the side's endpoint's, set as it is sent:
        a blind shuffle or a new pick moves the model to another endpoint)."""
        self.chat.service = engine

    @property
    def installed(self) -> bool | None:
        """Whether this side's model is installed (None: not checked yet)."""
        return self.state.installed

    @property
    def think(self) -> ThinkSetting | None:
        state = self.state
        return effective_think(self.model, state.details, state.think_pref, chosen=state.think_chosen)

    @property
    def think_unknown(self) -> bool:
        """Installed, but `/api/show` could not be read: whether it thinks is unknown (not "no")."""
        return bool(self.state.installed) and self.state.details is None

    def request(self) -> GenerationRequest:
        return GenerationRequest(
            model=self.model,
            think=self.think,
            options=dict(self.state.options),
            keep_alive=self.keep_alive,
            endpoint=self.endpoint,
        )

    @property
    def last_turn(self) -> Turn | None:
        turns = self.chat.conversation.turns
        return turns[-1] if turns else None

    def on_chat_pane_started(self, event: ChatPane.Started) -> None:
        self.live = event.live  # the message goes on up to the screen
        self.refresh_title()

    # -- the title line ---------------------------------------------------------------------------

    def refresh_title(self) -> None:
        grid = Table.grid(expand=True)
        who = self._who()
        # The model name is what tells the panes apart (often only its tag differs): it keeps its
        # room and the state on the right gives way.
        name_room = len(self.letter) + 2 + (0 if self.hidden else len(self.label))
        grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis", min_width=min(name_room, 60))
        grid.add_column(no_wrap=True, justify="right", overflow="ellipsis")
        grid.add_row(who, self._state())
        self._title.update(grid)

    def title_text(self) -> str:
        """The title line as plain text (what the user reads; tests too)."""
        return f"{self._who().plain}  {self._state().plain}"

    def _who(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(self.letter, style="bold")
        if self.hidden:
            text.append("  model hidden until you vote (F6)", style="italic")
            return text
        text.append(f"  {self.label}")
        think = self.think
        if self.think_unknown:
            text.append(f"  think {think or 'unknown'} (capabilities not read)")
        elif think is not None:
            text.append(f"  think {think}")
        for key, label in OPTION_LABELS.items():
            if key in self.state.options:
                text.append(f"  {label} {self.state.options[key]}", style="dim")
        if self.same_as_other:
            text.append("  (same model on both sides: a consistency check)", style="italic")
        return text

    def _state(self) -> Text:
        """What this side is doing now, in a few words."""
        if self.installed is False:
            return self._missing_state()
        turn = self.last_turn
        if turn is None:
            return Text("ready", style="dim") if self.installed else Text("checking…", style="dim")
        if turn.status is TurnStatus.STREAMING:
            return self._streaming_state()
        stats = turn.stats
        if turn.status is TurnStatus.FAILED:
            return Text("✗ failed", style="bold red")
        if turn.status is TurnStatus.STOPPED:
            received = stats.thinking_tokens + stats.content_tokens
            return Text(f"⏹ stopped after {received} tokens", style="yellow")
        text = Text(f"✓ {rate_text(stats)} · {stats.eval_count or 0} tok", style="green")
        if self.model_loading and stats.load_s is not None:
            text.append(f" · load {format_seconds(stats.load_s)}", style="dim")
        return text

    def _streaming_state(self) -> Text:
        live = self.live
        if self.chat.is_queued:
            return Text("queued: runs when A has finished", style="italic")
        if live is None:
            return Text("sending…", style="italic")
        if live.first_token_at is None:
            waited = format_seconds(time.monotonic() - live.started)
            return Text(
                f"loading model… {waited}" if self.model_loading else f"waiting… {waited}", style="italic"
            )
        rate = live.rate()
        phase = "thinking" if live.first_content_at is None and live.thinking_tokens else "streaming"
        text = Text(
            f"{phase} ~{rate:.0f} tok/s · {live.tokens} tok"
            if rate is not None
            else f"{phase} · {live.tokens} tok"
        )
        if self.model_loading and live.ttft_s is not None:
            text.append(f" · load ~{format_seconds(live.ttft_s)}", style="dim")
        return text

    def _missing_state(self) -> Text:
        job = self.state.pull
        if job is not None and job.state == "pulling":
            pct = f"{100 * job.fraction:.0f}%" if job.fraction is not None else "…"
            return Text(f"⤓ pulling {pct} · ETA {duration(job.eta_s)}", style="yellow")
        if job is not None and job.state == "queued":
            return Text("⤓ pull queued", style="yellow")
        if self.state.pull_refused:  # its server cannot pull, or pulls go to another: the notice says why
            return Text("✗ not installed here · no pull (see below)", style="bold red")
        return Text("✗ not installed · F7 pulls it", style="bold red")

    def set_options(self, options: Mapping[str, Any]) -> None:
        self.state.options = dict(options)
        self.refresh_title()
