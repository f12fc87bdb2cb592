"""The generated Prometheus configuration and rules are valid for the real Prometheus (promtool)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from ecoeco.services.sandbox.prometheus_config import alert_rules, scrape_config, write_config

PROMTOOL = shutil.which("promtool")


def _write(tmp_path: Path) -> None:
    config = scrape_config(
        api_ports={"auth": 4001, "waste": 4002},
        worker_ports={"storage": 4101, "ai": 4102},
        prometheus_port=4200,
        rabbitmq_prometheus="http://127.0.0.1:15692",
        vhost="ecoeco",
        rules_file=tmp_path / "alerts.yml",
    )
    write_config(tmp_path, config, alert_rules(30.0))


def test_scrape_jobs_match_the_contract(tmp_path: Path) -> None:
    _write(tmp_path)
    config = yaml.safe_load((tmp_path / "prometheus.yml").read_text())
    jobs = {j["job_name"]: j for j in config["scrape_configs"]}
    assert {"ecoeco-api", "ecoeco-worker", "rabbitmq", "prometheus"} <= set(jobs)
    assert config["global"]["scrape_interval"] == "5s"
    api_labels = {sc["labels"]["service"]: sc["targets"] for sc in jobs["ecoeco-api"]["static_configs"]}
    assert api_labels == {"auth": ["127.0.0.1:4001"], "waste": ["127.0.0.1:4002"]}
    assert jobs["rabbitmq"]["static_configs"][0]["targets"] == ["127.0.0.1:15692"]


def test_unsynced_alert_fires_after_two_sync_intervals(tmp_path: Path) -> None:
    rules = alert_rules(30.0)
    exprs = {r["alert"]: r["expr"] for g in rules["groups"] for r in g["rules"]}
    assert exprs["EcoecoWalUnsyncedStale"] == "ecoeco_wal_oldest_unsynced_age_seconds > 60"


def test_rewriting_the_same_config_reports_no_change(tmp_path: Path) -> None:
    _write(tmp_path)
    config = yaml.safe_load((tmp_path / "prometheus.yml").read_text())
    assert write_config(tmp_path, config, alert_rules(30.0)) is False
    assert write_config(tmp_path, config, alert_rules(60.0)) is True


@pytest.mark.skipif(PROMTOOL is None, reason="promtool comes with the prometheus Debian package")
def test_promtool_accepts_config_and_rules(tmp_path: Path) -> None:
    _write(tmp_path)
    for args in (
        ["check", "config", str(tmp_path / "prometheus.yml")],
        ["check", "rules", str(tmp_path / "alerts.yml")],
    ):
        result = subprocess.run([PROMTOOL, *args], capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
