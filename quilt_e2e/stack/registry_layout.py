"""Quilt's registry layout in S3, as quilt3 writes it: manifests by top hash, and per package one pointer per
revision plus `latest`. The baseline writer, cleanup and the domain's registry reads share it."""

from __future__ import annotations

MANIFESTS = ".quilt/packages/"
POINTERS = ".quilt/named_packages/"


def named_packages(s3, bucket: str, namespace: str | None = None) -> set[str]:
    """Package names that have a `latest` pointer in the registry (optionally one namespace only)."""
    prefix = POINTERS + (f"{namespace}/" if namespace else "")
    names = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            parts = obj["Key"][len(POINTERS):].split("/")
            if len(parts) == 3 and parts[2] == "latest":
                names.add(f"{parts[0]}/{parts[1]}")
    return names


def latest_pointer(s3, bucket: str, name: str) -> str | None:
    """The top hash the package's `latest` pointer names; None when the registry has no such package."""
    try:
        return s3.get_object(Bucket=bucket, Key=f"{POINTERS}{name}/latest")["Body"].read().decode().strip()
    except s3.exceptions.NoSuchKey:
        return None
