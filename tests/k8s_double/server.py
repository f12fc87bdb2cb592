"""A loopback Kubernetes API test double: serves the recorded v1.31 JSON under ``data/<scenario>/`` to the
real ``kubernetes`` client, with a kubeconfig pointing at it. No kube-apiserver can run on these machines
(docs/decisions/console-k8s-double.md); everything the client does over HTTP is real.

    with KubeDouble() as kube:
        kube.scenario = "incident"
        KubeClusterSource(kubeconfig=str(kube.kubeconfig), context=kube.context)
"""

from __future__ import annotations

import json
import re
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

DATA = Path(__file__).parent / "data"
SCENARIOS = tuple(sorted(p.name for p in DATA.iterdir() if p.is_dir())) if DATA.exists() else ()
TOKEN = "double-token-not-a-secret"

# path pattern -> data file; (?P<ns>) narrows to one namespace as the real API does.
_ROUTES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^/api/v1/nodes$"), "nodes"),
    (re.compile(r"^/api/v1/(?:namespaces/(?P<ns>[^/]+)/)?pods$"), "pods"),
    (re.compile(r"^/api/v1/(?:namespaces/(?P<ns>[^/]+)/)?events$"), "events"),
    # A scenario without services.json has none (an empty list: the API always serves the resource).
    (re.compile(r"^/api/v1/(?:namespaces/(?P<ns>[^/]+)/)?services$"), "services*"),
    (re.compile(r"^/apis/apps/v1/(?:namespaces/(?P<ns>[^/]+)/)?deployments$"), "deployments"),
    (re.compile(r"^/apis/apps/v1/(?:namespaces/(?P<ns>[^/]+)/)?statefulsets$"), "statefulsets"),
    (re.compile(r"^/apis/apps/v1/(?:namespaces/(?P<ns>[^/]+)/)?daemonsets$"), "daemonsets"),
    # ArgoCD's CRD: a scenario without applications.json is a cluster without ArgoCD (404, as the API).
    (re.compile(r"^/apis/argoproj.io/v1alpha1/(?:namespaces/(?P<ns>[^/]+)/)?applications$"), "applications?"),
]
_LOG = re.compile(r"^/api/v1/namespaces/(?P<ns>[^/]+)/pods/(?P<pod>[^/]+)/log$")
_ONE = re.compile(
    r"^/apis/apps/v1/namespaces/(?P<ns>[^/]+)/(?P<res>deployments|statefulsets)/(?P<name>[^/]+)(?:/status)?$"
)
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
_VERSION = {
    "major": "1",
    "minor": "31",
    "gitVersion": "v1.31.4",
    "gitCommit": "a78aa47129b8539636eb86a9d00e31b2720fe06b",
    "gitTreeState": "clean",
    "buildDate": "2024-12-10T11:36:27Z",
    "compiler": "gc",
    "platform": "linux/amd64",
    "goVersion": "go1.22.10",
}


def _field(obj: dict[str, Any], dotted: str) -> Any:
    for part in dotted.split("."):
        obj = obj.get(part, {}) if isinstance(obj, dict) else {}
    return obj if obj != {} else ""


