"""A `terraform validate` stand-in for machines without providers: every reference resolves.

Checks, per module: each ``var.X`` is a declared variable, each ``local.X`` a declared local,
each ``module.M.O`` a called module with that output, each ``<type>.<name>`` / ``data.<type>.<name>``
a declared resource / data source; each module call passes only declared variables and every
variable without a default; and every variable and local is used (tflint would flag it).
"""

from __future__ import annotations

import re
from pathlib import Path

from .terraform import Module, walk_modules

_VAR = re.compile(r"\bvar\.(\w+)")
_LOCAL = re.compile(r"\blocal\.(\w+)")
_MODULE = re.compile(r"\bmodule\.(\w+)\.(\w+)")
_DATA = re.compile(r"\bdata\.(aws_\w+)\.(\w+)")
_RESOURCE = re.compile(r"(?<![.\w\"])(aws_\w+)\.(\w+)\b")
# Keys of module blocks that are Terraform meta-arguments, not variables.
_META = {"source", "version", "providers", "count", "for_each", "depends_on"}


def _code(path: Path) -> str:
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith(("#", "//")):
            continue
        lines.append(line)
    return "\n".join(lines)


def module_problems(mod: Module) -> list[str]:
    problems: list[str] = []
    for tf in sorted(mod.path.glob("*.tf")):
        text = _code(tf)
        where = f"{mod.path.name}/{tf.name}"
        problems += [f"{where}: undeclared var.{v}" for v in set(_VAR.findall(text)) - set(mod.variables)]
        problems += [f"{where}: undeclared local.{v}" for v in set(_LOCAL.findall(text)) - set(mod.locals)]
        for name, out in set(_MODULE.findall(text)):
            if name not in mod.modules:
                problems.append(f"{where}: no module {name!r}")
            elif out not in mod.child(name).outputs:
                problems.append(f"{where}: module {name!r} has no output {out!r}")
        for rtype, name in set(_DATA.findall(text)):
            if f"{rtype}.{name}" not in mod.data:
                problems.append(f"{where}: undeclared data.{rtype}.{name}")
        for rtype, name in set(_RESOURCE.findall(text)):
            if f"{rtype}.{name}" not in mod.resources:
                problems.append(f"{where}: undeclared resource {rtype}.{name}")
    for name, call in mod.modules.items():
        child = mod.child(name)
        passed = set(call) - _META
        problems += [
            f"module {name!r}: unknown argument {a!r}" for a in sorted(passed - set(child.variables))
        ]
        required = {v for v, body in child.variables.items() if "default" not in body}
        problems += [f"module {name!r}: missing required {v!r}" for v in sorted(required - passed)]
    return problems


def unused_declarations(mod: Module) -> list[str]:
    """Variables and locals nothing reads (tflint's terraform_unused_declarations, offline)."""
    text = "\n".join(_code(tf) for tf in sorted(mod.path.glob("*.tf")))
    used_vars, used_locals = set(_VAR.findall(text)), set(_LOCAL.findall(text))
    for tpl in mod.path.rglob("*.tpl"):
        used_vars |= set(_VAR.findall(tpl.read_text(encoding="utf-8")))
    unused = [f"{mod.path.name}: unused variable {v!r}" for v in sorted(set(mod.variables) - used_vars)]
    return unused + [f"{mod.path.name}: unused local {v!r}" for v in sorted(set(mod.locals) - used_locals)]


def all_problems(root: Module) -> list[str]:
    problems: list[str] = []
    for addr, mod in walk_modules(root).items():
        problems += [f"{addr or 'root'}: {p}" for p in module_problems(mod) + unused_declarations(mod)]
    return problems
