"""S3 client for the configured endpoint (the sandbox's moto server, or AWS).

Static keys are passed only when they were configured (``ECOECO_AWS_ACCESS_KEY_ID`` /
``..._SECRET_ACCESS_KEY``) or when a custom endpoint (moto) is used; on AWS without them boto3's
default chain applies, i.e. the node's instance profile, as Terraform grants it.
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

from ecoeco.services.common.settings import Settings


def static_credentials(settings: Settings) -> dict[str, str]:
    """The keys to pass to boto3, or none so that it uses its default chain (instance profile)."""
    keys = settings.s3_static_keys()
    if keys is None:
        return {}
    return {"aws_access_key_id": keys[0], "aws_secret_access_key": keys[1]}


def s3_client(settings: Settings) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=settings.s3_endpoint_url,
        region_name=settings.aws_region,
        **static_credentials(settings),
        config=Config(
            signature_version="s3v4",
            connect_timeout=2,
            read_timeout=10,
            retries={"max_attempts": 2},
            s3={"addressing_style": "path"},
        ),
    )
