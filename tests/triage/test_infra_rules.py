"""The infrastructure rules (triage/infra_rules.py): the vCPU quota against the topology, and the
inventory drift from terraform output. Each on its own and through ``evaluate`` (they are in RULES)."""

from __future__ import annotations

from tests.triage import scenarios as sc

from ecoeco.console.snapshot import InfraState, QuotaRequestInfo, Snapshot
from ecoeco.console.triage import evaluate
from ecoeco.console.triage.infra_rules import inventory_drift, vcpu_quota_short


def with_infra(**facts: object) -> Snapshot:
    snap = sc.healthy()
    snap.infra = InfraState.model_validate(facts)
    return snap


def test_a_healthy_snapshot_has_no_infra_finding() -> None:
    snap = sc.healthy()
    assert vcpu_quota_short(snap) == [] and inventory_drift(snap) == []


def test_quota_short_of_the_topology_asks_for_what_is_missing() -> None:
    snap = with_infra(vcpu_quota=16, vcpus_needed=26, vcpu_quota_applied=False)
    (f,) = vcpu_quota_short(snap)
    assert f.severity == "warning"
    assert f.title == "vCPU quota 16 short of the 26 the topology needs"
    assert f.evidence[0] == "quota L-1216C47A 16 vCPUs (AWS default); the topology needs 26 (short by 10)"
    assert "VcpuLimitExceeded" in f.cause
    assert f.action is not None and f.action.operation == "quota.request"
    assert f.action.params == {"desired": 26}
    assert "vcpu_quota_short" in [g.rule for g in evaluate(snap)]


def test_a_pending_request_that_covers_it_is_only_information() -> None:
    snap = with_infra(
        vcpu_quota=16,
        vcpus_needed=26,
        quota_requests=[QuotaRequestInfo(id="r1", desired=32, status="PENDING")],
        quota_simulated=True,
    )
    (f,) = vcpu_quota_short(snap)
    assert f.severity == "info" and f.action is None
    assert "increase request r1 for 32: PENDING" in f.evidence
    assert "simulated: the sandbox's local AWS endpoint" in f.evidence


def test_a_simulated_quota_short_is_information_that_still_offers_the_request() -> None:
    """The sandbox's stand-in quota (moto, AWS's default of 16): nothing real is short."""
    (f,) = vcpu_quota_short(with_infra(vcpu_quota=16, vcpus_needed=26, quota_simulated=True))
    assert f.severity == "info"
    assert f.action is not None and f.action.operation == "quota.request"
    assert "simulated: the sandbox's local AWS endpoint" in f.evidence


def test_a_pending_request_too_small_still_warns() -> None:
    snap = with_infra(
        vcpu_quota=16,
        vcpus_needed=26,
        quota_requests=[QuotaRequestInfo(id="r1", desired=20, status="PENDING")],
    )
    (f,) = vcpu_quota_short(snap)
    assert f.severity == "warning"


def test_enough_quota_or_an_unknown_one_is_not_flagged() -> None:
    assert vcpu_quota_short(with_infra(vcpu_quota=32, vcpus_needed=26)) == []
    assert vcpu_quota_short(with_infra(vcpu_quota=26, vcpus_needed=26)) == []
    assert vcpu_quota_short(with_infra(vcpus_needed=26, quota_error="no AWS credentials")) == []


def test_inventory_drift_names_the_hosts_and_suggests_a_check_run() -> None:
    drift = ["+ k8s-new (127.0.0.9)", "- k8s-old (127.0.0.8)", "~ k8s-master 127.1.1.1 -> 127.2.2.2"]
    snap = with_infra(inventory_compared=True, inventory_drift=drift, inventory_hosts=13)
    (f,) = inventory_drift(snap)
    assert f.severity == "warning"
    assert f.title == "Inventory drift: 3 host(s) differ from terraform output"
    assert f.evidence == drift
    assert f.refs.nodes == ["k8s-master", "k8s-new", "k8s-old"]
    assert f.action is not None and f.action.operation == "ansible.check"
    assert "inventory_drift" in [g.rule for g in evaluate(snap)]


def test_no_drift_or_nothing_to_compare_with_is_not_flagged() -> None:
    assert inventory_drift(with_infra(inventory_compared=True, inventory_drift=[])) == []
    # No Ansible run yet: nothing it last used, so nothing drifted.
    assert inventory_drift(with_infra(inventory_compared=False, inventory_hosts=13)) == []


def test_long_drift_is_cut_in_the_evidence() -> None:
    drift = [f"~ k8s-{n} 127.0.0.{n} -> 127.0.1.{n}" for n in range(13)]
    (f,) = inventory_drift(with_infra(inventory_compared=True, inventory_drift=drift))
    assert len(f.evidence) == 9 and f.evidence[-1] == "(+5 more)"
    assert len(f.refs.nodes) == 13
