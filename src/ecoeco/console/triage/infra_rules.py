"""Triage rules about the infrastructure a rebuild depends on (the ``infra`` part of the snapshot):
the EC2 vCPU quota short of what the topology needs, and an inventory that drifted from ``terraform
output`` since Ansible last used it. Pure, like every rule: no I/O, no clock."""

from __future__ import annotations

from ecoeco.console.snapshot import Snapshot
from ecoeco.console.triage.model import Action, Finding, Refs

__all__ = ["INFRA_RULES", "inventory_drift", "vcpu_quota_short"]

MAX_EVIDENCE = 8


def vcpu_quota_short(snap: Snapshot) -> list[Finding]:
    i = snap.infra
    if i.vcpu_quota is None or i.vcpus_needed is None or i.vcpu_quota >= i.vcpus_needed:
        return []
    missing = i.vcpus_needed - i.vcpu_quota
    covering = [r for r in i.quota_requests if r.desired >= i.vcpus_needed]
    evidence = [
        f"quota L-1216C47A {i.vcpu_quota:g} vCPUs"
        + ("" if i.vcpu_quota_applied else " (AWS default)")
        + f"; the topology needs {i.vcpus_needed} (short by {missing:g})",
        *(f"increase request {r.id} for {r.desired:g}: {r.status}" for r in i.quota_requests),
    ]
    if i.quota_simulated:
        evidence.append("simulated: the sandbox's local AWS endpoint")
    if covering:
        return [Finding(rule="vcpu_quota_short", severity="info",
                        title="vCPU quota short of the topology; an increase is pending",
                        subject="AWS/EC2 vCPU quota", evidence=evidence,
                        cause="a rebuild would stop at the instance that crosses the quota (VcpuLimitExceeded) "
                              "until AWS approves the request")]  # fmt: skip
    # The sandbox's quota is moto's stand-in (AWS's default of 16, for trying quota.request): nothing
    # real is short, so a healthy sandbox shows it as information, not as a warning.
    return [Finding(rule="vcpu_quota_short", severity="info" if i.quota_simulated else "warning",
                    title=f"vCPU quota {i.vcpu_quota:g} short of the {i.vcpus_needed} the topology needs",
                    subject="AWS/EC2 vCPU quota", evidence=evidence,
                    cause="a rebuild (or replacing a node) stops half-way with VcpuLimitExceeded: the "
                          "seed's first rebuild did, on the ninth instance",
                    action=Action(operation="quota.request", params={"desired": i.vcpus_needed}))]  # fmt: skip


def inventory_drift(snap: Snapshot) -> list[Finding]:
    i = snap.infra
    if not i.inventory_compared or not i.inventory_drift:
        return []
    hosts = sorted({line.split()[1] for line in i.inventory_drift if len(line.split()) > 1})
    more = len(i.inventory_drift) - MAX_EVIDENCE
    evidence = list(i.inventory_drift[:MAX_EVIDENCE]) + ([f"(+{more} more)"] if more > 0 else [])
    return [Finding(rule="inventory_drift", severity="warning",
                    title=f"Inventory drift: {len(i.inventory_drift)} host(s) differ from terraform output",
                    subject="Ansible/inventory", evidence=evidence,
                    cause="the infrastructure changed since Ansible last ran (a rebuild, a replaced node): "
                          "an inventory kept by hand would send Ansible to old addresses",
                    action=Action(operation="ansible.check", params={"stages": ["all"]}),
                    refs=Refs(nodes=hosts))]  # fmt: skip


INFRA_RULES = (vcpu_quota_short, inventory_drift)
