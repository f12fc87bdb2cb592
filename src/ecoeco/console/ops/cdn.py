"""CloudFront: invalidate paths (validated, de-duplicated), wait for completion, list recent ones.

What the seed's ``invalidate-cdn-cache.sh`` did, with the checks it lacked: CloudFront accepts paths
that can never match (``images/*`` without the slash, ``/a*b``) and bills them, so they are refused
before anything is sent.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, Field, field_validator

from ecoeco.console.aws import aws_error, client, simulated_where
from ecoeco.console.config import Profile
from ecoeco.console.errors import NotConfigured, OperatorError
from ecoeco.console.ops.base import (
    CancelToken,
    Emit,
    ItemStatus,
    OperationContext,
    OutputLine,
    Plan,
    Progress,
    Result,
)

__all__ = ["CdnInvalidate", "CdnList", "validate_paths"]

KIND = "cdn"
MAX_PATHS = 3000  # CloudFront: paths in one invalidation batch (and in progress per distribution)
MAX_WILDCARDS = 15  # CloudFront: wildcard paths in progress per distribution
MAX_PATH_LEN = 4000
_UNSAFE = re.compile(r"[\s\x00-\x1f\x7f]")


def validate_paths(paths: list[str]) -> list[str]:
    """Absolute, at most one ``*`` and only at the end, no raw blanks or control characters; within
    the batch limits; duplicates dropped (first one kept, order kept). Raises ValueError naming the
    path."""
    out: list[str] = []
    seen: set[str] = set()
    for raw in paths:
        path = raw.strip()
        if not path:
            raise ValueError("an empty path")
        if not path.startswith("/"):
            raise ValueError(f"{path!r} is not absolute (start it with /)")
        if _UNSAFE.search(path):
            raise ValueError(f"{path!r} has a blank or control character (URL-encode it, e.g. %20)")
        if path.count("*") > 1 or ("*" in path and not path.endswith("*")):
            raise ValueError(f"{path!r}: one * only, and only at the end (e.g. /images/*)")
        if len(path) > MAX_PATH_LEN:
            raise ValueError(f"a path longer than {MAX_PATH_LEN} characters ({path[:40]}…)")
        if path not in seen:
            seen.add(path)
            out.append(path)
    if not out:
        raise ValueError("no path given")
    if len(out) > MAX_PATHS:
        raise ValueError(f"{len(out)} paths: CloudFront takes at most {MAX_PATHS} in one batch")
    wildcards = sum(p.endswith("*") for p in out)
    if wildcards > MAX_WILDCARDS:
        raise ValueError(f"{wildcards} wildcard paths: CloudFront takes at most {MAX_WILDCARDS} at a time")
    return out


class InvalidateParams(BaseModel):
    paths: list[str] = Field(description="absolute paths; one * only, at the end")
    wait: bool = Field(True, description="wait until CloudFront reports Completed")
    distribution_id: str | None = Field(None, description="else the profile's")
    poll_s: float = Field(5.0, ge=1.0, le=60.0, description="seconds between status checks")
    timeout_s: float = Field(1800.0, gt=0, description="stop waiting after this long")

    @field_validator("paths")
    @classmethod
    def _paths(cls, v: list[str]) -> list[str]:
        return validate_paths(v)


def _distribution(profile: Profile, given: str | None) -> str:
    dist = given or profile.cloudfront_distribution_id
    if not dist:
        raise NotConfigured(
            f"profile {profile.name} has no cloudfront_distribution_id (or pass distribution_id=...)"
        )
    return dist


class CdnInvalidate:
    name = "cdn.invalidate"
    kind = KIND
    title = "Invalidate CDN paths"
    params_model = InvalidateParams
    mutates = True
    changes_infrastructure = False  # a cache flush: costs origin load, changes no resource

    def plan(self, params: InvalidateParams, ctx: OperationContext) -> Plan[InvalidateParams]:
        dist = _distribution(ctx.profile, params.distribution_id)
        cf, secrets = client(ctx.profile, "cloudfront")
        try:  # read-only: is the distribution there, and which domain is it
            got = cf.get_distribution(Id=dist)["Distribution"]
        except Exception as exc:
            raise OperatorError(f"distribution {dist}: {aws_error(exc)}") from exc
        domain = got.get("DomainName", "?")
        wildcards = sum(p.endswith("*") for p in params.paths)
        summary = [
            f"invalidate {len(params.paths)} path(s) ({wildcards} wildcard) on {dist} ({domain})"
            + simulated_where(ctx.profile),
            *(f"  {p}" for p in params.paths[:50]),
        ]
        if len(params.paths) > 50:
            summary.append(f"  … and {len(params.paths) - 50} more")
        summary.append(
            f"then wait for Completed (every {params.poll_s:g}s, at most {params.timeout_s:g}s)"
            if params.wait
            else "do not wait for completion"
        )
        return Plan(
            params=params,
            summary=tuple(summary),
            details={"distribution_id": dist, "domain": domain, "paths": list(params.paths)},
            secrets=secrets,
        )

    def run(self, plan: Plan[InvalidateParams], emit: Emit, cancel: CancelToken) -> Result:
        p = plan.params
        dist = plan.details["distribution_id"]
        paths = list(plan.details["paths"])
        cf, _ = client(plan.profile, "cloudfront")
        # The same shown plan retried is the same request: CloudFront returns the invalidation it
        # already made for this caller reference instead of billing a second one.
        reference = f"ecoeco-{plan.sealed_digest[:16]}-{int(plan.created_at)}"
        cancel.check()
        try:
            made = cf.create_invalidation(
                DistributionId=dist,
                InvalidationBatch={
                    "Paths": {"Quantity": len(paths), "Items": paths},
                    "CallerReference": reference,
                },
            )["Invalidation"]
        except Exception as exc:  # noqa: BLE001
            return Result(ok=False, message=f"create_invalidation on {dist}: {aws_error(exc)}")
        inv_id = made["Id"]
        emit(OutputLine(f"invalidation {inv_id} created on {dist}: {made.get('Status')}", "info"))
        for path in paths:
            emit(ItemStatus(path, "running", detail=inv_id, group=dist))
        data: dict[str, Any] = {"invalidation_id": inv_id, "distribution_id": dist, "paths": len(paths)}
        status = str(made.get("Status", ""))
        if not p.wait:
            return Result(message=f"invalidation {inv_id} created ({status}); not waiting", data=data)
        waited = 0.0
        polls = 0
        while True:
            if status.lower() == "completed":
                break
            emit(Progress(0, 1, f"{inv_id}: {status} ({waited:.0f}s)"))
            if waited >= p.timeout_s:
                return Result(
                    ok=False,
                    message=f"invalidation {inv_id} still {status} after {waited:.0f}s; it goes on at "
                    "CloudFront (cdn.list shows it)",
                    data=data,
                )
            if cancel.wait(p.poll_s):
                return Result(
                    ok=False,
                    message=f"stopped waiting; invalidation {inv_id} was created and goes on at CloudFront",
                    data=data,
                )
            waited += p.poll_s
            try:
                status = str(cf.get_invalidation(DistributionId=dist, Id=inv_id)["Invalidation"]["Status"])
                polls += 1
            except Exception as exc:  # noqa: BLE001 - a blip while waiting is shown, not fatal
                emit(OutputLine(f"status of {inv_id}: {aws_error(exc)}", "stderr"))
        for path in paths:
            emit(ItemStatus(path, "ok", detail=inv_id, group=dist))
        emit(Progress(1, 1, f"{inv_id}: Completed"))
        data["polls"] = polls
        return Result(message=f"invalidation {inv_id} completed ({len(paths)} paths)", data=data)


class ListParams(BaseModel):
    distribution_id: str | None = Field(None, description="else the profile's")
    limit: int = Field(10, ge=1, le=100, description="the N most recent")


class CdnList:
    name = "cdn.list"
    kind = KIND
    title = "Recent CDN invalidations"
    params_model = ListParams
    mutates = False
    changes_infrastructure = False

    def plan(self, params: ListParams, ctx: OperationContext) -> Plan[ListParams]:
        dist = _distribution(ctx.profile, params.distribution_id)
        return Plan(
            params=params,
            summary=(
                f"list the {params.limit} most recent invalidations of {dist}{simulated_where(ctx.profile)}",
            ),
            details={"distribution_id": dist},
            changes=False,
        )

    def run(self, plan: Plan[ListParams], emit: Emit, cancel: CancelToken) -> Result:
        dist = plan.details["distribution_id"]
        cf, _ = client(plan.profile, "cloudfront")
        try:
            listed = cf.list_invalidations(DistributionId=dist, MaxItems=str(plan.params.limit))
        except Exception as exc:  # noqa: BLE001
            return Result(ok=False, message=f"list_invalidations on {dist}: {aws_error(exc)}")
        items = (listed.get("InvalidationList") or {}).get("Items") or []
        # Newest first, whatever order the endpoint answers in.
        items = sorted(items, key=lambda i: i.get("CreateTime") or 0, reverse=True)[: plan.params.limit]
        rows = []
        for item in items:
            created = item.get("CreateTime")
            when = created.strftime("%Y-%m-%d %H:%M:%S") if hasattr(created, "strftime") else str(created)
            rows.append({"id": item["Id"], "status": item.get("Status", ""), "created": when})
            emit(OutputLine(f"{item['Id']}  {item.get('Status', '')}  {when}"))
        return Result(message=f"{len(rows)} invalidation(s) on {dist}", data={"invalidations": rows})
