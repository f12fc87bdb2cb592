"""Chart values as Helm would merge them, checked against their schemas and the topology.

What helm lint/template would catch online is checked in CI; here, offline: the merged values
of every release validate against the chart's values.schema.json, every nodeSelector picks a
node that topology.yaml defines, every taint on such a node is tolerated, and the pods'
requests fit the node's instance type.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from . import ARGOCD_DIR, CHARTS_DIR, TOPOLOGY_FILE

# Allocatable is what is left after kubelet/system reservations and the node's daemons
# (calico, kube-proxy, node-exporter, ebs-csi-node): about 0.5 vCPU and 1 GiB on these sizes.
NODE_OVERHEAD = (500, 1024)


def instance_capacity(topology_file: Path = TOPOLOGY_FILE) -> dict[str, tuple[int, int]]:
    """Instance type -> (millicores, MiB), from topology.yaml's instance_types."""
    types = load_yaml(topology_file)["instance_types"]
    return {name: (t["vcpus"] * 1000, t["memory_mib"]) for name, t in types.items()}


def load_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Helm's values coalescing: maps merge key by key, anything else replaces, null deletes."""
    out = copy.deepcopy(base)
    for key, value in (override or {}).items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


@dataclass(frozen=True)
class Release:
    name: str
    namespace: str
    chart: str  # directory name under charts/
    values_file: str | None  # relative to the chart

    @property
    def chart_dir(self) -> Path:
        return CHARTS_DIR / self.chart

    def values(self) -> dict[str, Any]:
        base = load_yaml(self.chart_dir / "values.yaml") or {}
        if self.values_file is None:
            return base
        return deep_merge(base, load_yaml(self.chart_dir / self.values_file) or {})


