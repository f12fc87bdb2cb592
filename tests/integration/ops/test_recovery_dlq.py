"""recovery.dlq_requeue against the real RabbitMQ, a fresh vhost per test: dead letters go back to the
queue they came from, one by one with publisher confirms; stopped half way (cancel) or refused by the
broker (unroutable), nothing is lost and nothing is duplicated."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pika
import pytest
from kombu import Connection
from tests.conftest import RABBIT_HOST, create_vhost, delete_vhost
from tests.integration.ops.conftest import Recorder, audit_records

from ecoeco.console.ops import ItemStatus, OperationRunner
from ecoeco.console.ops.recovery import DlqRequeue, origin_queue
from ecoeco.services.common.messaging import declare_topology
from ecoeco.shared.names import DEAD_LETTER_EXCHANGE, EXCHANGE, Q_AI, Q_DLQ, Q_STORAGE, ROUTING_KEYS

pytestmark = pytest.mark.integration
WAIT = 60.0


@pytest.fixture
def broker() -> Iterator[str]:
    vhost = create_vhost("ecoeco-ops-dlq")
    url = f"amqp://guest:guest@{RABBIT_HOST}/{vhost}"
    with Connection(url) as conn:
        declare_topology(conn.default_channel)  # the platform's own topology, as the workers declare it
    try:
        yield url
    finally:
        delete_vhost(vhost)


def channel(url: str) -> Any:
    return pika.BlockingConnection(pika.URLParameters(url)).channel()


def dead_letter_by_reject(url: str, n: int) -> list[str]:
    """n messages rejected from q.storage: RabbitMQ dead-letters them to q.dlq with x-death."""
    ch = channel(url)
    ids = [f"storage-{uuid.uuid4().hex[:8]}" for _ in range(n)]
    for mid in ids:
        ch.basic_publish(EXCHANGE, ROUTING_KEYS[Q_STORAGE], json.dumps({"id": mid}).encode(),
                         pika.BasicProperties(headers={"id": mid}, delivery_mode=2))  # fmt: skip
    for _ in ids:
        method, _, _ = ch.basic_get(Q_STORAGE)
        ch.basic_reject(method.delivery_tag, requeue=False)
    ch.connection.close()
    return ids


def dead_letter_by_worker(url: str, n: int, worker: str | None = "ai") -> list[str]:
    """n messages published to q.dlq the way a worker does when the journal says: no attempts left."""
    ch = channel(url)
    ids = [f"{worker or 'unknown'}-{uuid.uuid4().hex[:8]}" for _ in range(n)]
    for mid in ids:
        headers: dict[str, Any] = {"id": mid, "x-ecoeco-dead-reason": "attempts exhausted"}
        if worker:
            headers["x-ecoeco-dead-worker"] = worker
        ch.basic_publish(DEAD_LETTER_EXCHANGE, ROUTING_KEYS[Q_DLQ], json.dumps({"id": mid}).encode(),
                         pika.BasicProperties(headers=headers, delivery_mode=2))  # fmt: skip
    ch.connection.close()
    return ids


def drain(url: str, queue: str) -> list[dict[str, Any]]:
    ch = channel(url)
    out = []
    while True:
        method, props, body = ch.basic_get(queue, auto_ack=True)
        if method is None:
            break
        out.append({"id": json.loads(body)["id"], "headers": dict(props.headers or {})})
    ch.connection.close()
    return out


@pytest.fixture
def runner(make_runner: Callable[..., OperationRunner], broker: str) -> OperationRunner:
    return make_runner(broker_url=broker)


def test_origin_from_x_death_or_the_workers_header() -> None:
    assert origin_queue({"x-death": [{"queue": "q.ai", "reason": "rejected"}]}) == Q_AI
    assert origin_queue({"x-ecoeco-dead-worker": "storage"}) == Q_STORAGE
    assert origin_queue({"x-death": [{"queue": "q.other"}]}) is None
    assert origin_queue(None) is None


def test_dead_letters_go_back_to_their_origin_once_each(
    runner: OperationRunner, broker: str, recorder: Recorder, state: Any
) -> None:
    storage = dead_letter_by_reject(broker, 5)
    ai = dead_letter_by_worker(broker, 4, "ai")
    unknown = dead_letter_by_worker(broker, 2, None)

    plan = runner.plan(DlqRequeue(), {})
    assert plan.summary[0].startswith("11 message(s) in q.dlq; move 11 back")
    outcome = runner.run(plan, timeout=WAIT)

    assert outcome.result == "succeeded", outcome.message
    assert outcome.data["moved"] == {Q_STORAGE: 5, Q_AI: 4}
    assert outcome.data["left_unknown_origin"] == 2
    back_storage, back_ai, left = drain(broker, Q_STORAGE), drain(broker, Q_AI), drain(broker, Q_DLQ)
    assert sorted(m["id"] for m in back_storage) == sorted(storage)
    assert sorted(m["id"] for m in back_ai) == sorted(ai)
    assert sorted(m["id"] for m in left) == sorted(unknown)
    # The dead-letter headers travel along: they tell the worker to revive the journal's dead row.
    assert all(m["headers"].get("x-death") for m in back_storage)
    assert all(m["headers"].get("x-ecoeco-dead-reason") for m in back_ai)
    skipped = [e.item for e in recorder.of(ItemStatus) if e.state == "skipped"]
    assert sorted(skipped) == sorted(unknown)
    end = audit_records(state)[-1]
    assert end["result"] == "succeeded" and end["data"]["total"] == 9


def test_a_limit_moves_only_that_many(runner: OperationRunner, broker: str) -> None:
    ids = dead_letter_by_worker(broker, 6, "ai")
    outcome = runner.run(runner.plan(DlqRequeue(), {"limit": 4}), timeout=WAIT)
    assert outcome.data["total"] == 4
    back, left = drain(broker, Q_AI), drain(broker, Q_DLQ)
    assert len(back) == 4 and len(left) == 2
    assert sorted(m["id"] for m in back + left) == sorted(ids)


def test_cancelled_half_way_loses_and_duplicates_nothing(
    runner: OperationRunner, broker: str, recorder: Recorder
) -> None:
    ids = dead_letter_by_reject(broker, 20) + dead_letter_by_worker(broker, 20, "ai")

    def cancel_after_ten(handle: Any, event: Any) -> None:
        done = sum(1 for e in recorder.of(ItemStatus) if e.state == "ok")
        if isinstance(event, ItemStatus) and event.state == "ok" and done == 10:
            handle.cancel("operator pressed cancel")

    recorder.hooks.append(cancel_after_ten)
    outcome = runner.run(runner.plan(DlqRequeue(), {}), timeout=WAIT)

    assert outcome.result == "cancelled", outcome.message
    moved = outcome.data["total"]
    assert 10 <= moved < 40
    everywhere = [m["id"] for q in (Q_STORAGE, Q_AI, Q_DLQ) for m in drain(broker, q)]
    assert sorted(everywhere) == sorted(ids)  # each exactly once: none lost, none twice
    assert len(everywhere) - moved == 40 - moved


def test_a_message_the_broker_cannot_route_stays_in_the_dlq(runner: OperationRunner, broker: str) -> None:
    ids = dead_letter_by_worker(broker, 3, "ai")
    ch = channel(broker)
    ch.queue_unbind(Q_AI, EXCHANGE, routing_key=ROUTING_KEYS[Q_AI])  # q.ai unreachable from the exchange
    ch.connection.close()

    outcome = runner.run(runner.plan(DlqRequeue(), {}), timeout=WAIT)

    assert outcome.result == "failed"
    assert "did not take it for q.ai (UnroutableError); it stays in q.dlq" in outcome.message
    assert sorted(m["id"] for m in drain(broker, Q_DLQ)) == sorted(ids)
    assert drain(broker, Q_AI) == []


def test_an_empty_dlq_is_nothing_to_do(runner: OperationRunner) -> None:
    plan = runner.plan(DlqRequeue(), {})
    assert not plan.changes and plan.summary[0].startswith("0 message(s)")
