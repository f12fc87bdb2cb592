"""``ecoeco-sandbox up|status|down|restart|load`` (and ``watch``, the watchdog ``up`` starts)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from ecoeco.services.sandbox.settings import SandboxSettings

if TYPE_CHECKING:
    from ecoeco.shared.sandbox_state import SandboxStatus

EXIT_PREREQ = 2
EXIT_START = 3


def _print_status(status: SandboxStatus) -> None:
    print(f"sandbox: {'running' if status['running'] else 'NOT running'}   state: {status['state_dir']}")
    rows = [("COMPONENT", "KIND", "ALIVE", "PID", "RESTARTS", "URL", "NODE")]
    for c in status["components"]:
        alive = "skipped" if c.get("skipped") else ("yes" if c["alive"] else "NO")
        restarts = str(c["restarts"]) if "restarts" in c else "-"
        rows.append(
            (c["name"], c["kind"], alive, str(c["pid"] or "-"), restarts, c["url"] or "-", c["node"] or "-")
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())
    for c in status["components"]:
        if c.get("skipped"):
            print(f"note: {c['skipped']}")
    for c in status["components"]:
        if c.get("restarts") and c.get("last_exit"):
            print(f"{c['name']}: restarted {c['restarts']}x, last exit: {c['last_exit']}")
    watchdog = status.get("watchdog")
    if watchdog is not None:
        running = f"pid {watchdog['pid']}" if watchdog["alive"] else "NOT running (up starts it)"
        print(f"watchdog: {running}")
    aws = status.get("aws")
    if aws:
        print(
            f"aws: endpoint {aws['endpoint_url']}  bucket {aws['bucket']}  "
            f"cloudfront {aws['cloudfront_distribution_id']} ({aws.get('cloudfront_domain', '')})"
        )


def cmd_status(args: argparse.Namespace) -> int:
    from ecoeco.services.sandbox.state import current_status
    from ecoeco.shared.sandbox_state import all_alive

    status = current_status(SandboxSettings())
    if args.json:
        print(json.dumps(status, indent=2))
    else:
        _print_status(status)
    return 0 if all_alive(status) else 1


def cmd_up(args: argparse.Namespace) -> int:
    from ecoeco.services.sandbox.prereqs import PrereqError
    from ecoeco.services.sandbox.state import current_status
    from ecoeco.services.sandbox.supervisor import StartError, up

    settings = SandboxSettings()
    if args.timeout:
        settings.start_timeout_s = args.timeout
    try:
        report = up(settings, say=lambda line: print(line, file=sys.stderr))
    except PrereqError as exc:
        print(f"ecoeco-sandbox up: {exc}", file=sys.stderr)
        return EXIT_PREREQ
    except StartError as exc:
        print(f"ecoeco-sandbox up: {exc}", file=sys.stderr)
        print(
            "ecoeco-sandbox up: the other components keep running; `ecoeco-sandbox down` stops them",
            file=sys.stderr,
        )
        return EXIT_START
    for item in report.created:
        print(f"created {item}")
    if report.started:
        print(f"started: {', '.join(report.started)}")
    if report.kept and report.started:
        print(f"already running: {', '.join(report.kept)}")
    for name in report.reloaded:
        print(f"{name}: configuration reloaded")
    if not report.changed:
        print("sandbox already up: nothing changed")
    _print_status(current_status(settings))
    return 0


def cmd_down(args: argparse.Namespace) -> int:
    from ecoeco.services.sandbox.supervisor import down

    report = down(SandboxSettings(), purge=args.purge)
    if not report.stopped and not report.purged:
        print("sandbox not started here: nothing to stop")
    for name, outcome in report.stopped.items():
        print(f"{name}: {outcome}")
    for item in report.purged:
        print(f"removed {item}")
    for problem in report.problems:
        print(f"ecoeco-sandbox down: {problem}", file=sys.stderr)
    if report.stopped and not args.purge:
        print("data kept (database, vhost, journals, Prometheus TSDB); `down --purge` removes it")
    return 1 if report.problems else 0


def cmd_restart(args: argparse.Namespace) -> int:
    from ecoeco.services.sandbox.supervisor import RestartError, StartError, restart

    try:
        restart(args.names, SandboxSettings(), say=lambda line: print(line, flush=True))
    except RestartError as exc:
        print(f"ecoeco-sandbox restart: {exc}", file=sys.stderr)
        return 2
    except StartError as exc:
        print(f"ecoeco-sandbox restart: {exc}", file=sys.stderr)
        return EXIT_START
    return 0


def cmd_watch(args: argparse.Namespace) -> int:
    import time

    from ecoeco.services.sandbox.watchdog import Watchdog

    def say(line: str) -> None:
        print(f"{time.strftime('%Y-%m-%dT%H:%M:%S%z')} {line}", flush=True)

    return Watchdog(SandboxSettings(), say=say).run()


def cmd_load(args: argparse.Namespace) -> int:
    from ecoeco.services.sandbox.load import LoadError, run_load

    try:
        summary = run_load(
            SandboxSettings(), rate=args.rate, duration_s=args.duration, kinds=args.kind, say=print
        )
    except LoadError as exc:
        print(f"ecoeco-sandbox load: {exc}", file=sys.stderr)
        return 1
    print(summary.render())
    return 0


def _kinds(value: str) -> list[str]:
    from ecoeco.services.sandbox.load import KINDS

    kinds = [k.strip() for k in value.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or not kinds:
        raise argparse.ArgumentTypeError(
            f"unknown kind(s) {unknown or value!r}; choose from {','.join(KINDS)}"
        )
    return kinds


def _positive(value: str) -> float:
    number = float(value)
    if number <= 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ecoeco-sandbox",
        description="Run the Eco² platform (six APIs, two workers, Prometheus, local AWS) on 127.0.0.1.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_up = sub.add_parser("up", help="start whatever is not running (idempotent)")
    p_up.add_argument("--timeout", type=_positive, help="seconds to wait for each start (default 120)")
    p_up.set_defaults(func=cmd_up)
    p_status = sub.add_parser("status", help="what runs where; exit 1 unless everything is alive")
    p_status.add_argument("--json", action="store_true", help="machine-readable (the console reads this)")
    p_status.set_defaults(func=cmd_status)
    p_down = sub.add_parser("down", help="stop everything the sandbox started")
    p_down.add_argument("--purge", action="store_true", help="also drop the database, vhost and state dir")
    p_down.set_defaults(func=cmd_down)
    p_restart = sub.add_parser(
        "restart", help="rolling restart: stop, start and wait for health, one component at a time"
    )
    p_restart.add_argument("names", nargs="+", metavar="NAME", help="component(s), e.g. storage auth")
    p_restart.set_defaults(func=cmd_restart)
    p_watch = sub.add_parser("watch", help="the watchdog that `up` starts and `down` stops (not run by hand)")
    p_watch.set_defaults(func=cmd_watch)
    p_load = sub.add_parser("load", help="drive realistic traffic through the APIs, then stop")
    p_load.add_argument("--rate", type=_positive, default=5.0, help="requests started per second (default 5)")
    p_load.add_argument("--duration", type=_positive, default=30.0, help="seconds (default 30)")
    p_load.add_argument(
        "--kind", type=_kinds, default=["upload", "chat", "read"], help="comma list of upload,chat,read"
    )
    p_load.set_defaults(func=cmd_load)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from ecoeco.shared.sandbox_state import StateError

    try:
        return args.func(args)
    except StateError as exc:
        print(f"ecoeco-sandbox {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(
            f"ecoeco-sandbox {args.command}: interrupted; whatever started keeps running "
            "(`ecoeco-sandbox status` shows it, `ecoeco-sandbox down` stops it)",
            file=sys.stderr,
        )
        return 130
    except BrokenPipeError:
        # Output piped into `head` and closed early: not an error worth a traceback.
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
