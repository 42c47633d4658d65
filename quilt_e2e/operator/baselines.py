"""`quilt-e2e baselines`: write or verify the baseline packages (infrastructure guide 2.2) on a stack.

Writing reuses the stack's own steps: the reference data of the configured profile (generated and validated by
datagen, uploaded idempotently) and stack/baseline.py, which skips baselines the registry already has.
Verifying reads the registry with plain boto3 and compares every baseline with what stack/baseline.py would
write: the same entries, pointing at the data bucket's objects, with the reference data's hashes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from quilt_e2e.config import Settings
from quilt_e2e.stack.baseline import BASELINES, baseline_entries, baseline_metadata, baseline_package_name


@dataclass
class BaselineStatus:
    name: str
    problems: list[str] = field(default_factory=list)
    top_hash: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def ensure_local_data(settings: Settings, data_dir: Path) -> None:
    """The reference data of the configured profile in `data_dir`, generated again if missing or damaged."""
    import datagen

    report = datagen.validate(data_dir) if (data_dir / "checksums.json").exists() else None
    if report is None or not report.ok:
        datagen.generate(settings.data_profile, data_dir)


def ensure_reference_data(settings: Settings, data_dir: Path, s3) -> int:
    """Generate (if needed) and upload the reference data; returns objects uploaded."""
    import datagen

    ensure_local_data(settings, data_dir)
    return len(datagen.upload(data_dir, s3, settings.data_bucket).uploaded)


def verify(settings: Settings, data_dir: Path, s3) -> list[BaselineStatus]:
    """One status per baseline; a problem names what differs."""
    from botocore.exceptions import ClientError

    from datagen.checksums import load_checksums, quilt_hash_from_sha256
    from quilt_e2e.domain.registry import latest_top_hash, read_manifest, split_physical_key

    checksums = load_checksums(data_dir)
    statuses = []
    for baseline in BASELINES:
        status = BaselineStatus(baseline_package_name(baseline.name))
        statuses.append(status)
        try:
            status.top_hash = latest_top_hash(s3, settings.packages_bucket, status.name)
            header, entries = read_manifest(s3, settings.packages_bucket, status.top_hash)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "?")
            status.problems.append(f"not in s3://{settings.packages_bucket} ({code})")
            continue
        expected = baseline_entries(baseline, data_dir)
        missing, extra = sorted(set(expected) - set(entries)), sorted(set(entries) - set(expected))
        if missing:
            status.problems.append(f"{len(missing)} entr(ies) missing, e.g. {missing[0]}")
        if extra:
            status.problems.append(f"{len(extra)} unexpected entr(ies), e.g. {extra[0]}")
        for logical_key in sorted(set(expected) & set(entries)):
            entry, data_key = entries[logical_key], expected[logical_key]
            location = split_physical_key(entry.physical_key)
            if (location.bucket, location.key) != (settings.data_bucket, data_key):
                status.problems.append(
                    f"{logical_key} points at {entry.physical_key}, not s3://{settings.data_bucket}/{data_key}")
            elif entry.hash_value != quilt_hash_from_sha256(checksums[data_key]):
                status.problems.append(
                    f"{logical_key} has another hash than the reference data (data version changed?)")
        if header.get("user_meta") != baseline_metadata(baseline, data_dir):
            status.problems.append("package metadata differs from the reference data's")
        for data_key in sorted(set(expected.values())):
            try:
                s3.head_object(Bucket=settings.data_bucket, Key=data_key)
            except ClientError:
                status.problems.append(f"reference object s3://{settings.data_bucket}/{data_key} is missing")
                break
    return statuses


def create(settings: Settings, data_dir: Path, s3) -> tuple[int, dict[str, str], set[str]]:
    """(objects uploaded, package name → top hash, names that existed before). Imports quilt3: call it inside
    the stack's sandbox."""
    from quilt_e2e.stack.baseline import BASELINE_NAMESPACE, create_baseline_packages
    from quilt_e2e.stack.registry_layout import named_packages

    uploaded = ensure_reference_data(settings, data_dir, s3)
    existing = named_packages(s3, settings.packages_bucket, namespace=BASELINE_NAMESPACE)
    return uploaded, create_baseline_packages(settings, data_dir, s3), existing
