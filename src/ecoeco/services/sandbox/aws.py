"""The sandbox's AWS: an S3 bucket (with CORS, for browser uploads through presigned URLs) and a
CloudFront distribution in front of it, created with boto3 against the local moto server.

moto keeps everything in memory, so these are (re)created whenever the moto server (re)starts.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import boto3
from botocore.config import Config

# moto accepts any credentials; fixed fake ones keep boto3 from looking for real ones.
FAKE_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
DISTRIBUTION_COMMENT = "ecoeco-sandbox images"


def client(service: str, endpoint_url: str, region: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint_url,
        region_name=region,
        config=Config(retries={"max_attempts": 2}, connect_timeout=5, read_timeout=10),
        **FAKE_CREDENTIALS,
    )


def ensure_bucket(endpoint_url: str, region: str, bucket: str) -> None:
    s3 = client("s3", endpoint_url, region)
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if bucket not in existing:
        kwargs: dict[str, Any] = {"Bucket": bucket}
        if region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
        s3.create_bucket(**kwargs)
    s3.put_bucket_cors(
        Bucket=bucket,
        CORSConfiguration={
            "CORSRules": [
                {
                    "AllowedMethods": ["GET", "PUT", "HEAD"],
                    "AllowedOrigins": ["*"],
                    "AllowedHeaders": ["*"],
                    "ExposeHeaders": ["ETag"],
                    "MaxAgeSeconds": 3000,
                }
            ]
        },
    )


def ensure_distribution(endpoint_url: str, region: str, bucket: str) -> dict[str, str]:
    """The distribution whose origin is ``bucket`` (created when there is none): id and domain."""
    cf = client("cloudfront", endpoint_url, region)
    origin_domain = f"{bucket}.s3.{region}.amazonaws.com"
    items = cf.list_distributions().get("DistributionList", {}).get("Items") or []
    for dist in items:
        origins = dist.get("Origins", {}).get("Items") or []
        if any(o.get("DomainName") == origin_domain for o in origins):
            return {"id": dist["Id"], "domain": dist["DomainName"]}
    created = cf.create_distribution(
        DistributionConfig={
            "CallerReference": f"ecoeco-sandbox-{uuid.uuid4().hex}",
            "Comment": DISTRIBUTION_COMMENT,
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": f"s3-{bucket}",
                        "DomainName": origin_domain,
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                    }
                ],
            },
            "DefaultCacheBehavior": {
                "TargetOriginId": f"s3-{bucket}",
                "ViewerProtocolPolicy": "redirect-to-https",
                "MinTTL": 0,
                "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
                "TrustedSigners": {"Enabled": False, "Quantity": 0},
            },
        }
    )["Distribution"]
    return {"id": created["Id"], "domain": created["DomainName"]}


def ensure_resources(endpoint_url: str, region: str, bucket: str, attempts: int = 5) -> dict[str, str]:
    """Bucket and distribution; retried briefly because a freshly started moto may still be warming up."""
    for attempt in range(attempts):
        try:
            ensure_bucket(endpoint_url, region, bucket)
            dist = ensure_distribution(endpoint_url, region, bucket)
            break
        except Exception:
            if attempt == attempts - 1:
                raise
            time.sleep(1.0)
    return {
        "endpoint_url": endpoint_url,
        "region": region,
        "bucket": bucket,
        "cloudfront_distribution_id": dist["id"],
        "cloudfront_domain": dist["domain"],
    }
