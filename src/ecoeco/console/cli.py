"""``ecoeco-console``: the TUI by default; ``status [--json]``, ``info [--json]``, ``audit [--json]``,
``op NAME [--param K=V ...] [--confirm ENV] [--json] [--plan-only]``, ``triage [--json]
[--from-snapshot FILE] [--bundle DIR]``, ``screenshot``.

``--profile`` (or ``ECOECO_PROFILE``) and ``--read-only`` apply to every subcommand. Exit codes:
0 fine, 2 bad configuration or usage. ``status`` exits odd when a source is unreachable: 1 plus one bit
per failing source (``SOURCE_EXIT_BITS``: cluster 4, queues 8, wal 16, metrics 32, services 64,
alerts 128), so a script can tell "the cluster answers, Prometheus does not" (1+16+32+128 = 177).
``op`` exits 1 when the operation failed, 3 when it was refused (read-only, confirmation, busy) and
130 when it was cancelled.
``triage`` exits with the worst severity (0 none/info, 1 warning, 2 critical), 3 when the cluster could
not be read at all, 4 for a configuration error or an unreadable snapshot file.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ecoeco.console import health
from ecoeco.console.config import ConfigError, Profile, config_path, masked_settings, resolve_profile
from ecoeco.console.snapshot import Snapshot
from ecoeco.shared import extras
from ecoeco.shared.sandbox_state import StateError, read_status

if TYPE_CHECKING:  # the write side is imported by the commands that use it, not by the TUI's launch
    from ecoeco.console.ops.audit import AuditEntry

EXIT_OK, EXIT_UNREACHABLE, EXIT_CONFIG = 0, 1, 2
# One bit per source, above EXIT_CONFIG's: any failure sets bit 0 too, so the code is odd exactly when
# a source failed (and never collides with 2, or with 130 for Ctrl-C, which are even).
SOURCE_EXIT_BITS = {"cluster": 4, "queues": 8, "wal": 16, "metrics": 32, "services": 64, "alerts": 128}


def status_exit_code(snap: Snapshot) -> int:
    """0 when every source answered; else 1 | the bits of the sources that did not."""
    failed = snap.unreachable_sources()
    if not failed:
        return EXIT_OK
    return EXIT_UNREACHABLE | sum(SOURCE_EXIT_BITS.get(name, 0) for name in failed)


def failed_sources(code: int) -> list[str]:
    """The sources an exit code of ``status`` names (the inverse of ``status_exit_code``)."""
    if not code & EXIT_UNREACHABLE:
        return []
    return [name for name, bit in SOURCE_EXIT_BITS.items() if code & bit]


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS so a flag given before the subcommand is not reset by the subparser's default.
    common.add_argument("--profile", default=argparse.SUPPRESS, help="profile name (else $ECOECO_PROFILE)")
    common.add_argument(
        "--read-only",
        action="store_true",
        default=argparse.SUPPRESS,
        help="hide every action that changes anything",
    )
    parser = argparse.ArgumentParser(
        prog="ecoeco-console", parents=[common], description="Eco² operations console (TUI by default)."
    )
    sub = parser.add_subparsers(dest="command")
    status = sub.add_parser("status", parents=[common], help="poll every source once and print the snapshot")
    status.add_argument("--json", action="store_true", help="the Snapshot as JSON (docs/snapshot.md)")
    status.add_argument("--timeout", type=float, default=20.0, help="seconds to wait for all sources")
    info = sub.add_parser(
        "info", parents=[common], help="config path, active profile, origin of each setting"
    )
    info.add_argument("--json", action="store_true")
    audit = sub.add_parser("audit", parents=[common], help="the audit log of operations, newest first")
    audit.add_argument("--json", action="store_true", help="entries as JSON (docs/decisions/write-side.md)")
    audit.add_argument("--limit", type=_positive_int, default=50, metavar="N", help="the N newest (50)")
    op = sub.add_parser(
        "op",
        parents=[common],
        help="plan and run one operation (op --list lists them)",
        description="Plan an operation, show what it will change, then run it, streaming its events. "
        "Exit codes: 0 succeeded, 1 failed, 2 usage/configuration, 3 refused, 130 cancelled.",
    )
    op.add_argument("name", nargs="?", help="the operation, e.g. cdn.invalidate")
    op.add_argument(
        "--param", "-p", action="append", default=[], metavar="K=V",
        help="a parameter; repeat a list parameter (-p paths=/a -p paths=/b)",
    )  # fmt: skip
    op.add_argument("--confirm", metavar="ENV", help="the environment's name, typed in full")
    op.add_argument("--confirm-phrase", metavar="TEXT", help="the second phrase some ask (destroy ENV)")
    op.add_argument("--json", action="store_true", help="one JSON object per line: plan, events, finished")
    op.add_argument("--plan-only", action="store_true", help="show the plan and stop; nothing runs")
    op.add_argument("--list", action="store_true", help="list the operations and their parameters")
    triage = sub.add_parser(
        "triage", parents=[common], help="what is wrong, why, what to do (exit: worst severity)"
    )
    triage.add_argument("--json", action="store_true", help='exactly {"findings": [...], "sources": {...}}')
    triage.add_argument(
        "--from-snapshot", metavar="FILE", help="judge a saved `status --json` snapshot offline"
    )
    triage.add_argument("--timeout", type=float, default=20.0, help="seconds to wait for all sources")
    triage.add_argument(
        "--bundle",
        metavar="DIR",
        help="also write a post-mortem bundle: snapshot, findings, events, logs, screenshots (redacted)",
    )
    # Its options belong to ecoeco.console.screenshots: main() hands over whatever follows the word.
    sub.add_parser("screenshot", help="render every screen to SVG (screenshot --help)", add_help=False)
    return parser


def _resolve(args: argparse.Namespace) -> tuple[Profile, dict[str, str]]:
    overrides: dict[str, Any] = {}
    if getattr(args, "read_only", False):
        overrides["read_only"] = True
    return resolve_profile(getattr(args, "profile", None), cli_overrides=overrides)


# --- status -----------------------------------------------------------------------------------------


def _age(ts: float | None, now: float) -> str:
    if ts is None:
        return "never"
    s = max(0.0, now - ts)
    return f"{s:.0f}s" if s < 120 else f"{s / 60:.0f}m" if s < 7200 else f"{s / 3600:.0f}h"


def _num(v: float | int | None, fmt: str = "{:g}") -> str:
    return "-" if v is None else fmt.format(v)


def _yes(v: bool | None) -> str:
    return "-" if v is None else "yes" if v else "NO"


def _table(title: str, header: list[str], rows: list[list[str]], error: str | None = None) -> list[str]:
    lines = [f"== {title}" + (f"  [ERROR: {error}]" if error else "")]
    if not rows:
        lines.append("  (no data)")
        return lines
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=False)]
    for row in [header, *rows]:
        lines.append("  " + "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=False)).rstrip())
    return lines


def format_status(snap: Snapshot) -> str:
    now = snap.taken_at
    err = {n: s.error for n, s in snap.sources.items() if not s.ok}
    out = [
        f"profile {snap.profile}  environment {snap.environment}" + ("  read-only" if snap.read_only else "")
    ]
    out += _table(
        "sources",
        ["source", "ok", "age", "error"],
        [
            [n, "yes" if s.ok else "NO", _age(s.updated_at, now), s.error or ""]
            for n, s in sorted(snap.sources.items())
        ],
    )
    c = snap.cluster
    out += _table(
        f"nodes ({c.kind}{', ' + c.context if c.context else ''})",
        ["node", "role", "status", "health", "pods ready", "cpu%", "mem%", "conditions / drift"],
        [
            [
                n.name,
                n.role,
                n.status,
                health.node_health(n, now),
                "{}/{}".format(*health.pods_ready(n.pods)),
                _num(n.cpu_percent, "{:.1f}"),
                _num(n.mem_percent, "{:.1f}"),
                "; ".join(
                    [
                        f"{x.type}={x.status}" + (f" {x.reason}" if x.reason else "")
                        for x in health.node_condition_problems(n)
                    ]
                    + n.drift
                )[:100],
            ]
            for n in c.nodes
        ],
        err.get("cluster"),
    )
    bad_pods = [
        [f"{p.namespace}/{p.name}", p.node or (f"->{p.nominated_node}" if p.nominated_node else "-"),
         health.pod_state(p), health.pod_health(p, now), str(p.restarts), (p.message or "")[:80]]
        for p in c.all_pods()
        if health.pod_needs_attention(p, now)
    ]  # fmt: skip
    if bad_pods:
        out += _table(
            "pods needing attention", ["pod", "node", "state", "health", "restarts", "message"], bad_pods
        )
    bad_workloads = [
        [f"{w.kind}/{w.namespace}/{w.name}", health.workload_health(w), health.workload_summary(w)]
        for w in c.workloads
        if health.workload_health(w) != "ok"
    ]
    if bad_workloads:
        out += _table("workloads needing attention", ["workload", "health", "state"], bad_workloads)
    if c.events:
        out += _table(
            f"warning events ({len(c.events)}, newest first)",
            ["object", "reason", "count", "last seen", "message"],
            [
                [f"{e.involved_object}", e.reason, str(e.count), _age(e.last_seen, now), e.message[:90]]
                for e in c.events[:10]
            ],
        )
    findings = health.attention(snap)
    if findings:
        out += _table(
            f"needs attention ({len(findings)}, worst and most recent first)",
            ["level", "subject", "since", "what"],
            [
                [f.level, f.subject, _age(f.since, now) if f.since else "-", f.text[:100]]
                for f in findings[:20]
            ],
        )
    out += _table(
        "queues",
        ["queue", "ready", "unacked", "consumers", "in/s", "out/s", "via"],
        [
            [q.name, _num(q.ready), _num(q.unacked), _num(q.consumers), _num(q.publish_rate, "{:.1f}"),
             _num(q.deliver_rate, "{:.1f}"), q.via if q.exists else "MISSING"]
            for q in snap.queues
        ],
        err.get("queues"),
    )  # fmt: skip
    out += _table(
        "wal",
        ["worker", "unsynced", "oldest", "last sync", "errors", "bytes", "via"],
        [
            [w.worker, _num(w.unsynced_rows), _num(w.oldest_unsynced_age_s, "{:.0f}s"),
             _age(w.last_sync_success_ts, now), _num(w.sync_errors_total), _num(w.file_bytes, "{:,}"), ",".join(w.via) or "-"]
            for w in snap.wal
        ],
        err.get("wal"),
    )  # fmt: skip
    out += _table(
        "metrics",
        ["service", "req/s", "5xx", "p95"],
        [
            [m.service, _num(m.request_rate, "{:.2f}"), _num(m.error_ratio, "{:.1%}"),
             _num(m.p95_latency_s and m.p95_latency_s * 1000, "{:.0f}ms")]
            for m in snap.metrics.services
        ],
        err.get("metrics"),
    )  # fmt: skip
    out += _table(
        "services",
        ["service", "live", "ready", "deps", "error"],
        [
            [s.name, _yes(s.live), _yes(s.ready),
             " ".join(f"{k}:{'ok' if d.ok else 'DOWN'}" for k, d in s.dependencies.items()), s.error or ""]
            for s in snap.services
        ],
        err.get("services"),
    )  # fmt: skip
    out += _table(
        "alerts",
        ["alert", "severity", "state", "summary"],
        [[a.name, a.severity, a.state, a.summary[:80]] for a in snap.alerts],
        err.get("alerts"),
    )
    return "\n".join(out)


def cmd_status(args: argparse.Namespace) -> int:
    from ecoeco.console.collector import collect_once
    from ecoeco.console.sources import build_sources

    profile, _ = _resolve(args)
    snap = collect_once(profile, build_sources(profile), timeout=args.timeout)
    print(snap.model_dump_json(indent=2) if args.json else format_status(snap))
    return status_exit_code(snap)


# --- triage -----------------------------------------------------------------------------------------

# triage's own exit codes (docs/operator-guide.md): the worst severity, or "could not judge at all".
# EXIT_CONFIG (2) means "bad configuration" elsewhere; here 2 is critical, so a configuration error or an
# unreadable --from-snapshot file is 4 instead.
TRIAGE_EXIT = {None: 0, "info": 0, "warning": 1, "critical": 2}
TRIAGE_CLUSTER_UNREADABLE, TRIAGE_BAD_INPUT = 3, 4


def triage_exit_code(snap: Snapshot, findings: Sequence[Any]) -> int:
    from ecoeco.console.triage import worst_severity

    if any(f.rule == "cluster_unreadable" for f in findings):
        return TRIAGE_CLUSTER_UNREADABLE
    return TRIAGE_EXIT[worst_severity(list(findings))]


def format_triage(snap: Snapshot, findings: Sequence[Any]) -> str:
    if not findings:
        return "No findings: nothing needs a look."
    out = []
    for f in findings:
        out.append(f"{f.severity.upper():8} {f.title}")
        out.append(f"         {f.subject} · {f.cause}" if f.cause else f"         {f.subject}")
        out += [f"           - {e}" for e in f.evidence]
        if f.action is not None:
            params = " ".join(f"{k}={v}" for k, v in f.action.params.items() if v is not None)
            out.append(f"         → {f.action.operation} {params}".rstrip())
    failed = snap.unreachable_sources()
    if failed:
        out.append("sources not read: " + ", ".join(failed))
    return "\n".join(out)


def cmd_triage(args: argparse.Namespace) -> int:
    from ecoeco.console.triage import evaluate

    log_reader: Any = None
    secrets: tuple[str, ...] = ()
    if args.from_snapshot:
        try:
            snap = Snapshot.model_validate_json(Path(args.from_snapshot).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            print(f"ecoeco-console triage: cannot read {args.from_snapshot}: {exc}", file=sys.stderr)
            return TRIAGE_BAD_INPUT
    else:
        from ecoeco.console.collector import collect_once
        from ecoeco.console.sources import build_sources

        try:
            profile, _ = _resolve(args)
        except ConfigError as exc:
            print(f"ecoeco-console: {exc}", file=sys.stderr)
            return TRIAGE_BAD_INPUT
        live_sources = build_sources(profile)
        snap = collect_once(profile, live_sources, timeout=args.timeout)
        if args.bundle:
            from ecoeco.console.ops.runner import profile_secrets

            log_reader = log_reader_for(live_sources)
            secrets = profile_secrets(profile)
    findings = evaluate(snap)
    if args.bundle:
        from ecoeco.console.bundle import write_bundle

        note = (
            "logs: not collected: judged from a saved snapshot (--from-snapshot); read them live with "
            "`ecoeco-console triage --bundle DIR` or the Pods screen (l / p)"
            if args.from_snapshot
            else None
        )
        try:
            bundle = write_bundle(
                Path(args.bundle), snap, findings, log_reader=log_reader, secrets=secrets, logs_note=note
            )
        except OSError as exc:
            print(f"ecoeco-console triage: cannot write the bundle to {args.bundle}: {exc}", file=sys.stderr)
            return TRIAGE_BAD_INPUT
        print(f"bundle: {len(bundle.files)} file(s) in {bundle.path}", file=sys.stderr)
        for note_line in bundle.notes:
            print(f"bundle: {note_line}", file=sys.stderr)
    if args.json:
        sources = {name: st.model_dump(mode="json") for name, st in snap.sources.items()}
        print(
            json.dumps(
                {"findings": [f.model_dump(mode="json") for f in findings], "sources": sources}, indent=2
            )
        )
    else:
        print(format_triage(snap, findings))
    return triage_exit_code(snap, findings)


def log_reader_for(sources: Sequence[Any]) -> Any:
    """The logs-on-demand reader of the cluster source among ``sources`` (None when it has none)."""
    from ecoeco.console.sources.cluster_kube import KubeClusterSource, KubeLogReader
    from ecoeco.console.sources.cluster_local import LocalClusterSource, LocalLogReader

    for source in sources:
        if isinstance(source, KubeClusterSource):
            return KubeLogReader(source)
        if isinstance(source, LocalClusterSource):
            return LocalLogReader()
    return None


# --- info -------------------------------------------------------------------------------------------


def cmd_info(args: argparse.Namespace) -> int:
    profile, origins = _resolve(args)
    path = config_path()
    settings = masked_settings(profile)
    if args.json:
        print(json.dumps({"config_path": str(path), "config_exists": path.exists(), "profile": profile.name,
                          "origins": origins, "settings": settings}, indent=2))  # fmt: skip
        return EXIT_OK
    print(f"config file: {path}" + ("" if path.exists() else "  (absent: built-in defaults)"))
    print(f"profile:     {profile.name}  (from {origins.get('profile', 'default')})")
    width = max(len(k) for k in settings)
    for key, value in settings.items():
        if key == "name":
            continue
        shown = json.dumps(value) if isinstance(value, dict | list) else str(value)
        print(f"  {key.ljust(width)}  {shown}  [{origins.get(key, 'default')}]")
    return EXIT_OK


# --- audit ------------------------------------------------------------------------------------------


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def format_audit(entries: Sequence[AuditEntry]) -> str:
    """The audit entries (``ops.AuditEntry``, newest first) as a table an operator reads."""
    rows = []
    for e in entries:
        who = f"{e.user}@{e.host}" + (f" ({e.ssh_client})" if e.ssh_client else "")
        took = "-" if e.duration_s is None else f"{e.duration_s:.1f}s"
        args = json.dumps(e.arguments, separators=(",", ":"))
        rows.append([
            e.time[:19].replace("T", " "), e.environment, e.operation, e.result,
            _num(e.exit_code), took, who, (e.plan_digest or "-")[:12],
            args if len(args) <= 60 else args[:59] + "…", (e.message or "")[:80],
        ])  # fmt: skip
    header = ["time (UTC)", "env", "operation", "result", "exit", "took", "who", "plan", "arguments",
              "message"]  # fmt: skip
    return "\n".join(_table("audit", header, rows))


def cmd_audit(args: argparse.Namespace) -> int:
    # Every environment's runs: the log is the console's, not one profile's.
    from ecoeco.console.ops.audit import AUDIT_FILE, read_audit
    from ecoeco.console.ops.state import state_dir

    read = read_audit(state_dir() / AUDIT_FILE)
    entries = list(reversed(read.entries))[: args.limit]
    if read.damaged:
        print(f"ecoeco-console: {read.path}: {read.damaged} unreadable line(s) skipped", file=sys.stderr)
    if args.json:
        data = {"path": str(read.path), "damaged": read.damaged, "entries": [e.to_json() for e in entries]}
        print(json.dumps(data, indent=2, ensure_ascii=False))
    elif not read.entries:
        print(f"no operations recorded yet ({read.path})")
    else:
        print(format_audit(entries))
    return EXIT_OK


# --- op ---------------------------------------------------------------------------------------------

EXIT_FAILED, EXIT_REFUSED, EXIT_CANCELLED = 1, 3, 130


def _emit_json(obj: dict[str, Any]) -> None:
    print(json.dumps(obj, ensure_ascii=False, default=str), flush=True)


def event_json(event: Any) -> dict[str, Any]:
    """One event of a run as the JSON object ``op --json`` prints (a line each)."""
    from ecoeco.console.ops import Finished, ItemStatus, OutputLine, Progress

    if isinstance(event, OutputLine):
        return {"event": "output", "text": event.text, "stream": event.stream}
    if isinstance(event, ItemStatus):
        return {"event": "item", "item": event.item, "state": event.state, "detail": event.detail,
                "group": event.group}  # fmt: skip
    if isinstance(event, Progress):
        return {"event": "progress", "done": event.done, "total": event.total, "label": event.label}
    if isinstance(event, Finished):
        o = event.outcome
        return {"event": "finished", "result": o.result, "exit_code": o.exit_code, "message": o.message,
                "duration_s": o.duration_s, "data": dict(o.data)}  # fmt: skip
    return {"event": type(event).__name__}


def event_text(event: Any) -> str | None:
    """One event of a run as the line ``op`` prints."""
    from ecoeco.console.ops import Finished, ItemStatus, OutputLine, Progress

    if isinstance(event, OutputLine):
        return event.text
    if isinstance(event, ItemStatus):
        return f"[{event.state}] {event.item}" + (f"  {event.detail}" if event.detail else "")
    if isinstance(event, Progress):
        total = f"/{event.total:g}" if event.total is not None else ""
        return f"[{event.done:g}{total}] {event.label}"
    if isinstance(event, Finished):
        o = event.outcome
        code = "" if o.exit_code is None else f", exit {o.exit_code}"
        return f"== {o.result}{code} in {o.duration_s:.1f}s: {o.message}"
    return None


def format_operations() -> str:
    from ecoeco.console.ops.registry import describe, operations

    rows = []
    for op in operations().values():
        info = describe(op)
        if info.changes_infrastructure:
            safety = "infra: typed confirmation"
        else:
            safety = "changes" if info.mutates else "read-only check"
        params = " ".join(f"{p.name}{'' if p.required else '?'}={p.type}" for p in info.params)
        rows.append([info.name, safety, info.title, params or "-"])
    return "\n".join(_table("operations", ["name", "safety", "what", "parameters"], rows))


def cmd_op(args: argparse.Namespace) -> int:
    import signal
    import threading

    from ecoeco.console.errors import NotConfigured, OperatorError
    from ecoeco.console.ops import Event, OperationRunner, Refused, RunHandle
    from ecoeco.console.ops.registry import UsageError, get, parse_params

    if args.list:
        print(format_operations())
        return EXIT_OK
    if not args.name:
        print("ecoeco-console op: name an operation (op --list lists them)", file=sys.stderr)
        return EXIT_CONFIG

    def fail(code: int, message: str) -> int:
        if args.json:
            _emit_json({"event": "error", "exit_code": code, "message": message})
        print(f"ecoeco-console op: {message}", file=sys.stderr)
        return code

    profile, _ = _resolve(args)
    try:
        op = get(args.name)
        params = parse_params(op.params_model, args.param)
    except UsageError as exc:
        return fail(EXIT_CONFIG, str(exc))
    printing = threading.Lock()

    def on_event(handle: RunHandle, event: Event) -> None:
        with printing:  # one whole line at a time, whichever thread of the run emits
            if args.json:
                _emit_json(event_json(event) | {"run_id": handle.run_id})
            else:
                text = event_text(event)
                if text is not None:
                    print(text, flush=True)

    runner = OperationRunner(profile, on_event=on_event)
    try:
        plan = runner.plan(op, params)
    except Refused as exc:
        return fail(EXIT_REFUSED, str(exc))
    except OperatorError as exc:
        # Parameters the model rejects are usage; a plan the tool could not make is a failure.
        failed = str(exc).startswith(f"{op.name}: cannot plan: ") and not isinstance(
            exc.__cause__, NotConfigured
        )
        return fail(EXIT_FAILED if failed else EXIT_CONFIG, str(exc))
    if args.json:
        _emit_json({"event": "plan", "operation": op.name, "environment": plan.environment,
                    "profile": profile.name, "digest": plan.sealed_digest, "changes": plan.changes,
                    "mutates": op.mutates, "changes_infrastructure": op.changes_infrastructure,
                    "summary": list(plan.summary)})  # fmt: skip
    else:
        print(f"== plan {op.name} on {plan.environment} (profile {profile.name}, {plan.sealed_digest[:12]})")
        for line in plan.summary:
            print(f"  {line}")
        sys.stdout.flush()
    if args.plan_only:
        return EXIT_OK
    if op.mutates and not plan.changes:
        if args.json:
            _emit_json({"event": "finished", "result": "nothing-to-do", "exit_code": 0})
        else:
            print("== nothing to do; nothing was run")
        return EXIT_OK
    try:
        handle = runner.start(plan, confirm=args.confirm, confirm_phrase=args.confirm_phrase)
    except Refused as exc:
        return fail(EXIT_REFUSED, str(exc))
    except OperatorError as exc:
        return fail(EXIT_FAILED, str(exc))

    # Ctrl-C, a hang-up or a TERM cancel the run; it stops at its next safe point (terraform writes its
    # state first) and we still wait for it, so the audit log says how it ended.
    interrupts = 0

    def stop(signum: int, frame: Any) -> None:
        nonlocal interrupts
        interrupts += 1
        handle.cancel(f"interrupted ({signal.Signals(signum).name})")
        if interrupts == 2:
            print("ecoeco-console op: stopping; waiting for the tool to end cleanly", file=sys.stderr)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        outcome = None
        while outcome is None:
            outcome = handle.wait(0.5)
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
    return {"succeeded": EXIT_OK, "cancelled": EXIT_CANCELLED}.get(outcome.result, EXIT_FAILED)


# --- the TUI ----------------------------------------------------------------------------------------


def _sandbox_running() -> bool:
    try:
        return bool(read_status().get("running"))
    except StateError:  # an unreadable state file means "not running"; `up` says what to do
        return False


def _sandbox_command() -> list[str] | None:
    """``ecoeco-sandbox`` beside this interpreter, else on PATH; None when the platform is not installed."""
    if extras.missing(extras.PLATFORM):  # the wheel ships the script; the `platform` extra makes it run
        return None
    script = Path(sys.executable).with_name("ecoeco-sandbox")
    if script.exists():
        return [str(script)]
    found = shutil.which("ecoeco-sandbox")
    return [found] if found else None


def start_sandbox() -> int:
    """Run ``ecoeco-sandbox up`` (its state file then gives the ``sandbox`` profile its endpoints)."""
    command = _sandbox_command()
    if command is None:
        print(
            "ecoeco-console: the sandbox is not running and ecoeco-sandbox is not installed "
            "(install the platform: pip install 'ecoeco[platform]'), or choose a profile with --profile",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    print("ecoeco-console: the sandbox is not running; starting it (ecoeco-sandbox up) ...", flush=True)
    started = time.monotonic()
    rc = subprocess.call([*command, "up"])
    if rc == 0:
        print(f"ecoeco-console: sandbox up in {time.monotonic() - started:.1f}s", flush=True)
    return rc


def cmd_tui(args: argparse.Namespace) -> int:
    profile, origins = _resolve(args)
    if profile.sandbox and not _sandbox_running():
        rc = start_sandbox()
        if rc != 0:
            print(f"ecoeco-console: ecoeco-sandbox up failed (exit {rc})", file=sys.stderr)
            return rc
        profile, origins = _resolve(args)  # the endpoints `up` just started, from its state file
    return run_app(profile, origins=origins)


def run_app(profile: Profile, *, origins: dict[str, str]) -> int:
    """The composition root of the TUI: the sources the profile needs, their collector, the app."""
    from ecoeco.console import keys
    from ecoeco.console.app import EcoApp

    if TYPE_CHECKING:
        from ecoeco.console.collector import Collector

    try:
        keymap = keys.parse_keymap(os.environ.get(keys.KEYMAP_ENV, ""))
    except ValueError as exc:
        print(f"ecoeco-console: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    app = EcoApp(profile, read_only=profile.read_only, origins=origins, handle_signals=True, keymap=keymap)
    made: list[Collector] = []

    def connect() -> Collector:
        # After the first paint: the sources bring httpx, pika and the kubernetes client's wrapper.
        from ecoeco.console.collector import Collector
        from ecoeco.console.sources import build_sources

        sources = build_sources(profile)
        collector = Collector(profile, sources)
        made.append(collector)
        app.log_reader = log_reader_for(sources)
        return collector

    app.connect_after_first_paint(connect)
    try:
        result = app.run()
    finally:
        for collector in made:
            collector.stop()
    return int(result or 0) if app.return_code in (None, 0) else int(app.return_code or 1)


def cmd_screenshot(args: argparse.Namespace) -> int:
    from ecoeco.console.screenshots import main as screenshots_main

    return int(screenshots_main(list(args.args)) or 0)


def verify_sources(profile: Profile, cancel: Any = None) -> list[str]:
    """Every read source polled once: the sources that do not answer, one line each (the rebuild's
    verify step; the same check as ``status``)."""
    from ecoeco.console.collector import collect_once
    from ecoeco.console.sources import build_sources

    snap = collect_once(profile, build_sources(profile), timeout=30.0)
    return [f"{name}: {st.error or 'no answer'}" for name, st in sorted(snap.sources.items()) if not st.ok]


def wire_rebuild_verifier() -> None:
    """The rebuild's last step reads the read side, which ``ops`` may not import: handed in here."""
    from ecoeco.console.ops import rebuild

    rebuild.set_verifier(verify_sources)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "screenshot" in argv:
        cut = argv.index("screenshot")
        args = _parser().parse_args(argv[: cut + 1])
        args.args = argv[cut + 1 :]
    else:
        args = _parser().parse_args(argv)
    wire_rebuild_verifier()
    commands = {
        "status": cmd_status,
        "info": cmd_info,
        "audit": cmd_audit,
        "op": cmd_op,
        "screenshot": cmd_screenshot,
        "triage": cmd_triage,
        None: cmd_tui,
    }
    try:
        return commands[args.command](args)
    except ConfigError as exc:
        print(f"ecoeco-console: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
