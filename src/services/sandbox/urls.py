"""Small URL helpers: masking passwords for output, pointing a server URL at a database / vhost."""

from __future__ import annotations

from urllib.parse import quote, urlsplit, urlunsplit


def mask_password(url: str) -> str:
    """``amqp://guest:guest@h/v`` -> ``amqp://guest:***@h/v``; URLs without a password are unchanged."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def with_path(url: str, path: str) -> str:
    """Replace the path of ``url`` by ``/path`` (a database name or a vhost, percent-encoded)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + quote(path, safe=""), query="", fragment=""))


def host_port(url: str, default_port: int) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or default_port
