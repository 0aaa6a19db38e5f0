"""A DataTable whose header is never left drawn with column widths older than its rows.

Textual 8.2's DataTable measures new rows on idle (`_update_dimensions`): it widens the auto-width
columns and sets `virtual_size`, but does not bump the update count its line and row caches are keyed
on. A frame painted between `add_row` and that idle pass (the header is visible while the table is
still two lines tall) caches the header at the old widths under the current count, and the header then
stays misaligned with the rows beneath it until something else changes the table. The bench snapshot
caught it one run in ~20 under load. Column widths only grow, so every widening changes
`virtual_size`; watching it and dropping the caches (`notify_style_update`, which is what a theme
change does) repaints the header at the widths the rows are drawn with.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from textual.geometry import Size
from textual.widgets import DataTable

CellT = TypeVar("CellT")


class SettledTable(DataTable[CellT], Generic[CellT]):
    """DataTable that repaints from scratch whenever its measured size changes."""

    def watch_virtual_size(self, old: Size, new: Size) -> None:
        # Only when the widths or the row count really moved: the caches are cheap to rebuild, but
        # there is no reason to drop them on every idle pass.
        if old != new and self.is_mounted:
            self.notify_style_update()
