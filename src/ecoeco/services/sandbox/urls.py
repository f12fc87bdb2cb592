"""Pointing a server URL at a database or a vhost."""

from __future__ import annotations

from urllib.parse import quote, urlsplit, urlunsplit


def with_path(url: str, path: str) -> str:
    """Replace the path of ``url`` by ``/path`` (a database name or a vhost, percent-encoded)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + quote(path, safe=""), query="", fragment=""))
