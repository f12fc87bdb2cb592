"""Property-based API checks with schemathesis, reusable for every service.

``fuzz_service(base_url, headers=...)`` loads the live service's ``/openapi.json``, generates
bounded positive and negative examples for every operation, sends them to the real server and
returns the failures: any 5xx, and any 4xx that is not ``application/problem+json``. A test then
asserts the list is empty, so one run reports every broken operation at once.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

PROBLEM_JSON = "application/problem+json"


@dataclass(frozen=True)
class Failure:
    operation: str
    mode: str
    status: int
    reason: str
    request: str
    body_excerpt: str

    def __str__(self) -> str:
        return f"{self.operation} [{self.mode}] -> {self.status}: {self.reason}\n  {self.request}\n  {self.body_excerpt}"


def _describe(case: Any) -> str:
    parts = [f"{case.method} {case.formatted_path}"]
    for name in ("path_parameters", "query", "body"):
        value = getattr(case, name, None)
        if value not in (None, {}):
            parts.append(f"{name}={str(value)[:200]!s}")
    return " ".join(parts)


def _header(headers: Any, name: str) -> str:
    # schemathesis responses keep every header as a list of values
    for key, value in dict(headers).items():
        if key.lower() == name:
            return value[0] if isinstance(value, list | tuple) and value else str(value)
    return ""


def _conformance(case: Any, response: Any) -> str | None:
    from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

    try:
        case.validate_response(response, checks=[response_schema_conformance, content_type_conformance])
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 -- schemathesis raises AssertionError subclasses or failure groups
        return f"not as documented: {str(exc).strip().splitlines()[0][:200]}"
    return None


def check_response(status: int, content_type: str) -> str | None:
    """Why a response is wrong (None when it is fine)."""
    if status >= 500:
        return "server error"
    if 400 <= status < 500 and not content_type.startswith(PROBLEM_JSON):
        return f"4xx with content type {content_type!r}, not {PROBLEM_JSON}"
    return None


def fuzz_service(
    base_url: str,
    *,
    headers: dict[str, str] | None = None,
    max_examples: int = 20,
    modes: tuple[GenerationMode, ...] = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
    exclude_paths: tuple[str, ...] = ("/metrics",),
    timeout_s: float = 10.0,
    conformance: bool = True,
) -> tuple[list[Failure], int]:
    """Fuzz every operation of a running service; returns (failures, requests sent).

    With ``conformance`` the body and content type of every response must also match what the
    OpenAPI document promises for that status code (schemathesis' own conformance checks)."""
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json", timeout=timeout_s)
    failures: list[Failure] = []
    sent = [0]

    def runner(operation: Any, label: str, mode: GenerationMode) -> Any:
        seen: set[tuple[int, str]] = set()

        @settings(
            max_examples=max_examples,
            deadline=None,
            database=None,
            derandomize=True,  # the same examples on every run: a failure reproduces
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case: Any) -> None:
            response = case.call(base_url=base_url, headers=dict(headers or {}), timeout=timeout_s)
            sent[0] += 1
            reason = check_response(response.status_code, _header(response.headers, "content-type"))
            if reason is None and conformance:
                reason = _conformance(case, response)
            # Record, do not raise: no shrinking, and one report lists every failing operation.
            if reason and (response.status_code, reason) not in seen:
                seen.add((response.status_code, reason))
                failures.append(
                    Failure(
                        label, mode.value, response.status_code, reason, _describe(case), response.text[:300]
                    )
                )

        return run

    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path in exclude_paths:
            continue
        for mode in modes:
            # Unsatisfiable: nothing to make invalid (no parameters, no body), so negative mode has no cases.
            with contextlib.suppress(Unsatisfiable):
                runner(operation, f"{operation.method.upper()} {operation.path}", mode)()
    return failures, sent[0]
