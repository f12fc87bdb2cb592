"""Queues: the RabbitMQ management API for each NAMED queue (never the whole list: with hundreds of
queues the list costs ~100x more), falling back to a pika passive declare when the API is unreachable."""

from __future__ import annotations

from urllib.parse import quote

import httpx

from ecoeco.console.errors import short_error
from ecoeco.console.snapshot import QueueInfo, Snapshot
from ecoeco.console.sources.base import DEFAULT_TIMEOUT_S, SourceError
from ecoeco.console.sources.history import History
from ecoeco.shared.redact import mask_url


def _rate(stats: dict, key: str) -> float | None:
    details = stats.get(f"{key}_details")
    return float(details["rate"]) if isinstance(details, dict) and "rate" in details else None


def queue_from_management(name: str, vhost: str, body: dict) -> QueueInfo:
    stats = body.get("message_stats") or {}
    return QueueInfo(
        name=name,
        vhost=vhost,
        exists=True,
        ready=body.get("messages_ready"),
        unacked=body.get("messages_unacknowledged"),
        consumers=body.get("consumers"),
        publish_rate=_rate(stats, "publish"),
        deliver_rate=_rate(stats, "deliver_get"),
        ack_rate=_rate(stats, "ack"),
        via="management",
    )


class QueuesSource:
    name = "queues"

    def __init__(
        self,
        management_url: str | None,
        user: str,
        password: str,
        vhost: str,
        queues: list[str],
        broker_url: str | None = None,
        interval_s: float = 2.0,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        self.management_url = management_url.rstrip("/") if management_url else None
        self.auth = (user, password)
        self.vhost = vhost
        self.queues = list(queues)
        self.broker_url = broker_url
        self.interval_s = interval_s
        self.timeout_s = timeout_s
        self._secrets = tuple(s for s in (password, broker_url) if s)
        self._depth = History()
        self._http: httpx.Client | None = None

    def _client(self) -> httpx.Client:
        if self._http is None:
            # Connect timeout kept short so a dead API falls back to AMQP well within timeout_s.
            self._http = httpx.Client(
                auth=self.auth,
                timeout=httpx.Timeout(self.timeout_s / 2, connect=min(1.0, self.timeout_s / 4)),
            )
        return self._http

    def poll_management(self) -> list[QueueInfo]:
        assert self.management_url
        client = self._client()
        vhost = quote(self.vhost, safe="")
        out: list[QueueInfo] = []
        for name in self.queues:
            r = client.get(f"{self.management_url}/api/queues/{vhost}/{quote(name, safe='')}")
            if r.status_code == 404:
                out.append(QueueInfo(name=name, vhost=self.vhost, exists=False, via="management"))
                continue
            if r.status_code in (401, 403):
                raise SourceError(f"RabbitMQ management API: {r.status_code} (check rabbitmq_user/password)")
            r.raise_for_status()
            out.append(queue_from_management(name, self.vhost, r.json()))
        # Every queue missing usually means the vhost is: say that instead of three "missing".
        all_missing = bool(out) and not any(q.exists for q in out)
        if all_missing and client.get(f"{self.management_url}/api/vhosts/{vhost}").status_code == 404:
            raise SourceError(f"RabbitMQ vhost {self.vhost!r} does not exist")
        return out

    def poll_amqp(self) -> list[QueueInfo]:
        if not self.broker_url:
            raise SourceError("no broker_url to fall back to")
        import pika
        import pika.exceptions

        params = pika.URLParameters(self.broker_url)
        params.socket_timeout = self.timeout_s / 2
        params.blocked_connection_timeout = self.timeout_s / 2
        params.connection_attempts = 1
        out: list[QueueInfo] = []
        conn = pika.BlockingConnection(params)
        try:
            channel = conn.channel()
            for name in self.queues:
                try:
                    ok = channel.queue_declare(queue=name, passive=True)
                except pika.exceptions.ChannelClosedByBroker as exc:
                    if exc.reply_code != 404:
                        raise
                    out.append(QueueInfo(name=name, vhost=self.vhost, exists=False, via="amqp"))
                    channel = conn.channel()  # a failed passive declare closes the channel
                    continue
                out.append(
                    QueueInfo(
                        name=name,
                        vhost=self.vhost,
                        ready=ok.method.message_count,
                        consumers=ok.method.consumer_count,
                        via="amqp",
                    )
                )
        finally:
            if conn.is_open:
                conn.close()
        return out

    def poll(self) -> list[QueueInfo]:
        mgmt_error: str | None = None
        if self.management_url:
            try:
                return self.poll_management()
            except SourceError:
                raise
            except (httpx.HTTPError, ValueError) as exc:
                mgmt_error = short_error(exc, self._secrets)
        try:
            return self.poll_amqp()
        except Exception as exc:
            amqp_error = short_error(exc, self._secrets)
            where = mask_url(self.management_url or "not configured")
            raise SourceError(f"management API ({where}): {mgmt_error}; AMQP fallback: {amqp_error}") from exc

    def apply(self, snapshot: Snapshot, data: object) -> None:
        assert isinstance(data, list)
        queues: list[QueueInfo] = []
        for q in data:
            depth = None if q.ready is None else q.ready + (q.unacked or 0)
            queues.append(q.model_copy(update={"depth_history": self._depth.add(q.name, depth)}))
        snapshot.queues = queues
