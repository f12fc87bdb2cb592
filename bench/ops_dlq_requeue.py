"""DLQ requeue throughput: messages/s that recovery.dlq_requeue moves from q.dlq back to their
origin queue, one by one with publisher confirms, against the real RabbitMQ (a throw-away vhost).

    uv run python bench/ops_dlq_requeue.py [--messages 2000] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import pika
from kombu import Connection

from ecoeco.console.config import Profile
from ecoeco.console.ops import OperationRunner
from ecoeco.console.ops.recovery import DlqRequeue
from ecoeco.services.common.messaging import declare_topology
from ecoeco.shared.names import DEAD_LETTER_EXCHANGE, Q_DLQ, ROUTING_KEYS

AUTH = ("guest", "guest")


def fill(url: str, n: int) -> None:
    conn = pika.BlockingConnection(pika.URLParameters(url))
    ch = conn.channel()
    body = b'{"job_id": "bench"}' * 10
    for i in range(n):
        headers = {"id": f"bench-{i}", "x-ecoeco-dead-worker": "storage" if i % 2 else "ai"}
        ch.basic_publish(
            DEAD_LETTER_EXCHANGE,
            ROUTING_KEYS[Q_DLQ],
            body,
            pika.BasicProperties(headers=headers, delivery_mode=2),
        )
    conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--mgmt", default="http://127.0.0.1:15672")
    parser.add_argument("--amqp", default="127.0.0.1:5672")
    args = parser.parse_args()
    rates = []
    for run in range(args.runs):
        vhost = f"ecoeco-bench-{uuid.uuid4().hex[:8]}"
        httpx.put(f"{args.mgmt}/api/vhosts/{vhost}", auth=AUTH, timeout=10).raise_for_status()
        httpx.put(
            f"{args.mgmt}/api/permissions/{vhost}/guest",
            auth=AUTH,
            json={"configure": ".*", "write": ".*", "read": ".*"},
            timeout=10,
        ).raise_for_status()
        url = f"amqp://guest:guest@{args.amqp}/{vhost}"
        try:
            with Connection(url) as conn:
                declare_topology(conn.default_channel)
            fill(url, args.messages)
            profile = Profile(name="bench", environment="sandbox", broker_url=url)
            runner = OperationRunner(profile, state_dir=Path(tempfile.mkdtemp(prefix="ecoeco-bench-")))
            plan = runner.plan(DlqRequeue(), {})
            t0 = time.perf_counter()
            outcome = runner.run(plan)
            took = time.perf_counter() - t0
            moved = outcome.data["total"]
            rates.append(moved / took)
            print(
                f"run {run + 1}: moved {moved} in {took:.2f}s = {moved / took:.0f} msg/s ({outcome.result})"
            )
        finally:
            httpx.delete(f"{args.mgmt}/api/vhosts/{vhost}", auth=AUTH, timeout=10)
    print(f"DLQ requeue, one by one with publisher confirms: median {statistics.median(rates):.0f} msg/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
