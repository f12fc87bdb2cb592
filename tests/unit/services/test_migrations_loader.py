"""Migration files are found in order, and a numbering mistake is refused before touching a database."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ecoeco.services.common.migrations import MigrationError, load_migrations


def make_package(root: Path, name: str, files: dict[str, str]) -> str:
    pkg = root / name
    (pkg / "migrations").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    for filename, body in files.items():
        (pkg / "migrations" / filename).write_text(body)
    return name


@pytest.fixture
def tmp_import_path(tmp_path: Path):
    sys.path.insert(0, str(tmp_path))
    yield tmp_path
    sys.path.remove(str(tmp_path))


def test_migrations_sorted_by_number_and_other_files_ignored(tmp_import_path: Path) -> None:
    name = make_package(
        tmp_import_path,
        "mig_ok",
        {"010_later.sql": "SELECT 2", "002_first.sql": "SELECT 1", "README.md": "x", "3_bad_name.sql": "x"},
    )
    migrations = load_migrations(name)
    assert [(m.version, m.name) for m in migrations] == [(2, "first"), (10, "later")]


def test_duplicate_numbers_are_an_error(tmp_import_path: Path) -> None:
    name = make_package(tmp_import_path, "mig_dup", {"001_a.sql": "SELECT 1", "001_b.sql": "SELECT 1"})
    with pytest.raises(MigrationError, match="two migrations numbered 001"):
        load_migrations(name)


def test_every_service_ships_its_migrations() -> None:
    for package in ("ecoeco.services.auth", "ecoeco.services.userinfo", "ecoeco.services.waste"):
        assert load_migrations(package), package
