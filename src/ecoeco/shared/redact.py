"""The one secret redactor: every log line, error message, snapshot field and audit record that could
carry a credential passes through ``redact`` (or ``mask_url`` for a URL) before anyone sees it."""

from __future__ import annotations

import re

# scheme://user:password@host -> scheme://user:***@host (the user may be empty: redis://:pw@host)
_URL_PASSWORD = re.compile(r"(?P<prefix>[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*:)(?P<pw>[^@\s/]+)@")
_KEY_VALUE = re.compile(
    r"(?i)(?P<key>password|passwd|secret|token|authorization|api[_-]?key|cookie)"
    r"(?P<sep>['\"]?\s*[=:]\s*['\"]?)(?P<val>(?:bearer\s+)?[^\s'\",}&]+)"
)
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")
# Presigned URLs are bearer credentials until they expire.
_PRESIGNED = re.compile(
    r"(?i)((?:X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|Signature)=)[^&\s\"]+"
)
# Keys whose value is a secret whatever it looks like (structured log fields, settings dumps).
SENSITIVE_KEY = re.compile(r"(?i)(authorization|password|passwd|secret|token|api_?key|cookie)")


def mask_url(url: str) -> str:
    """The URL with any password replaced by ``***``."""
    return _URL_PASSWORD.sub(r"\g<prefix>***@", url)


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """``text`` with URL passwords, ``password=...``-style values, bearer tokens, presigned-URL
    signatures and the given literal secrets masked."""
    text = mask_url(text)
    text = _KEY_VALUE.sub(lambda m: f"{m['key']}{m['sep']}***", text)
    text = _PRESIGNED.sub(r"\1***", _BEARER.sub(r"\1***", text))
    for secret in secrets:
        if secret and len(secret) >= 3:
            text = text.replace(secret, "***")
    return text
