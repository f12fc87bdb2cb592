"""The terraform operations with the real terraform binary on fixture modules that use only
Terraform's built-in provider: init, plan (saved, summarised from show -json), apply of exactly that
plan, output, destroy behind a second phrase, a failing plan and a cancelled apply."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.integration.ops.conftest import TERRAFORM, Recorder, audit_records, needs_terraform

from ecoeco.console.errors import OperatorError
from ecoeco.console.ops import ItemStatus, OperationRunner, OutputLine, Progress, Refused
from ecoeco.console.ops.terraform import (
    TerraformApply,
    TerraformDestroy,
    TerraformInit,
    TerraformOutput,
    TerraformPlan,
)

FIXTURES = Path(__file__).parent / "tf"
WAIT = 120.0  # an upper bound for a run to end, never asserted as a duration

pytestmark = needs_terraform


@pytest.fixture(autouse=True)
def _quiet(quiet_terraform: None) -> None:
    pass


def module(name: str, tmp_path: Path) -> Path:
    target = tmp_path / "modules" / name
    shutil.copytree(FIXTURES / name, target)
    return target


def state_list(directory: Path) -> list[str]:
    out = subprocess.run(
        [TERRAFORM, "state", "list"], cwd=directory, capture_output=True, text=True, check=False
    )
    return sorted(out.stdout.split())


@pytest.fixture
def nodes(tmp_path: Path, make_runner: Callable[..., OperationRunner]) -> tuple[OperationRunner, Path]:
    directory = module("nodes", tmp_path)
    runner = make_runner(terraform_dir=str(directory), terraform_bin=TERRAFORM)
    outcome = runner.run(runner.plan(TerraformInit(), {}), timeout=WAIT)
    assert outcome.result == "succeeded", outcome.message
    return runner, directory


def test_init_plan_apply_output_destroy(
    nodes: tuple[OperationRunner, Path], recorder: Recorder, state: Path
) -> None:
    runner, directory = nodes
    # The plan: a saved file under the state dir, each resource named, counts as terraform counts.
    plan = runner.plan(TerraformApply(), {})
    assert plan.changes
    assert plan.summary[1] == "Plan: 2 to add, 0 to change, 0 to destroy."
    assert '  + terraform_data.node["k8s-api-auth"] (create)' in plan.summary
    assert '  + terraform_data.node["k8s-master"] (create)' in plan.summary
    assert any(line.startswith("Outputs: join_token (create), node_names (create)") for line in plan.summary)
    plan_file = Path(plan.details["plan_file"])
    assert plan_file.is_file() and state in plan_file.parents
    assert state_list(directory) == []  # planning changed nothing

    # Apply refuses without the environment's name, and then applies exactly that plan.
    with pytest.raises(Refused, match="type the environment name"):
        runner.start(plan)
    recorder.events.clear()
    outcome = runner.run(plan, confirm="staging", timeout=WAIT)
    assert outcome.result == "succeeded", outcome.message
    assert outcome.message == "applied: 2 added, 0 changed, 0 destroyed"
    assert state_list(directory) == [
        'terraform_data.node["k8s-api-auth"]',
        'terraform_data.node["k8s-master"]',
    ]
    applied = [(e.item, e.state) for e in recorder.of(ItemStatus) if e.group == "apply"]
    assert ('terraform_data.node["k8s-master"]', "running") in applied
    assert ('terraform_data.node["k8s-master"]', "changed") in applied
    assert recorder.of(Progress)[-1].done == 2 and recorder.of(Progress)[-1].total == 2
    assert any("Apply complete!" in e.text for e in recorder.of(OutputLine))
    assert not plan_file.exists()  # a used plan (it holds sensitive values) is not left behind

    # Nothing left to do: the next plan says so.
    again = runner.plan(TerraformApply(), {})
    assert not again.changes and again.summary[1].startswith("No changes")

    # Outputs: values shown, the sensitive one never.
    recorder.events.clear()
    out = runner.run(runner.plan(TerraformOutput(), {}), timeout=WAIT)
    assert out.ok
    texts = [e.text for e in recorder.of(OutputLine)]
    assert 'node_names = ["k8s-api-auth", "k8s-master"]' in texts
    # Shown as "(sensitive)" by the operation; the runner's redactor masks "token = ..." lines anyway.
    assert [t for t in texts if t.startswith("join_token = ")] in (
        ["join_token = (sensitive)"],
        ["join_token = ***"],
    )

    # Destroy: the environment's name and the second phrase.
    destroy = runner.plan(TerraformDestroy(), {})
    assert destroy.summary[1] == "Plan: 0 to add, 0 to change, 2 to destroy."
    with pytest.raises(Refused, match="destroy staging"):
        runner.start(destroy, confirm="staging")
    with pytest.raises(Refused, match="destroy staging"):
        runner.start(destroy, confirm="staging", confirm_phrase="destroy prod")
    gone = runner.run(destroy, confirm="staging", confirm_phrase="destroy staging", timeout=WAIT)
    assert gone.result == "succeeded", gone.message
    assert state_list(directory) == []

    # The secret never reached the log; every run is recorded with the digest of its plan.
    log = (state / "audit.jsonl").read_text()
    assert "tok-5ecret" not in log
    records = audit_records(state)
    ends = [(r["operation"], r["result"]) for r in records if r["record"] == "end"]
    assert ends == [("terraform.init", "succeeded"), ("terraform.apply", "succeeded"),
                    ("terraform.output", "succeeded"), ("terraform.destroy", "succeeded")]  # fmt: skip
    assert [r["reason"] for r in records if r["record"] == "refused"] == ["confirmation"] * 3


def test_plan_streams_and_summarises_replace_and_var_files(
    nodes: tuple[OperationRunner, Path], recorder: Recorder, make_runner: Callable[..., OperationRunner]
) -> None:
    runner, directory = nodes
    assert runner.run(runner.plan(TerraformApply(), {}), confirm="staging", timeout=WAIT).ok
    (directory / "next.tfvars").write_text('nodes = ["k8s-master", "k8s-worker-ai"]\ngeneration = "2"\n')
    changed = make_runner(
        terraform_dir=str(directory), terraform_bin=TERRAFORM, terraform_var_files=["next.tfvars"]
    )
    recorder.events.clear()
    outcome = changed.run(changed.plan(TerraformPlan(), {}), timeout=WAIT)
    assert outcome.ok, outcome.message
    # Streamed from the -json UI while terraform ran, then the summary from show -json.
    pending = [e.item for e in recorder.of(ItemStatus) if e.state == "pending"]
    assert sorted(pending) == sorted(['terraform_data.node["k8s-master"]', 'terraform_data.node["k8s-worker-ai"]',
                                      'terraform_data.node["k8s-api-auth"]'])  # fmt: skip
    actions = {r["address"]: r["action"] for r in outcome.data["resources"]}
    assert actions == {
        'terraform_data.node["k8s-api-auth"]': "destroy",
        'terraform_data.node["k8s-master"]': "replace",
        'terraform_data.node["k8s-worker-ai"]': "create",
    }
    assert outcome.message == "Plan: 2 to add, 0 to change, 2 to destroy."


def test_a_failing_plan_says_why_and_runs_nothing(
    tmp_path: Path, make_runner: Callable[..., OperationRunner], state: Path
) -> None:
    directory = module("failing", tmp_path)
    runner = make_runner(terraform_dir=str(directory), terraform_bin=TERRAFORM)
    assert runner.run(runner.plan(TerraformInit(), {}), timeout=WAIT).ok
    with pytest.raises(OperatorError, match=r"terraform plan failed: error: Invalid function argument"):
        runner.plan(TerraformApply(), {})
    assert [r["operation"] for r in audit_records(state) if r["record"] == "start"] == ["terraform.init"]
    assert list((state / "work" / "terraform" / "staging" / "plans").glob("*.tfplan")) == []


def test_a_plan_changed_after_it_was_shown_is_not_applied(nodes: tuple[OperationRunner, Path]) -> None:
    runner, directory = nodes
    plan = runner.plan(TerraformApply(), {})
    Path(plan.details["plan_file"]).write_bytes(b"another plan")
    outcome = runner.run(plan, confirm="staging", timeout=WAIT)
    assert outcome.result == "failed" and "is gone or changed" in outcome.message
    assert state_list(directory) == []


def test_a_cancelled_apply_stops_cleanly_and_keeps_the_state(
    tmp_path: Path, make_runner: Callable[..., OperationRunner], recorder: Recorder, state: Path
) -> None:
    directory = module("slow", tmp_path)
    runner = make_runner(terraform_dir=str(directory), terraform_bin=TERRAFORM)
    assert runner.run(runner.plan(TerraformInit(), {}), timeout=WAIT).ok
    plan = runner.plan(TerraformApply(), {})

    def cancel_once_provisioning(handle, event) -> None:  # type: ignore[no-untyped-def]
        if isinstance(event, OutputLine) and "provisioning started" in event.text:
            handle.cancel("operator pressed cancel")

    recorder.hooks.append(cancel_once_provisioning)
    outcome = runner.run(plan, confirm="staging", timeout=WAIT)
    assert outcome.result == "cancelled" and outcome.exit_code == 130, outcome.message
    # The slow resource is reported "stopped mid-change" when terraform got to say so before exiting.
    assert "interrupted: 1 of 2 resources done" in outcome.message
    texts = [e.text for e in recorder.of(OutputLine)]
    assert any("Interrupt received" in t for t in texts)  # terraform got SIGINT, not a kill
    assert "terraform_data.fast" in state_list(directory)  # what was done is in the state
    assert runner.holder(TerraformApply()) is None  # the lock is free again
    end = audit_records(state)[-1]
    assert (end["record"], end["result"], end["cancel_requested"]) == ("end", "cancelled", True)


# --- the CLI ------------------------------------------------------------------------------------------

CONSOLE = Path(sys.executable).with_name("ecoeco-console")


def console(args: list[str], state: Path, directory: Path, **kw: Any) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECOECO_CONSOLE_")}
    env |= {
        "ECOECO_CONSOLE_STATE_DIR": str(state),
        "ECOECO_CONSOLE_CONFIG": str(state / "absent.toml"),
        "ECOECO_CONSOLE_TERRAFORM_DIR": str(directory),
        "ECOECO_CONSOLE_TERRAFORM_BIN": TERRAFORM,
    }
    return subprocess.Popen(
        [str(CONSOLE), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw
    )


def test_cli_apply_and_destroy_need_their_confirmations(tmp_path: Path, state: Path) -> None:
    directory = module("nodes", tmp_path)
    assert console(["op", "terraform.init"], state, directory).wait(WAIT) == 0
    refused = console(["op", "terraform.apply"], state, directory)
    out, err = refused.communicate(timeout=WAIT)
    assert refused.returncode == 3 and "--confirm sandbox" in err
    assert "Plan: 2 to add, 0 to change, 0 to destroy." in out  # the plan is shown before the refusal
    wrong = console(["op", "terraform.apply", "--confirm", "prod"], state, directory)
    assert wrong.wait(WAIT) == 3
    applied = console(["op", "terraform.apply", "--confirm", "sandbox", "--json"], state, directory)
    out, _ = applied.communicate(timeout=WAIT)
    assert applied.returncode == 0
    events = [json.loads(line) for line in out.splitlines()]
    assert [e["event"] for e in events][:1] == ["plan"] and events[-1]["result"] == "succeeded"
    assert any(e["event"] == "item" and e["state"] == "changed" for e in events)
    no_phrase = console(["op", "terraform.destroy", "--confirm", "sandbox"], state, directory)
    assert no_phrase.wait(WAIT) == 3
    destroyed = console(
        ["op", "terraform.destroy", "--confirm", "sandbox", "--confirm-phrase", "destroy sandbox"],
        state,
        directory,
    )
    assert destroyed.wait(WAIT) == 0
    assert state_list(directory) == []


def test_cli_ctrl_c_cancels_the_apply_and_waits_for_terraform(tmp_path: Path, state: Path) -> None:
    directory = module("slow", tmp_path)
    assert console(["op", "terraform.init"], state, directory).wait(WAIT) == 0
    proc = console(["op", "terraform.apply", "--confirm", "sandbox"], state, directory)
    assert proc.stdout is not None
    for line in proc.stdout:  # wait until terraform is in the middle of the slow resource
        if "provisioning started" in line:
            break
    proc.send_signal(signal.SIGINT)
    rest, _ = proc.communicate(timeout=WAIT)
    assert proc.returncode == 130
    assert "== cancelled" in rest and "interrupted: 1 of 2 resources done" in rest
    end = audit_records(state)[-1]
    assert (end["operation"], end["result"]) == ("terraform.apply", "cancelled")
