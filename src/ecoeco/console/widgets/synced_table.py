"""A DataTable that follows a list of keyed rows cell by cell.

Each refresh passes the full list of rows; only cells whose value changed are rewritten, rows
that disappeared are removed and new ones appended, so the cursor and scroll position survive
every tick. The filter is applied here too: changing the filter rebuilds the table once (an
operator action, not a tick), ticks under a filter keep updating cell by cell.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, ColumnKey, RowDoesNotExist, RowKey

Cell = str | Text
BULK_WRITES = 64  # from this many changed cells in one sync, write them in bulk
Row = tuple[str, Sequence[Cell]]


def _plain(cell: Cell) -> str:
    return cell.plain if isinstance(cell, Text) else cell


class SyncedTable(DataTable):
    """DataTable with ``sync(rows)`` (cell-by-cell) and ``set_filter(text)``."""

    DEFAULT_CSS = """
    SyncedTable { height: 1fr; }
    """

    def __init__(self, columns: Sequence[str], **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)  # type: ignore[arg-type]
        self._column_keys = [f"c{i}" for i in range(len(columns))]
        for key, label in zip(self._column_keys, columns, strict=True):
            self.add_column(label, key=key)
        self._all_rows: dict[str, list[Cell]] = {}
        self._shown: dict[str, list[Cell]] = {}
        self.filter_text = ""
        self.cell_writes = 0  # counted so tests and benches can see cell-by-cell updates happen

    def _matches(self, cells: Sequence[Cell]) -> bool:
        if not self.filter_text:
            return True
        needle = self.filter_text.lower()
        return any(needle in _plain(c).lower() for c in cells)

    def sync(self, rows: Sequence[Row]) -> None:
        """Make the table show ``rows`` (filtered), touching only what changed."""
        self._all_rows = {key: list(cells) for key, cells in rows}
        wanted = {key: cells for key, cells in self._all_rows.items() if self._matches(cells)}
        for key in [k for k in self._shown if k not in wanted]:
            with contextlib.suppress(RowDoesNotExist):
                self.remove_row(key)
            del self._shown[key]
        changes: list[tuple[str, str, Cell]] = []
        for key, cells in wanted.items():
            old = self._shown.get(key)
            if old is None:
                self.add_row(*cells, key=key)
                self._shown[key] = cells
                continue
            if old == cells:  # the common case; list == checks identity first (cached Text cells)
                continue
            for col_key, before, after in zip(self._column_keys, old, cells, strict=False):
                if before != after:
                    changes.append((key, col_key, after))
            self._shown[key] = cells
        self._write_cells(changes)

    def _write_cells(self, changes: list[tuple[str, str, Cell]]) -> None:
        if len(changes) < BULK_WRITES:
            for row_key, col_key, value in changes:
                with contextlib.suppress(CellDoesNotExist):
                    self.update_cell(row_key, col_key, value)
        else:
            # update_cell() repaints once per cell (25,000 repaints cost seconds with 5,000 pods);
            # in bulk, write the cells as update_cell does and repaint once. Textual is pinned.
            for row_key, col_key, value in changes:
                self._data[RowKey(row_key)][ColumnKey(col_key)] = value
            self._update_count += len(changes)
            self.refresh()
        self.cell_writes += len(changes)

    def set_filter(self, text: str) -> None:
        """Apply a new filter: rebuild once, keeping the cursor on the same row when it is still shown."""
        if text == self.filter_text:
            return
        current = self.cursor_key()
        self.filter_text = text
        self.clear()
        self._shown = {}
        self.sync(list(self._all_rows.items()))
        if current is not None and current in self._shown:
            self.move_cursor(row=self.get_row_index(current))

    def cursor_key(self) -> str | None:
        if not self._shown or self.row_count == 0:
            return None
        try:
            row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        except CellDoesNotExist:
            return None
        return None if row_key.value is None else str(row_key.value)

    def shown_keys(self) -> list[str]:
        return list(self._shown)
