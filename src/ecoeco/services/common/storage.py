"""S3 client for the configured endpoint (the sandbox's moto server, or AWS)."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

from ecoeco.services.common.settings import Settings


def s3_client(settings: Settings) -> Any:
    # Empty keys: boto3's default chain (the instance or pod role), the production set-up.
    key_id = settings.aws_access_key_id or None
    secret = settings.aws_secret_access_key.get_secret_value() or None
    return boto3.client(
        "s3",
        endpoint_url=settings.s3_endpoint_url,
        region_name=settings.aws_region,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        config=Config(
            signature_version="s3v4",
            connect_timeout=2,
            read_timeout=10,
            retries={"max_attempts": 2},
            s3={"addressing_style": "path"},
        ),
    )
