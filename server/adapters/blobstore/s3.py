"""Blob store on any S3-compatible service (MinIO, Ceph RGW, AWS, cloud OSS in S3 mode) via boto3."""
from __future__ import annotations

import hashlib
import io
from typing import IO

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from server.adapters.blobstore import check_hash, key_for, sha256_file


class S3BlobStore:
    def __init__(self, bucket: str, endpoint_url: str | None = None, access_key: str | None = None,
                 secret_key: str | None = None, region: str = "us-east-1"):
        self.bucket = bucket
        self.client = boto3.client(
            "s3", endpoint_url=endpoint_url, aws_access_key_id=access_key, aws_secret_access_key=secret_key,
            region_name=region,
            # Path-style works with MinIO and self-hosted gateways that have no wildcard DNS.
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 4, "mode": "standard"}))
        self._bucket_checked = False

    def prepare(self) -> None:
        self._ensure_bucket()

    def _ensure_bucket(self) -> None:
        """Create the bucket if it is missing (a fresh MinIO); provisioned buckets are left alone."""
        if self._bucket_checked:
            return
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket", "NotFound"):
                raise
            self.client.create_bucket(Bucket=self.bucket)
        self._bucket_checked = True

    def _head(self, sha256: str) -> dict | None:
        try:
            return self.client.head_object(Bucket=self.bucket, Key=key_for(sha256))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    def exists(self, sha256: str) -> bool:
        return self._head(sha256) is not None

    def size(self, sha256: str) -> int | None:
        head = self._head(sha256)
        return None if head is None else int(head["ContentLength"])

    def put_file(self, sha256: str, path: str, content_type: str) -> bool:
        check_hash(sha256, sha256_file(path))
        with open(path, "rb") as fh:
            return self._put(sha256, fh, content_type)

    def put_bytes(self, sha256: str, data: bytes, content_type: str) -> bool:
        check_hash(sha256, hashlib.sha256(data).hexdigest())
        return self._put(sha256, io.BytesIO(data), content_type)

    def _put(self, sha256: str, body: IO[bytes], content_type: str) -> bool:
        self._ensure_bucket()
        if self.exists(sha256):
            return False
        # The key is the content hash, so a racing writer can only write identical bytes; IfNoneMatch makes
        # stores that support conditional writes refuse even that.
        try:
            self.client.put_object(Bucket=self.bucket, Key=key_for(sha256), Body=body, ContentType=content_type,
                                   IfNoneMatch="*", Metadata={"sha256": sha256})
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("PreconditionFailed", "412",
                                                               "ConditionalRequestConflict"):
                return False
            raise
        return True

    def open(self, sha256: str) -> IO[bytes]:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=key_for(sha256))["Body"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                raise KeyError(sha256) from None
            raise
