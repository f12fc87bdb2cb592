"""Infrastructure facts for triage: the EC2 vCPU quota against what the topology needs (with the open
increase requests), and the drift between the inventory ``terraform output`` renders now and the one
Ansible last used (the stale-inventory incident). Both are read slowly (a minute): neither moves fast,
and reading the inventory runs ``terraform output``.

Each half that cannot be read says why in its ``*_error`` and the other still counts: the source
itself never fails (an account without AWS credentials is not an unreachable system), so it has no
bit in ``status``'s exit code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ecoeco.console import infra
from ecoeco.console.aws import aws_error, client, is_simulated
from ecoeco.console.config import Profile
from ecoeco.console.errors import OperatorError, short_error
from ecoeco.console.snapshot import InfraState, QuotaRequestInfo, Snapshot
from ecoeco.shared.redact import redact
from ecoeco.shared.topology import load_topology

INTERVAL_S = 60.0
TIMEOUT_S = 45.0  # terraform output on a remote backend, plus two Service Quotas calls


@dataclass
class InfraData:
    state: InfraState


class InfraSource:
    name = "infra"

    def __init__(
        self,
        profile: Profile,
        *,
        state_dir: Path | None = None,
        interval_s: float = INTERVAL_S,
        timeout_s: float = TIMEOUT_S,
    ) -> None:
        self.profile = profile
        self.state_dir = state_dir
        self.interval_s = interval_s
        self.timeout_s = timeout_s
        # Made on the first poll that can, then kept: building a boto3 client loads its service model
        # (a noticeable CPU cost), which a poll every minute would otherwise pay each time.
        self._sq: Any = None

    def poll(self) -> InfraData:
        out = InfraState(quota_simulated=is_simulated(self.profile))
        self._quota(out)
        self._inventory(out)
        return InfraData(out)

    def _quota(self, out: InfraState) -> None:
        try:
            out.vcpus_needed = load_topology().vcpus_needed()
            if self._sq is None:
                self._sq, _ = client(self.profile, "service-quotas")
            facts = infra.read_vcpu_quota(self._sq, out.vcpus_needed)
        except Exception as exc:  # noqa: BLE001 - said in the snapshot, the other half still counts
            out.quota_error = redact(aws_error(exc) if not isinstance(exc, OperatorError) else str(exc))[:200]
            return
        out.vcpu_quota, out.vcpu_quota_applied = facts.value, facts.applied
        out.quota_requests = [
            QuotaRequestInfo(id=r.id, desired=r.desired, status=r.status, created=r.created)
            for r in facts.pending
        ]

    def _inventory(self, out: InfraState) -> None:
        if not self.profile.terraform_dir:
            out.inventory_error = "no terraform_dir in the profile"
            return
        try:
            text = infra.read_inventory_output(self.profile, self.state_dir, timeout_s=self.timeout_s - 10)
        except Exception as exc:  # noqa: BLE001
            out.inventory_error = short_error(exc)
            return
        if text is None:
            out.inventory_error = "terraform has no ansible_inventory output (not applied yet?)"
            return
        now = infra.inventory_hosts(text)
        out.inventory_hosts = len(now)
        last = infra.last_used_inventory(self.profile, self.state_dir)
        if not last.is_file():
            return  # no Ansible run yet: nothing to drift from
        out.inventory_compared = True
        out.inventory_last_used_at = last.stat().st_mtime
        out.inventory_drift = infra.inventory_drift(
            infra.inventory_hosts(last.read_text(encoding="utf-8")), now
        )

    def apply(self, snapshot: Snapshot, data: object) -> None:
        assert isinstance(data, InfraData)
        snapshot.infra = data.state
