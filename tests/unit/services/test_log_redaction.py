"""Secrets never reach the JSON log lines."""

from __future__ import annotations

import json
import logging

from ecoeco.services.common.logging import JsonFormatter
from ecoeco.shared.redact import redact


def format_record(msg: str, *args: object, **extra: object) -> dict:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, msg, args, None)
    for key, value in extra.items():
        setattr(record, key, value)
    return json.loads(JsonFormatter("auth").format(record))


def test_url_passwords_bearer_tokens_and_presigned_signatures_are_masked() -> None:
    text = (
        "broker amqp://guest:s3cret@127.0.0.1:5672/x auth Bearer eyJhbGciOi.abc.def "
        "url http://s3/b/k?X-Amz-Credential=AKIA/x&X-Amz-Signature=deadbeef&X-Amz-Expires=300"
    )
    out = redact(text)
    for secret in ("s3cret", "eyJhbGciOi", "deadbeef", "AKIA"):
        assert secret not in out
    assert "amqp://guest:***@127.0.0.1" in out and "X-Amz-Expires=300" in out


def test_sensitive_extra_fields_are_masked_whatever_their_value() -> None:
    line = format_record(
        "login for %s",
        "a@example.com",
        password="hunter22",
        headers={"Authorization": "Basic abc"},
        user_id="u1",
    )
    assert line["password"] == "***"
    assert line["headers"] == {"Authorization": "***"}
    assert line["user_id"] == "u1"
    assert line["msg"] == "login for a@example.com" and line["service"] == "auth" and line["level"] == "info"


def test_exceptions_are_logged_redacted() -> None:
    try:
        raise RuntimeError("cannot connect to postgresql://app:pw123@db/x")
    except RuntimeError:
        import sys

        record = logging.LogRecord("t", logging.ERROR, __file__, 1, "boom", (), sys.exc_info())
    line = json.loads(JsonFormatter().format(record))
    assert "pw123" not in line["exc"] and "RuntimeError" in line["exc"]
