"""The charts rendered as ArgoCD renders them (helm-python-sdk: Helm's Go SDK, no helm binary),
each release with its values file, and the rendered objects validated against the Kubernetes
JSON schemas of the topology's version (kubernetes-validate; both work offline)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from . import TOPOLOGY_FILE
from .charts import Release, argocd_releases, load_yaml


def kubernetes_version(topology_file: Path = TOPOLOGY_FILE) -> str:
    """The topology's minor version as kubernetes-validate names its schemas (1.31 -> 1.31.0)."""
    return f"{load_yaml(topology_file)['kubernetes_version']}.0"


def render_release(rel: Release) -> list[dict[str, Any]]:
    import helm_python as helm

    chart = helm.Chart.load(str(rel.chart_dir))
    try:
        values = load_yaml(rel.chart_dir / rel.values_file) if rel.values_file else {}
        out = chart.render(values or {}, name=rel.name, namespace=rel.namespace, is_install=True)
    finally:
        chart.close()
    docs = []
    for path, text in sorted(out.items()):
        if not path.endswith((".yaml", ".yml")):
            continue
        for doc in yaml.safe_load_all(text):
            if doc:
                doc.setdefault("metadata", {}).setdefault("namespace", rel.namespace)
                docs.append(doc)
    return docs


def render_all() -> dict[str, list[dict[str, Any]]]:
    return {rel.name: render_release(rel) for rel in argocd_releases()}


def schema_problems(doc: dict[str, Any], version: str) -> list[str]:
    """Strict validation of a built-in object; None-schema kinds (custom resources) are skipped
    by the caller."""
    import kubernetes_validate

    try:
        kubernetes_validate.validate(doc, version, strict=True)
    except kubernetes_validate.ValidationError as exc:
        where = "/".join(map(str, exc.path)) or "<root>"
        return [f"{doc['kind']} {doc['metadata'].get('name')}: {where}: {exc.message}"]
    return []


def is_builtin(doc: dict[str, Any], version: str) -> bool:
    import kubernetes_validate

    try:
        kubernetes_validate.validate(doc, version, strict=False)
    except kubernetes_validate.SchemaNotFoundError:
        return False
    except kubernetes_validate.ValidationError:
        return True
    return True
