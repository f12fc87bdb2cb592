"""The local cluster variant maps the sandbox's status onto the 13 topology nodes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ecoeco.console.snapshot import Snapshot
from ecoeco.console.sources.base import SourceError
from ecoeco.console.sources.cluster_local import LocalClusterSource


def _status() -> dict:
    """The ``read_status()`` contract shape: auth is this very process (so CPU/RSS are real)."""
    return {
        "running": False,
        "state_dir": "/tmp/x",
        "components": [
            {"name": "auth", "kind": "api", "url": "http://127.0.0.1:41234", "pid": os.getpid(), "alive": True,
             "node": "k8s-api-auth"},
            {"name": "storage", "kind": "worker", "url": "http://127.0.0.1:41300/metrics", "pid": None,
             "alive": False, "node": "k8s-worker-storage"},
            {"name": "prometheus", "kind": "infra", "url": None, "pid": None, "alive": False,
             "node": "k8s-monitoring", "skipped": "prometheus not installed"},
            {"name": "aws", "kind": "infra", "url": "http://127.0.0.1:41500", "pid": os.getpid(), "alive": True,
             "node": None},
            {"name": "postgresql", "kind": "external", "url": "postgresql://postgres@127.0.0.1:5432/ecoeco",
             "pid": None, "alive": True, "node": "k8s-postgresql"},
            {"name": "redis", "kind": "external", "url": "redis://127.0.0.1:6379/0", "pid": None, "alive": False,
             "node": "k8s-redis"},
        ],
        "aws": None,
    }  # fmt: skip


def test_processes_become_pods_on_their_nodes() -> None:
    source = LocalClusterSource(status_reader=_status)
    snap = Snapshot()
    source.apply(snap, source.poll())
    sum(i * i for i in range(200_000))  # some CPU between the two samples
    source.apply(snap, source.poll())
    nodes = {n.name: n for n in snap.cluster.nodes}
    assert snap.cluster.kind == "local" and len(nodes) == 13

    auth = nodes["k8s-api-auth"]
    assert auth.status == "Ready"
    [pod] = auth.pods
    assert (pod.name, pod.kind, pod.phase, pod.ready) == ("auth", "Process", "Running", True)
    assert pod.mem_bytes and pod.mem_bytes > 10_000_000 and pod.cpu_percent is not None
    assert auth.cpu_percent is not None and len(auth.cpu_history) == 1 and auth.mem_percent > 0

    storage = nodes["k8s-worker-storage"]
    assert storage.status == "NotReady" and storage.pods[0].phase == "Failed"
    assert storage.pods[0].waiting_reason == "ProcessExited"

    assert nodes["k8s-postgresql"].status == "Ready" and not nodes["k8s-postgresql"].pods
    assert nodes["k8s-redis"].status == "NotReady"
    assert nodes["k8s-monitoring"].status == "Unknown" and not nodes["k8s-monitoring"].pods  # skipped
    assert nodes["k8s-master"].status == "Unknown" and nodes["k8s-api-waste"].status == "Unknown"
    assert {(w.name, w.ready) for w in snap.cluster.workloads} == {("auth", 1), ("storage", 0)}


def test_a_sandbox_that_is_not_running_is_a_source_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ECOECO_SANDBOX_DIR", str(tmp_path))  # an empty state dir: nothing was ever started
    with pytest.raises(SourceError, match="sandbox is not running"):
        LocalClusterSource().poll()


def test_the_watchdog_s_restarts_and_back_off_show_as_pod_restarts_and_crash_loop() -> None:
    import time

    def status() -> dict:
        st = _status()
        auth, storage = st["components"][0], st["components"][1]
        auth |= {"restarts": 2, "last_exit": "killed by SIGKILL", "started_at": 1700000000.0}
        storage |= {"restarts": 5, "last_exit": "exited with code 1", "backoff_until": time.time() + 30}
        return st

    source = LocalClusterSource(status_reader=status)
    snap = Snapshot()
    source.apply(snap, source.poll())
    pods = {p.name: p for p in snap.cluster.all_pods()}
    assert pods["auth"].restarts == 2 and pods["auth"].phase == "Running"
    assert pods["auth"].start_time == 1700000000.0
    storage = pods["storage"]
    assert storage.restarts == 5 and storage.waiting_reason == "CrashLoopBackOff"
    assert storage.message and "last exit: exited with code 1" in storage.message


def test_a_stopped_process_is_not_ready() -> None:
    """SIGSTOP keeps the pid (and its sockets) but the process runs nothing: not ready, and why."""
    import signal
    import subprocess
    import time

    proc = subprocess.Popen(["sleep", "60"])
    try:
        status = {"running": True, "components": [
            {"name": "ai", "kind": "worker", "pid": proc.pid, "alive": True, "node": "k8s-worker-ai"}]}  # fmt: skip
        source = LocalClusterSource(status_reader=lambda: status)
        os.kill(proc.pid, signal.SIGSTOP)
        deadline = time.monotonic() + 5  # the kernel marks it stopped at once; a loaded machine may lag
        snap = Snapshot()
        while True:
            source.apply(snap, source.poll())
            pod = next(n for n in snap.cluster.nodes if n.name == "k8s-worker-ai").pods[0]
            if pod.waiting_reason == "ProcessStopped" or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert (pod.ready, pod.phase, pod.waiting_reason) == (False, "Running", "ProcessStopped")
        os.kill(proc.pid, signal.SIGCONT)
        source.apply(snap, source.poll())
        pod = next(n for n in snap.cluster.nodes if n.name == "k8s-worker-ai").pods[0]
        assert pod.ready and pod.waiting_reason is None
    finally:
        proc.kill()
        proc.wait()
