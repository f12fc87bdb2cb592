"""The one-key rebuild on the sandbox's infrastructure (the real terraform binary on the sandbox module,
real ansible-runner on the simulated stages, service-quotas/STS/EC2/ELBv2 from moto's server mode):
the pre-flight refuses a short quota and leftovers; a run that fails at a step is resumed from that
step, with each step's state and log kept under the state dir."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import pytest
from tests.integration.ops.conftest import TERRAFORM, Recorder, audit_records, needs_terraform

from ecoeco.console.errors import OperatorError
from ecoeco.console.ops import ItemStatus, OperationRunner, Progress
from ecoeco.console.ops import rebuild as rebuild_mod
from ecoeco.console.ops.lock import FlightBusy, FlightLock, LockHolder
from ecoeco.console.ops.rebuild import Rebuild
from ecoeco.console.sandbox_infra import ANSIBLE_DIR, TERRAFORM_DIR
from ecoeco.shared import moto_quotas
from ecoeco.shared.topology import DEFAULT_TOPOLOGY

WAIT = 600.0
# Regions no other file of this session-wide moto server uses (each region keeps its own quota).
REGIONS = iter(["ap-northeast-1", "ap-south-2", "ap-northeast-3", "me-south-1", "af-south-1"])

pytestmark = needs_terraform


@pytest.fixture(autouse=True)
def _quiet(quiet_terraform: None) -> None:
    pass


@pytest.fixture
def verifier() -> Iterator[list[list[str]]]:
    """What the verify step will be told, one answer per call (the last one repeats)."""
    answers: list[list[str]] = [[]]
    rebuild_mod.set_verifier(lambda profile, cancel: answers.pop(0) if len(answers) > 1 else answers[0])
    yield answers
    rebuild_mod.set_verifier(None)


@pytest.fixture
def ansible_copy(tmp_path: Path) -> tuple[Path, Path]:
    """The sandbox's stages plus one play that fails while a marker file exists."""
    directory = tmp_path / "ansible"
    shutil.copytree(ANSIBLE_DIR, directory)
    marker = tmp_path / "fail-site"
    site = directory / "site.yml"
    text = site.read_text().replace("{{ playbook_dir }}/../../../shared/topology.yaml", str(DEFAULT_TOPOLOGY))
    text += (
        "- name: A stage that fails while the marker exists\n"
        "  hosts: localhost\n  gather_facts: false\n  tags: [stage-11-console]\n  tasks:\n"
        "    - name: Fail on the marker\n"
        f"      ansible.builtin.fail:\n        msg: the marker {marker} is there\n"
        f"      when: \"'{marker}' is exists\"\n"
    )
    site.write_text(text)
    return directory, marker


@pytest.fixture
def make(
    moto_url: str,
    tmp_path: Path,
    make_runner: Callable[..., OperationRunner],
    ansible_copy: tuple[Path, Path],
) -> Iterator[Callable[..., OperationRunner]]:
    moto_quotas.install()

    def build(quota: float = 32, **kw: object) -> OperationRunner:
        moto_quotas.SETTINGS["default_vcpus"] = quota  # read when the region's quota is first asked for
        return make_runner(
            aws_endpoint_url=moto_url,
            aws_region=next(REGIONS),
            terraform_dir=str(TERRAFORM_DIR),
            terraform_bin=TERRAFORM,
            terraform_backend_config=[f"path={tmp_path / 'tfstate'}"],
            ansible_dir=str(ansible_copy[0]),
            **kw,
        )

    with moto_quotas.settings():
        yield build


def test_preflight_refuses_a_short_quota_and_leftovers(
    make: Callable[..., OperationRunner], moto_url: str
) -> None:
    short = make(quota=16)
    with pytest.raises(OperatorError, match=r"pre-flight failed.*vCPU quota 16 < 26 the topology needs"):
        short.plan(Rebuild(), {})
    blocked = make()
    boto3.client(
        "ec2", endpoint_url=moto_url, region_name=blocked.profile.aws_region,
        aws_access_key_id="t", aws_secret_access_key="t",
    ).create_volume(AvailabilityZone=f"{blocked.profile.aws_region}a", Size=1, TagSpecifications=[{
        "ResourceType": "volume",
        "Tags": [{"Key": "Project", "Value": "ecoeco"}, {"Key": "Environment", "Value": "staging"},
                 {"Key": "ebs.csi.aws.com/cluster", "Value": "true"}],
    }])  # fmt: skip
    with pytest.raises(OperatorError, match=r"1 resource\(s\) left by the controllers block the apply"):
        blocked.plan(Rebuild(), {})


