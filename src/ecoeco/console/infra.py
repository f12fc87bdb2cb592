"""Facts about the infrastructure that the write side acts on and the read side watches: the EC2 vCPU
quota against what the topology needs, and the Ansible inventory (rendered from ``terraform output``)
against the one Ansible last used. Core: the ``quota`` and ``ansible`` operations, the rebuild's
pre-flight and the ``infra`` source all read them here, so a screen, a finding and a refusal agree.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ecoeco.console.config import Profile, state_dir
from ecoeco.console.errors import OperatorError

__all__ = [
    "OPEN_REQUEST_STATES",
    "QuotaFacts",
    "QuotaRequest",
    "VCPU_QUOTA_CODE",
    "inventory_drift",
    "inventory_hosts",
    "last_used_inventory",
    "read_vcpu_quota",
    "terraform_data_dir",
]

EC2 = "ec2"
# "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances", counted in vCPUs: t3a.* is in it.
VCPU_QUOTA_CODE = "L-1216C47A"
# Service Quotas request states that still may raise the quota (the others are final).
OPEN_REQUEST_STATES = ("PENDING", "CASE_OPENED")

INVENTORY_OUTPUT = "ansible_inventory"  # the root module's output (infra/terraform/outputs.tf)
LAST_USED = "last-used.yml"


# --- the vCPU quota -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuotaRequest:
    id: str
    desired: float
    status: str
    created: str = ""
    case_id: str = ""

    @property
    def open(self) -> bool:
        return self.status in OPEN_REQUEST_STATES


@dataclass(frozen=True)
class QuotaFacts:
    """The account's quota (``value``; ``applied`` False when only AWS's default is known), what the
    topology needs, and the increase requests still open."""

    value: float
    needed: int
    applied: bool = True
    pending: tuple[QuotaRequest, ...] = field(default=())

    @property
    def short(self) -> bool:
        return self.value < self.needed

    @property
    def pending_covers(self) -> bool:
        """An open request would lift the quota to what the topology needs."""
        return any(r.desired >= self.needed for r in self.pending)

    def lines(self) -> list[str]:
        head = (
            f"EC2 vCPU quota {VCPU_QUOTA_CODE}: {self.value:g}"
            + ("" if self.applied else " (AWS default; no value applied to the account)")
            + f"; the topology needs {self.needed}"
            + (f": SHORT by {self.needed - self.value:g}" if self.short else ": enough")
        )
        out = [head]
        for r in self.pending:
            out.append(
                f"  request {r.id} for {r.desired:g}: {r.status}" + (f" ({r.created})" if r.created else "")
            )
        if not self.pending:
            out.append("  no increase request open")
        return out


def read_vcpu_quota(sq: Any, needed: int) -> QuotaFacts:
    """Read L-1216C47A with a boto3 ``service-quotas`` client: the applied value (else AWS's default)
    and the open increase requests for it. Raises what boto3 raises."""
    import botocore.exceptions

    applied = True
    try:
        quota = sq.get_service_quota(ServiceCode=EC2, QuotaCode=VCPU_QUOTA_CODE)["Quota"]
    except botocore.exceptions.ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "NoSuchResourceException":
            raise
        # No value applied to this account yet: AWS's default is what holds.
        quota = sq.get_aws_default_service_quota(ServiceCode=EC2, QuotaCode=VCPU_QUOTA_CODE)["Quota"]
        applied = False
    history = sq.list_requested_service_quota_change_history_by_quota(
        ServiceCode=EC2, QuotaCode=VCPU_QUOTA_CODE
    ).get("RequestedQuotas", [])
    pending = tuple(
        QuotaRequest(
            id=str(r.get("Id", "")),
            desired=float(r.get("DesiredValue", 0)),
            status=str(r.get("Status", "")),
            created=str(r.get("Created", "")),
            case_id=str(r.get("CaseId", "")),
        )
        for r in history
        if r.get("Status") in OPEN_REQUEST_STATES
    )
    return QuotaFacts(value=float(quota["Value"]), needed=needed, applied=applied, pending=pending)


# --- the inventory ------------------------------------------------------------------------------------


def inventory_hosts(text: str) -> dict[str, str]:
    """{host: ansible_host or ""} of a YAML inventory, every group walked."""
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise OperatorError(f"the inventory is not YAML: {exc}") from exc
    found: dict[str, str] = {}

    def walk(group: Any) -> None:
        if not isinstance(group, dict):
            return
        for host, hostvars in (group.get("hosts") or {}).items():
            found[str(host)] = (
                str((hostvars or {}).get("ansible_host", "")) if isinstance(hostvars, dict) else ""
            )
        for child in (group.get("children") or {}).values():
            walk(child)

    for group in data.values() if isinstance(data, dict) else ():
        walk(group)
    return found


def inventory_drift(before: dict[str, str], now: dict[str, str]) -> list[str]:
    """What changed between the inventory last used and this one: the stale-inventory incident
    (Ansible sent to a destroyed node's old address) is a line here before anything runs."""
    lines = [f"+ {h} ({now[h] or '-'})" for h in sorted(now.keys() - before.keys())]
    lines += [f"- {h} ({before[h] or '-'})" for h in sorted(before.keys() - now.keys())]
    lines += [
        f"~ {h} {before[h] or '-'} -> {now[h] or '-'}"
        for h in sorted(now.keys() & before.keys())
        if before[h] != now[h]
    ]
    return lines


def work_dir(kind: str, environment: str, state: Path | None = None) -> Path:
    """``STATE/work/KIND/ENV``: where the operations of ``kind`` keep their files."""
    return state_dir(state) / "work" / kind / environment


def terraform_data_dir(profile: Profile, state: Path | None = None) -> Path:
    """The terraform operations' ``TF_DATA_DIR`` for this environment (providers, backend settings)."""
    return work_dir("terraform", profile.environment, state) / "data"


def last_used_inventory(profile: Profile, state: Path | None = None) -> Path:
    """The inventory the last Ansible run of this environment used (written by the ``ansible`` ops)."""
    return work_dir("ansible", profile.environment, state) / "inventory" / LAST_USED


def read_inventory_output(profile: Profile, state: Path | None = None, timeout_s: float = 30.0) -> str | None:
    """``terraform output -raw``-like read of ``ansible_inventory`` with the terraform operations' data
    dir (so a read needs no init of its own). None when the module has no state or no such output.
    For the read side (a plain, bounded subprocess); the operations stream through ``ops.terraform``."""
    if not profile.terraform_dir:
        return None
    binary = profile.terraform_bin or shutil.which("terraform")
    if not binary:
        raise OperatorError("terraform is not installed (or set terraform_bin)")
    env = dict(os.environ) | {
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "CHECKPOINT_DISABLE": "1",
        "TF_DATA_DIR": str(terraform_data_dir(profile, state)),
    }
    if profile.terraform_workspace:
        env["TF_WORKSPACE"] = profile.terraform_workspace
    proc = subprocess.run(
        [binary, "output", "-json"],
        cwd=Path(profile.terraform_dir).expanduser(),
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    if proc.returncode != 0:
        raise OperatorError(f"terraform output failed: {proc.stderr.strip()[:300] or proc.returncode}")
    try:
        outputs = json.loads(proc.stdout or "{}")
    except json.JSONDecodeError as exc:
        raise OperatorError(f"terraform output printed no JSON ({exc.msg})") from exc
    value = (outputs.get(INVENTORY_OUTPUT) or {}).get("value")
    return value if isinstance(value, str) and value.strip() else None
