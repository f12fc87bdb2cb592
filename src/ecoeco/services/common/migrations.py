"""SQL migrations: ``<package>/migrations/NNN_name.sql`` applied in order into one schema.

Each file runs in its own transaction and is recorded in ``<schema>.schema_migrations``; a
PostgreSQL advisory lock (keyed by schema) makes concurrent replicas apply them once.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from importlib import resources

import psycopg
from psycopg import sql

log = logging.getLogger("ecoeco.migrations")

FILENAME = re.compile(r"^(?P<version>\d{3,})_(?P<name>[a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


class MigrationError(RuntimeError):
    pass


def load_migrations(package: str) -> list[Migration]:
    """Migrations shipped in ``<package>/migrations``, sorted by version (duplicates are an error)."""
    root = resources.files(package).joinpath("migrations")
    if not root.is_dir():
        return []
    found: dict[int, Migration] = {}
    for entry in root.iterdir():
        match = FILENAME.match(entry.name)
        if not match:
            continue
        version = int(match["version"])
        if version in found:
            raise MigrationError(f"{package}: two migrations numbered {version:03d}")
        found[version] = Migration(version, match["name"], entry.read_text(encoding="utf-8"))
    return [found[v] for v in sorted(found)]


def apply_migrations(database_url: str, schema: str, package: str) -> list[str]:
    """Apply pending migrations; returns the names applied by this call."""
    migrations = load_migrations(package)
    applied_now: list[str] = []
    ident = sql.Identifier(schema)
    with psycopg.connect(database_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (f"ecoeco-migrations:{schema}",))
        try:
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(ident))
            conn.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {}.schema_migrations ("
                    " version integer PRIMARY KEY, name text NOT NULL,"
                    " applied_at timestamptz NOT NULL DEFAULT now())"
                ).format(ident)
            )
            rows = conn.execute(sql.SQL("SELECT version FROM {}.schema_migrations").format(ident)).fetchall()
            done = {r[0] for r in rows}
            for mig in migrations:
                if mig.version in done:
                    continue
                with conn.transaction():
                    conn.execute(sql.SQL("SET LOCAL search_path TO {}, public").format(ident))
                    conn.execute(mig.sql.encode("utf-8"))
                    conn.execute(
                        sql.SQL("INSERT INTO {}.schema_migrations (version, name) VALUES (%s, %s)").format(
                            ident
                        ),
                        (mig.version, mig.name),
                    )
                applied_now.append(f"{mig.version:03d}_{mig.name}")
                log.info("migration applied", extra={"schema": schema, "migration": applied_now[-1]})
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (f"ecoeco-migrations:{schema}",))
    return applied_now
