"""How many resources `terraform plan` would create on an empty state, from the parsed code.

No provider can be downloaded here, so the count is computed from the code: each resource
block counts once, ``count``/``for_each`` are evaluated over variable defaults, module
arguments, literal locals and the topology. Only the expression shapes this code base uses
are understood; anything else raises ``UnsupportedExpression`` rather than guessing.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import TERRAFORM_DIR, TOPOLOGY_FILE
from .terraform import Expr, Module, Resource, load_module


class UnsupportedExpression(ValueError):
    pass


@dataclass
class Scope:
    module: Module
    variables: dict[str, Any]
    topology_nodes: dict[str, Any]
    resources: dict[str, Resource] = field(default_factory=dict)


_VAR = re.compile(r"^var\.(\w+)$")
_LOCAL = re.compile(r"^local\.(\w+)$")
_MODULE_OUT = re.compile(r"^module\.(\w+)\.(\w+)$")
_LENGTH = re.compile(r"^length\((.+)\)$")
_TERNARY = re.compile(r"^(!?[\w.]+) \? (.+?) : (.+)$")
# {for o in aws_acm_certificate.X.domain_validation_options : o.domain_name => o}
# Records that exist only once an in-cluster controller made the load balancer they point at
# (route53.tf): on an empty state there is none.
_CONTROLLER_LB = re.compile(r"^length\(data\.aws_lbs\.\w+\.arns\) > 0 \? (.+?) : (.+)$")
_VALIDATION = re.compile(r"^\{for \w+ in aws_acm_certificate\.(\w+)\.domain_validation_options : .+\}$")


def evaluate(value: Any, scope: Scope) -> Any:
    if not isinstance(value, Expr):
        return value
    text = value.strip()
    if m := _VAR.match(text):
        return scope.variables[m[1]]
    if m := _LOCAL.match(text):
        return evaluate(scope.module.locals[m[1]], scope)
    # The topology module is the one source of nodes; its output is topology.yaml's list.
    if (m := _MODULE_OUT.match(text)) and (m[1], m[2]) == ("topology", "nodes"):
        return scope.topology_nodes
    if m := _CONTROLLER_LB.match(text):
        return evaluate(Expr(m[2]), scope)
    if text in ("{}", "[]"):
        return {} if text == "{}" else []
    if m := _LENGTH.match(text):
        return len(evaluate(Expr(m[1]), scope))
    if m := _TERNARY.match(text):
        negate = m[1].startswith("!")
        cond = bool(evaluate(Expr(m[1].lstrip("!")), scope))
        return evaluate(Expr(m[2] if cond != negate else m[3]), scope)
    if m := _VALIDATION.match(text):
        cert = scope.resources[f"aws_acm_certificate.{m[1]}"].body
        domains = {cert["domain_name"], *cert.get("subject_alternative_names", [])}
        return {str(d): None for d in domains}
    if re.fullmatch(r"\d+", text):
        return int(text)
    raise UnsupportedExpression(text)


def instances(resource: Resource, scope: Scope) -> int:
    if "count" in resource.body:
        return int(evaluate(resource.body["count"], scope))
    if "for_each" in resource.body:
        return len(evaluate(resource.body["for_each"], scope))
    return 1


def _defaults(module: Module) -> dict[str, Any]:
    return {name: body.get("default") for name, body in module.variables.items()}


def count_module(
    module: Module, variables: dict[str, Any], nodes: dict[str, Any], prefix: str = ""
) -> Counter:
    """Resource counts by ``<module path>:<type>`` for ``module`` and the modules it calls."""
    scope = Scope(module, {**_defaults(module), **variables}, nodes, module.resources)
    counts: Counter = Counter()
    for res in module.resources.values():
        counts[f"{prefix}{res.type}"] += instances(res, scope)
    for name, call in module.modules.items():
        child = module.child(name)
        args = {k: v for k, v in call.items() if k in child.variables}
        child_vars: dict[str, Any] = {}
        for key, expr in args.items():
            try:
                child_vars[key] = evaluate(expr, scope)
            except (UnsupportedExpression, KeyError):
                # Arguments that are only known after apply (ids, names) never drive count.
                child_vars[key] = None
        counts += count_module(child, child_vars, nodes, prefix=f"{prefix}module.{name}/")
    return counts


def load_topology_nodes(path: Path = TOPOLOGY_FILE) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        return {n["name"]: n for n in yaml.safe_load(fh)["nodes"]}


def plan_counts(terraform_dir: Path = TERRAFORM_DIR, variables: dict[str, Any] | None = None) -> Counter:
    root = load_module(terraform_dir)
    return count_module(root, variables or {}, load_topology_nodes())
