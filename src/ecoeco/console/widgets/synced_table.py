"""A DataTable that follows a list of keyed rows cell by cell.

Each refresh passes the full list of rows; only cells whose value changed are rewritten (when many
rows changed, a row is written when it is drawn or read: off-screen rows cost a dict entry), rows
that disappeared are removed and new ones appended, so the cursor and scroll position survive
every tick. Rendered lines are cached per row (row key + content version), so a tick redraws the
rows that changed, not every visible row. The filter is applied here too: changing the filter rebuilds the table once (an
operator action, not a tick), ticks under a filter keep updating cell by cell.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterable, Sequence
from itertools import chain

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual._segment_tools import line_crop
from textual.cache import LRUCache
from textual.coordinate import Coordinate
from textual.geometry import Region
from textual.strip import Strip
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
        # Rendered lines per row: DataTable keys its caches by a table-wide update counter, so one
        # changed row re-rendered every visible row (~0.5 ms each). Here a line is keyed by its row's
        # content version (bumped whenever the row's cells are written) and everything else that
        # shapes it (see _render_line); unchanged rows are drawn from this cache.
        self._row_version: dict[RowKey | str, int] = {}
        self._versions = itertools.count(1)
        self._strips: LRUCache[tuple[object, ...], Strip] = LRUCache(2000)
        self._layout: tuple[object, ...] = ()
        self._plain_rows = True  # every row one line high, no labels: y -> row index is arithmetic
        self.lines_rendered = 0  # lines drawn for real (not from _strips): tests and benches look
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)  # type: ignore[arg-type]
        self._column_keys = [f"c{i}" for i in range(len(columns))]
        for key, label in zip(self._column_keys, columns, strict=True):
            self.add_column(label, key=key)
        self._all_rows: dict[str, list[Cell]] = {}
        self._shown: dict[str, list[Cell]] = {}
        self._pending: dict[str, list[Cell]] = {}  # rows changed but not yet written into the table
        self._col_keys = [ColumnKey(k) for k in self._column_keys]
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
            self._pending.pop(key, None)
        changed: list[tuple[str, list[Cell], list[Cell]]] = []
        for key, cells in wanted.items():
            old = self._shown.get(key)
            if old is None:
                self._flush_row(key)
                self.add_row(*cells, key=key)
                self._shown[key] = cells
                continue
            if old == cells:  # the common case; list == checks identity first (cached Text cells)
                continue
            changed.append((key, old, cells))
            self._shown[key] = cells
        self._write_rows(changed)

    def _write_rows(self, changed: list[tuple[str, list[Cell], list[Cell]]]) -> None:
        if len(changed) * len(self._column_keys) < BULK_WRITES:
            for row_key, old, cells in changed:
                self._pending.pop(row_key, None)
                for col_key, before, after in zip(self._column_keys, old, cells, strict=False):
                    if before != after:
                        with contextlib.suppress(CellDoesNotExist):
                            self.update_cell(row_key, col_key, after)
                        self.cell_writes += 1
            return
        # Many rows changed (thousands of pods): update_cell() repaints once per cell and a bulk write
        # of every cell cost ~100 ms with 5,000 pods. The rows are only noted here; a row's cells are
        # written into the table when it is drawn or read (_flush_row), so a tick costs the rows on
        # screen, not the whole list. One repaint. Textual is pinned (private _data, _update_count).
        for row_key, _old, cells in changed:
            self._pending[row_key] = cells
            self._row_version[row_key] = next(self._versions)
        self.cell_writes += sum(len(cells) for _k, _o, cells in changed)
        self._update_count += 1
        self.refresh()

    def _flush_row(self, key: str) -> None:
        cells = self._pending.pop(key, None)
        if cells is None:
            return
        row = self._data.get(RowKey(key))
        if row is not None:
            for col_key, value in zip(self._col_keys, cells, strict=False):
                row[col_key] = value

    def add_row(
        self,
        *cells: object,
        height: int | None = 1,
        key: str | None = None,
        label: object = None,
    ) -> RowKey:
        if height != 1 or label is not None:
            self._plain_rows = False
        row_key = super().add_row(*cells, height=height, key=key, label=label)  # type: ignore[arg-type]
        self._row_version[row_key] = next(self._versions)
        return row_key

    def update_cell(
        self,
        row_key: RowKey | str,
        column_key: ColumnKey | str,
        value: object,
        *,
        update_width: bool = False,
    ) -> None:
        super().update_cell(row_key, column_key, value, update_width=update_width)
        self._row_version[row_key] = next(self._versions)

    def remove_row(self, row_key: RowKey | str) -> None:
        super().remove_row(row_key)
        self._row_version.pop(row_key, None)

    def _flush_all(self) -> None:
        for key in list(self._pending):
            self._flush_row(key)

    # Every read of the table's cells goes through these: they see the pending rows written first.
    def get_row_at(self, row_index: int) -> list[Cell]:
        key = self._row_locations.get_key(row_index) if self._pending else None
        if key is not None:
            self._flush_row(str(key.value))
        return super().get_row_at(row_index)

    def get_row(self, row_key: RowKey | str) -> list[Cell]:
        self._flush_row(str(row_key.value if isinstance(row_key, RowKey) else row_key))
        return super().get_row(row_key)

    def get_cell(self, row_key: RowKey | str, column_key: ColumnKey | str) -> Cell:
        self._flush_row(str(row_key.value if isinstance(row_key, RowKey) else row_key))
        return super().get_cell(row_key, column_key)

    def get_cell_at(self, coordinate: Coordinate) -> Cell:
        self._flush_all()
        return super().get_cell_at(coordinate)

    def get_column(self, column_key: ColumnKey | str) -> Iterable[Cell]:
        self._flush_all()
        return super().get_column(column_key)

    def get_column_at(self, column_index: int) -> Iterable[Cell]:
        self._flush_all()
        return super().get_column_at(column_index)

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> list[list[Segment]]:
        """DataTable's cell render, with a direct path for the common cell: one line of text that fits.

        DataTable renders every cell through Rich (Styled(Padding(text)) -> render_lines), ~0.2 ms of
        CPU a cell: a 45-row table area cost ~80 ms per refresh. For a Text cell that fits its column
        in a one-line row this builds the very same segments directly (the snapshot tests compare the
        output) and puts them in DataTable's own cache; anything else goes the original way.
        """
        row_key = self._row_locations.get_key(row_index) if row_index >= 0 else None
        column_key = self._column_locations.get_key(column_index) if column_index >= 0 else None
        if row_key is not None and column_key is not None:
            cache_key = (
                row_key,
                column_key,
                base_style,
                cursor,
                hover,
                self._show_hover_cursor,
                self._update_count,
                self._pseudo_class_state,
            )
            if cache_key not in self._cell_render_cache:
                lines = self._fast_cell(row_key, row_index, column_index, base_style, width, cursor, hover)
                if lines is not None:
                    self._cell_render_cache[cache_key] = lines
        return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)

    def _fast_cell(
        self,
        row_key: RowKey,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool,
        hover: bool,
    ) -> list[list[Segment]] | None:
        row = self.rows.get(row_key)
        if row is None or row.auto_height or row.height != 1:
            return None
        _label, cells = self._get_row_renderables(row_index)
        cell = cells[column_index]
        pad = self.cell_padding
        inner = width - 2 * pad
        if not isinstance(cell, Text) or inner < 0:
            return None
        plain = cell.plain
        if "\n" in plain or "\t" in plain or cell.justify not in (None, "default") or cell_len(plain) > inner:
            return None
        fixed = row_index < self.fixed_rows or column_index < self.fixed_columns
        component_style, post_style = self._get_styles_to_render_cell(
            False,
            False,
            fixed,
            hover,
            cursor,
            self.show_cursor,
            self._show_hover_cursor,
            self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css",
        )
        console = self.app.console
        pre = console.get_style(
            base_style + Style.from_meta({"row": row_index, "column": column_index}) + component_style
        )
        post = console.get_style(post_style)
        null = Style()
        inner_segments = list(Text("\n").join([cell]).render(console, end=""))
        used = sum(cell_len(seg.text) for seg in inner_segments)
        line = [Segment(" " * pad, null)] if pad else []
        line += inner_segments
        if used < inner:
            line.append(Segment(" " * (inner - used), null))
        if pad:
            line.append(Segment(" " * pad, null))
        styled = []
        for seg in line:
            style = seg.style
            if pre:
                style = pre + style
            if post:
                style = style + post if style else post
            styled.append(Segment(seg.text, style))
        return [styled]

    # Lines from the per-row cache. A line is a function of its row's cells (the version), its index
    # (DataTable puts the row index in each cell's style meta; zebra stripes), whether the cursor or
    # the hover is on it, the crop, the width, the column widths and the table's styles; all of them
    # are in the key. Anything else that restyles the table goes through _clear_caches or
    # notify_style_update, which empty this cache too.
    def render_lines(self, crop: Region) -> list[Strip]:
        columns = self.ordered_columns
        self._layout = (
            tuple(column.get_render_width(self) for column in columns),
            self.fixed_columns,
            self.fixed_rows,
            self.show_header,
            self.header_height,
            self.zebra_stripes,
            self.cell_padding,
            self.show_cursor,
            self.cursor_type,
            self.cursor_foreground_priority,
            self.cursor_background_priority,
            self._show_hover_cursor,
            self.show_row_labels,
            self._labelled_row_exists,
        )
        return super().render_lines(crop)

    def _render_line(self, y: int, x1: int, x2: int, base_style: Style) -> Strip:
        if not self._plain_rows or self.fixed_rows or not self._layout:
            return super()._render_line(y, x1, x2, base_style)
        header = self.header_height if self.show_header else 0
        row_index = y - header
        width = self.size.width
        cursor, hover = self.cursor_coordinate, self.hover_coordinate
        if row_index < 0:
            if header != 1:
                return super()._render_line(y, x1, x2, base_style)
            row_key = self._header_row_key
            version: object = tuple(str(column.label) for column in self.ordered_columns)
            cursor_on: object = cursor
            hover_on: object = hover
        else:
            if row_index >= len(self.rows):
                return Strip.blank(width, base_style)  # below the last row, as DataTable draws it
            row_key = self._row_locations.get_key(row_index)  # type: ignore[assignment]
            version = self._row_version.get(row_key) if row_key is not None else None
            if row_key is None or version is None:
                return super()._render_line(y, x1, x2, base_style)
            if self.cursor_type == "row":
                cursor_on, hover_on = cursor.row == row_index, hover.row == row_index
            else:
                cursor_on, hover_on = cursor, hover
        key = (
            row_key,
            version,
            row_index,
            x1,
            x2,
            width,
            cursor_on,
            hover_on,
            base_style,
            self._pseudo_class_state,
            self._layout,
        )
        strip = self._strips.get(key)
        if strip is None:
            if row_index >= 0:
                self._flush_row(str(row_key.value))
            # DataTable._render_line without its _y_offsets (a list of every row, rebuilt whenever
            # anything changes): with rows one line high, line y is row y - header.
            fixed, scrollable = self._render_line_in_row(
                row_key, 0, base_style, cursor_location=cursor, hover_location=hover
            )
            fixed_width = sum(self._layout[0][: self.fixed_columns])  # type: ignore[index]
            fixed_line: list[Segment] = list(chain.from_iterable(fixed)) if fixed else []
            scrollable_line: list[Segment] = list(chain.from_iterable(scrollable))
            segments = fixed_line + line_crop(scrollable_line, x1 + fixed_width, x2, width)
            strip = Strip(segments).adjust_cell_length(width, base_style).simplify()
            self._strips[key] = strip
            self.lines_rendered += 1
        return strip

    def _clear_caches(self) -> None:
        super()._clear_caches()
        self._strips.clear()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    def clear(self, columns: bool = False) -> SyncedTable:
        self._pending.clear()
        self._row_version.clear()  # versions are never reused (one counter), so no line is stale
        self._strips.clear()
        super().clear(columns)
        return self

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
