"""The registry of operations and the parsing of ``op NAME -p K=V`` parameters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ecoeco.console.config import Profile
from ecoeco.console.ops import OperationRunner, Refused
from ecoeco.console.ops.base import check_operation
from ecoeco.console.ops.cdn import InvalidateParams
from ecoeco.console.ops.recovery import ReplayParams
from ecoeco.console.ops.registry import UsageError, describe, get, operations, parse_params


def test_every_operation_is_well_formed_and_named_by_its_area() -> None:
    ops = operations()
    assert len(ops) == len(set(ops))
    for name, op in ops.items():
        check_operation(op)
        assert name == op.name and name.split(".")[0] in {
            "terraform",
            "ansible",
            "cdn",
            "recovery",
            "restart",
            "quota",
            "destroy",
            "rebuild",
            "checks",
        }
        # Anything that changes infrastructure asks for the environment's name; checks never lock.
        assert not op.changes_infrastructure or op.mutates


def test_what_changes_infrastructure() -> None:
    infra = sorted(n for n, op in operations().items() if op.changes_infrastructure)
    assert infra == [
        "ansible.run", "destroy.cleanup", "quota.request", "rebuild", "restart", "terraform.apply", "terraform.destroy"
    ]  # fmt: skip
    assert getattr(get("terraform.destroy"), "confirm_phrase", None) == "destroy {environment}"
    assert getattr(get("destroy.cleanup"), "confirm_phrase", None) == "destroy {environment}"


def test_unknown_names_suggest_close_ones() -> None:
    with pytest.raises(UsageError, match="did you mean terraform.plan"):
        get("terraform.plam")


def test_list_parameters_repeat_or_take_json() -> None:
    assert parse_params(InvalidateParams, ["paths=/a", "paths=/b", "wait=false"]) == {
        "paths": ["/a", "/b"],
        "wait": "false",
    }
    assert parse_params(InvalidateParams, ['paths=["/a","/b"]']) == {"paths": ["/a", "/b"]}
    assert parse_params(ReplayParams, ["task_ids=t1", "include_dead=yes"]) == {
        "task_ids": ["t1"],
        "include_dead": "yes",
    }


@pytest.mark.parametrize(
    ("pair", "message"),
    [("paths", "expected KEY=VALUE"), ("nope=1", "unknown parameter"), ("paths=[1,", "not a JSON list")],
)
def test_bad_parameters_are_usage_errors(pair: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse_params(InvalidateParams, [pair])


def test_describe_shows_choices_and_defaults() -> None:
    info = describe(get("recovery.wal_sync"))
    worker = next(p for p in info.params if p.name == "worker")
    assert worker.type == "storage|ai|all" and worker.default == "all" and not worker.required


# Minimal valid parameters, so the refusal (not the validation) is what is tested.
MINIMAL = {"cdn.invalidate": {"paths": ["/index.html"]}, "restart": {"target": "storage"}}


@pytest.mark.parametrize("name", [n for n, op in operations().items() if op.mutates])
def test_every_changing_operation_is_refused_in_read_only_and_recorded(name: str, tmp_path: Path) -> None:
    profile = Profile(name="prod", environment="prod", read_only=True)
    runner = OperationRunner(profile, state_dir=tmp_path)
    op = get(name)
    assert runner.unavailable(op) is not None  # the TUI hides it
    with pytest.raises(Refused) as refused:
        runner.plan(op, MINIMAL.get(name, {}))  # refused before the operation plans (no tool is asked)
    assert refused.value.reason == "read-only"
    (record,) = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert (record["record"], record["reason"], record["operation"]) == ("refused", "read-only", name)


@pytest.mark.parametrize("name", [n for n, op in operations().items() if not op.mutates])
def test_checks_stay_available_in_read_only(name: str, tmp_path: Path) -> None:
    runner = OperationRunner(Profile(name="prod", environment="prod", read_only=True), state_dir=tmp_path)
    assert runner.unavailable(get(name)) is None
