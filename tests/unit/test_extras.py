"""``ecoeco.shared.extras`` reads the installed metadata: in the development environment (uv sync with
the dev group, which pulls ``ecoeco[platform]``) the platform is complete. The console-only install is
checked on a real wheel in tests/integration/sandbox/test_wheel.py."""

from __future__ import annotations

from importlib import metadata

from ecoeco.shared import extras


def test_the_platform_extra_is_installed_here_and_is_what_pyproject_lists() -> None:
    assert extras.missing(extras.PLATFORM) == []
    platform = [r for r in metadata.requires(extras.DISTRIBUTION) or [] if "extra == 'platform'" in r]
    assert any(r.startswith("fastapi") for r in platform)
    assert not any(r.startswith(("textual", "kubernetes", "pika")) for r in platform)


def test_an_unknown_extra_needs_nothing() -> None:
    assert extras.missing("no-such-extra") == []
