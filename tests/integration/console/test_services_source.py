"""services source: /health and /ready of a real ASGI app over HTTP, and a closed port."""

from __future__ import annotations

import pytest
from tests.integration.console.conftest import closed_port_url

from ecoeco.console.snapshot import Snapshot
from ecoeco.console.sources.base import SourceError
from ecoeco.console.sources.services import ServicesSource

pytestmark = pytest.mark.integration


def test_ready_detail_and_a_closed_port_are_shown_per_service(tiny_service: str) -> None:
    closed = closed_port_url()
    source = ServicesSource({"waste": tiny_service, "auth": f"{tiny_service}/ok", "location": closed})
    snap = Snapshot()
    source.apply(snap, source.poll())
    services = {s.name: s for s in snap.services}
    waste = services["waste"]
    assert waste.live is True and waste.ready is False and waste.status_code == 503
    assert waste.dependencies["postgres"].ok and not waste.dependencies["redis"].ok
    assert "redis: ConnectionError: connection refused" in waste.error
    auth = services["auth"]
    assert auth.live and auth.ready and auth.error is None and auth.latency_ms is not None
    location = services["location"]
    assert location.live is False and location.ready is None and location.error == "connection refused"
    assert location.url == closed


def test_no_service_answering_is_a_source_error() -> None:
    source = ServicesSource({"auth": closed_port_url(), "waste": closed_port_url()})
    with pytest.raises(SourceError, match="no service answers .*connection refused"):
        source.poll()


def test_credentials_in_a_service_url_are_masked(tiny_service: str) -> None:
    url = tiny_service.replace("http://", "http://ops:hunter2@")
    health = ServicesSource({"waste": url}).poll()[0]
    assert "hunter2" not in health.model_dump_json()
