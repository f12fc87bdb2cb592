"""docs/snapshot.md is generated from ``Snapshot.model_json_schema()``; this test fails when it is stale.

Regenerate: ``uv run python tests/unit/console/test_snapshot_doc.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

from ecoeco.console.snapshot import SCHEMA_VERSION, Snapshot

DOC = Path(__file__).resolve().parents[3] / "docs" / "snapshot.md"

INTRO = f"""# The console snapshot (schema version {SCHEMA_VERSION})

`ecoeco.console.snapshot.Snapshot` is the one data model of `ecoeco-console`: every screen renders it,
`ecoeco-console status --json` prints it, and triage reads it (also offline, from a saved file).
Each source fills its own part; `sources` says per source whether that part is fresh.

| Part | Filled by | What it holds |
|---|---|---|
| `profile`, `environment`, `read_only` | the collector | which profile and environment the data is from |
| `taken_at` | the collector | epoch seconds when this copy was taken |
| `sources` | the collector | per source: `ok`, last `error` (one line, secrets masked), `updated_at` (last good poll), `last_attempt_at`, `interval_s`, `paused`. The age of a part is `taken_at - updated_at`; a failing source keeps its last good data |
| `cluster` | `cluster` source | `kind` `kubernetes` (official client, kubeconfig context; read only) or `local` (the sandbox's processes as pods of kind `Process`); the 13 topology `nodes`: `status` from the Ready condition (`Ready`/`NotReady` = the kubelet says not ready/`Unknown` = the kubelet stopped posting status, or no data at all/`Missing` = in the topology but not in the cluster), every `conditions` entry (Ready, MemoryPressure, DiskPressure, PIDPressure, NetworkUnavailable: status, reason, message, `since` = lastTransitionTime, heartbeat), labels, taints, providerID, `drift` (labels/taints that differ from `infra/topology.yaml`, a providerID that is not `aws:///<az>/<instance-id>`), capacity/allocatable, CPU/memory % and history; `pods` per node (phase, the pod's own Ready condition, restarts, waiting reason such as `CrashLoopBackOff`, message, owner and owner kind, created/started, `deletion_timestamp` and grace period when Terminating, nominated node, and per container: image, state, reason, last termination with exit code, reason and time); `unscheduled` Pending pods no node accepted (with the scheduler's message); `workloads` (Deployments, StatefulSets, DaemonSets or sandbox processes: desired, ready, updated, available, unavailable, Progressing/Available conditions, pending pods, DaemonSet nodes without a ready pod); Warning `events` from both API shapes (core/v1 `count`/`lastTimestamp`, events.k8s.io `series`/`eventTime`), one per object and reason with the counts summed and the latest time, newest first, those older than an hour before the newest dropped (the API's TTL) |
| `queues` | `queues` source | per named queue (`q.storage`, `q.ai`, `q.dlq`): ready, unacked, consumers, publish/deliver/ack rates, depth history; `via` `management` (HTTP API) or `amqp` (pika passive declare fallback: no unacked or rates); `exists=false` when the queue is missing |
| `wal` | `wal` source | per worker journal: unsynced rows, oldest unsynced age, last successful sync, sync errors and when a sync last failed (the worker's own time, else when the console saw the counter grow: health warns only while that failure is newer than the last success, since the counter never goes down), file size, rows by state, unsynced history; `via` lists `prometheus` (worker metrics) and/or `control` (the `wal_stats` Celery command; fresher, wins) |
| `metrics` | `metrics` source | per service request rate, 5xx ratio, p95 latency and their history over `window_s` at `step_s`; `node_exporter` tells whether node-exporter answered; `targets` Prometheus' active scrape targets (job, instance, `up`/`down`, last error, last scrape; `null` when they could not be read); `node_usage` its CPU/memory per node, which the collector joins into `cluster.nodes` when it hands out a copy (node-exporter wins over the sandbox's per-process sums), so neither source writes the other's part |
| `services` | `services` source | per API: `/health` (`live`), `/ready` (`ready`, status code, latency, per-dependency `ok`/`detail`), and an `error` when it does not answer |
| `alerts` | `alerts` source | Prometheus alerts (pending and firing), severity, summary, labels, since when |
| `infra` | `infra` source (profiles with a `terraform_dir` or a local AWS endpoint; every minute) | the EC2 vCPU quota L-1216C47A (`vcpu_quota`, AWS default or applied), `vcpus_needed` by the topology's instance types, the open increase `quota_requests`; the hosts of the inventory `terraform output ansible_inventory` renders now and its `inventory_drift` from the one the last Ansible run used (`+ host`, `- host`, `~ host old -> new`); each half says why it is unknown in `quota_error`/`inventory_error`. This source never fails, so it has no exit bit |

`ecoeco-console status --json` prints this JSON either way; its exit code says which sources failed:
0 when every entry of `sources` has `ok: true`, else 1 plus one bit per failing source:

| source | bit |
|---|---|
| `cluster` | 4 |
| `queues` | 8 |
| `wal` | 16 |
| `metrics` | 32 |
| `services` | 64 |
| `alerts` | 128 |

So the code is odd exactly when a source failed (2 stays "bad configuration or usage"); Prometheus down
with everything else answering is 1+16+32+128 = 177 (`wal` stays up if the `wal_stats` control command
answers), and `$(( rc & 4 ))` tells whether the cluster answered. What needs attention is derived from
this data by `ecoeco.console.health.attention()` (the same list as the `a` key and the text `status`).

## JSON schema

Generated from `Snapshot.model_json_schema()` by `tests/unit/console/test_snapshot_doc.py`
(the test fails when this page is out of date).

"""


def render() -> str:
    schema = json.dumps(Snapshot.model_json_schema(), indent=2, sort_keys=True)
    return f"{INTRO}```json\n{schema}\n```\n"


def test_snapshot_doc_is_current() -> None:
    assert DOC.exists(), "run: uv run python tests/unit/console/test_snapshot_doc.py"
    assert DOC.read_text(encoding="utf-8") == render(), (
        "stale: uv run python tests/unit/console/test_snapshot_doc.py"
    )


def test_the_schema_validates_a_real_snapshot() -> None:
    import jsonschema

    snap = Snapshot(profile="prod", environment="prod")
    jsonschema.validate(json.loads(snap.model_dump_json()), Snapshot.model_json_schema())


if __name__ == "__main__":
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(render(), encoding="utf-8")
    print(f"wrote {DOC}")
