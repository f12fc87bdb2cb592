"""Issue 8 on screen: the degraded cluster (read from the double's recording) shown truthfully.

Nothing green that is not; the attention line at 80x24 and the full list on `a`; headlines that say
"unknown" when their source cannot answer; Pending pods on "(all nodes)"; conditions and container
history readable in the detail lines.
"""

from __future__ import annotations

from tui_support import wait_until

from ecoeco.console.app import EcoApp
from ecoeco.console.screens.attention import AttentionScreen
from ecoeco.console.screens.pod import PodScreen
from ecoeco.console.snapshot import Snapshot
from ecoeco.console.widgets.status_bits import QuietStatic
from ecoeco.console.widgets.synced_table import SyncedTable
from ecoeco.console.widgets.tiles import Headline, NodeTile


def text(app: EcoApp, selector: str) -> str:
    return app.screen.query_one(selector, QuietStatic).plain_text


async def test_needs_attention_is_a_line_at_80x24_and_a_list_on_a(degraded: Snapshot) -> None:
    app = EcoApp(snapshot=degraded)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        line = app.screen.query_one("#attention-line", QuietStatic)
        assert line.display and line.region.height == 1 and line.region.y < 23  # above the footer
        assert "Needs attention (" in line.plain_text and "Pod/kube-system/calico-node" in line.plain_text
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, AttentionScreen))
        listed = app.screen.query_one("#attention-list").render()
        assert "ProgressDeadlineExceeded" in str(listed) and "cni plugin not initialized" in str(listed)
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, AttentionScreen))


async def test_headlines_say_unknown_when_their_source_is_down(degraded: Snapshot, healthy: Snapshot) -> None:
    app = EcoApp(snapshot=degraded)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        alerts = app.screen.query_one("#hl-alerts", Headline)
        assert alerts.has_class("-unknown") and "all quiet" not in alerts.plain_text
        assert "unknown" in alerts.plain_text and "Prometheus unreachable" in alerts.plain_text
        errors = app.screen.query_one("#hl-errors", Headline)  # its last data was fine: not green now
        assert errors.has_class("-unknown") and "unreachable" in errors.plain_text
        assert app.screen.query_one("#hl-queues", Headline).has_class("-ok")  # queues answer
    app = EcoApp(snapshot=healthy)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        alerts = app.screen.query_one("#hl-alerts", Headline)
        assert alerts.has_class("-ok") and "all quiet" in alerts.plain_text


async def test_no_tile_is_green_with_a_fault_behind_it(degraded: Snapshot) -> None:
    app = EcoApp(snapshot=degraded)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        tiles = {t.node_name: t for t in app.screen.query(NodeTile)}
        for name, flag in [("k8s-worker-storage", "MemPress"), ("k8s-api-location", "drift"),
                           ("k8s-api-userinfo", "drift"), ("k8s-redis", "drift")]:  # fmt: skip
            assert tiles[name].has_class("-warn") and flag in tiles[name].plain_text, name
        assert tiles["k8s-api-auth"].has_class("-bad") and "NotReady" in tiles["k8s-api-auth"].plain_text
        assert tiles["k8s-worker-ai"].has_class("-ok")


async def test_all_nodes_lists_pending_pods_and_the_details_wrap(degraded: Snapshot) -> None:
    app = EcoApp(snapshot=degraded)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        pods = app.screen.query_one("#pods-table", SyncedTable)
        keys = pods.shown_keys()
        assert "monitoring/alertmanager-0" in keys and any(k.startswith("ecoeco/location-api-") for k in keys)
        nodes = app.screen.query_one("#nodes-table", SyncedTable)
        assert "2 unscheduled" in str(nodes.get_row("*")[2])
        pods.focus()
        pods.move_cursor(row=pods.get_row_index("monitoring/alertmanager-0"))
        await pilot.pause()
        detail = text(app, "#pod-detail")
        assert "nominated k8s-monitoring" in detail and "Insufficient memory" in detail
        app.screen.show_node("k8s-api-auth")  # type: ignore[attr-defined]
        await pilot.pause()
        node_detail = app.screen.query_one("#node-detail", QuietStatic)
        assert "cni plugin not initialized" in node_detail.plain_text
        assert node_detail.region.height > 1  # wrapped, not cut at 120 columns


async def test_a_stuck_rollout_is_not_a_healthy_2_of_2_on_the_services_area(degraded: Snapshot) -> None:
    app = EcoApp(snapshot=degraded)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("6")
        await pilot.pause()
        table = app.screen.query_one("#workloads-table", SyncedTable)
        row = [str(c) for c in table.get_row("Deployment/ecoeco/waste-api")]
        assert "2/2" in row[3] and "✖" in row[3] and "ProgressDeadlineExceeded" in row[6]


class CountingReader:
    """A log reader that records what it was asked (the real one is tested against the double)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str | None, bool]] = []

    def read(self, namespace: str, pod: str, container: str | None, *, previous: bool = False,
             tail_lines: int = 200) -> str:  # fmt: skip
        self.calls.append((namespace, pod, container, previous))
        return f"{'previous' if previous else 'current'} run of {container}\n"


async def test_logs_are_fetched_only_when_asked(degraded: Snapshot) -> None:
    app = EcoApp(snapshot=degraded)
    reader = CountingReader()
    app.log_reader = reader
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        pods = app.screen.query_one("#pods-table", SyncedTable)
        calico = next(k for k in pods.shown_keys() if k.startswith("kube-system/calico-node-k8q45"))
        pods.focus()
        pods.move_cursor(row=pods.get_row_index(calico))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, PodScreen))
        screen = app.screen
        assert isinstance(screen, PodScreen)
        assert reader.calls == [] and screen.container == "calico-node"  # opening the pod reads nothing
        assert "last run: exit 1 Error" in str(screen.query_one("#pod-full").render())
        await pilot.press("p")
        await wait_until(pilot, lambda: len(reader.calls) == 1)
        await wait_until(
            pilot, lambda: "previous run of calico-node" in str(screen.query_one("#pod-logs").render())
        )
        await pilot.press("l")
        await wait_until(pilot, lambda: len(reader.calls) == 2)
        assert [c[3] for c in reader.calls] == [True, False]
        assert reader.calls[0][:3] == ("kube-system", "calico-node-k8q45", "calico-node")
