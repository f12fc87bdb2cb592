"""Destroy with cleanup: what the seed's ``destroy-with-cleanup.sh`` did, safely. First what the
in-cluster controllers created in AWS outside Terraform (``ops/leftovers.py``: load balancers, target
groups, security groups, volumes, chosen by the project's tags and a controller's marker only) is
deleted, then ``terraform destroy`` applies exactly the saved destroy plan that was shown.

It refuses, at the plan and again before Terraform runs, while anything would be left behind, and
says what: a volume still attached (its PVC not deleted), a security group still used by an interface,
a deletion that failed, or a controller that made something new since the plan.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from ecoeco.console.aws import simulated_where
from ecoeco.console.errors import OperatorError
from ecoeco.console.ops.base import CancelToken, Emit, OperationContext, OutputLine, Plan, Result
from ecoeco.console.ops.leftovers import Leftover, delete_leftovers, find_leftovers, scope
from ecoeco.console.ops.terraform import apply_saved_plan, saved_plan, setup

__all__ = ["DestroyLeftovers", "DestroyWithCleanup"]

KIND = "terraform"  # single flight with every terraform operation of the environment


def _listing(found: list[Leftover], ctx: OperationContext) -> list[str]:
    tags = ", ".join(f"{k}={v}" for k, v in scope(ctx.profile).items())
    if not found:
        return [f"nothing left by the controllers in AWS (tags {tags}){simulated_where(ctx.profile)}"]
    return [
        f"{len(found)} resource(s) the controllers created outside Terraform (tags {tags}){simulated_where(ctx.profile)}:",
        *(f"  {x.line()}" for x in found),
    ]


class LeftoversParams(BaseModel):
    pass


class DestroyLeftovers:
    """A check: what a destroy would have to delete first (and what would stop it)."""

    name = "destroy.leftovers"
    kind = "leftovers"
    title = "What the controllers left in AWS (blocks destroy and rebuild)"
    params_model = LeftoversParams
    mutates = False
    changes_infrastructure = False

    def plan(self, params: LeftoversParams, ctx: OperationContext) -> Plan[LeftoversParams]:
        return Plan(
            params=params,
            summary=(
                f"list the controllers' load balancers, target groups, security groups and volumes"
                f"{simulated_where(ctx.profile)}; changes nothing",
            ),  # fmt: skip
            details={"region": ctx.profile.aws_region},
            changes=False,
        )

    def run(self, plan: Plan[LeftoversParams], emit: Emit, cancel: CancelToken) -> Result:
        assert plan.context is not None
        found, _ = find_leftovers(plan.profile)
        lines = _listing(found, plan.context)
        for line in lines:
            emit(OutputLine(line))
        blocked = [x for x in found if x.blocker]
        return Result(
            message=lines[0] + (f"; {len(blocked)} cannot be deleted now" if blocked else ""),
            data={"leftovers": [x.as_dict() for x in found]},
        )


class DestroyParams(BaseModel):
    pass


class DestroyWithCleanup:
    name = "destroy.cleanup"
    kind = KIND
    title = "Destroy with cleanup (controllers' AWS leftovers, then terraform destroy)"
    params_model = DestroyParams
    mutates = True
    changes_infrastructure = True
    confirm_phrase = "destroy {environment}"

    def plan(self, params: DestroyParams, ctx: OperationContext) -> Plan[DestroyParams]:
        setup(ctx.profile, ctx.work_dir)  # configuration errors first, before any AWS call
        found, secrets = find_leftovers(ctx.profile)
        blocked = [x for x in found if x.blocker]
        if blocked:
            # Refused at the plan: deleting the rest and destroying would leave these behind.
            raise OperatorError(
                f"refusing to destroy: {len(blocked)} resource(s) would be left behind: "
                + "; ".join(x.line() for x in blocked)
            )
        details, tf_lines, tf_changes = saved_plan(ctx, destroy=True)
        summary = [
            "1. delete what the controllers created outside Terraform",
            *(f"   {line}" for line in _listing(found, ctx)),
            "2. terraform destroy, exactly this plan:",
            *(f"   {line}" for line in tf_lines),
        ]
        return Plan(
            params=params,
            summary=tuple(summary),
            details={
                "leftovers": [x.as_dict() for x in found],
                "terraform": details,
                "terraform_changes": tf_changes,
            },
            changes=bool(found) or tf_changes,
            secrets=secrets,
        )

    def run(self, plan: Plan[DestroyParams], emit: Emit, cancel: CancelToken) -> Result:
        assert plan.context is not None
        profile = plan.profile
        listed = [Leftover(**x) for x in plan.details["leftovers"]]
        data: dict[str, Any] = {"leftovers_deleted": 0}
        if listed:
            emit(OutputLine(f"deleting {len(listed)} controller-made resource(s)", "info"))
            failures = delete_leftovers(profile, listed, emit, cancel)
            data["leftovers_deleted"] = len(listed) - len(failures)
            if failures:
                return Result(
                    ok=False,
                    message=f"refusing terraform destroy: {len(failures)} resource(s) could not be deleted "
                    f"and would be left behind: {'; '.join(failures)}",
                    data=data,
                )
        cancel.check()
        # Anything made since the plan (a controller still running) would be left behind too.
        again, _ = find_leftovers(profile)
        if again:
            return Result(
                ok=False,
                message=f"refusing terraform destroy: {len(again)} resource(s) would be left behind "
                f"(made since the plan?): {'; '.join(x.line() for x in again)}",
                data=data | {"left": [x.as_dict() for x in again]},
            )
        if not plan.details["terraform_changes"]:
            return Result(
                message="controllers' leftovers deleted; terraform had nothing to destroy", data=data
            )
        emit(OutputLine("nothing left outside Terraform; terraform destroy", "info"))
        result = apply_saved_plan(
            setup(profile, plan.context.work_dir), plan.details["terraform"], emit, cancel, destroy=True
        )
        return Result(
            ok=result.ok,
            exit_code=result.exit_code,
            message=(f"{data['leftovers_deleted']} leftover(s) deleted; " if listed else "") + result.message,
            data=data | dict(result.data),
        )
