"""queues source against the real RabbitMQ: management API per named queue, pika fallback."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pika
import pytest
from tests.conftest import RABBIT_MGMT, create_vhost, delete_vhost, free_port
from tests.integration.console.conftest import closed_port_url

from ecoeco.console.sources.base import SourceError
from ecoeco.console.sources.queues import QueuesSource

pytestmark = pytest.mark.integration
QUEUES = ["q.storage", "q.ai", "q.dlq"]


@pytest.fixture(scope="module")
def vhost() -> Iterator[str]:
    """A fresh vhost with q.storage (one consumer, empty) and q.ai (3 ready, no consumer); no q.dlq."""
    name = create_vhost("ecoeco-console")
    url = f"amqp://guest:guest@127.0.0.1:5672/{name}"
    publisher = pika.BlockingConnection(pika.URLParameters(url))
    consumer = pika.BlockingConnection(pika.URLParameters(url))
    try:
        ch = publisher.channel()
        for q in ("q.storage", "q.ai"):
            ch.queue_declare(q, durable=True)
        ch.confirm_delivery()
        for i in range(3):
            ch.basic_publish("", "q.ai", f"job-{i}".encode(), pika.BasicProperties(delivery_mode=2))
        cch = consumer.channel()
        cch.basic_consume("q.storage", lambda *a: None)
        yield name
    finally:
        consumer.close()
        publisher.close()
        delete_vhost(name)


def _source(vhost: str, mgmt: str | None, broker: str | None = None, password: str = "guest") -> QueuesSource:
    return QueuesSource(
        mgmt,
        "guest",
        password,
        vhost,
        QUEUES,
        broker_url=broker or f"amqp://guest:guest@127.0.0.1:5672/{vhost}",
    )


def test_management_api_reports_each_named_queue(vhost: str) -> None:
    source = _source(vhost, RABBIT_MGMT)
    deadline = time.monotonic() + 20  # the management API aggregates stats every few seconds
    while True:
        queues = {q.name: q for q in source.poll()}
        if (queues["q.ai"].ready, queues["q.storage"].consumers) == (3, 1) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert [q.via for q in queues.values()] == ["management"] * 3
    assert queues["q.ai"].ready == 3 and queues["q.ai"].consumers == 0 and queues["q.ai"].unacked == 0
    assert queues["q.storage"].consumers == 1
    assert queues["q.dlq"].exists is False


def test_falls_back_to_amqp_when_the_management_api_is_down(vhost: str) -> None:
    queues = {q.name: q for q in _source(vhost, closed_port_url()).poll()}
    assert [q.via for q in queues.values()] == ["amqp"] * 3
    assert queues["q.ai"].ready == 3 and queues["q.ai"].consumers == 0
    assert queues["q.storage"].consumers == 1
    assert queues["q.dlq"].exists is False


def test_both_paths_down_names_both_and_hides_the_password(vhost: str) -> None:
    source = _source(vhost, closed_port_url(), broker=f"amqp://guest:pw-XYZ-123@127.0.0.1:{free_port()}/x")
    with pytest.raises(SourceError) as err:
        source.poll()
    text = str(err.value)
    assert "management API" in text and "AMQP fallback" in text
    assert "pw-XYZ-123" not in text


def test_wrong_credentials_are_reported_as_such(vhost: str) -> None:
    with pytest.raises(SourceError, match="401"):
        _source(vhost, RABBIT_MGMT, password="wrong").poll()


def test_depth_history_grows_per_poll(vhost: str) -> None:
    from ecoeco.console.snapshot import Snapshot

    source, snap = _source(vhost, closed_port_url()), Snapshot()
    for _ in range(3):
        source.apply(snap, source.poll())
    ai = next(q for q in snap.queues if q.name == "q.ai")
    assert ai.depth_history == [3.0, 3.0, 3.0]


def test_a_missing_vhost_is_named() -> None:
    source = QueuesSource(RABBIT_MGMT, "guest", "guest", "ecoeco-console-no-such-vhost", QUEUES)
    with pytest.raises(SourceError, match="vhost 'ecoeco-console-no-such-vhost' does not exist"):
        source.poll()
