"""charts/: values against schemas, placement against topology.yaml, releases against the seed."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from infracheck import CHARTS_DIR
from infracheck.charts import (
    Release,
    argocd_releases,
    capacity_problems,
    load_yaml,
    placement_problems,
    schema_errors,
    tolerates,
)

CHARTS = ["ecoeco-api", "ecoeco-worker", "ecoeco-monitoring"]
POD_CHARTS = {"ecoeco-api", "ecoeco-worker"}


@pytest.fixture(scope="module")
def releases() -> list[Release]:
    return argocd_releases()


@pytest.mark.parametrize("chart", CHARTS)
def test_chart_has_metadata_schema_and_templates(chart: str) -> None:
    d = CHARTS_DIR / chart
    meta = load_yaml(d / "Chart.yaml")
    assert meta["apiVersion"] == "v2" and meta["name"] == chart
    json.loads((d / "values.schema.json").read_text())
    assert list((d / "templates").glob("*.yaml"))


def _values_files() -> list[tuple[str, str | None]]:
    files: list[tuple[str, str | None]] = []
    for chart in CHARTS:
        files.append((chart, None))
        files += [(chart, f"values/{p.name}") for p in sorted((CHARTS_DIR / chart).glob("values/*.yaml"))]
    return files


@pytest.mark.parametrize(("chart", "values_file"), _values_files())
def test_every_values_file_validates_against_its_schema(chart: str, values_file: str | None) -> None:
    rel = Release(name="x", namespace="x", chart=chart, values_file=values_file)
    assert schema_errors(rel.chart_dir, rel.values()) == []


@pytest.mark.parametrize(
    ("chart", "values_file", "change", "error"),
    [
        ("ecoeco-api", "values/auth.yaml", {"imagePullSecrets": []}, "imagePullSecrets"),
        (
            "ecoeco-api",
            "values/auth.yaml",
            {"probes": {"readiness": {"path": "/health"}}},
            "probes/readiness",
        ),
        ("ecoeco-api", "values/auth.yaml", {"service": "billing"}, "service"),
        ("ecoeco-api", "values/auth.yaml", {"image": {"tag": "latest"}}, "image/tag"),
        ("ecoeco-api", "values/auth.yaml", {"nodeSelektor": {"workload": "api"}}, "nodeSelektor"),
        ("ecoeco-worker", "values/ai.yaml", {"wal": {"size": "fifty"}}, "wal/size"),
        (
            "ecoeco-worker",
            "values/ai.yaml",
            {"resources": {"requests": {"memory": "2GB"}}},
            "resources/requests",
        ),
    ],
)
def test_schema_rejects_bad_values(chart: str, values_file: str, change: dict[str, Any], error: str) -> None:
    from infracheck.charts import deep_merge

    rel = Release(name="x", namespace="x", chart=chart, values_file=values_file)
    errors = schema_errors(rel.chart_dir, deep_merge(rel.values(), change))
    assert any(error in e for e in errors), errors


def test_every_api_and_worker_of_the_seed_has_a_release(
    releases: list[Release], nodes: list[dict[str, Any]]
) -> None:
    seed_workloads = {w for n in nodes if n["role"] in ("api", "worker") for w in n["runs"]}
    assert len(seed_workloads) == 8
    by_name = {r.name: r for r in releases}
    assert seed_workloads <= set(by_name)
    for node in nodes:
        if node["role"] == "api":
            rel = by_name[f"{node['domain']}-api"]
            assert (rel.chart, rel.namespace) == ("ecoeco-api", f"api-{node['domain']}")
            assert rel.values()["service"] == node["domain"]
        if node["role"] == "worker":
            rel = by_name[f"worker-{node['domain']}"]
            assert (rel.chart, rel.namespace) == ("ecoeco-worker", "workers")
            assert rel.values()["worker"] == node["domain"]


def test_api_paths_are_the_platform_contract(releases: list[Release]) -> None:
    paths = {r.values()["service"]: r.values()["pathPrefix"] for r in releases if r.chart == "ecoeco-api"}
    assert paths == {
        "auth": "/api/v1/auth",
        "userinfo": "/api/v1/users",
        "location": "/api/v1/locations",
        "waste": "/api/v1/waste",
        "recycle-info": "/api/v1/recycle-info",
        "chat-llm": "/api/v1/chat",
    }


def test_every_release_lands_on_its_own_node_and_tolerates_its_taints(
    releases: list[Release], nodes: list[dict[str, Any]]
) -> None:
    problems = []
    for rel in releases:
        if rel.chart not in POD_CHARTS:
            continue
        values = rel.values()
        problems += placement_problems(rel.name, values["nodeSelector"], values["tolerations"], nodes)
        matched = [
            n["name"]
            for n in nodes
            if all(n["labels"].get(k) == v for k, v in values["nodeSelector"].items())
        ]
        assert len(matched) == 1, (rel.name, matched)
        assert rel.name in next(n for n in nodes if n["name"] == matched[0])["runs"]
    assert problems == []


def test_placement_check_reports_drifted_labels_and_missing_tolerations(nodes: list[dict[str, Any]]) -> None:
    drifted = placement_problems("auth-api", {"workload": "api", "domain": "authentication"}, [], nodes)
    assert drifted and "matches no node" in drifted[0]
    untolerated = placement_problems("cache", {"domain": "redis"}, [], nodes)
    assert untolerated and "node-role.kubernetes.io/infrastructure:NoSchedule" in untolerated[0]
    tolerated = [
        {"key": "node-role.kubernetes.io/infrastructure", "operator": "Exists", "effect": "NoSchedule"}
    ]
    assert placement_problems("cache", {"domain": "redis"}, tolerated, nodes) == []


def test_toleration_matching_follows_kubernetes_rules() -> None:
    taint = {"key": "node-role.kubernetes.io/infrastructure", "value": "true", "effect": "NoSchedule"}
    assert tolerates([{"operator": "Exists"}], taint)
    assert tolerates([{"key": taint["key"], "operator": "Equal", "value": "true"}], taint)
    assert not tolerates([{"key": taint["key"], "operator": "Equal", "value": "false"}], taint)
    assert not tolerates([{"key": taint["key"], "operator": "Exists", "effect": "NoExecute"}], taint)
    assert not tolerates([{"key": "other", "operator": "Exists"}], taint)


def test_requests_fit_the_instance_types(releases: list[Release], nodes: list[dict[str, Any]]) -> None:
    assert capacity_problems(releases, nodes) == []


def test_capacity_check_reports_an_oversized_request(nodes: list[dict[str, Any]], tmp_path: Path) -> None:
    # Incident 3: Prometheus asking 2Gi on a t3a.medium; here an API asking 2 x 2Gi on one.
    class Big(Release):
        def values(self) -> dict[str, Any]:
            v = super().values()
            v["resources"]["requests"]["memory"] = "2Gi"
            return v

    problems = capacity_problems([Big("auth-api", "api-auth", "ecoeco-api", "values/auth.yaml")], nodes)
    assert problems and "k8s-api-auth" in problems[0] and "Insufficient" in problems[0]


def _template(chart: str, name: str) -> str:
    return (CHARTS_DIR / chart / "templates" / name).read_text()


def test_pod_templates_use_the_checked_values() -> None:
    # The offline checks read values; these make sure the templates actually use them.
    api = _template("ecoeco-api", "_helpers.tpl") + _template("ecoeco-api", "deployment.yaml")
    worker = _template("ecoeco-worker", "statefulset.yaml")
    for text in (api, worker):
        assert ".Values.nodeSelector" in text
        assert ".Values.tolerations" in text
        assert ".Values.imagePullSecrets" in text
        assert "toYaml .Values.resources" in text
    deployment = _template("ecoeco-api", "deployment.yaml")
    assert ".Values.probes.liveness.path" in deployment and ".Values.probes.readiness.path" in deployment
    assert 'include "ecoeco-api.podPlacement"' in deployment


def test_worker_is_a_statefulset_with_one_journal_volume_per_pod(releases: list[Release]) -> None:
    docs = _template("ecoeco-worker", "statefulset.yaml")
    assert re.search(r"^kind: StatefulSet$", docs, re.M)
    assert "volumeClaimTemplates:" in docs and "name: wal" in docs
    assert "ReadWriteOnce" in docs and "persistentVolumeClaim:" not in docs
    from ecoeco.services.common.settings import Settings

    for rel in releases:
        if rel.chart == "ecoeco-worker":
            wal = rel.values()["wal"]
            assert wal["size"] == "50Gi"
            # The platform's own default (5 minutes, the seed's interval).
            assert wal["syncIntervalSeconds"] == Settings().wal_sync_interval_s == 300
            assert "ECOECO_WAL_SYNC_INTERVAL_S" in docs and "ECOECO_WAL_DIR" in docs
            assert "--metrics-port" in docs


def test_argocd_orders_releases_with_sync_waves() -> None:
    from infracheck import ARGOCD_DIR

    waves = {}
    for path in sorted((ARGOCD_DIR / "apps").glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        if doc["kind"] == "Kustomization":
            continue
        waves[doc["metadata"]["name"]] = int(doc["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"])
    assert waves["ecoeco-monitoring"] < waves["ecoeco-workers"] < waves["ecoeco-apis"]
    project = yaml.safe_load((ARGOCD_DIR / "project.yaml").read_text())
    assert project["kind"] == "AppProject"
    root = yaml.safe_load((ARGOCD_DIR / "root.yaml").read_text())
    assert root["spec"]["source"]["path"] == "infra/argocd/apps"
    assert root["spec"]["project"] == project["metadata"]["name"]


@pytest.mark.parametrize("chart", CHARTS)
def test_templates_are_balanced_and_reference_only_defined_values(chart: str) -> None:
    from infracheck.charts import template_problems

    assert template_problems(CHARTS_DIR / chart) == []


def test_template_check_reports_a_missing_end_and_a_misspelt_value(tmp_path: Path) -> None:
    import shutil

    from infracheck.charts import template_problems

    chart = tmp_path / "ecoeco-api"
    shutil.copytree(CHARTS_DIR / "ecoeco-api", chart)
    deployment = chart / "templates" / "deployment.yaml"
    text = deployment.read_text().replace(".Values.probes.liveness.path", ".Values.probes.livenes.path")
    deployment.write_text(text)
    pdb = chart / "templates" / "pdb.yaml"
    pdb.write_text(pdb.read_text().replace("{{- end }}", ""))
    problems = template_problems(chart)
    assert any(".Values.probes.livenes.path" in p for p in problems)
    assert any("pdb.yaml" in p and "never closed" in p for p in problems)
