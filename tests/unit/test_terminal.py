"""The command line refuses a terminal that cannot draw the UI; headless flags still work there."""

from __future__ import annotations

import os
import subprocess
import sys

from glmtui.__main__ import terminal_problem


def test_a_dumb_terminal_is_refused_in_one_line_and_a_capable_one_is_not() -> None:
    for term in ("dumb", "unknown"):
        problem = terminal_problem({"TERM": term}, stdout_tty=True)
        assert problem is not None and "\n" not in problem and f"TERM={term}" in problem
    assert terminal_problem({"TERM": "xterm-256color"}, stdout_tty=True) is None
    assert terminal_problem({"TERM": "xterm"}, stdout_tty=True) is None


def test_term_dumb_exits_2_with_the_message_and_help_and_version_still_run() -> None:
    import pty

    env = {**os.environ, "TERM": "dumb"}
    # A pty, so stdout is a terminal as when a person runs it.
    pid, fd = pty.fork()
    if pid == 0:
        os.execvpe(sys.executable, [sys.executable, "-m", "glmtui", "--host", "http://127.0.0.1:9"], env)
    out = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 2
    assert b"cannot show the full-screen UI" in out and b"\x1b[" not in out
    for flag in ("--version", "--help"):
        done = subprocess.run(
            [sys.executable, "-m", "glmtui", flag], env=env, capture_output=True, timeout=30
        )
        assert done.returncode == 0 and b"glmtui" in done.stdout
