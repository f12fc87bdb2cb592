"""SyncedTable: cell-by-cell updates (one at a time and in bulk), rows coming and going, filter."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.geometry import Region

from ecoeco.console.widgets.synced_table import BULK_WRITES, SyncedTable


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield SyncedTable(["name", "value"])


def rows(n: int, version: int) -> list[tuple[str, list[str]]]:
    return [(f"r{i}", [f"row {i}", f"v{version}-{i}"]) for i in range(n)]


async def test_few_and_many_changes_update_cells_and_keep_the_cursor() -> None:
    app = TableApp()
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one(SyncedTable)
        table.sync(rows(10, 0))
        table.move_cursor(row=7)
        table.sync(rows(10, 1))  # 10 changed cells: one by one
        assert table.get_row("r7")[1] == "v1-7" and table.cursor_key() == "r7"
        many = BULK_WRITES * 2
        table.sync(rows(many, 1))
        table.move_cursor(row=many - 5)
        table.sync(rows(many, 2))  # more than BULK_WRITES changed cells: in bulk
        await pilot.pause()
        assert [table.get_row(f"r{i}")[1] for i in (0, many - 1)] == ["v2-0", f"v2-{many - 1}"]
        assert table.cursor_key() == f"r{many - 5}"
        assert table.row_count == many


async def test_rows_that_disappear_are_removed_and_new_ones_added() -> None:
    app = TableApp()
    async with app.run_test(size=(60, 20)):
        table = app.query_one(SyncedTable)
        table.sync(rows(5, 0))
        table.sync([*rows(5, 0)[1:], ("new", ["new row", "x"])])
        assert table.shown_keys() == ["r1", "r2", "r3", "r4", "new"]
        assert table.row_count == 5


async def test_filter_matches_any_cell_and_updates_continue_under_it() -> None:
    app = TableApp()
    async with app.run_test(size=(60, 20)):
        table = app.query_one(SyncedTable)
        table.sync(rows(20, 0))
        table.set_filter("ROW 1")  # case-insensitive: row 1, row 10..19
        assert table.shown_keys() == ["r1", *[f"r{i}" for i in range(10, 20)]]
        table.sync(rows(20, 1))
        assert table.get_row("r12")[1] == "v1-12" and table.row_count == 11
        table.set_filter("")
        assert table.row_count == 20


async def test_the_direct_cell_render_draws_what_datatable_draws() -> None:
    """The direct path (_fast_cell) must give DataTable's own segments, cursor row and styles included."""
    from rich.text import Text
    from textual.widgets import DataTable

    app = TableApp()
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one(SyncedTable)
        table.sync(
            [
                ("a", ["plain", Text("● green", style="green")]),
                ("b", ["[b]markup[/b]", Text("✖ bold red", style="bold red")]),
                ("c", ["", Text("")]),
            ]
        )
        table.move_cursor(row=1)
        await pilot.pause()
        used = 0
        for row in range(3):
            for col in range(2):
                for cursor in (False, True):
                    args = (row, col, table.rich_style, 12, cursor, False)
                    table._cell_render_cache.clear()
                    fast = table._render_cell(*args)
                    table._cell_render_cache.clear()
                    slow = DataTable._render_cell(table, *args)
                    assert fast == slow, (row, col, cursor)
                    key = table._row_locations.get_key(row)
                    assert key is not None
                    used += table._fast_cell(key, row, col, table.rich_style, 12, cursor, False) is not None
        assert used == 12


def _lines(table: SyncedTable) -> list[str]:
    width, height = table.size
    return [strip.text for strip in table.render_lines(Region(0, 0, width, height))]


def _datatable_lines(table: SyncedTable) -> list[list[object]]:
    """The same lines drawn by DataTable itself (its own _render_line, no per-row cache)."""
    from textual.widgets import DataTable

    width, height = table.size
    table._pseudo_class_state = table.get_pseudo_class_state()
    return [list(DataTable._render_line(table, y, 0, width, table.rich_style)) for y in range(height)]


async def test_rendered_rows_follow_changes_and_unchanged_rows_come_from_the_row_cache() -> None:
    """A changed cell shows its new value on screen (few changes and bulk); unchanged rows stay the
    same and are not drawn again; the cursor's old and new rows are redrawn; all as DataTable draws."""
    app = TableApp()
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one(SyncedTable)
        table.sync(rows(200, 0))
        await pilot.pause()
        before = _lines(table)
        assert before[1].startswith(" row 0 ") and "v0-0" in before[1] and "v0-5" in before[6]

        drawn = table.lines_rendered
        table.sync([(k, [c[0], "new" if k == "r5" else c[1]]) for k, c in rows(200, 0)])  # one cell
        after = _lines(table)
        assert "new" in after[6] and "v0-5" not in after[6]
        assert [line for y, line in enumerate(after) if y != 6] == [
            line for y, line in enumerate(before) if y != 6
        ]
        assert table.lines_rendered - drawn == 1  # only the changed row was drawn again

        bulk = [(k, [c[0], f"b-{k[1:]}" if int(k[1:]) % 3 == 0 else c[1]]) for k, c in rows(200, 0)]
        bulk[5] = ("r5", ["row 5", "new"])
        table.sync(bulk)  # 67 changed rows: the bulk path (written when drawn)
        drawn = table.lines_rendered
        lines = _lines(table)
        assert "b-0 " in lines[1] and "b-3 " in lines[4] and "new" in lines[6]
        assert lines[2] == after[2] and lines[3] == after[3]
        assert table.lines_rendered - drawn == len(
            [y for y in range(1, table.size.height) if (y - 1) % 3 == 0]
        )
        assert [list(s) for s in table.render_lines(Region(0, 0, *table.size))] == _datatable_lines(table)

        drawn = table.lines_rendered
        table.move_cursor(row=2)
        await pilot.pause()
        assert [list(s) for s in table.render_lines(Region(0, 0, *table.size))] == _datatable_lines(table)
        assert table.lines_rendered - drawn == 2  # the row the cursor left and the one it reached

        table.sync(rows(150, 1))  # rows removed and every value changed
        await pilot.pause()
        assert [list(s) for s in table.render_lines(Region(0, 0, *table.size))] == _datatable_lines(table)
        assert "v1-0" in _lines(table)[1]
