"""Triage rule evaluation time on a large snapshot, and precision/recall on the scenario library.

The large snapshot: the 13 nodes of the topology carrying 5,000 pods (some crash-looping, some failing
to pull, a few nodes under pressure), 250 Deployments, 2,000 Warning events and 500 queues (a tenth
with work and no consumer). ``evaluate`` runs over it ``--repeat`` times; the median and the worst are
printed (one refresh is 2 s by default: evaluation must fit well inside it).

Precision/recall: for each scenario of ``tests/triage/scenarios.py`` the findings, as (rule,
severity) pairs, against the expected ones. Exact scenarios count false positives; the recorded
fixtures (several faults, only the known ones listed) count recall only.

    uv run python bench/triage_rules.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.triage.scenarios

from tests.triage.scenarios import SCENARIOS, healthy

from ecoeco.console.snapshot import (
    Condition,
    ContainerInfo,
    ContainerTermination,
    EventInfo,
    PodInfo,
    QueueInfo,
    Snapshot,
    WorkloadInfo,
)
from ecoeco.console.triage import evaluate


def large_snapshot(pods: int = 5000, events: int = 2000, queues: int = 500) -> Snapshot:
    snap = healthy()
    nodes = snap.cluster.nodes
    for n in nodes:
        n.pods = []
    deployments = 250
    snap.cluster.workloads = [
        WorkloadInfo(kind="Deployment", namespace="load", name=f"app-{d}", desired=20, ready=19, updated=20)
        for d in range(deployments)
    ]
    for i in range(pods):
        d = i % deployments
        pod = PodInfo(name=f"app-{d}-{i}", namespace="load", node=nodes[i % len(nodes)].name, phase="Running",
                      ready=True, owner=f"app-{d}", owner_kind="Deployment", created_at=snap.taken_at - 3600)  # fmt: skip
        if i % 50 == 0:  # 2 %: crash-looping
            pod.ready, pod.waiting_reason = False, "CrashLoopBackOff"
            pod.containers = [ContainerInfo(name="app", state="waiting", reason="CrashLoopBackOff", restarts=7,
                                            last_terminated=ContainerTermination(exit_code=1, reason="Error"))]  # fmt: skip
        elif i % 97 == 0:  # ~1 %: cannot pull
            pod.ready, pod.waiting_reason, pod.phase = False, "ImagePullBackOff", "Pending"
            pod.containers = [ContainerInfo(name="app", image=f"ghcr.io/x/app-{d}:2", state="waiting",
                                            reason="ImagePullBackOff")]  # fmt: skip
        nodes[i % len(nodes)].pods.append(pod)
    for i in range(100):
        snap.cluster.unscheduled.append(PodInfo(name=f"pend-{i}", namespace="load", phase="Pending", owner=f"app-{i}",
                                                owner_kind="Deployment",
                                                message="0/13 nodes are available: 13 Insufficient memory."))  # fmt: skip
    nodes[3].conditions.append(Condition(type="MemoryPressure", status="True"))
    snap.cluster.events = [
        EventInfo(namespace="load", involved_object=f"Pod/app-{i % deployments}-{i}", reason="BackOff",
                  message="back-off restarting failed container", last_seen=snap.taken_at - i)
        for i in range(events)
    ]  # fmt: skip
    snap.queues = [
        QueueInfo(name=f"q.load{i}", ready=(50 if i % 10 == 0 else 0), consumers=(0 if i % 10 == 0 else 2),
                  depth_history=[0.0, 25.0, 50.0])
        for i in range(queues)
    ]  # fmt: skip
    return snap


def time_rules(repeat: int) -> None:
    snap = large_snapshot()
    n_pods = len(snap.cluster.all_pods())
    evaluate(snap)  # warm-up (imports, first allocation)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        findings = evaluate(snap)
        times.append(time.perf_counter() - t0)
    print(f"snapshot: {n_pods} pods, {len(snap.cluster.events)} events, {len(snap.queues)} queues, "
          f"{len(snap.cluster.workloads)} workloads -> {len(findings)} findings")  # fmt: skip
    print(f"evaluate: median {statistics.median(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms "
          f"over {repeat} runs")  # fmt: skip


def precision_recall() -> None:
    tp = fp = fn = 0
    for s in SCENARIOS:
        found = {(f.rule, f.severity) for f in evaluate(s.build())}
        hit, missed = found & s.expected, s.expected - found
        extra = found - s.expected if s.exact else set()
        tp, fp, fn = tp + len(hit), fp + len(extra), fn + len(missed)
        mark = "ok" if not missed and not extra else "MISS" if missed else "EXTRA"
        detail = f" missed={sorted(missed)}" if missed else ""
        detail += f" extra={sorted(extra)}" if extra else ""
        print(f"  {mark:5} {s.name}{detail}")
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    print(f"scenarios: {len(SCENARIOS)}; findings expected {tp + fn}, found {tp}, false positives {fp}")
    print(f"precision {precision:.3f}, recall {recall:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    time_rules(args.repeat)
    precision_recall()


if __name__ == "__main__":
    main()
