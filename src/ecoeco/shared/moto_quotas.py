"""Service Quotas for EC2 in the sandbox's moto: moto 5 answers only the VPC quotas and has no
increase requests, so the console's ``quota`` operation (and the rebuild's pre-flight) would have
nothing to read without an AWS account. ``install()`` teaches moto's service-quotas backend the one
quota the topology depends on, L-1216C47A (on-demand standard vCPUs), with AWS's default of 16, and
the request API (request, history by quota, history, get request) with the states AWS uses. A request
is approved after ``approve_after_s`` (AWS approves small increases by itself), then the quota holds
the desired value. Idempotent; in-process (the tests' and the screenshots' ThreadedMotoServer) or in
the sandbox's ``moto_server``. Shared (not the sandbox's own) because the console's screenshots serve
the same simulated account; moto itself is imported only by ``install()`` (the platform extra).

Settings (environment of the moto process): ``ECOECO_MOTO_EC2_VCPU_QUOTA`` (default 16),
``ECOECO_MOTO_QUOTA_APPROVE_S`` (default 30; negative: never approved).
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import uuid
from collections.abc import Iterator
from typing import Any

__all__ = ["SETTINGS", "install", "settings"]

QUOTA_CODE = "L-1216C47A"
SETTINGS: dict[str, float] = {
    "default_vcpus": float(os.environ.get("ECOECO_MOTO_EC2_VCPU_QUOTA", "16")),
    "approve_after_s": float(os.environ.get("ECOECO_MOTO_QUOTA_APPROVE_S", "30")),
}
_installed = False


def _quota(region: str, account: str, value: float) -> dict[str, Any]:
    return {
        "ServiceCode": "ec2",
        "ServiceName": "Amazon Elastic Compute Cloud (Amazon EC2)",
        "QuotaArn": f"arn:aws:servicequotas:{region}:{account}:ec2/{QUOTA_CODE}",
        "QuotaCode": QUOTA_CODE,
        "QuotaName": "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances",
        "Value": value,
        "Unit": "None",
        "Adjustable": True,
        "GlobalQuota": False,
    }


@contextlib.contextmanager
def settings(**values: float) -> Iterator[None]:
    """``SETTINGS`` changed for a block and put back after it. moto keeps its backends per process,
    so a value left behind reaches every later moto server of that process (and its tests)."""
    saved = dict(SETTINGS)
    SETTINGS.update(values)
    try:
        yield
    finally:
        SETTINGS.clear()
        SETTINGS.update(saved)


def install() -> None:
    """Patch moto's service-quotas backend and responses (once per process)."""
    global _installed
    if _installed:
        return
    from moto.core.exceptions import JsonRESTError
    from moto.servicequotas import models, responses

    backend_cls = models.ServiceQuotasBackend
    response_cls = responses.ServiceQuotasResponse
    original_get = backend_cls.get_service_quota

    def state(self: Any) -> dict[str, Any]:
        if not hasattr(self, "_ecoeco_ec2"):
            self._ecoeco_ec2 = {"value": SETTINGS["default_vcpus"], "requests": []}
        # Requests old enough are approved (evaluated when read: moto has no clock of its own).
        after = SETTINGS["approve_after_s"]
        for req in self._ecoeco_ec2["requests"]:
            if (
                req["Status"] in ("PENDING", "CASE_OPENED")
                and after >= 0
                and time.time() - req["_t"] >= after
            ):
                req["Status"] = "APPROVED"
                req["LastUpdated"] = time.time()
                self._ecoeco_ec2["value"] = max(self._ecoeco_ec2["value"], req["DesiredValue"])
        return self._ecoeco_ec2

    def get_service_quota(self: Any, service_code: str, quota_code: str) -> dict[str, Any]:
        if service_code == "ec2" and quota_code == QUOTA_CODE:
            return _quota(self.region_name, self.account_id, state(self)["value"])
        return original_get(self, service_code, quota_code)

    def request_increase(self: Any, service_code: str, quota_code: str, desired: float) -> dict[str, Any]:
        if service_code != "ec2" or quota_code != QUOTA_CODE:
            raise models.NoSuchResource()
        st = state(self)
        if any(r["Status"] in ("PENDING", "CASE_OPENED") for r in st["requests"]):
            raise JsonRESTError(
                "ResourceAlreadyExistsException",
                "Only one open service quota increase request is allowed per quota.",
            )
        if desired <= st["value"]:
            raise JsonRESTError(
                "IllegalArgumentException",
                f"The requested value {desired:g} is not greater than the current value {st['value']:g}.",
            )
        now = time.time()
        req = _quota(self.region_name, self.account_id, st["value"]) | {
            "Id": uuid.uuid4().hex,
            "CaseId": f"case-{uuid.uuid4().hex[:10]}",
            "DesiredValue": float(desired),
            "Status": "PENDING",
            "Created": now,
            "LastUpdated": now,
            "Requester": json.dumps({"accountId": self.account_id}),
            "_t": now,
        }
        st["requests"].append(req)
        return req

    def public(req: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in req.items() if not k.startswith("_") and k != "Value"}

    def r_get(self: Any) -> str:
        p = json.loads(self.body)
        quota = self.backend.get_service_quota(str(p.get("ServiceCode")), str(p.get("QuotaCode")))
        return json.dumps({"Quota": quota})

    def r_get_default(self: Any) -> str:
        p = json.loads(self.body)
        if p.get("ServiceCode") == "ec2" and p.get("QuotaCode") == QUOTA_CODE:
            b = self.backend
            return json.dumps({"Quota": _quota(b.region_name, b.account_id, SETTINGS["default_vcpus"])})
        return json.dumps(
            {"Quota": self.backend.get_service_quota(str(p.get("ServiceCode")), str(p.get("QuotaCode")))}
        )

    def r_request(self: Any) -> str:
        p = json.loads(self.body)
        req = self.backend.ecoeco_request_increase(
            str(p.get("ServiceCode")), str(p.get("QuotaCode")), float(p.get("DesiredValue", 0))
        )
        return json.dumps({"RequestedQuota": public(req)})

    def r_history_by_quota(self: Any) -> str:
        p = json.loads(self.body)
        reqs = [
            public(r)
            for r in state(self.backend)["requests"]
            if p.get("ServiceCode") == "ec2" and p.get("QuotaCode") == QUOTA_CODE
            and (not p.get("Status") or r["Status"] == p["Status"])
        ]  # fmt: skip
        return json.dumps({"RequestedQuotas": reqs})

    def r_history(self: Any) -> str:
        p = json.loads(self.body)
        reqs = [
            public(r)
            for r in state(self.backend)["requests"]
            if p.get("ServiceCode") in (None, "ec2") and (not p.get("Status") or r["Status"] == p["Status"])
        ]
        return json.dumps({"RequestedQuotas": reqs})

    def r_get_request(self: Any) -> str:
        p = json.loads(self.body)
        for r in state(self.backend)["requests"]:
            if r["Id"] == p.get("RequestId"):
                return json.dumps({"RequestedQuota": public(r)})
        raise JsonRESTError("NoSuchResourceException", f"no request {p.get('RequestId')}")

    backend_cls.get_service_quota = get_service_quota  # type: ignore[method-assign]
    backend_cls.ecoeco_request_increase = request_increase  # type: ignore[attr-defined]
    response_cls.get_service_quota = r_get  # type: ignore[method-assign]
    response_cls.get_aws_default_service_quota = r_get_default  # type: ignore[attr-defined]
    response_cls.request_service_quota_increase = r_request  # type: ignore[attr-defined]
    response_cls.list_requested_service_quota_change_history_by_quota = r_history_by_quota  # type: ignore[attr-defined]
    response_cls.list_requested_service_quota_change_history = r_history  # type: ignore[attr-defined]
    response_cls.get_requested_service_quota_change = r_get_request  # type: ignore[attr-defined]
    _installed = True
