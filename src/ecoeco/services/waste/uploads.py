"""Object storage for uploads: presigned PUT URLs, existence checks, direct puts, image sniffing."""

from __future__ import annotations

import io
from typing import Any

from botocore.exceptions import ClientError
from PIL import Image, UnidentifiedImageError

from ecoeco.services.common.settings import Settings
from ecoeco.services.common.storage import s3_client

EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
PIL_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


def object_key(user_id: str, job_id: str, content_type: str) -> str:
    return f"uploads/{user_id}/{job_id}.{EXTENSIONS[content_type]}"


class Uploads:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.s3: Any = s3_client(settings)

    def presign_put(self, key: str, content_type: str) -> str:
        # Signing is local: no network call, so this cannot hang on a slow endpoint.
        return self.s3.generate_presigned_url(
            "put_object",
            Params={"Bucket": self.settings.s3_bucket, "Key": key, "ContentType": content_type},
            ExpiresIn=self.settings.presigned_url_ttl_s,
        )

    def presign_get(self, key: str) -> str:
        return self.s3.generate_presigned_url(
            "get_object",
            Params={"Bucket": self.settings.s3_bucket, "Key": key},
            ExpiresIn=self.settings.presigned_url_ttl_s,
        )

    def size_of(self, key: str) -> int | None:
        """Size of the uploaded object, or None when it is not there."""
        try:
            head = self.s3.head_object(Bucket=self.settings.s3_bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return int(head["ContentLength"])

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.s3.put_object(Bucket=self.settings.s3_bucket, Key=key, Body=data, ContentType=content_type)

    def delete(self, key: str) -> None:
        self.s3.delete_object(Bucket=self.settings.s3_bucket, Key=key)

    def delete_many(self, keys: list[str]) -> set[str]:
        """Delete up to 1000 objects in one request (missing ones count as deleted); returns the keys
        S3 could not delete."""
        if not keys:
            return set()
        answer = self.s3.delete_objects(
            Bucket=self.settings.s3_bucket,
            Delete={"Objects": [{"Key": k} for k in keys], "Quiet": True},
        )
        return {e["Key"] for e in answer.get("Errors", [])}


def sniff_image(data: bytes) -> str | None:
    """The image's real content type (JPEG, PNG or WebP), whatever the client claimed; None otherwise."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt = img.format
            img.verify()  # structure check without decoding every pixel
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
    return PIL_FORMATS.get(fmt or "")
