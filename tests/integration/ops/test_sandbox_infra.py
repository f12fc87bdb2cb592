"""The sandbox profile's infrastructure, end to end with the real terraform binary and ansible-runner
and no AWS account: the built-in profile points at the sandbox module (built-in providers only, the
topology's 13 nodes), apply, outputs shaped like the real module's, the inventory rendered from them,
the stages simulated against it, destroy, and the drift a re-created cluster shows."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from tests.integration.ops.conftest import Recorder, needs_terraform

from ecoeco.console.config import Profile, builtin_sandbox_profile
from ecoeco.console.ops import ItemStatus, OperationRunner
from ecoeco.console.ops.ansible import AnsibleCheck, AnsibleRun, load_stages
from ecoeco.console.ops.base import CancelToken
from ecoeco.console.ops.terraform import TerraformApply, TerraformDestroy, TerraformInit, read_outputs, setup
from ecoeco.console.sandbox_infra import ANSIBLE_DIR, TERRAFORM_DIR
from ecoeco.shared.topology import load_topology

REAL = Path(__file__).resolve().parents[3] / "infra"
WAIT = 300.0  # an upper bound for a run to end, never asserted as a duration

pytestmark = needs_terraform


@pytest.fixture(autouse=True)
def _quiet(quiet_terraform: None) -> None:
    pass


@pytest.fixture
def sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, state: Path, recorder: Recorder
) -> OperationRunner:
    monkeypatch.setenv("ECOECO_SANDBOX_DIR", str(tmp_path / "sandbox"))
    profile = builtin_sandbox_profile()
    return OperationRunner(profile, on_event=recorder, state_dir=state)


def test_the_builtin_sandbox_profile_points_at_the_sandbox_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ECOECO_SANDBOX_DIR", str(tmp_path / "sb"))
    profile = builtin_sandbox_profile()
    assert profile.terraform_dir == str(TERRAFORM_DIR)
    assert profile.ansible_dir == str(ANSIBLE_DIR)
    # The state is the sandbox's, never beside the (possibly installed) module.
    assert profile.terraform_backend_config == [f"path={tmp_path / 'sb' / 'terraform' / 'terraform.tfstate'}"]


def test_sandbox_stages_are_the_real_stages(tmp_path: Path) -> None:
    real = [(s.id, s.tag) for s in load_stages(REAL / "ansible")]
    assert [(s.id, s.tag) for s in load_stages(ANSIBLE_DIR)] == real
    plays = yaml.safe_load((ANSIBLE_DIR / "site.yml").read_text())
    tags = [t for p in plays for t in p["tags"] if t.startswith("stage-")]
    assert tags == [tag for _, tag in real]


def test_plan_apply_inventory_stages_destroy_without_aws(
    sandbox: OperationRunner, recorder: Recorder, tmp_path: Path
) -> None:
    r = sandbox
    assert r.run(r.plan(TerraformInit(), {}), timeout=WAIT).result == "succeeded"
    assert not any(p.name.startswith(".terraform") for p in TERRAFORM_DIR.iterdir())

    plan = r.plan(TerraformApply(), {})
    nodes = [n.name for n in load_topology().nodes]
    assert len(nodes) == 13
    for name in nodes:
        assert f'  + terraform_data.node["{name}"] (create)' in plan.summary
    outcome = r.run(plan, confirm="sandbox", timeout=WAIT)
    assert outcome.result == "succeeded", outcome.message
    assert (tmp_path / "sandbox" / "terraform" / "terraform.tfstate").is_file()

    # The outputs the real root module has, the same names.
    real_outputs = {
        line.split('"')[1]
        for line in (REAL / "terraform" / "outputs.tf").read_text().splitlines()
        if line.startswith("output ")
    }
    tf = setup(r.profile, r.state_dir / "work" / "terraform" / "sandbox")
    outputs = read_outputs(tf, CancelToken())
    assert real_outputs <= set(outputs)
    assert sorted(outputs["node_public_ips"]["value"]) == sorted(nodes)
    assert outputs["required_vcpus"]["value"] == 26

    # The stages run for real (simulated plays) against the inventory rendered from those outputs.
    check = r.plan(AnsibleCheck(), {"stages": ["common", "master-init"]})
    assert "inventory rendered from terraform output ansible_inventory: 13 host(s)" in check.summary
    first = r.run(check, timeout=WAIT)
    assert first.result == "succeeded", first.message
    hosts = {e.item for e in recorder.of(ItemStatus) if e.state == "ok"}
    assert set(nodes) <= hosts
    run = r.plan(AnsibleRun(), {"stages": ["provider-id"]})
    assert r.run(run, confirm="sandbox", timeout=WAIT).result == "succeeded"

    # Destroy, then a new cluster: new instance ids and addresses, shown as drift before Ansible runs.
    destroy = r.plan(TerraformDestroy(), {})
    assert destroy.summary[1] == "Plan: 0 to add, 0 to change, 20 to destroy."
    done = r.run(destroy, confirm="sandbox", confirm_phrase="destroy sandbox", timeout=WAIT)
    assert done.result == "succeeded", done.message
    assert r.run(r.plan(TerraformApply(), {}), confirm="sandbox", timeout=WAIT).result == "succeeded"
    again = r.plan(AnsibleCheck(), {"stages": ["common"]})
    assert "  DRIFT since the last run (13):" in again.summary
    assert any(line.startswith("    ~ k8s-master 127.") for line in again.summary)


def test_a_profile_for_prod_is_not_pointed_at_the_sandbox() -> None:
    assert Profile(name="prod", environment="prod").terraform_dir is None
