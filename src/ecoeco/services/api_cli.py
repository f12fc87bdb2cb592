"""``ecoeco-api SERVICE [--host] [--port]`` runs one API service; ``ecoeco-api migrate [SERVICE|all]``
applies migrations without serving."""

from __future__ import annotations

import argparse
import importlib
import sys

from fastapi import FastAPI

from ecoeco.services.common.logging import configure_logging
from ecoeco.services.common.settings import InsecureSettingsError, Settings, get_settings
from ecoeco.shared.names import API_SERVICES

# service name (metrics label, CLI argument) -> package under ecoeco.services
SERVICES: dict[str, str] = {name: name.replace("-", "_") for name in API_SERVICES}


def load_app(name: str, settings: Settings) -> FastAPI:
    module = importlib.import_module(f"ecoeco.services.{SERVICES[name]}.app")
    return module.create_app(settings)


def migrate(names: list[str]) -> int:
    from ecoeco.services.common.migrations import apply_migrations

    settings = get_settings()
    for name in names:
        # The app factory knows its schema and migrations package; building it opens no connection.
        app = load_app(name, settings)
        schema, package = app.state.schema, app.state.migrations_package
        if not schema or not package:
            print(f"{name}: no migrations")
            continue
        applied = apply_migrations(settings.database_url, schema, package)
        print(f"{name}: applied {', '.join(applied) if applied else 'nothing (up to date)'}")
    return 0


def serve(name: str, host: str, port: int) -> int:
    import uvicorn

    settings = get_settings()
    configure_logging(name, settings.log_level)
    app = load_app(name, settings)
    # log_config=None keeps our JSON logging; access_log off: our middleware logs route templates only.
    uvicorn.run(app, host=host, port=port, log_config=None, access_log=False, proxy_headers=False)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ecoeco-api", description="Run or migrate one Eco² API service.")
    parser.add_argument("service", choices=[*SERVICES, "migrate"], help="service to run, or 'migrate'")
    parser.add_argument("target", nargs="?", help="with migrate: a service name or 'all' (default)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    try:
        return _run(parser, args)
    except InsecureSettingsError as exc:
        # One line naming the settings (never their values); exit 2 like any configuration error.
        print(f"ecoeco-api {args.service}: {exc}", file=sys.stderr)
        return 2


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.service == "migrate":
        target = args.target or "all"
        if target != "all" and target not in SERVICES:
            parser.error(f"unknown service {target!r}; choose from {', '.join(SERVICES)} or all")
        try:
            return migrate(list(SERVICES) if target == "all" else [target])
        except InsecureSettingsError:
            raise
        except Exception as exc:  # noqa: BLE001 -- the command's outcome: one redacted line and exit 1
            from ecoeco.shared.redact import redact

            print(f"migration failed: {redact(str(exc))}", file=sys.stderr)
            return 1
    if args.target:
        parser.error("unexpected argument after the service name")
    return serve(args.service, args.host, args.port)


if __name__ == "__main__":
    sys.exit(main())
