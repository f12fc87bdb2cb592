"""The ansible operations with the real ansible-runner and ansible-playbook, on a fixture project
(tests/integration/ops/ansible: site.yml of tagged stages, stages.yaml) against localhost, plus a host
where nothing listens."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.integration.ops.conftest import Recorder, audit_records

from ecoeco.console.errors import OperatorError
from ecoeco.console.ops import ItemStatus, OperationRunner, OutputLine, Refused
from ecoeco.console.ops.ansible import AnsibleCheck, AnsibleList, AnsibleRun

FIXTURE = Path(__file__).parent / "ansible"
WAIT = 180.0


@pytest.fixture
def project(tmp_path: Path) -> Path:
    target = tmp_path / "ansible"
    shutil.copytree(FIXTURE, target)
    return target


@pytest.fixture
def runner(make_runner: Callable[..., OperationRunner], project: Path) -> OperationRunner:
    return make_runner(ansible_dir=str(project))


def states(recorder: Recorder) -> list[tuple[str, str, str]]:
    return [(e.item, e.state, e.detail.split(":")[0]) for e in recorder.of(ItemStatus)]


def test_stages_are_listed_from_stages_yaml(runner: OperationRunner) -> None:
    outcome = runner.run(runner.plan(AnsibleList(), {}), timeout=WAIT)
    assert [s["id"] for s in outcome.data["stages"]] == ["hello", "config", "fails", "remote"]


def test_check_mode_of_one_stage_changes_nothing(
    runner: OperationRunner, recorder: Recorder, project: Path
) -> None:
    plan = runner.plan(AnsibleCheck(), {"stages": ["hello"]})
    assert plan.summary[0] == "site.yml: 1 of 4 stages in check mode (changes nothing)"
    assert plan.summary[2] == "  stage-01-hello: Say hello and write a marker file"
    outcome = runner.run(plan, timeout=WAIT)
    assert outcome.result == "succeeded", outcome.message
    assert outcome.message == "1 stage(s) on 1 host(s): 2 task(s) would change"
    got = states(recorder)
    # The preflight (tagged always) ran, then only the chosen stage; the config stage did not.
    assert ("localhost", "changed", "The output dir exists") in got
    assert ("localhost", "ok", "Say hello") in got
    assert ("localhost", "changed", "Write the marker") in got
    assert not any(task == "Write the config" for _, _, task in got)
    assert not (project / "out").exists()  # check mode
    assert any("hello from stage one" in e.text for e in recorder.of(OutputLine))


def test_several_stages_for_real_need_the_environment_name(
    runner: OperationRunner, recorder: Recorder, project: Path, state: Path
) -> None:
    plan = runner.plan(AnsibleRun(), {"stages": ["config", "hello"]})
    assert plan.details["tags"] == ["stage-01-hello", "stage-02-config"]  # site.yml's order
    with pytest.raises(Refused):
        runner.start(plan)
    outcome = runner.run(plan, confirm="staging", timeout=WAIT)
    assert outcome.result == "succeeded", outcome.message
    assert (project / "out" / "hello.txt").read_text() == "hello\n"
    assert "nodes = 13" in (project / "out" / "config.ini").read_text()
    assert outcome.data["stats"]["changed"] == {"localhost": 3}
    run_dir = Path(outcome.data["run_dir"])
    assert state in run_dir.parents and (run_dir / "artifacts").is_dir()  # the run's log is kept
    assert [r["record"] for r in audit_records(state)] == ["refused", "start", "end"]


def test_a_failing_task_gives_its_full_message(runner: OperationRunner, recorder: Recorder) -> None:
    outcome = runner.run(runner.plan(AnsibleCheck(), {"stages": ["fails"]}), timeout=WAIT)
    assert outcome.result == "failed"
    assert (
        outcome.message == "localhost: Check the disk: the disk is full: /var at 97%, kubelet will evict pods"
    )
    assert ("localhost", "failed", "Check the disk") in states(recorder)


def test_an_unreachable_host_is_reported_as_such(runner: OperationRunner, recorder: Recorder) -> None:
    outcome = runner.run(runner.plan(AnsibleCheck(), {"stages": ["remote"]}), timeout=WAIT)
    assert outcome.result == "failed"
    assert outcome.message.startswith("gone-node: Ping the node: ")
    assert ("gone-node", "unreachable", "Ping the node") in states(recorder)
    assert outcome.data["stats"]["dark"] == {"gone-node": 1}


def test_an_unknown_stage_is_refused_before_anything_runs(runner: OperationRunner, state: Path) -> None:
    with pytest.raises(OperatorError, match="unknown stage"):
        runner.plan(AnsibleCheck(), {"stages": ["nope"]})
    assert audit_records(state) == []


# --- the inventory, rendered from terraform output first ---------------------------------------------

TERRAFORM = shutil.which("terraform") or "/usr/local/bin/terraform"


@pytest.mark.skipif(not Path(TERRAFORM).exists(), reason="terraform binary not installed")
def test_inventory_is_rendered_from_terraform_and_its_drift_shown(
    tmp_path: Path,
    project: Path,
    make_runner: Callable[..., OperationRunner],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ecoeco.console.ops.terraform import TerraformApply, TerraformInit

    rc = tmp_path / "terraformrc"
    rc.write_text("")
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", str(rc))
    module = tmp_path / "tf"
    shutil.copytree(Path(__file__).parent / "tf" / "inventory", module)
    settings = {"ansible_dir": str(project), "terraform_dir": str(module), "terraform_bin": TERRAFORM}
    runner = make_runner(**settings)
    assert runner.run(runner.plan(TerraformInit(), {}), timeout=WAIT).ok
    assert runner.run(runner.plan(TerraformApply(), {}), confirm="staging", timeout=WAIT).ok

    first = runner.plan(AnsibleCheck(), {"stages": ["hello"]})
    assert "inventory rendered from terraform output ansible_inventory: 1 host(s)" in first.summary
    assert "  first run with a rendered inventory: no earlier one to compare" in first.summary
    outcome = runner.run(first, timeout=WAIT)
    assert outcome.result == "succeeded", outcome.message

    # The cluster is rebuilt: one node has a new address, one is new. The next plan says so first.
    (module / "next.tfvars").write_text('hosts = { localhost = "127.0.0.9", node2 = "127.0.0.2" }\n')
    rebuilt = make_runner(**settings, terraform_var_files=["next.tfvars"])
    assert rebuilt.run(rebuilt.plan(TerraformApply(), {}), confirm="staging", timeout=WAIT).ok
    second = rebuilt.plan(AnsibleCheck(), {"stages": ["hello"]})
    assert "  DRIFT since the last run (2):" in second.summary
    assert "    + node2 (127.0.0.2)" in second.summary
    assert "    ~ localhost 127.0.0.1 -> 127.0.0.9" in second.summary
