"""The pods table's rows: a pod unchanged since the last refresh gets its very row back; anything that
changes what the row shows builds it again."""

from __future__ import annotations

from ecoeco.console.screens.nodes import ALL_NODES, PodRowCache, pod_rows
from ecoeco.console.snapshot import NodeInfo, PodInfo, Snapshot


def snap(pods: list[PodInfo], taken_at: float = 1_000_000.0) -> Snapshot:
    s = Snapshot(taken_at=taken_at)
    s.cluster.nodes = [NodeInfo(name="n1", role="worker", domain="d", instance_type="t3.small", pods=pods)]
    return s


def pod(name: str, **kw: object) -> PodInfo:
    return PodInfo(
        name=name, namespace="ns", node="n1", phase="Running", ready=True, start_time=999_000.0, **kw
    )  # type: ignore[arg-type]


def test_unchanged_pods_reuse_their_row_and_changed_ones_show_the_change() -> None:
    cache = PodRowCache()
    first = pod_rows(snap([pod("a"), pod("b"), pod("c", deletion_timestamp=1_000_100.0)]), ALL_NODES, cache)
    # New objects (as every poll parses them), equal for a, changed for b, c Terminating.
    second = pod_rows(
        snap([pod("a"), pod("b", restarts=4), pod("c", deletion_timestamp=1_000_100.0)]), ALL_NODES, cache
    )
    assert second[0] is first[0]
    assert second[1] is not first[1] and second[1][1][4] == "4" and first[1][1][4] == "0"
    assert second[2] is not first[2]  # a Terminating pod's level moves with the clock: rebuilt
    assert second == pod_rows(
        snap([pod("a"), pod("b", restarts=4), pod("c", deletion_timestamp=1_000_100.0)]), ALL_NODES
    )
    # The clock moves the age cell: rebuilt too (1m -> 61m).
    later = pod_rows(snap([pod("a")], taken_at=1_000_000.0 + 3600), ALL_NODES, cache)
    assert later[0] is not first[0] and later[0][1][5] != first[0][1][5]
    assert set(cache.rows) == {"ns/a"}


def test_when_most_pods_changed_the_next_refreshes_build_without_looking() -> None:
    cache = PodRowCache()
    pod_rows(snap([pod(f"p{i}") for i in range(8)]), ALL_NODES, cache)
    changed = snap([pod(f"p{i}", restarts=1) for i in range(8)])
    pod_rows(changed, ALL_NODES, cache)  # no row came back: pause
    assert cache.skip == PodRowCache.PAUSE
    for left in range(PodRowCache.PAUSE - 1, -1, -1):
        again = pod_rows(changed, ALL_NODES, cache)
        assert cache.skip == left and again == pod_rows(changed, ALL_NODES)
    first = pod_rows(changed, ALL_NODES, cache)
    assert pod_rows(changed, ALL_NODES, cache)[0] is first[0] and cache.skip == 0
