"""Idempotent upload of a validated data directory to S3."""

from __future__ import annotations

import os
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from botocore.exceptions import ClientError
from tqdm import tqdm

from .checksums import BOOKKEEPING_FILES, load_checksums, sha256_file, validate
from .errors import DataDirError, UploadError

# Fixed map rather than mimetypes, whose answers depend on the machine's /etc/mime.types.
CONTENT_TYPES = {
    ".csv": "text/csv",
    ".json": "application/json",
    ".md": "text/markdown",
    ".parquet": "application/vnd.apache.parquet",
    ".arrow": "application/vnd.apache.arrow.file",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".pdf": "application/pdf",
}
SHA256_METADATA_KEY = "sha256"


@dataclass
class UploadReport:
    uploaded: list[str] = field(default_factory=list)  # keys written
    skipped: list[str] = field(default_factory=list)  # keys already holding the same sha256
    bytes_uploaded: int = 0
    bytes_skipped: int = 0

    def summary(self, bucket: str, prefix: str) -> str:
        target = f"s3://{bucket}/{prefix + '/' if prefix else ''}"
        return (
            f"uploaded {len(self.uploaded)} files ({self.bytes_uploaded} bytes), "
            f"skipped {len(self.skipped)} unchanged ({self.bytes_skipped} bytes) to {target}"
        )


def object_key(prefix: str, relpath: str) -> str:
    prefix = prefix.strip("/")
    return f"{prefix}/{relpath}" if prefix else relpath


def upload(
    data_dir: str | os.PathLike,
    s3_client,
    bucket: str,
    prefix: str = "",
    progress: bool = False,
    workers: int = 4,
) -> UploadReport:
    """Upload every file in checksums.json, then checksums.json and manifest.json, to s3://bucket/prefix/.

    The directory is validated first (DataDirError if it is not intact). An object
    whose `sha256` metadata already equals the file's digest is skipped. The two
    bookkeeping files go last, so a manifest in the bucket means the data is complete.
    botocore errors (credentials, endpoint) propagate; a missing bucket raises UploadError.
    """
    data_dir = Path(data_dir)
    report = validate(data_dir)
    if not report.ok:
        raise DataDirError(f"refusing to upload {data_dir}: {report.summary()}; run 'validate {data_dir}' for details")
    _check_bucket(s3_client, bucket)

    checksums = load_checksums(data_dir)
    data_files = [(relpath, checksums[relpath]) for relpath in sorted(checksums)]
    bookkeeping = [(name, sha256_file(data_dir / name)) for name in BOOKKEEPING_FILES]
    total_bytes = sum((data_dir / relpath).stat().st_size for relpath, _ in data_files + bookkeeping)

    result = UploadReport()
    disable_bar = not progress
    with (
        tqdm(total=total_bytes, unit="B", unit_scale=True, file=sys.stderr, disable=disable_bar,
             desc=f"s3://{bucket}") as bar,
        ThreadPoolExecutor(max_workers=max(1, workers)) as pool,
    ):
        for batch in (data_files, bookkeeping):
            futures = {
                pool.submit(_upload_one, s3_client, bucket, object_key(prefix, relpath), data_dir / relpath, digest):
                    relpath
                for relpath, digest in batch
            }
            for future in as_completed(futures):
                key, size, written = future.result()
                if written:
                    result.uploaded.append(key)
                    result.bytes_uploaded += size
                else:
                    result.skipped.append(key)
                    result.bytes_skipped += size
                bar.update(size)
    result.uploaded.sort()
    result.skipped.sort()
    return result


def _check_bucket(s3_client, bucket: str) -> None:
    try:
        s3_client.head_bucket(Bucket=bucket)
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", ""))
        if code in ("404", "NoSuchBucket", "NotFound"):
            raise UploadError(f"bucket {bucket} does not exist; create it first or pass another --bucket") from None
        if code in ("403", "AccessDenied", "Forbidden"):
            raise UploadError(f"access to bucket {bucket} is denied; check the credentials and bucket policy") from None
        raise


def _upload_one(s3_client, bucket: str, key: str, path: Path, digest: str) -> tuple[str, int, bool]:
    size = path.stat().st_size
    if _stored_digest(s3_client, bucket, key) == digest:
        return key, size, False
    extra = {"ContentType": CONTENT_TYPES.get(path.suffix, "application/octet-stream")}
    with open(path, "rb") as body:
        s3_client.put_object(Bucket=bucket, Key=key, Body=body, Metadata={SHA256_METADATA_KEY: digest}, **extra)
    return key, size, True


def _stored_digest(s3_client, bucket: str, key: str) -> str | None:
    try:
        head = s3_client.head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if str(error.response.get("Error", {}).get("Code", "")) in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
    return head.get("Metadata", {}).get(SHA256_METADATA_KEY)
