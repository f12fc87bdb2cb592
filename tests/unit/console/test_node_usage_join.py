"""Node CPU/memory: the cluster source owns the nodes, the metrics source owns node-exporter's usage,
and the two meet only when a snapshot is read, so the result does not depend on poll order."""

from __future__ import annotations

from ecoeco.console.snapshot import ClusterState, MetricsState, NodeInfo, NodeUsage, Snapshot


def _cluster(snap: Snapshot) -> None:
    # What a cluster poll writes: the whole node list, with its own (sandbox) usage where it has one.
    snap.cluster = ClusterState(
        nodes=[
            NodeInfo(
                name="k8s-api-auth", role="api", domain="auth", instance_type="t3a.medium", cpu_percent=3.0
            ),
            NodeInfo(
                name="k8s-redis", role="infra", domain="redis", instance_type="t3a.medium", cpu_percent=7.0
            ),
        ]
    )


def _metrics(snap: Snapshot) -> None:
    snap.metrics = MetricsState(
        node_exporter=True,
        node_usage={"k8s-api-auth": NodeUsage(cpu_percent=41.0, mem_percent=63.0, cpu_history=[40.0, 41.0])},
    )


def _read(order: list) -> dict[str, tuple[float | None, float | None]]:
    snap = Snapshot()
    for write in order:
        write(snap)
    copy = Snapshot.model_validate(snap.model_dump())
    copy.join_node_usage()
    return {n.name: (n.cpu_percent, n.mem_percent) for n in copy.cluster.nodes}


def test_the_join_does_not_depend_on_which_source_polled_last() -> None:
    assert _read([_cluster, _metrics]) == _read([_metrics, _cluster]) == _read([_metrics, _cluster, _metrics])


def test_node_exporter_wins_where_it_reports_and_the_cluster_figure_stays_elsewhere() -> None:
    usage = _read([_metrics, _cluster])
    assert usage["k8s-api-auth"] == (41.0, 63.0)
    assert usage["k8s-redis"] == (7.0, None)


def test_the_join_copies_on_write() -> None:
    """The collector's copy shares its parts with the collector: the join must not write into them."""
    snap = Snapshot()
    _cluster(snap)
    _metrics(snap)
    shared = snap.model_copy()
    shared.join_node_usage()
    assert shared.cluster.nodes[0].cpu_percent == 41.0
    assert snap.cluster.nodes[0].cpu_percent == 3.0