def _select(items: list[dict], field_selector: str | None, label_selector: str | None) -> list[dict]:
    """The equality subset of field and label selectors (``a=b,c!=d``), which is what the console uses."""
    out = items
    for selector, getter in (
        (field_selector, lambda it, k: _field(it, k)),
        (label_selector, lambda it, k: (it.get("metadata", {}).get("labels") or {}).get(k, "")),
    ):
        for term in filter(None, (selector or "").split(",")):
            neg = "!=" in term
            key, value = re.split(r"!=|==|=", term, maxsplit=1)
            out = [it for it in out if (str(getter(it, key)) == value) != neg]
    return out


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, code: int, body: dict) -> None:
        raw = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _status(self, code: int, reason: str, message: str) -> None:
        self._send(code, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                          "message": message, "reason": reason, "code": code})  # fmt: skip

    def _send_text(self, text: str) -> None:
        raw = text.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _write(self) -> None:
        """Any write is recorded (tests assert the console makes none) and refused as a read-only user,
        except a rollout restart's patch when the double accepts them (``accept_restarts``)."""
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode(errors="replace") if length else ""
        self.server.writes.append(f"{self.command} {self.path} {body}".rstrip())
        one = _ONE.match(urlsplit(self.path).path)
        if self.command == "PATCH" and one and self.server.double.accept_restarts:
            self._restart(one["res"], one["ns"], one["name"], body)
            return
        self._status(403, "Forbidden", f"the double is read-only: {self.command} {urlsplit(self.path).path}")

    def _restart(self, res: str, ns: str, name: str, body: str) -> None:
        """``kubectl rollout restart``'s patch: a new pod template, so a new generation whose rollout
        then advances one pod per read (see ``_get_one``), as a controller would between polls."""
        try:
            stamp = json.loads(body)["spec"]["template"]["metadata"]["annotations"][RESTARTED_AT]
        except (ValueError, KeyError, TypeError):
            self._status(422, "Invalid", "the double accepts only the restartedAt annotation patch")
            return
        obj = self.server.current(res, ns, name)
        if obj is None:
            self._status(404, "NotFound", f'{res} "{name}" not found')
            return
        meta, spec, status = obj["metadata"], obj["spec"], obj["status"]
        spec["template"].setdefault("metadata", {}).setdefault("annotations", {})[RESTARTED_AT] = stamp
        meta["generation"] = int(meta.get("generation") or 1) + 1
        status["updatedReplicas"] = 0
        if res == "statefulsets":
            status["updateRevision"] = f"{name}-rev{meta['generation']}"
        else:
            status["replicas"] = int(spec.get("replicas", 1)) + 1  # the surge pod next to the old ones
        self.server.rollouts[(res, ns, name)] = obj
        self._send(200, obj)

    def _get_one(self, res: str, ns: str, name: str) -> None:
        key = (res, ns, name)
        obj = self.server.current(res, ns, name)
        if obj is None:
            self._status(404, "NotFound", f'{res} "{name}" not found')
            return
        if key in self.server.rollouts:
            # The controller's progress between two polls: the first read sees the new generation
            # observed and nothing updated, then one more pod per read until all are.
            meta, spec, status = obj["metadata"], obj["spec"], obj["status"]
            wanted = int(spec.get("replicas", 1))
            if status.get("observedGeneration") != meta["generation"]:
                status["observedGeneration"] = meta["generation"]
            else:
                status["updatedReplicas"] = min(wanted, int(status.get("updatedReplicas") or 0) + 1)
            if status["updatedReplicas"] == wanted:
                status |= {"readyReplicas": wanted, "availableReplicas": wanted, "replicas": wanted}
                if res == "statefulsets":
                    status["currentRevision"] = status["updateRevision"]
        self._send(200, obj)

    do_POST = do_PUT = do_PATCH = do_DELETE = _write

    def _log(self, ns: str, pod: str, query: dict[str, str]) -> None:
        """``GET .../pods/NAME/log?container=&previous=&tailLines=``: text, as the kubelet streams it."""
        logs = self.server.load_optional("logs")
        previous = query.get("previous") == "true"
        container = query.get("container")
        entry = logs.get(f"{ns}/{pod}")
        if entry is None:
            self._status(404, "NotFound", f'pods "{pod}" not found')
            return
        container = container or next(iter(entry))
        runs = entry.get(container)
        if runs is None:
            self._status(400, "BadRequest", f"container {container} is not valid for pod {pod}")
            return
        text = runs.get("previous" if previous else "current")
        if text is None:
            what = "previous terminated" if previous else "current"
            self._status(400, "BadRequest", f'{what} container "{container}" in pod "{pod}" not found')
            return
        lines = text.splitlines(keepends=True)
        tail = int(query["tailLines"]) if query.get("tailLines") else None
        self._send_text("".join(lines[-tail:] if tail else lines))

    def do_GET(self) -> None:
        self.server.requests.append(self.path)
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self._status(401, "Unauthorized", "Unauthorized")
            return
        url = urlsplit(self.path)
        if url.path.rstrip("/") == "/version":  # the client asks for /version/
            self._send(200, _VERSION)
            return
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        one = _ONE.match(url.path)
        if one is not None:
            self._get_one(one["res"], one["ns"], one["name"])
            return
        log = _LOG.match(url.path)
        if log is not None:
            self._log(log["ns"], log["pod"], query)
            return
        for pattern, name in _ROUTES:
            m = pattern.match(url.path)
            if m is None:
                continue
            optional = name.endswith("?")
            if name.endswith("*"):
                body = self.server.load_optional(name[:-1]) or {
                    "kind": "ServiceList", "apiVersion": "v1", "metadata": {}, "items": [],
                }  # fmt: skip
            else:
                body = self.server.load_optional(name[:-1]) if optional else self.server.load(name)
            if not body:
                break  # an optional resource this scenario does not have: 404
            items = body["items"]
            if m.groupdict().get("ns"):
                items = [it for it in items if it["metadata"].get("namespace") == m["ns"]]
            items = _select(items, query.get("fieldSelector"), query.get("labelSelector"))
            self._send(200, {**body, "items": items})
            return
        self._status(404, "NotFound", f"the server could not find the requested resource ({url.path})")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, double: KubeDouble) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.double = double
        self.requests: list[str] = []
        self.writes: list[str] = []
        self.rollouts: dict[tuple[str, str, str], dict] = {}  # restarted workloads, as they now are

    def current(self, res: str, ns: str, name: str) -> dict | None:
        if (res, ns, name) in self.rollouts:
            return self.rollouts[(res, ns, name)]
        items = self.load(res)["items"]
        return next(
            (it for it in items if it["metadata"]["namespace"] == ns and it["metadata"]["name"] == name), None
        )

    def load(self, name: str) -> dict:
        return json.loads(
            (self.double.data / self.double.scenario / f"{name}.json").read_text(encoding="utf-8")
        )

    def load_optional(self, name: str) -> dict:
        path = self.double.data / self.double.scenario / f"{name}.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


