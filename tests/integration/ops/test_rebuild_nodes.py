"""The rebuild's "nodes Ready" step on a kubernetes profile, with the real client against the double:
the 13 topology nodes Ready pass; a node NotReady past the bound fails the step, named."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.k8s_double.server import KubeDouble

from ecoeco.console.config import Profile
from ecoeco.console.ops import ItemStatus
from ecoeco.console.ops.base import CancelToken
from ecoeco.console.ops.rebuild import wait_nodes_ready
from ecoeco.shared.topology import load_topology


@pytest.fixture
def kube() -> Iterator[KubeDouble]:
    with KubeDouble("healthy") as double:
        yield double


def profile(kube: KubeDouble) -> Profile:
    return Profile(
        name="staging", environment="staging", cluster="kubernetes",
        kubeconfig=str(kube.kubeconfig), kube_context=kube.context,
    )  # fmt: skip


def test_thirteen_nodes_ready(kube: KubeDouble) -> None:
    events: list[object] = []
    names = [n.name for n in load_topology().nodes]
    result = wait_nodes_ready(profile(kube), names, 60.0, events.append, CancelToken())
    assert result.ok and result.message == "13 nodes Ready"
    assert sorted(e.item for e in events if isinstance(e, ItemStatus)) == sorted(names)
    assert kube.writes == []


def test_a_node_not_ready_fails_the_step_with_its_name(kube: KubeDouble) -> None:
    kube.scenario = "incident"
    names = [n.name for n in load_topology().nodes]
    result = wait_nodes_ready(profile(kube), names, 0.01, lambda e: None, CancelToken())
    assert not result.ok
    assert result.message == "not Ready after 0.01s: k8s-worker-ai"
