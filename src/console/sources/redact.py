"""Masking secrets before anything is shown, logged or stored in a snapshot."""

from __future__ import annotations

import re

# scheme://user:password@host -> scheme://user:***@host
_URL_PASSWORD = re.compile(r"(?P<prefix>[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*:)(?P<pw>[^@\s/]+)@")
_KEY_VALUE = re.compile(
    r"(?i)(?P<key>password|passwd|secret|token|authorization|api[_-]?key)(?P<sep>['\"]?\s*[=:]\s*['\"]?)"
    r"(?P<val>(?:bearer\s+)?[^\s'\",}]+)"
)


def mask_url(url: str) -> str:
    """The URL with any password replaced by ``***``."""
    return _URL_PASSWORD.sub(r"\g<prefix>***@", url)


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """``text`` with URL passwords, ``password=...``-style values and the given literal secrets masked."""
    text = mask_url(text)
    text = _KEY_VALUE.sub(lambda m: f"{m['key']}{m['sep']}***", text)
    for secret in secrets:
        if secret and len(secret) >= 3:
            text = text.replace(secret, "***")
    return text


def short_error(exc: BaseException, secrets: tuple[str, ...] = (), limit: int = 200) -> str:
    """One line, secrets masked, bounded length: what a status cell can show."""
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__
    if isinstance(exc, SourceErrorLike):
        text = msg or text
    text = redact(text, secrets)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class SourceErrorLike(Exception):
    """Base of errors whose message is already written for an operator (no type name prefix)."""
