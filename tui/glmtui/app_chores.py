"""The app's chores beside navigation: at start, at quit, and in the background.

At start: the problems found (config, keymap, themes, history) said once, the stored blind votes and
VRAM corrections read, `--continue`'s conversation resumed. At quit: a running pull asked about first.
In between: a pull's end said, a model unloaded, the monitor shown or hidden, a picked theme
remembered. Plain functions over the `AppSurface`, as commands.py's navigation is: `app.py` calls them
(a floor above the screens: the quit dialog is imported when it is needed).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from glmtui.core.errors import GlmTuiError
from glmtui.core.state import PullProgress
from glmtui.services.compare import VOTES, VoteRecord
from glmtui.surface import AppSurface, PullAware

# -- start and quit ---------------------------------------------------------------------------------

SHOWN_PROBLEMS = 2  # more problems at start than this: one toast that counts them, and a list


def report_problems(app: AppSurface) -> None:
    """What went wrong at start (config, keymap, themes, history), once the app is up."""
    if len(app.problems) <= SHOWN_PROBLEMS:
        for problem in app.problems:
            app.notify(problem, severity="warning", timeout=10)
        return
    app.notify(  # one toast, not a dozen over the chat: the palette lists them all
        f"{len(app.problems)} problems at start (each falls back to its default), the first:\n"
        f"{app.problems[0]}\nCtrl+P → “Show start-up problems” lists them all.",
        severity="warning",
        timeout=15,
    )


def say_how_to_quit(app: AppSurface) -> None:
    """Ctrl+C outside a text box. Textual's own version writes its message as markup
    (`[b]ctrl+q[/b]`), which glmtui's plain-text notifications would show tags and all."""
    for active in app.active_bindings.values():
        if active.binding.action in ("quit", "app.quit"):
            app.notify(f"Press {app.get_key_display(active.binding)} to quit the app.", title="Quit?")
            return


def quit_asks_first(app: AppSurface, quit_now: Callable[[], Awaitable[None]]) -> bool:
    """A pull running or queued is asked about before quitting: it is minutes of download that
    quitting stops (Ollama keeps the part downloaded). Ctrl+Q again in that dialog means yes.
    True when the question is (or was) on screen: the dialog's answer decides."""
    from glmtui.screens.dialogs.quit import QuitPullsScreen, pulls_to_stop  # only when quitting

    if isinstance(app.screen, QuitPullsScreen):
        app.screen.dismiss(True)
        return True
    message = pulls_to_stop(app.pulls.jobs)
    if message is None:
        return False

    async def answered(quit: bool | None) -> None:
        if quit:
            await quit_now()

    app.push_screen(QuitPullsScreen(message, yes="Quit", no="Keep pulling", danger=True), answered)
    return True


def pull_finished(app: AppSurface, job: PullProgress) -> None:
    """Say that a pull ended: the screen on top says it its own way if it wants to."""
    if job.state == "failed":
        app.notify(
            f"{job.error}" + (f" — {job.hint}" if job.hint else ""),
            title=f"Pull {job.name}",
            severity="error",
            timeout=8,
        )
        return
    if job.state != "done":
        return
    screen = app.screen
    if isinstance(screen, PullAware) and screen.pull_finished(job):
        return
    app.notify(f"{job.name} is installed. F4, then Enter on it, switches to it.", title="Pull", timeout=6)


# -- the app's background chores ------------------------------------------------------------------


async def load_votes(app: AppSurface) -> None:
    """Earlier sessions' blind votes, so the tally per model pair covers them too."""
    stored = [
        VoteRecord(a, b, VOTES[vote], rounds, endpoint_a=endpoint_a, endpoint_b=endpoint_b)
        for a, b, vote, rounds, endpoint_a, endpoint_b in await app.journal.votes()
        if vote in VOTES  # a row another version wrote with an unknown vote is left out
    ]
    app.compare_votes[:0] = stored


async def load_corrections(app: AppSurface) -> None:
    """Earlier sessions' measured/estimated ratios, per model digest."""
    app.load_checker.remember(await app.journal.corrections())


async def unload(app: AppSurface, model: str) -> None:
    """Unload a model of the chat's endpoint now."""
    try:
        await app.service.unload(model)
    except GlmTuiError as exc:
        app.notify(f"Could not unload {model}: {exc.message}", severity="error")
        return
    app.notify(f"Unloaded {model}", timeout=3)
    app.monitor.refresh_ollama()


async def continue_last(app: AppSurface) -> None:
    """`--continue`: the most recent conversation, on its endpoint (chat_endpoint.resumed_endpoint)."""
    await app.resume(await app.journal.last_id())


def toggle_monitor(app: AppSurface, min_width: int) -> None:
    app.show_monitor = not app.show_monitor
    if app.show_monitor and app.size.width < min_width:
        app.notify(f"The monitor needs a terminal at least {min_width} columns wide.", timeout=3)
    app.monitor.refresh_ollama()  # fresh figures the moment it shows
    app.engine_metrics.refresh()


def remember_theme(app: AppSurface, key: str, name: str) -> None:
    """A theme picked in the palette, remembered for the next run."""
    app.run_worker(app.journal.remember(key, name), group="remember-theme", exit_on_error=False)
