"""Independent reads of a Quilt registry bucket with plain boto3: what the SUT really wrote."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qs, unquote, urlparse

from quilt_e2e.stack.registry_layout import MANIFESTS, POINTERS


@dataclass(frozen=True)
class ManifestEntry:
    logical_key: str
    physical_key: str
    size: int
    hash_type: str
    hash_value: str
    meta: dict = field(default_factory=dict, compare=False)  # the entry's whole `meta` (user_meta inside)

    @property
    def user_meta(self) -> dict | None:
        """The metadata a user gave the entry (quilt3 keeps it under `user_meta`), or None."""
        return self.meta.get("user_meta") if isinstance(self.meta, dict) else None


@dataclass(frozen=True)
class S3Location:
    bucket: str
    key: str
    version: str | None


def split_physical_key(physical_key: str) -> S3Location:
    """bucket, key and version id of s3://bucket/key[?versionId=...]."""
    parsed = urlparse(physical_key)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise AssertionError(f"not an S3 physical key: {physical_key}")
    version = parse_qs(parsed.query).get("versionId", [None])[0]
    return S3Location(parsed.netloc, unquote(parsed.path.lstrip("/")), version)


def read_manifest(s3, bucket: str, top_hash: str) -> tuple[dict, dict[str, ManifestEntry]]:
    """(package metadata line, entries by logical key) of the manifest `top_hash`."""
    body = s3.get_object(Bucket=bucket, Key=f"{MANIFESTS}{top_hash}")["Body"].read().decode()
    lines = [json.loads(line) for line in body.splitlines() if line.strip()]
    header, entries = lines[0], {}
    for row in lines[1:]:
        if not row.get("physical_keys"):
            continue  # a directory row carries metadata only
        entries[row["logical_key"]] = ManifestEntry(
            logical_key=row["logical_key"],
            physical_key=row["physical_keys"][0],
            size=row["size"],
            hash_type=row["hash"]["type"],
            hash_value=row["hash"]["value"],
            meta=row.get("meta") or {},
        )
    return header, entries


def manifest_exists(s3, bucket: str, top_hash: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        s3.head_object(Bucket=bucket, Key=f"{MANIFESTS}{top_hash}")
    except ClientError:
        return False
    return True


def latest_top_hash(s3, bucket: str, package_name: str) -> str:
    key = f"{POINTERS}{package_name}/latest"
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode().strip()


def pointer_tags(s3, bucket: str, package_name: str) -> set[str]:
    """The tags of a package's revision pointers (epoch seconds, or "latest"), from the listing alone."""
    prefix = f"{POINTERS}{package_name}/"
    found = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            tag = obj["Key"][len(prefix):]
            if tag and "/" not in tag:
                found.add(tag)
    return found


def pointers(s3, bucket: str, package_name: str) -> dict[str, str]:
    """Every revision pointer of a package: tag (epoch seconds, or "latest") → top hash. {} when none.
    One GET per pointer: where only the tags matter, `pointer_tags` saves them (1,001 GETs cost ~10 s)."""
    prefix = f"{POINTERS}{package_name}/"
    return {tag: s3.get_object(Bucket=bucket, Key=prefix + tag)["Body"].read().decode().strip()
            for tag in pointer_tags(s3, bucket, package_name)}


def revision_time(s3, bucket: str, package_name: str, top_hash: str) -> datetime:
    """When a revision was pushed: the newest timestamped pointer naming it (quilt3 names pointers by epoch
    second)."""
    stamps = [int(tag) for tag, pointed in pointers(s3, bucket, package_name).items()
              if tag.isdigit() and pointed == top_hash]
    if not stamps:
        raise AssertionError(f"no timestamped pointer of {package_name} names revision {top_hash}")
    return datetime.fromtimestamp(max(stamps), UTC)


def parse_iso(text: str) -> datetime:
    """An ISO-8601 date-time as Quilt writes them ('Z' or an offset); a naive one is taken as UTC."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)
