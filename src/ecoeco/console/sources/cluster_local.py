"""The ``local`` cluster variant: the sandbox's processes mapped onto the 13 topology nodes.

Each API, worker and Prometheus process is a "pod" of kind Process on its node; PostgreSQL, RabbitMQ
and Redis (external services) make their infra node Ready when they answer. A node with nothing
mapped to it (the master) is Unknown: there is no control plane on loopback.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ecoeco.console.snapshot import ClusterState, NodeInfo, PodInfo, Snapshot, WorkloadInfo
from ecoeco.console.sources.base import DEFAULT_TIMEOUT_S, LOG_TAIL_LINES, SourceError
from ecoeco.console.sources.cluster_common import node_from_topology
from ecoeco.console.sources.history import History
from ecoeco.console.sources.procstat import ProcSample, ProcSampler, mem_total_bytes
from ecoeco.shared.sandbox_state import StateError, read_status
from ecoeco.shared.topology import load_topology

NAMESPACE = "sandbox"


def read_sandbox_status() -> dict[str, Any]:
    """The sandbox's status from its state file (``ecoeco.shared.sandbox_state``)."""
    try:
        return dict(read_status())
    except StateError as exc:
        raise SourceError(str(exc)) from exc


@dataclass
class LocalClusterData:
    status: dict[str, Any]
    samples: dict[int, ProcSample | None] = field(default_factory=dict)


class LocalClusterSource:
    name = "cluster"

    def __init__(
        self, interval_s: float = 2.0, timeout_s: float = DEFAULT_TIMEOUT_S, status_reader=None
    ) -> None:
        self.interval_s = interval_s
        self.timeout_s = timeout_s
        self._read = status_reader or read_sandbox_status
        self._sampler = ProcSampler()
        self._cpu = History()
        self._mem = History()
        self._ncpu = os.cpu_count() or 1
        self._mem_total = mem_total_bytes()

    def poll(self) -> LocalClusterData:
        status = self._read()
        components = status.get("components") or []
        managed = [c for c in components if c.get("kind") in ("api", "worker", "infra")]
        if not status.get("running") and not any(c.get("pid") for c in managed):
            raise SourceError("sandbox is not running (start it with: ecoeco-sandbox up)")
        samples = {
            c["pid"]: self._sampler.sample(c["pid"])
            for c in components
            if c.get("pid") and c.get("alive") and c.get("node")
        }
        return LocalClusterData(status=status, samples=samples)

    def apply(self, snapshot: Snapshot, data: object) -> None:
        assert isinstance(data, LocalClusterData)
        topo = load_topology()
        by_node: dict[str, list[dict[str, Any]]] = {}
        for comp in data.status.get("components") or []:
            # A component the sandbox skipped (e.g. Prometheus not installed) runs nowhere.
            if comp.get("node") and not comp.get("skipped"):
                by_node.setdefault(comp["node"], []).append(comp)

        nodes: list[NodeInfo] = []
        workloads: list[WorkloadInfo] = []
        for tnode in topo.nodes:
            node = node_from_topology(tnode)
            node.cpu_capacity = float(self._ncpu)
            node.mem_capacity_bytes = self._mem_total
            comps = by_node.get(tnode.name, [])
            processes = [c for c in comps if c.get("pid") or c.get("kind") in ("api", "worker", "infra")]
            externals = [c for c in comps if c.get("kind") == "external"]
            cpu_total, rss_total, sampled, cpu_known = 0.0, 0, False, False
            for comp in processes:
                sample = data.samples.get(pid) if (pid := comp.get("pid")) else None
                stopped = bool(sample and sample.stopped)
                # A stopped process (SIGSTOP) holds its pid and sockets but does no work: not ready.
                alive = bool(comp.get("alive")) and not stopped
                # The sandbox's watchdog waits before restarting a process that keeps dying.
                backing_off = (comp.get("backoff_until") or 0) > time.time()
                message = None
                if stopped:
                    message = (
                        "process stopped (SIGSTOP or a debugger): it holds its pid and sockets, runs nothing"
                    )
                elif not alive:
                    message = "process not running or its port is closed"
                    if comp.get("last_exit"):
                        message += f"; last exit: {comp['last_exit']}"
                node.pods.append(
                    PodInfo(
                        name=comp["name"],
                        namespace=NAMESPACE,
                        node=tnode.name,
                        kind="Process",
                        phase="Running" if alive or stopped else "Failed",
                        ready=alive,
                        restarts=int(comp.get("restarts") or 0),
                        waiting_reason="ProcessStopped"
                        if stopped
                        else None
                        if alive
                        else ("CrashLoopBackOff" if backing_off else "ProcessExited"),
                        message=message,
                        owner=comp["name"],
                        start_time=comp.get("started_at"),
                        cpu_percent=sample.cpu_percent if sample else None,
                        mem_bytes=sample.rss_bytes if sample else None,
                    )
                )
                workloads.append(
                    WorkloadInfo(
                        kind="Process", namespace=NAMESPACE, name=comp["name"], desired=1, ready=int(alive)
                    )
                )
                if sample:
                    sampled = True
                    cpu_known = cpu_known or sample.cpu_percent is not None
                    cpu_total += sample.cpu_percent or 0.0
                    rss_total += sample.rss_bytes
            if processes:
                node.status = "Ready" if any(p.ready for p in node.pods) else "NotReady"
                if cpu_known:  # CPU% needs two samples of the same process
                    node.cpu_percent = cpu_total / self._ncpu
                if sampled and self._mem_total:
                    node.mem_percent = 100.0 * rss_total / self._mem_total
            elif externals:
                node.status = "Ready" if all(c.get("alive") for c in externals) else "NotReady"
            else:
                node.status = "Unknown"
            node.cpu_history = self._cpu.add(tnode.name, node.cpu_percent)
            node.mem_history = self._mem.add(tnode.name, node.mem_percent)
            nodes.append(node)

        snapshot.cluster = ClusterState(
            kind="local", context="sandbox", nodes=nodes, workloads=workloads, events=[]
        )


class LocalLogReader:
    """The sandbox's counterpart of ``cluster_kube.KubeLogReader``: a process "pod" has one log file
    (``logs/NAME.log`` in the sandbox's state directory, appended across restarts), so ``previous``
    reads the same file. Read on request only, never polled."""

    def __init__(self, status_reader: Callable[[], dict[str, Any]] | None = None) -> None:
        self._read = status_reader or read_sandbox_status

    def read(
        self,
        namespace: str,
        pod: str,
        container: str | None,
        *,
        previous: bool = False,
        tail_lines: int = LOG_TAIL_LINES,
    ) -> str:
        comp = next((c for c in self._read().get("components") or [] if c.get("name") == pod), None)
        if comp is None or not comp.get("log"):
            raise SourceError(f"logs of {namespace}/{pod}: the sandbox keeps no log for it")
        try:
            with open(comp["log"], "rb") as fh:
                fh.seek(0, os.SEEK_END)
                size = fh.tell()
                fh.seek(max(0, size - 256 * 1024))  # the tail is enough; a log can grow large
                lines = fh.read().decode("utf-8", "replace").splitlines()
        except OSError as exc:
            raise SourceError(f"logs of {namespace}/{pod}: {exc}") from exc
        return "\n".join(lines[-tail_lines:]) + ("\n" if lines else "")
