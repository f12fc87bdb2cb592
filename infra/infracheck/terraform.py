"""Terraform code parsed with python-hcl2 into plain Python, one module directory at a time.

python-hcl2 (v7+) keeps HCL quoting: literal strings come back as '"text"', expressions as
'${...}', labels quoted, blocks marked with ``__is_block__``. ``load_module`` undoes that so
checks read ``resource["aws_instance"]["node"]["instance_type"]`` naturally; expressions stay
as ``Expr`` strings so a check can tell a literal from a reference.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2


class Expr(str):
    """An HCL expression (``${...}`` in python-hcl2's output), without the ``${ }``."""


def _normalize(value: Any) -> Any:
    if isinstance(value, dict):
        return {_unquote(k): _normalize(v) for k, v in value.items() if not k.startswith("__")}
    if isinstance(value, list):
        return [_normalize(v) for v in value]
    if isinstance(value, str):
        if value.startswith("${") and value.endswith("}"):
            return Expr(value[2:-1])
        return _unquote(value)
    return value


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        return text[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return text


@dataclass
class Resource:
    type: str
    name: str
    body: dict[str, Any]
    file: str

    @property
    def address(self) -> str:
        return f"{self.type}.{self.name}"


@dataclass
class Module:
    """Everything declared in one Terraform module directory (its *.tf files)."""

    path: Path
    resources: dict[str, Resource] = field(default_factory=dict)
    data: dict[str, Resource] = field(default_factory=dict)
    modules: dict[str, dict[str, Any]] = field(default_factory=dict)
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    locals: dict[str, Any] = field(default_factory=dict)
    providers: list[dict[str, Any]] = field(default_factory=list)
    terraform: list[dict[str, Any]] = field(default_factory=list)

    def resources_of(self, rtype: str) -> list[Resource]:
        return [r for r in self.resources.values() if r.type == rtype]

    def child(self, name: str) -> Module:
        """The module a ``module "name"`` block calls (local sources only)."""
        source = self.modules[name]["source"]
        return load_module((self.path / source).resolve())


def load_module(path: Path) -> Module:
    mod = Module(path=Path(path))
    for tf in sorted(Path(path).glob("*.tf")):
        with tf.open(encoding="utf-8") as fh:
            doc = _normalize(hcl2.load(fh))
        for block in doc.get("resource", []):
            for rtype, named in block.items():
                for name, body in named.items():
                    mod.resources[f"{rtype}.{name}"] = Resource(rtype, name, body, tf.name)
        for block in doc.get("data", []):
            for rtype, named in block.items():
                for name, body in named.items():
                    mod.data[f"{rtype}.{name}"] = Resource(rtype, name, body, tf.name)
        for block in doc.get("module", []):
            mod.modules.update(block)
        for block in doc.get("variable", []):
            mod.variables.update(block)
        for block in doc.get("output", []):
            mod.outputs.update(block)
        for block in doc.get("locals", []):
            mod.locals.update(block)
        for block in doc.get("provider", []):
            for pname, body in block.items():
                mod.providers.append({"name": pname, **body})
        mod.terraform.extend(doc.get("terraform", []))
    return mod


def walk_modules(root: Module) -> dict[str, Module]:
    """The root and every local module it calls, keyed by address ("" for the root)."""
    found = {"": root}
    for name in root.modules:
        for addr, mod in walk_modules(root.child(name)).items():
            found[f"module.{name}" + (f".{addr}" if addr else "")] = mod
    return found
