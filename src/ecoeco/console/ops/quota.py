"""The EC2 vCPU quota (L-1216C47A) against what the topology needs, and an increase request when short.

13 nodes need 26 vCPUs and a new account's quota is 16: the seed's first rebuild failed half-way
(domain.md §4, VcpuLimitExceeded on the ninth instance). ``quota.show`` says how it stands (with the
increase requests still open); ``quota.request`` asks Service Quotas for what is missing, after a typed
confirmation, and refuses to file a second request while one is open (AWS allows one per quota).
"""

from __future__ import annotations

import math

from pydantic import BaseModel, Field

from ecoeco.console.aws import aws_error, client, simulated_where
from ecoeco.console.config import Profile
from ecoeco.console.errors import OperatorError
from ecoeco.console.infra import VCPU_QUOTA_CODE, QuotaFacts, read_vcpu_quota
from ecoeco.console.ops.base import CancelToken, Emit, OperationContext, OutputLine, Plan, Result
from ecoeco.shared.topology import load_topology

__all__ = ["QuotaRequest", "QuotaShow", "quota_facts"]

KIND = "quota"


def quota_facts(profile: Profile) -> tuple[QuotaFacts, tuple[str, ...]]:
    """Read the quota and its open requests (and the secrets the client learned)."""
    needed = load_topology().vcpus_needed()
    sq, secrets = client(profile, "service-quotas")
    try:
        return read_vcpu_quota(sq, needed), secrets
    except Exception as exc:
        raise OperatorError(f"service-quotas {VCPU_QUOTA_CODE}: {aws_error(exc)}") from exc


def _facts_data(f: QuotaFacts) -> dict[str, object]:
    return {
        "quota": f.value,
        "needed": f.needed,
        "short": f.short,
        "applied": f.applied,
        "pending": [{"id": r.id, "desired": r.desired, "status": r.status} for r in f.pending],
    }


class ShowParams(BaseModel):
    pass


class QuotaShow:
    name = "quota.show"
    kind = KIND
    title = "EC2 vCPU quota vs the topology"
    params_model = ShowParams
    mutates = False
    changes_infrastructure = False

    def plan(self, params: ShowParams, ctx: OperationContext) -> Plan[ShowParams]:
        return Plan(
            params=params,
            summary=(
                f"read the EC2 vCPU quota {VCPU_QUOTA_CODE} and its open requests{simulated_where(ctx.profile)}",
            ),
            details={"region": ctx.profile.aws_region},
            changes=False,
        )

    def run(self, plan: Plan[ShowParams], emit: Emit, cancel: CancelToken) -> Result:
        facts, _ = quota_facts(plan.profile)
        for line in facts.lines():
            emit(OutputLine(line))
        if facts.short and not facts.pending_covers:
            emit(OutputLine(f"quota.request asks for {facts.needed}", "info"))
        return Result(message=facts.lines()[0], data=_facts_data(facts))


class RequestParams(BaseModel):
    desired: int | None = Field(None, ge=1, description="vCPUs to ask for; else what the topology needs")


class QuotaRequest:
    name = "quota.request"
    kind = KIND
    title = "Request an EC2 vCPU quota increase"
    params_model = RequestParams
    mutates = True
    # Not a change of a resource, but of the account, filed with AWS and seen by people there: the
    # environment's name is typed, like for anything that changes infrastructure.
    changes_infrastructure = True

    def plan(self, params: RequestParams, ctx: OperationContext) -> Plan[RequestParams]:
        facts, secrets = quota_facts(ctx.profile)
        desired = params.desired or facts.needed
        lines = [*facts.lines()]
        changes = True
        open_request = next((r for r in facts.pending), None)
        if open_request is not None:
            changes = False
            lines.append(
                f"nothing to request: request {open_request.id} for {open_request.desired:g} is still "
                f"{open_request.status} (AWS allows one open request per quota)"
            )
        elif desired <= facts.value:
            changes = False
            lines.append(f"nothing to request: the quota {facts.value:g} already allows {desired}")
        else:
            lines.append(f"REQUEST an increase of {VCPU_QUOTA_CODE} from {facts.value:g} to {desired}"
                         + simulated_where(ctx.profile))  # fmt: skip
            if desired < facts.needed:
                lines.append(f"  (still short of the {facts.needed} the topology needs)")
        return Plan(
            params=params,
            summary=tuple(lines),
            details={
                "region": ctx.profile.aws_region,
                "current": facts.value,
                "needed": facts.needed,
                "desired": desired,
            },
            changes=changes,
            secrets=secrets,
        )

    def run(self, plan: Plan[RequestParams], emit: Emit, cancel: CancelToken) -> Result:
        if not plan.changes:
            return Result(message=plan.summary[-1])
        cancel.check()
        sq, _ = client(plan.profile, "service-quotas")
        desired = float(math.ceil(plan.details["desired"]))
        try:
            made = sq.request_service_quota_increase(
                ServiceCode="ec2", QuotaCode=VCPU_QUOTA_CODE, DesiredValue=desired
            )["RequestedQuota"]
        except Exception as exc:  # noqa: BLE001 - the refusal is the operator's answer
            return Result(ok=False, message=f"request_service_quota_increase: {aws_error(exc)}")
        status = str(made.get("Status", ""))
        emit(OutputLine(f"request {made.get('Id')} for {desired:g} vCPUs: {status}", "info"))
        return Result(
            message=f"requested {desired:g} vCPUs ({VCPU_QUOTA_CODE}): {status}; quota.show follows it",
            data={
                "request_id": made.get("Id"),
                "case_id": made.get("CaseId"),
                "status": status,
                "desired": desired,
            },
        )
