"""The published OpenAPI says what the handlers do: errors are application/problem+json."""

from __future__ import annotations

import importlib

import pytest

from ecoeco.services.common.settings import Settings


@pytest.mark.parametrize("package", ["auth", "userinfo", "waste"])
def test_every_documented_error_is_problem_json(package: str) -> None:
    app = importlib.import_module(f"ecoeco.services.{package}.app").create_app(Settings())
    schema = app.openapi()
    assert "Problem" in schema["components"]["schemas"]
    errors = 0
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                if not status.startswith(("4", "5")):
                    continue
                errors += 1
                expected = "application/json" if path == "/ready" else "application/problem+json"
                assert list(response["content"]) == [expected], (method, path, status)
    assert errors > 3
    assert "HTTPValidationError" not in schema["components"]["schemas"]
