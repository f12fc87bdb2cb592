"""charts/ecoeco-monitoring: the alert rules, checked and unit-tested by the real promtool."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from infracheck import CHARTS_DIR

CHART = CHARTS_DIR / "ecoeco-monitoring"
RULES = CHART / "files/rules/ecoeco.rules.yaml"
UNIT_TESTS = Path(__file__).parent / "promtool" / "ecoeco_rules_test.yaml"

# domain.md §3 (the alerts the original had) plus WAL backlog and dead letters.
EXPECTED_ALERTS = {
    "EcoecoApiLatencyP95High",
    "EcoecoApiErrorRateHigh",
    "EcoecoApiPodDown",
    "EcoecoWorkerPodDown",
    "EcoecoWorkerTaskFailureRateHigh",
    "EcoecoQueueReadyHigh",
    "EcoecoRabbitMQDown",
    "EcoecoPostgreSQLDown",
    "EcoecoRedisDown",
    "EcoecoPostgreSQLConnectionsHigh",
    "EcoecoRedisMemoryHigh",
    "EcoecoNodeCPUHigh",
    "EcoecoNodeMemoryHigh",
    "EcoecoNodeDiskHigh",
    "EcoecoNodeDown",
    "EcoecoWalSyncBacklog",
    "EcoecoDeadLetterQueueGrowing",
}


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("promtool")
    if binary is None:
        pytest.skip("promtool (Debian package prometheus) not installed")
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=60)


def _rules() -> dict[str, dict]:
    doc = yaml.safe_load(RULES.read_text())
    return {r["alert"]: r for g in doc["groups"] for r in g["rules"] if "alert" in r}


def test_rules_file_passes_promtool_check() -> None:
    proc = promtool("check", "rules", str(RULES))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_alerts_fire_as_the_unit_tests_expect() -> None:
    proc = promtool("test", "rules", str(UNIT_TESTS))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_promtool_unit_tests_fail_on_a_wrong_expectation(tmp_path: Path) -> None:
    broken = UNIT_TESTS.read_text().replace("worker: storage}", "worker: ai}")
    broken = broken.replace("../../../charts", str(CHARTS_DIR))
    (tmp_path / "t.yaml").write_text(broken)
    assert promtool("test", "rules", str(tmp_path / "t.yaml")).returncode != 0


def test_every_alert_of_the_original_plus_wal_and_dead_letters_exists() -> None:
    rules = _rules()
    assert set(rules) >= EXPECTED_ALERTS
    for name, rule in rules.items():
        assert rule["labels"]["severity"] in ("warning", "critical"), name
        assert rule["annotations"]["summary"], name


def test_wal_backlog_threshold_is_two_sync_intervals() -> None:
    worker_values = yaml.safe_load((CHARTS_DIR / "ecoeco-worker/values.yaml").read_text())
    interval = worker_values["wal"]["syncIntervalSeconds"]
    expr = _rules()["EcoecoWalSyncBacklog"]["expr"]
    assert re.fullmatch(r"ecoeco_wal_oldest_unsynced_age_seconds > (\d+)", expr.strip())[1] == str(
        2 * interval
    )


def test_prometheus_rule_and_dashboard_templates_embed_the_files() -> None:
    rule = (CHART / "templates/prometheusrule.yaml").read_text()
    assert '.Files.Get "files/rules/ecoeco.rules.yaml"' in rule
    assert "kind: PrometheusRule" in rule
    dashboard_tpl = (CHART / "templates/dashboard.yaml").read_text()
    assert '.Files.Get "files/dashboards/ecoeco.json"' in dashboard_tpl
    dashboard = json.loads((CHART / "files/dashboards/ecoeco.json").read_text())
    exprs = " ".join(t["expr"] for p in dashboard["panels"] for t in p["targets"])
    for metric in (
        "ecoeco_wal_unsynced_rows",
        "rabbitmq_detailed_queue_messages_ready",
        "http_requests_total",
    ):
        assert metric in exprs


def test_service_monitors_select_what_the_charts_label() -> None:
    # Template expressions become plain words so the manifests parse as YAML.
    text = re.sub(r"\{\{-?[^}]*\}\}", "templated", (CHART / "templates/servicemonitors.yaml").read_text())
    monitors = list(yaml.safe_load_all(text))
    api_helpers = (CHARTS_DIR / "ecoeco-api/templates/_helpers.tpl").read_text()
    worker_helpers = (CHARTS_DIR / "ecoeco-worker/templates/_helpers.tpl").read_text()
    selectors = {m["metadata"]["name"]: m["spec"]["selector"]["matchLabels"] for m in monitors if m}
    assert selectors["ecoeco-api"] == {
        "app.kubernetes.io/part-of": "ecoeco",
        "app.kubernetes.io/component": "api",
    }
    assert "app.kubernetes.io/component: api" in api_helpers
    assert "app.kubernetes.io/component: worker" in worker_helpers
    assert selectors["ecoeco-worker"]["app.kubernetes.io/component"] == "worker"
