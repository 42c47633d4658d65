"""`quilt-e2e cleanup`: the guide's cleanup automation (section 5.1) for a real account, by age.

A run leaves nothing behind when it ends normally; this removes what killed or crashed runs left: run
namespaces (`e2e-YYYYmmdd-HHMMSS-xxxx/`) in the scratch bucket and in the package registry, and Athena
results in the scratch bucket, older than a given age. A namespace's age is that of its NEWEST object, so a
run still writing is never touched. Deletion goes through quilt_e2e.cleanup (its bucket guard, its package
deletion); baseline packages (`test-user/`), other packages and the data bucket are never candidates.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field

from quilt_e2e.cleanup import CleanupRefused, _delete_keys, delete_run_packages, guard_bucket, run_scratch_objects
from quilt_e2e.config import GENERATED_RUN_ID_RE, Settings
from quilt_e2e.stack.provision import athena_output_location
from quilt_e2e.stack.registry_layout import POINTERS, named_packages

RUN_ID_RE = GENERATED_RUN_ID_RE  # a run's or a parallel run's worker's
_AGE_RE = re.compile(r"^(\d+)([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


class AgeError(ValueError):
    pass


def parse_age(text: str) -> dt.timedelta:
    """'90m', '24h', '7d' → timedelta."""
    match = _AGE_RE.match(text.strip())
    if not match or int(match.group(1)) == 0:
        raise AgeError(f"age '{text}' must be a positive number with m, h or d (e.g. 24h, 7d)")
    return dt.timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


@dataclass
class Candidates:
    """What is old enough to go: run id → keys, per bucket; plus old Athena results."""

    scratch_runs: dict[str, list[str]] = field(default_factory=dict)
    athena_results: list[str] = field(default_factory=list)
    package_runs: dict[str, list[str]] = field(default_factory=dict)  # run id → package names
    kept_recent: list[str] = field(default_factory=list)  # run namespaces too young, for the listing

    @property
    def empty(self) -> bool:
        return not (self.scratch_runs or self.athena_results or self.package_runs)


def _newest_by_namespace(s3, bucket: str, prefix: str = "") -> dict[str, dt.datetime]:
    """First path segment after `prefix` → newest LastModified below it."""
    newest: dict[str, dt.datetime] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            namespace = obj["Key"][len(prefix):].split("/", 1)[0]
            if namespace not in newest or obj["LastModified"] > newest[namespace]:
                newest[namespace] = obj["LastModified"]
    return newest


def find_candidates(s3, settings: Settings, older_than: dt.timedelta, now: dt.datetime | None = None) -> Candidates:
    now = now or dt.datetime.now(dt.UTC)
    cutoff = now - older_than
    found = Candidates()
    for run_id, newest in sorted(_newest_by_namespace(s3, settings.scratch_bucket).items()):
        if not RUN_ID_RE.match(run_id):
            continue
        if newest < cutoff:
            found.scratch_runs[run_id] = run_scratch_objects(s3, dataclasses.replace(settings, run_id=run_id))
        else:
            found.kept_recent.append(f"s3://{settings.scratch_bucket}/{run_id}/")
    results_prefix = athena_output_location(settings).split("/", 3)[3]
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=settings.scratch_bucket, Prefix=results_prefix):
        found.athena_results += [o["Key"] for o in page.get("Contents", []) if o["LastModified"] < cutoff]
    # a run's age in the registry: its newest pointer or copied object (a push that died half-way may
    # have left copies without a pointer; delete_run_packages removes those too)
    newest_pointer = _newest_by_namespace(s3, settings.packages_bucket, POINTERS)
    newest_copy = _newest_by_namespace(s3, settings.packages_bucket)
    for run_id in sorted(set(newest_pointer) | set(newest_copy)):
        if not RUN_ID_RE.match(run_id):
            continue
        newest = max(stamp for stamp in (newest_pointer.get(run_id), newest_copy.get(run_id)) if stamp)
        if newest < cutoff:
            found.package_runs[run_id] = sorted(named_packages(s3, settings.packages_bucket, namespace=run_id))
        else:
            found.kept_recent.append(f"s3://{settings.packages_bucket}/{POINTERS}{run_id}/")
    return found


def delete_candidates(s3, settings: Settings, found: Candidates, buckets: set[str]) -> tuple[int, list[str]]:
    """Delete what `find_candidates` listed in `buckets` (each must pass the cleanup guard).
    Returns (scratch objects deleted, packages deleted). delete_run_packages imports quilt3: call this inside
    the stack's sandbox."""
    for bucket in buckets:
        guard_bucket(settings, bucket)
    objects, packages = 0, []
    if settings.scratch_bucket in buckets:
        for keys in found.scratch_runs.values():
            objects += _delete_keys(s3, settings.scratch_bucket, keys)
        objects += _delete_keys(s3, settings.scratch_bucket, found.athena_results)
    if settings.packages_bucket in buckets:
        for run_id in found.package_runs:
            packages += delete_run_packages(s3, dataclasses.replace(settings, run_id=run_id))
    return objects, packages


def check_buckets(settings: Settings, requested: list[str] | None) -> set[str]:
    """The buckets to clean: the configured scratch and registry buckets, or the requested ones if each of
    them is one of those (CleanupRefused otherwise)."""
    if not requested:
        return set(settings.owned_buckets)
    for bucket in requested:
        guard_bucket(settings, bucket)
    return set(requested)


__all__ = [
    "RUN_ID_RE",
    "AgeError",
    "Candidates",
    "CleanupRefused",
    "check_buckets",
    "delete_candidates",
    "find_candidates",
    "parse_age",
]
