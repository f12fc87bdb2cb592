"""The charts rendered by Helm's own code (helm-python-sdk) for every ArgoCD release, and every
rendered object checked against the Kubernetes schema of the topology's version."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("helm_python", reason="helm-python-sdk (dev dependency) not installed")
pytest.importorskip("kubernetes_validate", reason="kubernetes-validate (dev dependency) not installed")

from infracheck.render import is_builtin, kubernetes_version, render_all, schema_problems

# Custom resources the charts create, and the operator whose CRDs define them. Their schemas
# ship with the operators' charts, which cannot be downloaded here: CI validates them online
# (kubeconform with the CRDs catalog, .github/workflows/infra.yml).
CUSTOM_KINDS = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"): "kube-prometheus-stack",
    ("monitoring.coreos.com/v1", "PrometheusRule"): "kube-prometheus-stack",
}


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[dict[str, Any]]]:
    return render_all()


def test_every_release_renders(rendered: dict[str, list[dict[str, Any]]]) -> None:
    assert len(rendered) == 9  # six APIs, two workers, monitoring
    kinds = {d["kind"] for docs in rendered.values() for d in docs}
    assert {"Deployment", "StatefulSet", "Service", "Ingress", "Job", "PodDisruptionBudget"} <= kinds


def test_rendered_objects_validate_against_the_topologys_kubernetes_schema(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    version = kubernetes_version()
    problems, custom, checked = [], set(), 0
    for release, docs in rendered.items():
        for doc in docs:
            if is_builtin(doc, version):
                checked += 1
                problems += [f"{release}: {p}" for p in schema_problems(doc, version)]
            else:
                custom.add((doc["apiVersion"], doc["kind"]))
    assert problems == []
    # 6 x (Deployment, Service, Ingress, Job, PDB), 2 x (StatefulSet, Service), a ConfigMap
    assert checked >= 35
    assert custom <= set(CUSTOM_KINDS), custom - set(CUSTOM_KINDS)


def test_schema_check_reports_a_misspelt_field(rendered: dict[str, list[dict[str, Any]]]) -> None:
    import copy

    deployment = copy.deepcopy(next(d for d in rendered["auth-api"] if d["kind"] == "Deployment"))
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbes"] = {}
    assert schema_problems(deployment, kubernetes_version())


def test_rendered_pods_run_as_the_image_expects(rendered: dict[str, list[dict[str, Any]]]) -> None:
    for release, docs in rendered.items():
        for doc in docs:
            if doc["kind"] not in ("Deployment", "StatefulSet", "Job"):
                continue
            pod = doc["spec"]["template"]["spec"]
            assert pod["securityContext"]["runAsUser"] == 10001, release
            assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, release
            assert pod["automountServiceAccountToken"] is False, release
            for container in pod["containers"]:
                assert container["args"][0] in ("ecoeco-api", "ecoeco-worker") and "command" not in container
                assert container["image"] == "ghcr.io/ecoeco/ecoeco:0.1.0", container["image"]
                ctx = container["securityContext"]
                assert ctx["readOnlyRootFilesystem"] is True and ctx["allowPrivilegeEscalation"] is False
