"""The client address per-client limits key on (``common.clients.client_address``), and when the
per-address caps apply."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from ecoeco.services.common.clients import client_address


def request(peer: str, *forwarded: str) -> Request:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    return Request({"type": "http", "client": (peer, 50000), "headers": headers})


@pytest.mark.parametrize(
    ("peer", "forwarded", "hops", "expected"),
    [
        ("10.0.0.5", (), 0, "10.0.0.5"),
        # Not behind a trusted proxy: a client-sent header is ignored.
        ("10.0.0.5", ("203.0.113.9",), 0, "10.0.0.5"),
        # Behind the ALB: the entry it appended (the last) is the client; earlier ones are the client's.
        ("10.0.0.5", ("1.2.3.4, 203.0.113.9",), 1, "203.0.113.9"),
        ("10.0.0.5", ("1.2.3.4", "203.0.113.9"), 1, "203.0.113.9"),
        ("10.0.0.5", ("1.2.3.4, 203.0.113.9, 10.0.0.7",), 2, "203.0.113.9"),
        # IPv6: one subscriber holds a /64.
        ("10.0.0.5", ("2001:db8:1:2:aaaa::1",), 1, "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.1", (), 0, "192.0.2.1"),
        ("10.0.0.5", ("not an address",), 1, "not an address"),
    ],
)
def test_client_address(peer: str, forwarded: tuple[str, ...], hops: int, expected: str) -> None:
    assert client_address(request(peer, *forwarded), hops) == expected


@pytest.mark.parametrize(
    ("environment", "configured", "expected"),
    [("prod", None, 30), ("staging", 5, 5), ("sandbox", None, None), ("test", 7, 7)],
)
def test_per_address_caps_default_on_in_production_off_in_the_sandbox(
    environment: str, configured: int | None, expected: int | None
) -> None:
    from ecoeco.services.auth.throttle import DEFAULT_REGISTRATIONS_PER_CLIENT, _per_client_cap
    from ecoeco.services.common.settings import Settings

    settings = Settings(environment=environment, registrations_per_client=configured)
    assert _per_client_cap(settings, configured, DEFAULT_REGISTRATIONS_PER_CLIENT) == expected
