"""problem+json (RFC 9457) errors: one exception type and the handlers that render every error."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"

log = logging.getLogger("ecoeco.errors")


class ProblemError(Exception):
    """Raise anywhere in a request to answer with ``application/problem+json``."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        type_: str = "about:blank",
        *,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {title}: {detail}" if detail else f"{status} {title}")
        self.status = status
        self.title = title
        self.detail = detail
        self.type_ = type_
        self.extra = extra or {}
        self.headers = headers


def problem_response(
    request: Request | None,
    status: int,
    title: str,
    detail: str | None = None,
    type_: str = "about:blank",
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": type_,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path if request is not None else None,
    }
    if extra:
        body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _title_for(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _jsonable_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    # Validation errors may carry the offending input (bytes, exceptions): keep location, message, type.
    return [
        {"loc": list(err.get("loc", ())), "msg": str(err.get("msg", "")), "type": str(err.get("type", ""))}
        for err in exc.errors()
    ]


def install_error_handlers(app: FastAPI) -> None:
    async def on_problem(request: Request, exc: ProblemError) -> JSONResponse:
        return problem_response(request, exc.status, exc.title, exc.detail, exc.type_, exc.extra, exc.headers)

    async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else None
        title = _title_for(exc.status_code)
        return problem_response(
            request, exc.status_code, title, detail, headers=getattr(exc, "headers", None)
        )

    async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(
            request,
            422,
            "Unprocessable Content",
            "The request does not match the expected shape.",
            extra={"errors": _jsonable_errors(exc)},
        )

    async def on_dependency_down(request: Request, exc: Exception) -> JSONResponse:
        # A dependency failing mid-request (Redis or PostgreSQL gone) is a 503, not a bug.
        log.warning("dependency error: %s", type(exc).__name__, extra={"path": request.url.path})
        return problem_response(
            request,
            503,
            "Service Unavailable",
            "A backing service is unavailable; retry later.",
            headers={"Retry-After": retry_after(request, _dependency_of(exc))},
        )

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        # The traceback goes to the log; the client learns nothing about internals.
        log.exception("unhandled error", extra={"path": request.url.path})
        return problem_response(request, 500, "Internal Server Error", "An unexpected error occurred.")

    app.add_exception_handler(ProblemError, on_problem)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, on_http)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, on_validation)  # type: ignore[arg-type]
    for exc_type in _dependency_errors():
        app.add_exception_handler(exc_type, on_dependency_down)
    app.add_exception_handler(Exception, on_unexpected)


def retry_after(request: Request, dependency: str) -> str:
    """``Retry-After`` for a 503 caused by ``dependency``: when its breaker lets requests through
    again, at least 1 s."""
    breaker = getattr(request.app.state, "breakers", {}).get(dependency)
    seconds = breaker.retry_after_s() if breaker is not None else None
    return str(seconds or 1)


def _dependency_of(exc: Exception) -> str:
    import redis.exceptions

    return "redis" if isinstance(exc, redis.exceptions.RedisError) else "postgres"


def _dependency_errors() -> tuple[type[Exception], ...]:
    import psycopg
    import psycopg_pool
    import redis.exceptions

    return (
        redis.exceptions.ConnectionError,
        redis.exceptions.TimeoutError,
        # Production Redis runs with noeviction: when full, writes fail instead of keys vanishing.
        redis.exceptions.OutOfMemoryError,
        psycopg.OperationalError,
        psycopg_pool.PoolTimeout,
    )
