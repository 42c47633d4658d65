"""Independent reads of a Quilt registry bucket with plain boto3: what the SUT really wrote."""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class ManifestEntry:
    logical_key: str
    physical_key: str
    size: int
    hash_type: str
    hash_value: str


def read_manifest(s3, bucket: str, top_hash: str) -> tuple[dict, dict[str, ManifestEntry]]:
    """(package metadata line, entries by logical key) of the manifest `top_hash`."""
    body = s3.get_object(Bucket=bucket, Key=f".quilt/packages/{top_hash}")["Body"].read().decode()
    lines = [json.loads(line) for line in body.splitlines() if line.strip()]
    header, entries = lines[0], {}
    for row in lines[1:]:
        entries[row["logical_key"]] = ManifestEntry(
            logical_key=row["logical_key"],
            physical_key=row["physical_keys"][0],
            size=row["size"],
            hash_type=row["hash"]["type"],
            hash_value=row["hash"]["value"],
        )
    return header, entries


def named_packages(s3, bucket: str, namespace: str | None = None) -> set[str]:
    """Package names that have a `latest` pointer in the registry (optionally one namespace only)."""
    prefix = ".quilt/named_packages/" + (f"{namespace}/" if namespace else "")
    names = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            parts = obj["Key"][len(".quilt/named_packages/"):].split("/")
            if len(parts) == 3 and parts[2] == "latest":
                names.add(f"{parts[0]}/{parts[1]}")
    return names


def latest_top_hash(s3, bucket: str, package_name: str) -> str:
    key = f".quilt/named_packages/{package_name}/latest"
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode().strip()