def test_a_failed_step_is_resumed_from_that_step(
    make: Callable[..., OperationRunner],
    recorder: Recorder,
    state: Path,
    tmp_path: Path,
    ansible_copy: tuple[Path, Path],
    verifier: list[list[str]],
) -> None:
    _, marker = ansible_copy
    marker.write_text("x")
    runner = make()
    plan = runner.plan(Rebuild(), {})
    text = "\n".join(plan.summary)
    assert "EC2 vCPU quota L-1216C47A: 32; the topology needs 26: enough" in text
    assert "leftovers: none" in text and "Plan: 20 to add, 0 to change, 0 to destroy." in text
    first = runner.run(plan, confirm="staging", timeout=WAIT)
    assert first.result == "failed"
    assert first.message.startswith("rebuild stopped at site: ")
    assert f"the marker {marker} is there" in first.message

    steps_dir = state / "work" / "terraform" / "staging" / "rebuild"
    steps = json.loads((steps_dir / "steps.json").read_text())["steps"]
    assert {k: v["state"] for k, v in steps.items()} == {
        "preflight": "done", "apply": "done", "inventory": "done",
        "site": "failed", "nodes": "pending", "verify": "pending",
    }  # fmt: skip
    assert "is there" in (steps_dir / "logs" / "04-site.log").read_text()
    assert "13 host(s)" in (steps_dir / "logs" / "03-inventory.log").read_text()
    tfstate = (tmp_path / "tfstate").read_text()

    # Fixed; the next rebuild resumes at site: no pre-flight, no terraform plan, nothing applied again.
    marker.unlink()
    recorder.events.clear()
    again = runner.plan(Rebuild(), {})
    assert again.summary[0].startswith("RESUMING the rebuild of ") and again.summary[0].endswith(
        "at step site:"
    )
    assert "terraform" not in again.details
    second = runner.run(again, confirm="staging", timeout=WAIT)
    assert second.result == "succeeded", second.message
    assert second.message == "rebuilt: 3 step(s) run"
    rebuild_items = [(e.item, e.state) for e in recorder.of(ItemStatus) if e.group == "rebuild"]
    assert rebuild_items[:3] == [("preflight", "skipped"), ("apply", "skipped"), ("inventory", "skipped")]
    assert ("site", "ok") in rebuild_items and ("verify", "ok") in rebuild_items
    nodes = [e for e in recorder.of(ItemStatus) if e.group == "nodes"]
    assert len(nodes) == 13 and all(e.state == "ok" and e.detail == "simulated" for e in nodes)
    assert recorder.of(Progress)[-1].label == "rebuilt"
    assert (tmp_path / "tfstate").read_text() == tfstate  # apply did not run again
    # Finished: the next rebuild starts over.
    assert not runner.plan(Rebuild(), {}).summary[0].startswith("RESUMING")
    ends = [r["result"] for r in audit_records(state) if r["operation"] == "rebuild" and r["record"] == "end"]
    assert ends == ["failed", "succeeded"]


def test_verify_failing_is_resumed_at_verify(
    make: Callable[..., OperationRunner], verifier: list[list[str]], state: Path
) -> None:
    verifier[:] = [["queues: connection refused"], []]
    runner = make()
    first = runner.run(runner.plan(Rebuild(), {}), confirm="staging", timeout=WAIT)
    assert first.result == "failed"
    assert "rebuild stopped at verify: 1 source(s) not green: queues: connection refused" in first.message
    again = runner.plan(Rebuild(), {})
    assert again.summary[0].endswith("at step verify:")
    assert runner.run(again, confirm="staging", timeout=WAIT).result == "succeeded"
    # restart=true starts over even from an unfinished one (here: a finished one, the same).
    assert not runner.plan(Rebuild(), {"restart": True}).summary[0].startswith("RESUMING")


def test_a_rebuild_is_refused_while_a_terraform_operation_runs(
    make: Callable[..., OperationRunner], verifier: list[list[str]], state: Path
) -> None:
    """Rebuild and destroy share terraform's single flight: one of them on an environment at a time."""
    runner = make()
    plan = runner.plan(Rebuild(), {})
    held = FlightLock(runner.locks_dir, "terraform", "staging")
    held.acquire(LockHolder.of(runner.who, "terraform.apply", "abc123", time.time()))
    try:
        with pytest.raises(FlightBusy) as busy:
            runner.start(plan, confirm="staging")
        assert "a terraform operation is already running on staging" in str(busy.value)
        assert "terraform.apply" in str(busy.value)
    finally:
        held.release()
    refused = [r for r in audit_records(state) if r["record"] == "refused"]
    assert [(r["operation"], r["reason"]) for r in refused] == [("rebuild", "busy")]