class KubeDouble:
    """Start with ``start()`` (or as a context manager); ``scenario`` switches what the cluster looks like."""

    context = "ecoeco-double"

    def __init__(self, scenario: str = "healthy", data: Path | None = None) -> None:
        # ``data``: another folder of scenarios (a bench's generated cluster), else the recorded ones.
        self.data = data or DATA
        self.scenario = scenario
        self.accept_restarts = False  # True: a rollout restart's PATCH is applied, other writes still refused
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._dir: tempfile.TemporaryDirectory[str] | None = None
        self.kubeconfig: Path | None = None

    @property
    def scenario(self) -> str:
        return self._scenario

    @scenario.setter
    def scenario(self, value: str) -> None:
        have = SCENARIOS if self.data == DATA else tuple(p.name for p in self.data.iterdir() if p.is_dir())
        if value not in have:
            raise ValueError(f"unknown scenario {value!r} (have {', '.join(have)})")
        self._scenario = value

    @property
    def url(self) -> str:
        assert self._server is not None, "not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def requests(self) -> list[str]:
        return self._server.requests if self._server else []

    @property
    def writes(self) -> list[str]:
        """Every POST/PUT/PATCH/DELETE received (method, path, body); the console should send none."""
        return self._server.writes if self._server else []

    def start(self) -> KubeDouble:
        self._server = _Server(self)
        self._thread = threading.Thread(target=self._server.serve_forever, name="k8s-double", daemon=True)
        self._thread.start()
        self._dir = tempfile.TemporaryDirectory(prefix="k8s-double-")
        self.kubeconfig = Path(self._dir.name) / "kubeconfig"
        self.kubeconfig.write_text(yaml.safe_dump(self.kubeconfig_dict()), encoding="utf-8")
        return self

    def kubeconfig_dict(self) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "ecoeco", "cluster": {"server": self.url}}],
            "users": [{"name": "ecoeco-admin", "user": {"token": TOKEN}}],
            "contexts": [{"name": self.context, "context": {"cluster": "ecoeco", "user": "ecoeco-admin"}}],
            "current-context": self.context,
        }

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None

    def __enter__(self) -> KubeDouble:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


if __name__ == "__main__":
    import sys
    import time

    with KubeDouble(sys.argv[1] if len(sys.argv) > 1 else "healthy") as kube:
        print(f"serving {kube.scenario} at {kube.url}; kubeconfig {kube.kubeconfig}", flush=True)
        while True:
            time.sleep(3600)
