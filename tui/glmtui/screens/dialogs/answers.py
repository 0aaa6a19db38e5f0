"""`on_answer`: what a screen does with a dialog's answer, as a worker (the callback returns at once)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from textual.dom import DOMNode

T = TypeVar("T")


def on_answer(node: DOMNode, then: Callable[[T], Coroutine[Any, Any, None]]) -> Callable[[T | None], None]:
    """A `push_screen` callback: when the dialog gave an answer (yes, a name, options: even empty
    ones), run `then(answer)` as a worker of `node`, so slow work (the network, the store) never
    blocks its message loop; a cancelled or declined dialog (None, False) does nothing."""

    def callback(answer: T | None) -> None:
        if answer is not None and answer is not False:
            node.run_worker(then(answer), exit_on_error=False)

    return callback
