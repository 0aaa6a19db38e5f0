"""This machine's CPU, memory, swap and load through psutil, plus the local Ollama server process.

The Ollama server is found by name (`ollama serve`) at most every `find_s` seconds, or given by pid
(`glmtui --demo` knows its simulator's). Its figures include its runner children: the runners are
what hold a loaded model's memory and do the CPU work for layers that did not fit on the GPU.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

import psutil

from glmtui.core.placement import blob_from_cmdline
from glmtui.core.state import OllamaProcessReading, SystemReading

CHILDREN_S = 5.0  # runners come and go as models load and unload


def process_name(pid: int) -> str:
    """A process's name, or "" when it is gone or not ours to see."""
    try:
        return psutil.Process(pid).name()
    except (psutil.Error, OSError):
        return ""


def runner_blob(pid: int) -> str:
    """The weights blob an Ollama runner (`ollama runner --model …`, `llama-server -m …`) was started on.

    "" when the process is gone, its command line is not ours to read (Ollama running as its own
    system user under a hardened /proc), or it names no blob of Ollama's store."""
    try:
        return blob_from_cmdline(psutil.Process(pid).cmdline())
    except (psutil.Error, OSError):
        return ""


class SystemSampler:
    """Reads psutil. Call `read()` from one thread only."""

    def __init__(self, *, ollama_local: bool, ollama_pid: int | None = None, find_s: float = 10.0) -> None:
        self.ollama_local = ollama_local
        self.find_s = find_s
        self._server: psutil.Process | None = None
        self._children: list[psutil.Process] = []
        self._pinned_pid = ollama_pid
        self._find_at = 0.0
        self._children_at = 0.0
        self._cpu_count = psutil.cpu_count() or 1
        psutil.cpu_percent(interval=None)  # the first call only sets the baseline

    def read(self, now: float) -> SystemReading:
        memory = psutil.virtual_memory()
        swap = psutil.swap_memory()
        load = os.getloadavg() if hasattr(os, "getloadavg") else None
        return SystemReading(
            cpu_percent=psutil.cpu_percent(interval=None),
            cpu_count=self._cpu_count,
            # "used" as `free` shows it would count reclaimable cache as free; total - available is
            # what a model load can actually not have.
            ram_used=memory.total - memory.available,
            ram_total=memory.total,
            swap_used=swap.used,
            swap_total=swap.total,
            load=load,
            ollama=self._ollama(now) if self.ollama_local else None,
        )

    def _ollama(self, now: float) -> OllamaProcessReading | None:
        if self._server is None and now >= self._find_at:
            self._find_at = now + self.find_s
            self._server = self._find_server()
            self._children_at = 0.0
        server = self._server
        if server is None:
            return None
        if now >= self._children_at:
            self._children_at = now + CHILDREN_S
            try:
                known = {p.pid: p for p in self._children}
                # Keep the Process objects we had: cpu_percent() measures since that object's last call.
                self._children = [known.get(p.pid, p) for p in server.children(recursive=True)]
            except psutil.Error:
                self._children = []
        try:
            if server.status() == psutil.STATUS_ZOMBIE:  # exited, not yet reaped by its parent
                raise psutil.NoSuchProcess(server.pid)
            rss = server.memory_info().rss
            cpu = server.cpu_percent(interval=None)
        except psutil.Error:
            self._server = None  # it exited; look for a new one at the next find
            return None
        for child in self._children:
            try:
                rss += child.memory_info().rss
                cpu += child.cpu_percent(interval=None)
            except psutil.Error:
                continue
        return OllamaProcessReading(server.pid, rss, cpu)

    def _find_server(self) -> psutil.Process | None:
        if self._pinned_pid is not None:
            try:
                return _primed(psutil.Process(self._pinned_pid))
            except psutil.Error:
                return None
        found = find_ollama_server()
        return _primed(found) if found is not None else None


def find_ollama_server() -> psutil.Process | None:
    """The local `ollama serve` process, by name and first argument; None when there is none."""
    for proc in psutil.process_iter(["name", "cmdline"]):
        info: dict[str, Any] = proc.info
        name = (info.get("name") or "").lower()
        cmdline = info.get("cmdline") or []
        if name.startswith("ollama") and "serve" in cmdline[1:2]:
            return proc
    return None


def _primed(proc: psutil.Process) -> psutil.Process:
    with contextlib.suppress(psutil.Error):
        proc.cpu_percent(interval=None)
    return proc
