"""quota.show and quota.request against Service Quotas as the sandbox's moto answers it (moto server
mode with the sandbox's EC2 vCPU quota extension), through the real runner."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tests.integration.ops.conftest import audit_records, console

from ecoeco.console.ops import OperationRunner, Refused
from ecoeco.console.ops.quota import QuotaRequest, QuotaShow
from ecoeco.shared import moto_quotas

# One region per test: moto keeps one quota per region, and the server lives for the whole session.
REGIONS = iter(
    ["eu-west-1", "eu-west-2", "eu-west-3", "eu-north-1", "ap-south-1", "sa-east-1", "ca-central-1"]
)


@pytest.fixture
def aws(
    moto_url: str, make_runner: Callable[..., OperationRunner]
) -> Iterator[Callable[..., OperationRunner]]:
    moto_quotas.install()
    region = next(REGIONS)
    with moto_quotas.settings(approve_after_s=-1):  # requests stay pending unless a test approves them
        yield lambda **kw: make_runner(aws_endpoint_url=moto_url, aws_region=region, **kw)


def test_show_says_the_default_quota_is_short_of_the_topology(aws: Callable[..., OperationRunner]) -> None:
    runner = aws()
    outcome = runner.run(runner.plan(QuotaShow(), {}))
    assert outcome.result == "succeeded"
    assert outcome.message == "EC2 vCPU quota L-1216C47A: 16; the topology needs 26: SHORT by 10"
    assert outcome.data == {"quota": 16.0, "needed": 26, "short": True, "applied": True, "pending": []}


def test_request_asks_for_what_the_topology_needs_then_is_pending(
    aws: Callable[..., OperationRunner], state: object
) -> None:
    runner = aws()
    plan = runner.plan(QuotaRequest(), {})
    assert plan.changes
    assert (
        "REQUEST an increase of L-1216C47A from 16 to 26 (simulated: local AWS endpoint" in plan.summary[-1]
    )
    with pytest.raises(Refused) as refused:
        runner.run(plan)  # no typed confirmation
    assert refused.value.reason == "confirmation"
    outcome = runner.run(plan, confirm="staging")
    assert outcome.result == "succeeded", outcome.message
    assert outcome.data["status"] == "PENDING" and outcome.data["desired"] == 26.0

    shown = runner.run(runner.plan(QuotaShow(), {}))
    (pending,) = shown.data["pending"]
    assert pending["desired"] == 26.0 and pending["status"] == "PENDING"
    # A second request while one is open is not filed: the plan says why and there is nothing to run.
    again = runner.plan(QuotaRequest(), {})
    assert not again.changes
    assert "is still PENDING (AWS allows one open request per quota)" in again.summary[-1]
    records = [r for r in audit_records(state) if r["operation"] == "quota.request"]  # type: ignore[arg-type]
    assert [r.get("result") or r["reason"] for r in records if r["record"] != "start"] == [
        "confirmation",
        "succeeded",
    ]


def test_an_approved_request_lifts_the_quota(aws: Callable[..., OperationRunner]) -> None:
    runner = aws()
    assert runner.run(runner.plan(QuotaRequest(), {"desired": 32}), confirm="staging").result == "succeeded"
    moto_quotas.SETTINGS["approve_after_s"] = 0
    shown = runner.run(runner.plan(QuotaShow(), {}))
    assert shown.data["quota"] == 32.0 and not shown.data["short"] and shown.data["pending"] == []
    plan = runner.plan(QuotaRequest(), {})
    assert not plan.changes and "already allows 26" in plan.summary[-1]


def test_read_only_shows_the_quota_and_refuses_a_request(aws: Callable[..., OperationRunner]) -> None:
    runner = aws(read_only=True)
    assert runner.run(runner.plan(QuotaShow(), {})).result == "succeeded"
    with pytest.raises(Refused) as refused:
        runner.plan(QuotaRequest(), {})
    assert refused.value.reason == "read-only"


def test_an_unreachable_endpoint_is_a_readable_plan_error(
    make_runner: Callable[..., OperationRunner],
) -> None:
    from ecoeco.console.errors import OperatorError

    runner = make_runner(aws_endpoint_url="http://127.0.0.1:9", aws_region="eu-west-1")
    with pytest.raises(OperatorError, match="service-quotas L-1216C47A: cannot reach AWS"):
        runner.plan(QuotaRequest(), {})


def test_cli_shows_the_quota_in_read_only_and_refuses_an_unconfirmed_request(
    moto_url: str, tmp_path: Path
) -> None:
    moto_quotas.install()
    state = tmp_path / "cli-state"
    settings = {"aws_endpoint_url": moto_url, "aws_region": "us-west-1"}
    shown = console(["--read-only", "op", "quota.show", "--json"], state, **settings)
    assert shown.returncode == 0, shown.stderr
    lines = [json.loads(line) for line in shown.stdout.splitlines()]
    assert lines[0]["event"] == "plan" and lines[0]["environment"] == "sandbox"
    assert lines[-1]["event"] == "finished" and lines[-1]["result"] == "succeeded"
    assert "the topology needs 26: SHORT by 10" in lines[-1]["message"]
    refused = console(["op", "quota.request"], state, **settings)
    assert refused.returncode == 3 and "--confirm sandbox" in refused.stderr
    records = audit_records(state)
    assert [(r["operation"], r["record"]) for r in records] == [
        ("quota.show", "start"), ("quota.show", "end"), ("quota.request", "refused"),
    ]  # fmt: skip
