"""Errors as an operator reads them: one line, secrets masked, bounded length."""

from __future__ import annotations

from ecoeco.shared.redact import redact


class OperatorError(Exception):
    """Base of errors whose message is already written for an operator (shown without a type name)."""


def short_error(exc: BaseException, secrets: tuple[str, ...] = (), limit: int = 200) -> str:
    """One line, secrets masked, bounded length: what a status cell can show."""
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__
    if isinstance(exc, OperatorError):
        text = msg or text
    text = redact(text, secrets)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class NotConfigured(OperatorError):
    """The profile lacks a setting an operation needs (``op`` exits 2: configuration, not a failure)."""
