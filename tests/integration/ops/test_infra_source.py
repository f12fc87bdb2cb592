"""The ``infra`` read source end to end: the vCPU quota from the sandbox's moto (service-quotas with
the EC2 extension) and the inventory drift between the sandbox module's ``terraform output`` and the
inventory the last Ansible run used, as triage then judges them."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import moto_server
from tests.integration.ops.conftest import TERRAFORM, needs_terraform

from ecoeco.console.config import Profile
from ecoeco.console.ops import OperationRunner
from ecoeco.console.ops.ansible import AnsibleCheck
from ecoeco.console.ops.terraform import TerraformApply, TerraformInit
from ecoeco.console.sandbox_infra import ANSIBLE_DIR, TERRAFORM_DIR
from ecoeco.console.snapshot import Snapshot
from ecoeco.console.sources.infra import InfraSource
from ecoeco.console.triage import evaluate
from ecoeco.shared import moto_quotas

WAIT = 300.0

pytestmark = needs_terraform


@pytest.fixture(autouse=True)
def _quiet(quiet_terraform: None) -> None:
    pass


def poll(source: InfraSource) -> Snapshot:
    snap = Snapshot()
    source.apply(snap, source.poll())
    return snap


@pytest.fixture
def moto_url() -> Iterator[str]:
    """A moto server of this test's own (its backends are still the process's: see the region)."""
    with moto_server() as url:
        yield url


def test_quota_and_inventory_drift_reach_the_snapshot_and_triage(
    moto_url: str, tmp_path: Path, state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    moto_quotas.install()
    # The default a fresh account gets (moto's backends and these settings are per process, shared
    # with every other test this worker runs; us-west-2 is this file's alone).
    monkeypatch.setitem(moto_quotas.SETTINGS, "default_vcpus", 16)
    profile = Profile(
        name="sandbox",
        environment="sandbox",
        aws_endpoint_url=moto_url,
        aws_region="us-west-2",
        terraform_dir=str(TERRAFORM_DIR),
        terraform_backend_config=[f"path={tmp_path / 'tfstate'}"],
        ansible_dir=str(ANSIBLE_DIR),
    )
    source = InfraSource(profile, state_dir=state)
    runner = OperationRunner(profile, state_dir=state)

    # Nothing applied yet: the quota is known, the inventory is not (and that is not a failure).
    snap = poll(source)
    assert (snap.infra.vcpu_quota, snap.infra.vcpus_needed, snap.infra.quota_simulated) == (16.0, 26, True)
    assert snap.infra.inventory_error is not None and not snap.infra.inventory_compared
    assert [f.rule for f in evaluate(snap) if f.rule in ("vcpu_quota_short", "inventory_drift")] == [
        "vcpu_quota_short"
    ]

    assert runner.run(runner.plan(TerraformInit(), {}), timeout=WAIT).result == "succeeded"
    assert (
        runner.run(runner.plan(TerraformApply(), {}), confirm="sandbox", timeout=WAIT).result == "succeeded"
    )
    snap = poll(source)
    assert snap.infra.inventory_hosts == 13 and not snap.infra.inventory_compared  # no Ansible run yet

    # An Ansible run records the inventory it used; then one node is replaced outside Ansible.
    assert runner.run(runner.plan(AnsibleCheck(), {"stages": ["common"]}), timeout=WAIT).result == "succeeded"
    assert poll(source).infra.inventory_drift == []
    replaced = runner.plan(TerraformApply(), {})  # nothing to do yet
    assert not replaced.changes
    env = {
        "TF_DATA_DIR": str(state / "work" / "terraform" / "sandbox" / "data"),
        "TF_CLI_CONFIG_FILE": str(tmp_path / "terraformrc"),
        "PATH": "/usr/bin:/bin",
    }
    subprocess.run(
        [TERRAFORM, "apply", "-auto-approve", "-input=false", "-replace=terraform_data.node[\"k8s-master\"]"],
        cwd=TERRAFORM_DIR, env=env, check=True, capture_output=True,
    )  # fmt: skip
    snap = poll(source)
    assert snap.infra.inventory_compared
    (line,) = snap.infra.inventory_drift
    assert line.startswith("~ k8s-master 127.")
    found = {f.rule: f for f in evaluate(snap)}
    assert found["inventory_drift"].refs.nodes == ["k8s-master"]
