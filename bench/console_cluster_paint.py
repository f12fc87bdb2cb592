"""Launch to the first painted *cluster data* (not only the first frame), against the loopback
Kubernetes double: the real ``ecoeco-console`` under a pty, on a kubernetes profile whose other sources
point nowhere (they fail fast, as on a cluster-only laptop).

Two clusters: the recorded 13-node ``healthy`` one, and a generated one with ``--pods`` pods and
``--events`` Warning events (default 5,000 and 2,000) on the same 13 nodes. The clock stops at the
first frame (the ``control-plane`` tile) and at the first node tile showing pods (``pods N/M``).

    uv run python bench/console_cluster_paint.py [--runs 3] [--pods 5000] [--events 2000]
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from console_ptyrun import REPO, spawn

sys.path.insert(0, str(REPO))
from tests.k8s_double.record import build
from tests.k8s_double.server import KubeDouble


def write_large(root: Path, pods: int, events: int) -> None:
    """The healthy cluster with its API pods cloned up to ``pods`` and ``events`` distinct warnings."""
    body = build("healthy")
    out = root / "large"
    out.mkdir(parents=True)
    items = body["pods"]["items"]
    nodes = [n["metadata"]["name"] for n in body["nodes"]["items"]]
    template = next(p for p in items if p["metadata"]["namespace"] == "ecoeco")
    for i in range(max(0, pods - len(items))):
        p = copy.deepcopy(template)
        p["metadata"]["name"] = f"load-{i:05d}"
        p["metadata"]["uid"] = f"00000000-0000-0000-0000-{i:012d}"
        p["spec"]["nodeName"] = nodes[i % len(nodes)]
        items.append(p)
    ev_template = {
        "metadata": {"name": "", "namespace": "ecoeco", "creationTimestamp": "2026-11-20T09:00:00Z"},
        "involvedObject": {"kind": "Pod", "namespace": "ecoeco", "name": ""},
        "reason": "Unhealthy", "message": "Readiness probe failed: HTTP probe failed with statuscode: 503",
        "source": {"component": "kubelet"}, "firstTimestamp": "2026-11-20T09:00:00Z",
        "lastTimestamp": "2026-11-20T09:10:00Z", "count": 3, "type": "Warning", "eventTime": None,
    }  # fmt: skip
    evs = body["events"]["items"]
    for i in range(events):
        e = copy.deepcopy(ev_template)
        e["metadata"]["name"] = f"load-{i:05d}.{i:016x}"
        e["involvedObject"]["name"] = f"load-{i % max(1, pods):05d}"
        e["lastTimestamp"] = f"2026-11-20T09:{10 + i % 40:02d}:{i % 60:02d}Z"
        evs.append(e)
    for name, doc in body.items():
        (out / f"{name}.json").write_text(json.dumps(doc), encoding="utf-8")


def profile(root: Path, kube: KubeDouble) -> Path:
    path = root / "console.toml"
    path.write_text(
        '[profiles.bench]\nenvironment = "staging"\ncluster = "kubernetes"\n'
        f'kubeconfig = "{kube.kubeconfig}"\nkube_context = "{kube.context}"\n'
        'prometheus_url = "http://127.0.0.1:9"\nrabbitmq_management_url = "http://127.0.0.1:9"\n',
        encoding="utf-8",
    )
    return path


def launch(config: Path, timeout: float) -> tuple[float, float]:
    exe = str(Path(sys.executable).with_name("ecoeco-console"))
    proc = spawn([exe, "--profile", "bench"], env={"ECOECO_CONSOLE_CONFIG": str(config)})
    try:
        frame = proc.pump(timeout, until=b"control-plane")
        data = proc.pump(timeout, until=b"pods ")
    finally:
        proc.stop()
    if frame is None or data is None:
        raise SystemExit(f"no painted cluster data within {timeout}s")
    return frame, data


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pods", type=int, default=5000)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cluster-paint-") as tmp:
        root = Path(tmp)
        started = time.monotonic()
        write_large(root / "data", args.pods, args.events)
        print(f"generated {args.pods} pods, {args.events} events in {time.monotonic() - started:.1f}s")
        for label, kube in (
            ("13 nodes (recorded healthy)", KubeDouble("healthy")),
            (f"13 nodes, {args.pods} pods, {args.events} events", KubeDouble("large", data=root / "data")),
        ):
            with kube:
                config = profile(root, kube)
                runs = [launch(config, args.timeout) for _ in range(args.runs)]
            frames, data = [r[0] for r in runs], [r[1] for r in runs]
            print(f"{label}: first frame {statistics.median(frames):.2f}s, first cluster data "
                  f"{statistics.median(data):.2f}s (median of {args.runs}; data min {min(data):.2f}s, max {max(data):.2f}s)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
