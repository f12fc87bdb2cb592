"""The operations the console offers, by name: what ``ecoeco-console op NAME`` and the Actions screen
both read, so the two can never offer different things.

Areas group them on the Actions screen, in the order an operator works (infrastructure first).
"""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ecoeco.console.config import Profile
from ecoeco.console.errors import OperatorError
from ecoeco.console.ops.base import Operation, check_operation

__all__ = [
    "AREAS",
    "OperationInfo",
    "describe",
    "get",
    "operations",
    "parse_params",
    "simulated_note",
    "UsageError",
]

# (area id, title): the Actions screen's groups.
AREAS: tuple[tuple[str, str], ...] = (
    ("terraform", "Terraform"),
    ("ansible", "Ansible stages"),
    ("cdn", "CDN"),
    ("recovery", "Recovery"),
    ("restart", "Rolling restart"),
    ("quota", "EC2 vCPU quota"),
    ("destroy", "Destroy with cleanup"),
    ("rebuild", "Rebuild"),
    ("checks", "Checks"),
)


class UsageError(OperatorError):
    """An unknown operation or a parameter that does not parse: the operator's typing, exit 2."""


@cache
def operations() -> dict[str, Operation[Any]]:
    """Every operation, by name, in the order the Actions screen lists them. Built once."""
    from ecoeco.console.ops import ansible, cdn, checks, destroy, quota, rebuild, recovery, restart, terraform

    made: list[Operation[Any]] = [
        terraform.TerraformInit(),
        terraform.TerraformPlan(),
        terraform.TerraformApply(),
        terraform.TerraformOutput(),
        terraform.TerraformDestroy(),
        ansible.AnsibleList(),
        ansible.AnsibleCheck(),
        ansible.AnsibleRun(),
        cdn.CdnInvalidate(),
        cdn.CdnList(),
        recovery.WalStats(),
        recovery.WalSync(),
        recovery.WalReplay(),
        recovery.WalCheckpoint(),
        recovery.DlqRequeue(),
        restart.RolloutRestart(),
        quota.QuotaShow(),
        quota.QuotaRequest(),
        destroy.DestroyLeftovers(),
        destroy.DestroyWithCleanup(),
        rebuild.Rebuild(),
        checks.Checks(),
    ]
    out: dict[str, Operation[Any]] = {}
    for op in made:
        check_operation(op)
        if op.name in out:
            raise TypeError(f"two operations named {op.name}")
        out[op.name] = op
    return out


def get(name: str) -> Operation[Any]:
    ops = operations()
    if name in ops:
        return ops[name]
    close = difflib.get_close_matches(name, list(ops), n=3)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    raise UsageError(f"no operation {name!r}{hint}; `ecoeco-console op --list` lists them")


def area_of(op: Operation[Any]) -> str:
    return op.name.split(".", 1)[0]


def simulated_note(op: Operation[Any], profile: Profile) -> str | None:
    """What of ``op`` is simulated on ``profile`` (the screens say it plainly), or None: real."""
    from ecoeco.console.aws import is_simulated
    from ecoeco.console.sandbox_infra import TERRAFORM_DIR

    area = area_of(op)
    aws = is_simulated(profile)
    sandbox_tf = bool(profile.terraform_dir) and Path(profile.terraform_dir or "").resolve() == TERRAFORM_DIR
    if area in ("terraform", "ansible") and sandbox_tf:
        return "simulated: the sandbox's Terraform module (built-in terraform_data only) and stages; nothing is created"
    if area in ("rebuild", "destroy") and (sandbox_tf or aws):
        return "simulated: the sandbox's Terraform module and a local AWS endpoint, no real account"
    if area in ("cdn", "quota") and aws:
        return "simulated: a local AWS endpoint, no real account"
    if area == "restart" and profile.sandbox and profile.cluster == "local":
        return "simulated: the sandbox restarts its own process; no Kubernetes rollout"
    if area == "checks" and profile.cluster != "kubernetes":
        return "simulated: the sandbox is a local cluster; the checks are skipped"
    return None


@dataclass(frozen=True)
class ParamInfo:
    name: str
    type: str
    required: bool
    default: Any
    description: str
    is_list: bool
    is_bool: bool


@dataclass(frozen=True)
class OperationInfo:
    name: str
    title: str
    area: str
    mutates: bool
    changes_infrastructure: bool
    params: tuple[ParamInfo, ...]


def _is_list(annotation: Any) -> bool:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any(_is_list(a) for a in typing.get_args(annotation) if a is not type(None))
    return typing.get_origin(annotation) is list or annotation is list


def _type_name(annotation: Any) -> str:
    if typing.get_origin(annotation) is typing.Literal:
        return "|".join(str(a) for a in typing.get_args(annotation))
    text = getattr(annotation, "__name__", None) or str(annotation)
    return text.replace("typing.", "")


def describe(op: Operation[Any]) -> OperationInfo:
    """What a form or ``op --list`` shows about ``op`` and its parameters."""
    params = []
    for name, f in op.params_model.model_fields.items():
        params.append(
            ParamInfo(
                name=name,
                type=_type_name(f.annotation),
                required=f.is_required(),
                default=None if f.is_required() else f.get_default(call_default_factory=True),
                description=f.description or "",
                is_list=_is_list(f.annotation),
                is_bool=f.annotation is bool,
            )
        )
    return OperationInfo(
        name=op.name,
        title=op.title,
        area=area_of(op),
        mutates=op.mutates,
        changes_infrastructure=op.changes_infrastructure,
        params=tuple(params),
    )


def parse_params(model: type[BaseModel], pairs: list[str]) -> dict[str, Any]:
    """``["paths=/a", "paths=/b", "wait=false"]`` -> ``{"paths": ["/a", "/b"], "wait": "false"}``.

    A list parameter takes repeated ``k=v`` (or one JSON list); other values stay text for pydantic to
    coerce (``wait=false``, ``limit=5``), so the errors are the model's, naming the field."""
    import json

    fields = model.model_fields
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"--param {pair!r}: expected KEY=VALUE")
        if key not in fields:
            known = ", ".join(fields) or "none"
            raise UsageError(f"--param {key}: unknown parameter (parameters: {known})")
        annotation = fields[key].annotation
        if _is_list(annotation):
            items = out.setdefault(key, [])
            if value.startswith("["):
                try:
                    parsed = json.loads(value)
                except json.JSONDecodeError as exc:
                    raise UsageError(f"--param {key}: not a JSON list ({exc.msg})") from exc
                items.extend(parsed if isinstance(parsed, list) else [parsed])
            elif value:
                items.append(value)
        elif typing.get_origin(annotation) is dict:
            try:
                out[key] = json.loads(value)
            except json.JSONDecodeError as exc:
                raise UsageError(f"--param {key}: not a JSON object ({exc.msg})") from exc
        else:
            out[key] = None if value == "" and not fields[key].is_required() else value
    return out
