"""The console's read side: one module per system, none imports ``textual``.

``build_sources(profile)`` picks the variants a profile needs (kubernetes or local cluster, ...).
"""

from __future__ import annotations

from ecoeco.console.config import Profile
from ecoeco.console.sources.base import Source, SourceError

__all__ = ["Source", "SourceError", "build_sources"]


def build_sources(profile: Profile) -> list[Source]:
    from ecoeco.console.sources.alerts import AlertsSource
    from ecoeco.console.sources.cluster_kube import KubeClusterSource
    from ecoeco.console.sources.cluster_local import LocalClusterSource
    from ecoeco.console.sources.infra import InfraSource
    from ecoeco.console.sources.metrics import MetricsSource
    from ecoeco.console.sources.queues import QueuesSource
    from ecoeco.console.sources.services import ServicesSource
    from ecoeco.console.sources.wal import WalSource

    every = profile.poll_interval_s
    # Prometheus-backed sources cannot change faster than the 5 s scrape; no point asking more often.
    slow = max(every, 5.0)
    cluster: Source
    if profile.cluster == "kubernetes":
        cluster = KubeClusterSource(profile.kubeconfig, profile.kube_context, interval_s=slow)
    else:
        cluster = LocalClusterSource(interval_s=every)
    broker = profile.effective_broker_url()
    # The quota and the inventory are facts of an AWS account and a Terraform root module: read when
    # the profile has either (the sandbox has both, simulated).
    extra: list[Source] = [InfraSource(profile)] if profile.terraform_dir or profile.aws_endpoint_url else []
    return [
        cluster,
        QueuesSource(
            profile.rabbitmq_management_url,
            profile.rabbitmq_user,
            profile.rabbitmq_password.get_secret_value(),
            profile.rabbitmq_vhost,
            profile.queues,
            broker_url=broker,
            interval_s=every,
        ),
        WalSource(profile.prometheus_url, broker, workers=list(profile.workers) or None, interval_s=slow),
        MetricsSource(profile.prometheus_url, services=list(profile.services) or None, interval_s=slow),
        # /ready makes each service ping its PostgreSQL and Redis: at the kubelet's pace, not faster
        # (six services every 2 s were a quarter of the console's idle CPU, and load on the platform).
        ServicesSource(profile.services, interval_s=slow),
        AlertsSource(profile.prometheus_url, interval_s=slow),
        *extra,
    ]
