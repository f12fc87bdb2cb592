from ecoeco.shared.topology import load_topology


def test_topology_has_thirteen_nodes_with_seed_instance_types() -> None:
    topo = load_topology()
    assert len(topo.nodes) == 13
    assert len({n.name for n in topo.nodes}) == 13
    counts = {role: len(topo.by_role(role)) for role in ("master", "api", "worker", "infra")}
    assert counts == {"master": 1, "api": 6, "worker": 2, "infra": 4}
    large = {n.name for n in topo.nodes if n.instance_type == "t3a.large"}
    assert large == {"k8s-master", "k8s-worker-storage", "k8s-worker-ai"}
    assert all(n.instance_type == "t3a.medium" for n in topo.nodes if n.name not in large)
