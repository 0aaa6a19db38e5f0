"""The bench screen (F6): screen.py; its form, run state, results view and export dialog beside it."""

from glmtui.screens.bench.screen import BenchScreen

__all__ = ["BenchScreen"]
