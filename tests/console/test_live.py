"""Pilot tests with a real Collector: live updates, pause, a failing and a recovering source."""

from __future__ import annotations

from tui_support import ScriptedSource, wait_until

from ecoeco.console.app import EcoApp
from ecoeco.console.collector import Collector
from ecoeco.console.config import Profile
from ecoeco.console.widgets.status_bits import EnvBar, SourceLine
from ecoeco.console.widgets.synced_table import SyncedTable

SIZE = (100, 30)


async def queues_table(pilot: object, app: EcoApp) -> SyncedTable:
    """Open Queues (key 3) and wait for its three rows."""
    await pilot.press("3")  # type: ignore[attr-defined]
    table = app.screen.query_one("#queues-table", SyncedTable)
    await wait_until(pilot, lambda: table.row_count == 3)
    return table


def cell(table: SyncedTable, row: str, column: int) -> str:
    value = table.get_row(row)[column]
    return getattr(value, "plain", str(value))


async def test_tables_update_cell_by_cell_and_keep_the_cursor(
    profile: Profile, live: tuple[Collector, ScriptedSource, ScriptedSource]
) -> None:
    collector, queues, _ = live
    app = EcoApp(profile, collector=collector)
    async with app.run_test(size=SIZE) as pilot:
        table = await queues_table(pilot, app)
        table.focus()
        await pilot.press("down")  # cursor on q.ai
        first = int(cell(table, "q.ai", 1).replace(",", ""))
        await wait_until(pilot, lambda: int(cell(table, "q.ai", 1).replace(",", "")) > first)
        assert table.cursor_key() == "q.ai"
        assert table.cell_writes > 0
        assert table.row_count == 3


async def test_pause_stops_polling_and_is_shown(
    profile: Profile, live: tuple[Collector, ScriptedSource, ScriptedSource]
) -> None:
    collector, queues, _ = live
    app = EcoApp(profile, collector=collector)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: queues.polls >= 2)
        await pilot.press("p")
        await pilot.pause()
        assert collector.paused
        assert "PAUSED" in app.screen.query_one(EnvBar).plain_text
        polls = queues.polls
        await pilot.pause(0.5)  # ten poll intervals: a paused collector polls at most the one in flight
        assert queues.polls <= polls + 1
        await pilot.press("3")
        await pilot.pause()
        assert "(paused)" in app.screen.query_one(SourceLine).plain_text
        await pilot.press("p")
        await pilot.pause()
        assert not collector.paused
        assert "PAUSED" not in app.screen.query_one(EnvBar).plain_text
        await wait_until(pilot, lambda: queues.polls > polls + 2)


async def test_refresh_polls_while_paused(
    profile: Profile, live: tuple[Collector, ScriptedSource, ScriptedSource]
) -> None:
    collector, queues, _ = live
    app = EcoApp(profile, collector=collector)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: queues.polls >= 1)
        await pilot.press("p")
        await pilot.pause(0.2)
        polls = queues.polls
        await pilot.press("r")
        await wait_until(pilot, lambda: queues.polls > polls)


async def test_failing_source_shows_its_error_in_place_and_others_keep_updating(
    profile: Profile, live: tuple[Collector, ScriptedSource, ScriptedSource]
) -> None:
    collector, queues, services = live
    app = EcoApp(profile, collector=collector)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        line = app.screen.query_one(SourceLine)
        await wait_until(pilot, lambda: "✓ queues" in line.plain_text)
        queues.fail = "connection refused: 127.0.0.1:15672"
        await wait_until(pilot, lambda: "connection refused" in line.plain_text)
        assert line.has_class("-failing")
        assert "data" in line.plain_text and "old" in line.plain_text  # the age of the last good data
        # The last good rows stay on screen.
        assert app.screen.query_one("#queues-table", SyncedTable).row_count == 3

        await pilot.press("6")
        svc_line = app.screen.query_one(SourceLine)
        services_table = app.screen.query_one("#services-table", SyncedTable)
        await wait_until(pilot, lambda: services_table.row_count == 2)
        before = cell(services_table, "auth", 4)
        await wait_until(pilot, lambda: cell(services_table, "auth", 4) != before)
        assert "connection refused" not in svc_line.plain_text
        assert not svc_line.has_class("-failing")

        await pilot.press("1")  # the overview names the failing source too
        await pilot.pause()
        assert "✖ queues" in app.screen.query_one(SourceLine).plain_text


async def test_recovering_source_clears_its_error(
    profile: Profile, live: tuple[Collector, ScriptedSource, ScriptedSource]
) -> None:
    collector, queues, _ = live
    queues.fail = "connection refused: 127.0.0.1:15672"
    app = EcoApp(profile, collector=collector)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        line = app.screen.query_one(SourceLine)
        await wait_until(pilot, lambda: "connection refused" in line.plain_text)
        assert "no data yet" in line.plain_text
        queues.fail = None
        await wait_until(pilot, lambda: "✓ queues" in line.plain_text)
        assert not line.has_class("-failing")
        assert app.screen.query_one("#queues-table", SyncedTable).row_count == 3


async def test_a_failing_source_turns_no_row_green(
    profile: Profile, live: tuple[Collector, ScriptedSource, ScriptedSource]
) -> None:
    # The last good data stays on screen (the figures are still useful), but "healthy" is something
    # only a source that answers can say: while it fails, ok rows show unknown; they come back after.
    collector, queues, _ = live
    app = EcoApp(profile, collector=collector)
    async with app.run_test(size=SIZE) as pilot:
        table = await queues_table(pilot, app)
        assert cell(table, "q.dlq", 0) == "● q.dlq"
        queues.fail = "connection refused: 127.0.0.1:15672"
        await wait_until(pilot, lambda: cell(table, "q.dlq", 0) == "? q.dlq")
        assert table.row_count == 3  # the last known rows stay
        queues.fail = None
        await wait_until(pilot, lambda: cell(table, "q.dlq", 0) == "● q.dlq")


async def test_hidden_areas_are_not_redrawn(
    profile: Profile, live: tuple[Collector, ScriptedSource, ScriptedSource]
) -> None:
    collector, queues, _ = live
    app = EcoApp(profile, collector=collector)
    async with app.run_test(size=SIZE) as pilot:
        table = await queues_table(pilot, app)
        await pilot.press("4")
        # A render already under way when the key came (the snapshot is judged in a thread) lands
        # before anything is counted.
        await wait_until(pilot, lambda: app.current_mode == "wal")
        await pilot.pause(0.2)
        writes, polls = table.cell_writes, queues.polls
        await wait_until(pilot, lambda: queues.polls > polls + 3)
        assert table.cell_writes == writes  # Queues is hidden: no cell was rewritten
        await pilot.press("3")
        # Shown again: it catches up with what it missed.
        await wait_until(pilot, lambda: table.cell_writes > writes, timeout=3.0)
