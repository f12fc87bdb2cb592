"""boto3 clients for the profile's AWS account, or for the sandbox's local AWS endpoint.

Credentials come from boto3's usual chain (environment, shared files, instance role). A profile with
``aws_endpoint_url`` (the sandbox's moto server) that finds none gets dummy ones: a local endpoint
accepts any, and an operator trying the sandbox has no AWS account. The secret key found is returned
so the runner masks it wherever it could appear.
"""

from __future__ import annotations

from typing import Any

from ecoeco.console.config import Profile
from ecoeco.console.errors import OperatorError

__all__ = ["aws_error", "client", "is_simulated", "simulated_where"]

LOCAL_CREDENTIALS = ("testing", "testing")
# boto3 is imported on first use: the TUI imports this module for is_simulated() at start-up, and
# importing boto3 costs a noticeable fraction of a second.


def is_simulated(profile: Profile) -> bool:
    """True when AWS calls go to a local endpoint (the sandbox): the screens say so."""
    return bool(profile.aws_endpoint_url)


def simulated_where(profile: Profile) -> str:
    """The words a plan's summary ends with when its AWS calls are simulated ("" when real)."""
    return f" (simulated: local AWS endpoint {profile.aws_endpoint_url})" if is_simulated(profile) else ""


def client(profile: Profile, service: str) -> tuple[Any, tuple[str, ...]]:
    """(client, secrets to mask). CloudFront is a global service: its region is us-east-1."""
    import boto3
    import botocore.config

    session = boto3.session.Session(region_name=profile.aws_region)
    creds = session.get_credentials()
    timeouts = botocore.config.Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 3})
    kwargs: dict[str, Any] = {"config": timeouts}
    if profile.aws_endpoint_url:
        kwargs["endpoint_url"] = profile.aws_endpoint_url
        if creds is None:
            kwargs["aws_access_key_id"], kwargs["aws_secret_access_key"] = LOCAL_CREDENTIALS
    elif creds is None:
        raise OperatorError(
            f"no AWS credentials for profile {profile.name} (set AWS_PROFILE or AWS_ACCESS_KEY_ID, "
            "or run on an instance with a role)"
        )
    region = "us-east-1" if service == "cloudfront" else profile.aws_region
    made = session.client(service, region_name=region, **kwargs)
    secrets: tuple[str, ...] = ()
    if creds is not None:
        frozen = creds.get_frozen_credentials()
        secrets = tuple(s for s in (frozen.secret_key, frozen.token) if s)
    return made, secrets


def aws_error(exc: Exception) -> str:
    """One line an operator reads: the AWS error code and message, or the connection problem."""
    import botocore.exceptions

    if isinstance(exc, botocore.exceptions.ClientError):
        err = exc.response.get("Error", {})
        return f"{err.get('Code', 'Error')}: {err.get('Message', '')}".strip()
    if isinstance(exc, botocore.exceptions.NoCredentialsError | botocore.exceptions.PartialCredentialsError):
        return f"bad AWS credentials: {exc}"
    if isinstance(exc, botocore.exceptions.EndpointConnectionError):
        return f"cannot reach AWS: {exc}"
    return f"{type(exc).__name__}: {exc}"