def schema_errors(chart_dir: Path, values: dict[str, Any]) -> list[str]:
    schema = json.loads((chart_dir / "values.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in validator.iter_errors(values)
    ]


_GO_VAR = re.compile(r"\{\{\s*\.(\w+)\s*\}\}")


def _render(text: Any, element: dict[str, str]) -> Any:
    if isinstance(text, str):
        return _GO_VAR.sub(lambda m: element[m[1]], text)
    if isinstance(text, list):
        return [_render(t, element) for t in text]
    if isinstance(text, dict):
        return {k: _render(v, element) for k, v in text.items()}
    return text


def argocd_releases(apps_dir: Path = ARGOCD_DIR / "apps") -> list[Release]:
    """The Helm releases the ArgoCD apps deploy (Applications, and ApplicationSet list elements)."""
    releases = []
    for path in sorted(apps_dir.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc["kind"] == "Application":
                specs = [doc["spec"]]
            elif doc["kind"] == "ApplicationSet":
                elements = [e for g in doc["spec"]["generators"] for e in g["list"]["elements"]]
                specs = [_render(doc["spec"]["template"]["spec"], e) for e in elements]
            else:
                continue
            for spec in specs:
                src = spec["source"]
                value_files = src.get("helm", {}).get("valueFiles", [])
                releases.append(
                    Release(
                        name=src.get("helm", {}).get("releaseName", ""),
                        namespace=spec["destination"]["namespace"],
                        chart=Path(src["path"]).name,
                        values_file=value_files[0] if value_files else None,
                    )
                )
    return releases


def tolerates(tolerations: list[dict[str, Any]], taint: dict[str, Any]) -> bool:
    """Kubernetes' rule: key matches (or empty key with Exists), effect matches (or empty), value for Equal."""
    for t in tolerations or []:
        op = t.get("operator", "Equal")
        if t.get("key") and t["key"] != taint["key"]:
            continue
        if not t.get("key") and op != "Exists":
            continue
        if t.get("effect") and t["effect"] != taint["effect"]:
            continue
        if op == "Equal" and (t.get("value") or "") != (taint.get("value") or ""):
            continue
        return True
    return False


def matching_nodes(selector: dict[str, str], nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [n for n in nodes if all(n.get("labels", {}).get(k) == v for k, v in selector.items())]


def placement_problems(
    what: str, selector: dict[str, str], tolerations: list[dict[str, Any]], nodes: list[dict[str, Any]]
) -> list[str]:
    """Why pods with this selector/tolerations would stay Pending (domain.md incidents 1 and 2)."""
    matched = matching_nodes(selector or {}, nodes)
    if not matched:
        return [f"{what}: nodeSelector {selector} matches no node in topology.yaml (pods stay Pending)"]
    problems = []
    for node in matched:
        for taint in node.get("taints") or []:
            if taint["effect"] in ("NoSchedule", "NoExecute") and not tolerates(tolerations, taint):
                problems.append(
                    f"{what}: does not tolerate {taint['key']}:{taint['effect']} on {node['name']}"
                )
    return problems


def millicores(q: str | int | float) -> int:
    s = str(q)
    return int(s[:-1]) if s.endswith("m") else int(float(s) * 1000)


def mebibytes(q: str) -> int:
    units = {"Ki": 1 / 1024, "Mi": 1, "Gi": 1024, "Ti": 1024 * 1024}
    for suffix, factor in units.items():
        if str(q).endswith(suffix):
            return int(float(str(q)[: -len(suffix)]) * factor)
    return int(int(q) / (1024 * 1024))


def capacity_problems(
    releases: list[Release], nodes: list[dict[str, Any]], capacity: dict[str, tuple[int, int]] | None = None
) -> list[str]:
    """Requests of every release's replicas, summed per node, against the instance's allocatable."""
    per_node: dict[str, list[int]] = {}
    for rel in releases:
        values = rel.values()
        if "resources" not in values:
            continue
        matched = matching_nodes(values.get("nodeSelector") or {}, nodes)
        if len(matched) != 1:
            continue  # spread over several nodes: no single node carries them all
        req = values["resources"]["requests"]
        replicas = int(values.get("replicaCount", 1))
        used = per_node.setdefault(matched[0]["name"], [0, 0])
        used[0] += replicas * millicores(req["cpu"])
        used[1] += replicas * mebibytes(req["memory"])
    capacity = capacity if capacity is not None else instance_capacity()
    problems = []
    for name, (cpu, mem) in per_node.items():
        node = next(n for n in nodes if n["name"] == name)
        cap = capacity.get(node["instance_type"])
        if cap is None:
            problems.append(f"{name}: unknown instance type {node['instance_type']}")
            continue
        alloc_cpu, alloc_mem = cap[0] - NODE_OVERHEAD[0], cap[1] - NODE_OVERHEAD[1]
        if cpu > alloc_cpu or mem > alloc_mem:
            problems.append(
                f"{name} ({node['instance_type']}): requests {cpu}m CPU / {mem}Mi exceed allocatable "
                f"{alloc_cpu}m / {alloc_mem}Mi (pods stay Pending: Insufficient cpu/memory)"
            )
    return problems


_ACTION = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}", re.S)
_OPENERS = ("if ", "with ", "range ", "define ", "block ")
_VALUES_REF = re.compile(r"\.Values\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)")


def template_problems(chart_dir: Path) -> list[str]:
    """What `helm lint` would catch online and `helm template` would hide: unbalanced
    if/with/range/define ... end, and `.Values.x.y` paths the chart's values.yaml does not define
    (Helm renders those as empty, silently)."""
    values = load_yaml(chart_dir / "values.yaml") or {}
    problems = []
    for path in sorted((chart_dir / "templates").glob("*")):
        if path.suffix not in (".yaml", ".tpl", ".txt"):
            continue
        text = path.read_text(encoding="utf-8")
        depth = 0
        for action in _ACTION.findall(text):
            if action.startswith("/*"):
                continue
            if action.startswith(_OPENERS):
                depth += 1
            elif action == "end":
                depth -= 1
                if depth < 0:
                    problems.append(f"{path.name}: 'end' without an opening action")
                    depth = 0
            for ref in _VALUES_REF.findall(action):
                node: Any = values
                for part in ref.split("."):
                    if not isinstance(node, dict) or part not in node:
                        problems.append(f"{path.name}: .Values.{ref} is not defined in values.yaml")
                        break
                    node = node[part]
        if depth:
            problems.append(f"{path.name}: {depth} action(s) never closed with 'end'")
    return problems
