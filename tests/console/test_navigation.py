"""Pilot tests on a fixed snapshot: area keys, palette, help, filtering, drill-down."""

from __future__ import annotations

import pytest
from tui_support import wait_until

from ecoeco.console import keys
from ecoeco.console.app import EcoApp
from ecoeco.console.screens.help import HelpScreen
from ecoeco.console.snapshot import Snapshot
from ecoeco.console.widgets.status_bits import EnvBar
from ecoeco.console.widgets.synced_table import SyncedTable

SIZE = (120, 40)


@pytest.mark.parametrize(
    ("key", "mode"),
    [("2", "nodes"), ("3", "queues"), ("4", "wal"), ("5", "metrics"), ("6", "services"), ("1", "overview")],
)
async def test_number_keys_switch_areas(incident: Snapshot, key: str, mode: str) -> None:
    app = EcoApp(snapshot=incident)
    async with app.run_test(size=SIZE) as pilot:
        if mode == "overview":
            await pilot.press("4")
        await pilot.press(key)
        await pilot.pause()
        assert app.current_mode == mode
        bar = app.screen.query_one(EnvBar).markup_text
        assert "PROD" in bar and "prod" in bar and "READ-ONLY" in bar


async def test_palette_reaches_every_area(incident: Snapshot) -> None:
    app = EcoApp(snapshot=incident)
    async with app.run_test(size=SIZE) as pilot:
        for query, mode in [("go to queues", "queues"), ("go to wal", "wal"), ("go to services", "services")]:
            await pilot.press("colon")
            await pilot.pause()
            await pilot.press(*query)
            await pilot.pause(0.3)
            await pilot.press("enter")
            await pilot.pause()
            assert app.current_mode == mode, query


async def test_palette_opens_pods_of_a_node(incident: Snapshot) -> None:
    app = EcoApp(snapshot=incident)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("colon")
        await pilot.press(*"pods on k8s-worker-ai")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.current_mode == "nodes")
        pods = app.screen.query_one("#pods-table", SyncedTable)
        await wait_until(pilot, lambda: pods.shown_keys() == ["workers/ai-worker-0"])


async def test_help_lists_the_live_bindings(incident: Snapshot) -> None:
    app = EcoApp(snapshot=incident)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")  # Queues has the filter binding on top of the app's
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        ids = {row[2] for row in app.screen.rows}
        assert {"area.overview", "area.services", "app.pause", "app.quit", "table.filter"} <= ids
        await pilot.press("escape")
        await pilot.press("4")  # WAL has no table to filter: help must not offer it
        await pilot.press("question_mark")
        await pilot.pause()
        ids = {row[2] for row in app.screen.rows}
        assert "table.filter" not in ids and "app.help" in ids


async def test_filter_narrows_the_queues_table(incident: Snapshot) -> None:
    app = EcoApp(snapshot=incident)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        table = app.screen.query_one("#queues-table", SyncedTable)
        assert table.shown_keys() == ["q.storage", "q.ai", "q.dlq"]
        await pilot.press("slash", *"dlq")
        await pilot.pause()
        assert table.shown_keys() == ["q.dlq"]
        await pilot.press("escape")
        await pilot.pause()
        assert sorted(table.shown_keys()) == ["q.ai", "q.dlq", "q.storage"]


async def test_filter_narrows_the_pods_table(incident: Snapshot) -> None:
    app = EcoApp(snapshot=incident)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        pods = app.screen.query_one("#pods-table", SyncedTable)
        assert pods.row_count == sum(len(n.pods) for n in incident.cluster.nodes)
        await pilot.press("slash", *"crashloop", "enter")
        await pilot.pause()
        assert len(pods.shown_keys()) == 1 and pods.shown_keys()[0].startswith("api/waste-api-")
        # The nodes table is the drill-down list, not filtered with the pods.
        assert app.screen.query_one("#nodes-table", SyncedTable).row_count == 14


async def test_enter_on_a_node_tile_drills_down_to_its_pods(incident: Snapshot) -> None:
    app = EcoApp(snapshot=incident)
    async with app.run_test(size=SIZE) as pilot:
        assert app.focused is not None and app.focused.id == "tile-k8s-master"
        await pilot.press("right", "right", "right", "right")  # master, auth, userinfo, location, waste
        assert app.focused.id == "tile-k8s-api-waste"
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.current_mode == "nodes")
        nodes = app.screen.query_one("#nodes-table", SyncedTable)
        await wait_until(pilot, lambda: nodes.cursor_key() == "k8s-api-waste")
        pods = app.screen.query_one("#pods-table", SyncedTable)
        assert all(k.startswith("api/waste-api-") for k in pods.shown_keys()) and len(pods.shown_keys()) == 2


async def test_q_quits(incident: Snapshot) -> None:
    app = EcoApp(snapshot=incident)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_a_keymap_moves_a_binding_by_id(incident: Snapshot) -> None:
    app = EcoApp(snapshot=incident, keymap=keys.parse_keymap("area.wal=w; app.pause=P"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("w")
        await pilot.pause()
        assert app.current_mode == "wal"
        await pilot.press("P")
        await pilot.pause()
        assert app.paused


def test_a_bad_keymap_names_the_problem() -> None:
    with pytest.raises(ValueError, match="unknown binding id 'app.nope'"):
        keys.parse_keymap("app.nope=x")
    with pytest.raises(ValueError, match="is not ID=KEY"):
        keys.parse_keymap("app.pause")
