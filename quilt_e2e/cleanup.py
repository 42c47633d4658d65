"""Remove what a run created, and nothing else.

Only the configured scratch and registry buckets are ever written to, and within them only what carries
the run id: scratch objects under `<run_id>/`, Athena results written since the run started, and packages
in the `<run_id>/` namespace. Reference data and baseline packages are never touched.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from quilt_e2e.config import Settings
from quilt_e2e.domain.registry import named_packages
from quilt_e2e.stack.provision import athena_output_location


class CleanupRefused(Exception):
    """Cleanup was asked to touch something outside its configured set."""


@dataclass
class CleanupReport:
    scratch_objects_deleted: int = 0
    packages_deleted: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return f"cleanup: {self.scratch_objects_deleted} scratch object(s), {len(self.packages_deleted)} package(s) removed"


def guard_bucket(settings: Settings, bucket: str) -> None:
    if bucket not in settings.owned_buckets:
        raise CleanupRefused(
            f"refusing to clean bucket '{bucket}': cleanup only touches the configured scratch and registry buckets "
            f"({', '.join(sorted(settings.owned_buckets))})"
        )


def _delete_keys(s3, bucket: str, keys: list[str]) -> int:
    for start in range(0, len(keys), 1000):
        batch = [{"Key": key} for key in keys[start : start + 1000]]
        s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
    return len(keys)


def clean_scratch(s3, settings: Settings, run_started: dt.datetime, bucket: str | None = None) -> int:
    """Delete the run's scratch objects; returns how many."""
    bucket = bucket or settings.scratch_bucket
    guard_bucket(settings, bucket)
    if bucket != settings.scratch_bucket:
        raise CleanupRefused(f"refusing to empty '{bucket}' as scratch: the scratch bucket is '{settings.scratch_bucket}'")
    results_prefix = athena_output_location(settings).split("/", 3)[3]
    keys = []
    # Athena names results by query id, not by run: on a shared stack "written since the run started" would
    # take other runs' results too, so they stay until the stack server stops (its S3 lives in its memory).
    prefixes = (f"{settings.run_id}/",) if settings.stack == "shared" else (f"{settings.run_id}/", results_prefix)
    for prefix in prefixes:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                if prefix == results_prefix and obj["LastModified"] < run_started:
                    continue  # another run's query results
                keys.append(obj["Key"])
    return _delete_keys(s3, bucket, keys)


def run_scratch_objects(s3, settings: Settings) -> list[str]:
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=settings.scratch_bucket, Prefix=f"{settings.run_id}/"):
        keys.extend(obj["Key"] for obj in page.get("Contents", []))
    return keys


def delete_run_packages(s3, settings: Settings, bucket: str | None = None) -> list[str]:
    """Delete every package in the run's namespace (all revisions' pointers, and any copied objects)."""
    bucket = bucket or settings.packages_bucket
    guard_bucket(settings, bucket)
    import quilt3  # only after the guard: quilt3 must be imported inside the sandbox
    names = sorted(named_packages(s3, bucket, namespace=settings.run_id))
    for name in names:
        quilt3.delete_package(name, registry=f"s3://{bucket}")
    # objects copied into the registry by `copy=True` pushes live under the package name
    copied = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{settings.run_id}/"):
        copied.extend(obj["Key"] for obj in page.get("Contents", []))
    _delete_keys(s3, bucket, copied)
    return names


def clean_run(s3, settings: Settings, run_started: dt.datetime) -> CleanupReport:
    report = CleanupReport()
    report.scratch_objects_deleted = clean_scratch(s3, settings, run_started)
    report.packages_deleted = delete_run_packages(s3, settings)
    return report
