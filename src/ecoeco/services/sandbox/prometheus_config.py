"""The sandbox's Prometheus: scrape configuration (the contract's jobs) and the alert rules of the
original platform (domain.md §3) that can apply on one machine.

Not included, because nothing exports them locally: PostgreSQL/Redis down and their connection and
memory alerts (no exporters), node CPU/memory/disk and node down (no node exporter).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

SCRAPE_INTERVAL = "5s"


def scrape_config(
    *,
    api_ports: dict[str, int],
    worker_ports: dict[str, int],
    prometheus_port: int,
    rabbitmq_prometheus: str,
    vhost: str,
    rules_file: Path,
) -> dict[str, Any]:
    rabbit_target = rabbitmq_prometheus.split("://", 1)[-1].rstrip("/")
    return {
        "global": {"scrape_interval": SCRAPE_INTERVAL, "evaluation_interval": SCRAPE_INTERVAL},
        "rule_files": [str(rules_file)],
        "scrape_configs": [
            {
                "job_name": "ecoeco-api",
                # The services label their own metrics with `service` (and workers with `worker`): keep
                # theirs rather than renaming it to exported_service; the values are the same.
                "honor_labels": True,
                "static_configs": [
                    {"targets": [f"127.0.0.1:{port}"], "labels": {"service": name}}
                    for name, port in api_ports.items()
                ],
            },
            {
                "job_name": "ecoeco-worker",
                "honor_labels": True,
                "static_configs": [
                    {"targets": [f"127.0.0.1:{port}"], "labels": {"worker": name}}
                    for name, port in worker_ports.items()
                ],
            },
            {"job_name": "rabbitmq", "static_configs": [{"targets": [rabbit_target]}]},
            # Per-queue depth for the sandbox's vhost only (the aggregated endpoint above has no queue label).
            {
                "job_name": "rabbitmq-queues",
                "metrics_path": "/metrics/detailed",
                "params": {"vhost": [vhost], "family": ["queue_coarse_metrics"]},
                "static_configs": [{"targets": [rabbit_target]}],
            },
            {"job_name": "prometheus", "static_configs": [{"targets": [f"127.0.0.1:{prometheus_port}"]}]},
        ],
    }


def alert_rules(wal_sync_interval_s: float) -> dict[str, Any]:
    stale_after = int(2 * wal_sync_interval_s)

    def alert(name: str, expr: str, for_: str, severity: str, summary: str) -> dict[str, Any]:
        return {
            "alert": name,
            "expr": expr,
            "for": for_,
            "labels": {"severity": severity},
            "annotations": {"summary": summary},
        }

    return {
        "groups": [
            {
                "name": "ecoeco-api",
                "rules": [
                    alert(
                        "EcoecoApiLatencyHigh",
                        "histogram_quantile(0.95, sum by (service, le) "
                        "(rate(http_request_duration_seconds_bucket[5m]))) > 1",
                        "5m",
                        "warning",
                        "{{ $labels.service }} p95 latency above 1 s",
                    ),
                    alert(
                        "EcoecoApiErrorRateHigh",
                        'sum by (service) (rate(http_requests_total{status=~"5.."}[5m])) '
                        "/ sum by (service) (rate(http_requests_total[5m])) > 0.05",
                        "5m",
                        "critical",
                        "{{ $labels.service }} answers more than 5 % 5xx",
                    ),
                    alert(
                        "EcoecoApiDown",
                        'up{job="ecoeco-api"} == 0',
                        "1m",
                        "critical",
                        "{{ $labels.service }} does not answer its /metrics scrape",
                    ),
                ],
            },
            {
                "name": "ecoeco-worker",
                "rules": [
                    alert(
                        "EcoecoWorkerDown",
                        'up{job="ecoeco-worker"} == 0',
                        "1m",
                        "critical",
                        "worker {{ $labels.worker }} does not answer its metrics scrape",
                    ),
                    alert(
                        "EcoecoWorkerTaskFailureRateHigh",
                        'sum by (worker) (rate(ecoeco_worker_tasks_total{outcome=~"failed|dead"}[5m])) '
                        "/ sum by (worker) (rate(ecoeco_worker_tasks_total[5m])) > 0.1",
                        "5m",
                        "warning",
                        "worker {{ $labels.worker }} fails more than 10 % of its tasks",
                    ),
                    alert(
                        "EcoecoWalUnsyncedStale",
                        f"ecoeco_wal_oldest_unsynced_age_seconds > {stale_after}",
                        "1m",
                        "critical",
                        "worker {{ $labels.worker }} has journal rows unsynced for more than two sync "
                        "intervals: is PostgreSQL reachable?",
                    ),
                ],
            },
            {
                "name": "rabbitmq",
                "rules": [
                    alert("RabbitMQDown", 'up{job="rabbitmq"} == 0', "1m", "critical", "RabbitMQ is down"),
                    alert(
                        "RabbitMQQueueReadyHigh",
                        "rabbitmq_detailed_queue_messages_ready > 1000",
                        "5m",
                        "warning",
                        "{{ $labels.queue }} has more than 1000 ready messages",
                    ),
                    alert(
                        "RabbitMQDeadLetterGrowing",
                        'delta(rabbitmq_detailed_queue_messages{queue="q.dlq"}[10m]) > 0',
                        "1m",
                        "warning",
                        "q.dlq is growing: tasks are exhausting their attempts",
                    ),
                ],
            },
        ]
    }


def write_config(state_dir: Path, config: dict[str, Any], rules: dict[str, Any]) -> bool:
    """Write prometheus.yml and alerts.yml; True if either changed (Prometheus then needs a reload)."""
    changed = False
    for name, doc in (("prometheus.yml", config), ("alerts.yml", rules)):
        path = state_dir / name
        text = yaml.safe_dump(doc, sort_keys=False)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed = True
    return changed
