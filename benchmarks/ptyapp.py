"""Run glmtui in a pseudo-terminal and watch it like a terminal would (shared by the benchmarks).

The app runs in its own process with a real PTY of a fixed size; a reader thread timestamps every
byte it writes, `/proc` gives its CPU time and RSS, and GLMTUI_TRACE gives a few in-app events.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from glmtui.simulator import Simulator

CLK_TCK = os.sysconf("SC_CLK_TCK")


class PtyApp:
    """glmtui in a PTY: send keys, wait for output or trace events, read CPU and memory."""

    def __init__(
        self, args: list[str], cols: int = 120, rows: int = 40, env: dict[str, str] | None = None
    ) -> None:
        self.trace_path = Path(tempfile.mkstemp(prefix="glmtui-trace-", suffix=".jsonl")[1])
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        full_env = {
            **os.environ,
            "TERM": "xterm-256color",
            "COLORTERM": "truecolor",
            "GLMTUI_TRACE": str(self.trace_path),
            **(env or {}),
        }
        full_env.pop("NO_COLOR", None)
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "glmtui", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=full_env,
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self.master = master
        self.chunks: list[tuple[float, bytes]] = []
        self.total_bytes = 0
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 1 << 16)
            except OSError:
                return
            if not data:
                return
            now = time.monotonic()
            with self._lock:
                self.chunks.append((now, data))
                self.total_bytes += len(data)

    # -- input ---------------------------------------------------------------------------------------
    def type(self, text: str) -> None:
        os.write(self.master, text.encode())

    # -- output --------------------------------------------------------------------------------------
    def find_output(self, needle: bytes, since: float) -> float | None:
        """Time of the first output chunk at/after `since` whose text (with a little before) has needle."""
        with self._lock:
            chunks = list(self.chunks)
        previous = b""
        for t, data in chunks:
            if t >= since and needle in previous[-len(needle) :] + data:
                return t
            previous = data
        return None

    def wait_output(self, needle: bytes, since: float, timeout: float = 30.0) -> float:
        return self._wait(lambda: self.find_output(needle, since), timeout, f"output {needle!r}")

    def events(self, name: str) -> list[dict[str, Any]]:
        try:
            text = self.trace_path.read_text()
        except FileNotFoundError:
            return []
        # The app may be writing a line as we read: only whole lines (ending in a newline) count.
        lines = text.split("\n")[:-1]
        return [e for e in map(json.loads, lines) if e["event"] == name]

    def wait_event(self, name: str, count: int, timeout: float = 120.0) -> dict[str, Any]:
        def check() -> dict[str, Any] | None:
            found = self.events(name)
            return found[count - 1] if len(found) >= count else None

        return self._wait(check, timeout, f"trace event {name} #{count}")

    def _wait(self, check: Callable[[], Any], timeout: float, what: str) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            result = check()
            if result is not None:
                return result
            if self.proc.poll() is not None:
                raise RuntimeError(f"glmtui exited ({self.proc.returncode}) while waiting for {what}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out waiting for {what}")
            time.sleep(0.005)

    # -- process figures -----------------------------------------------------------------------------
    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.type("\x11")  # ctrl+q
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        os.close(self.master)
        self.trace_path.unlink(missing_ok=True)


def resumed_app(url: str, model: str, data: Path) -> PtyApp:
    """glmtui on `url` with `data` as its data folder (its history database in `glmtui/`), resuming the
    newest conversation (`--continue`), the monitor off: the history benchmarks' launch."""
    env = {"XDG_DATA_HOME": str(data), "XDG_CONFIG_HOME": str(data / "config")}
    return PtyApp(["--host", url, "--model", model, "--continue", "--no-monitor"], env=env)


def over_saved_history(
    build: Callable[[Path], None], run_once: Callable[[str, Path], tuple[float, ...]], runs: int, what: str
) -> list[tuple[float, ...]]:
    """Build a history database with `build` in a temporary data folder, then time `run_once(url, data)`
    `runs` times against a simulator (100 tok/s): each run's figures. `what` names the data built."""
    with tempfile.TemporaryDirectory() as tmp, Simulator(port=0, rate=100.0) as sim:
        data = Path(tmp)
        db = data / "glmtui" / "glmtui.db"
        db.parent.mkdir(parents=True)
        started = time.monotonic()
        build(db)
        took = time.monotonic() - started
        print(f"built {db.stat().st_size / 1e6:.1f} MB, {what}, in {took:.1f} s")
        return [run_once(sim.url, data) for _ in range(runs)]
