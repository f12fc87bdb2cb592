"""Who is the client? The address per-client limits key on."""

from __future__ import annotations

import ipaddress

from fastapi import Request


def client_address(request: Request, trusted_proxy_hops: int) -> str:
    """The client's address: the TCP peer, or behind ``trusted_proxy_hops`` proxies the address the
    outermost trusted proxy saw (each proxy appends its peer to X-Forwarded-For; anything to the left
    of that entry is whatever the client chose to send, so it is never used).

    IPv6 addresses are reduced to their /64: one subscriber usually holds a whole /64, so a limit per
    single IPv6 address would be no limit at all."""
    address = request.client.host if request.client else ""
    if trusted_proxy_hops > 0:
        forwarded = [
            part.strip()
            for header in request.headers.getlist("x-forwarded-for")
            for part in header.split(",")
            if part.strip()
        ]
        if forwarded:
            address = forwarded[-min(trusted_proxy_hops, len(forwarded))]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64] or "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)
