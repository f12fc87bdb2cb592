"""cdn.invalidate and cdn.list against CloudFront as moto's server mode answers it (a real HTTP
endpoint, the real boto3 client), through the real runner and the real CLI."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from tests.integration.ops.conftest import Recorder, audit_records, console

from ecoeco.console.errors import OperatorError
from ecoeco.console.ops import ItemStatus, OperationRunner, Progress, Refused
from ecoeco.console.ops.cdn import MAX_PATHS, MAX_WILDCARDS, CdnInvalidate, CdnList, validate_paths


def cloudfront(url: str) -> Any:
    return boto3.client(
        "cloudfront",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def distribution(moto_url: str) -> str:
    ref = uuid.uuid4().hex
    config = {
        "CallerReference": ref,
        "Comment": "ecoeco test",
        "Enabled": True,
        "Origins": {
            "Quantity": 1,
            "Items": [
                {
                    "Id": "s3",
                    "DomainName": "ecoeco-images.s3.amazonaws.com",
                    "S3OriginConfig": {"OriginAccessIdentity": ""},
                }
            ],
        },  # fmt: skip
        "DefaultCacheBehavior": {
            "TargetOriginId": "s3",
            "ViewerProtocolPolicy": "redirect-to-https",
            "MinTTL": 0,
            "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
            "TrustedSigners": {"Enabled": False, "Quantity": 0},
        },
    }
    return cloudfront(moto_url).create_distribution(DistributionConfig=config)["Distribution"]["Id"]


@pytest.fixture
def runner(make_runner: Callable[..., OperationRunner], moto_url: str, distribution: str) -> OperationRunner:
    return make_runner(aws_endpoint_url=moto_url, cloudfront_distribution_id=distribution)


# --- path validation -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("images/a.png", "not absolute"),
        ("/a*b", "only at the end"),
        ("/a**", r"one \* only"),
        ("/*/x/*", r"one \* only"),
        ("/with space.png", "URL-encode"),
        ("/tab\tx", "URL-encode"),
        ("   ", "empty path"),
    ],
)
def test_bad_paths_are_refused_with_the_reason(path: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        validate_paths([path])


def test_paths_are_deduplicated_in_order_and_trimmed() -> None:
    assert validate_paths(["/b", " /a ", "/b", "/images/*", "/a"]) == ["/b", "/a", "/images/*"]


def test_batch_limits() -> None:
    assert len(validate_paths([f"/p/{i}" for i in range(MAX_PATHS)] + ["/p/0"])) == MAX_PATHS
    with pytest.raises(ValueError, match="at most 3000"):
        validate_paths([f"/p/{i}" for i in range(MAX_PATHS + 1)])
    with pytest.raises(ValueError, match="wildcard"):
        validate_paths([f"/w{i}/*" for i in range(MAX_WILDCARDS + 1)])


def test_the_runner_names_the_bad_field_and_runs_nothing(runner: OperationRunner, state: Path) -> None:
    with pytest.raises(OperatorError, match=r"cdn.invalidate: paths: 'x' is not absolute"):
        runner.plan(CdnInvalidate(), {"paths": ["x"]})
    assert audit_records(state) == []  # bad parameters are not an attempt


# --- against the endpoint -------------------------------------------------------------------------------


def test_invalidate_waits_for_completion_and_is_audited(
    runner: OperationRunner, recorder: Recorder, moto_url: str, distribution: str, state: Path
) -> None:
    plan = runner.plan(CdnInvalidate(), {"paths": ["/index.html", "/images/*", "/index.html"], "poll_s": 1})
    assert plan.details["paths"] == ["/index.html", "/images/*"]
    assert plan.summary[0].startswith(f"invalidate 2 path(s) (1 wildcard) on {distribution}")
    assert "simulated: local AWS endpoint" in plan.summary[0]

    outcome = runner.run(plan)

    assert outcome.result == "succeeded", outcome.message
    inv_id = outcome.data["invalidation_id"]
    states = [(e.item, e.state) for e in recorder.of(ItemStatus)]
    assert states == [("/index.html", "running"), ("/images/*", "running"),
                      ("/index.html", "ok"), ("/images/*", "ok")]  # fmt: skip
    assert recorder.of(Progress)[-1].done == 1
    got = cloudfront(moto_url).get_invalidation(DistributionId=distribution, Id=inv_id)["Invalidation"]
    assert got["InvalidationBatch"]["Paths"]["Items"] == ["/index.html", "/images/*"]
    start, end = audit_records(state)
    assert (start["record"], end["record"], end["result"]) == ("start", "end", "succeeded")
    assert start["summary"] == list(plan.summary)
    assert end["data"]["invalidation_id"] == inv_id


def test_list_shows_recent_invalidations(
    runner: OperationRunner, recorder: Recorder, distribution: str
) -> None:
    made = [runner.run(runner.plan(CdnInvalidate(), {"paths": [f"/n{i}"], "wait": False})) for i in range(2)]
    ids = {o.data["invalidation_id"] for o in made}
    outcome = runner.run(runner.plan(CdnList(), {"limit": 5}))
    assert outcome.ok
    listed = {row["id"] for row in outcome.data["invalidations"]}
    assert ids <= listed


def test_unknown_distribution_fails_the_plan(
    make_runner: Callable[..., OperationRunner], moto_url: str
) -> None:
    runner = make_runner(aws_endpoint_url=moto_url)
    with pytest.raises(OperatorError, match="NoSuchDistribution"):
        runner.plan(CdnInvalidate(), {"paths": ["/x"], "distribution_id": "E0000NOTTHERE"})


def test_read_only_refuses_and_records(
    make_runner: Callable[..., OperationRunner], moto_url: str, distribution: str, state: Path
) -> None:
    runner = make_runner(aws_endpoint_url=moto_url, cloudfront_distribution_id=distribution, read_only=True)
    assert runner.unavailable(CdnInvalidate())
    assert runner.unavailable(CdnList()) is None  # a check is still allowed
    with pytest.raises(Refused):
        runner.plan(CdnInvalidate(), {"paths": ["/x"]})
    assert [r["reason"] for r in audit_records(state)] == ["read-only"]


# --- the CLI --------------------------------------------------------------------------------------------


def test_cli_streams_json_lines_and_exits_0(moto_url: str, distribution: str, tmp_path: Path) -> None:
    state = tmp_path / "cli-state"
    done = console(
        ["op", "cdn.invalidate", "-p", "paths=/a.png", "-p", "paths=/b/*", "-p", "poll_s=1", "--json"],
        state, aws_endpoint_url=moto_url, cloudfront_distribution_id=distribution,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert lines[0]["event"] == "plan" and lines[0]["environment"] == "sandbox"
    items = [(e["item"], e["state"]) for e in lines if e["event"] == "item"]
    assert items[-2:] == [("/a.png", "ok"), ("/b/*", "ok")]
    assert lines[-1]["event"] == "finished" and lines[-1]["result"] == "succeeded"
    assert [r["record"] for r in audit_records(state)] == ["start", "end"]


def test_cli_exit_codes_usage_refused_plan_only(moto_url: str, distribution: str, tmp_path: Path) -> None:
    state = tmp_path / "cli-state"
    settings = {"aws_endpoint_url": moto_url, "cloudfront_distribution_id": distribution}
    bad = console(["op", "cdn.invalidate", "-p", "paths=nope"], state, **settings)
    assert bad.returncode == 2 and "is not absolute" in bad.stderr
    unknown = console(["op", "cdn.invalidat"], state, **settings)
    assert unknown.returncode == 2 and "did you mean cdn.invalidate" in unknown.stderr
    refused = console(["--read-only", "op", "cdn.invalidate", "-p", "paths=/x"], state, **settings)
    assert refused.returncode == 3 and "read-only" in refused.stderr
    only = console(["op", "cdn.invalidate", "-p", "paths=/x", "--plan-only"], state, **settings)
    assert only.returncode == 0 and "invalidate 1 path(s)" in only.stdout
    assert [r["record"] for r in audit_records(state)] == ["refused"]  # the plan-only ran nothing
