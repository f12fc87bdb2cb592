from __future__ import annotations

from ecoeco.console.errors import short_error
from ecoeco.shared.redact import mask_url, redact


def test_url_passwords_are_masked() -> None:
    assert mask_url("amqp://guest:hunter2@127.0.0.1:5672/ecoeco") == "amqp://guest:***@127.0.0.1:5672/ecoeco"
    assert mask_url("http://127.0.0.1:15672") == "http://127.0.0.1:15672"


def test_key_values_and_literal_secrets_are_masked() -> None:
    text = redact("login failed: password=hunter2 token: abc.def for s3cr3tvalue", ("s3cr3tvalue",))
    assert "hunter2" not in text and "abc.def" not in text and "s3cr3tvalue" not in text


def test_short_error_is_one_bounded_line() -> None:
    err = ConnectionError("cannot reach amqp://u:pw123@h/v\nsecond line")
    text = short_error(err, limit=40)
    assert "\n" not in text and "pw123" not in text and len(text) <= 40
