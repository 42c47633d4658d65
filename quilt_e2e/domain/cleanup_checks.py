"""Checks of cleanup scenarios: what a run leaves behind in scratch, the registry and the reference data."""

from __future__ import annotations

import hashlib

from quilt_e2e import cleanup
from quilt_e2e.domain import packages as pk
from quilt_e2e.domain.world import World


# -- the checks behind steps/cleanup_steps.py ---------------------------------------------------------
def write_scratch_files(world: World, count) -> None:
    """Given the run has written {count:d} files to the scratch bucket."""
    s3 = world.s3()
    for index in range(count):
        key = f"{world.settings.run_id}/scratch-{index}.txt"
        s3.put_object(Bucket=world.settings.scratch_bucket, Key=key, Body=b"x")
    assert len(cleanup.run_scratch_objects(s3, world.settings)) >= count


def assert_scratch_empty(world: World) -> None:
    """Then the scratch bucket holds no files of this run."""
    left = cleanup.run_scratch_objects(world.s3(), world.settings)
    assert not left, f"scratch still holds {left[:5]}"


def assert_no_run_packages(world: World) -> None:
    """Then the registry holds no package of this run."""
    left = [name for name in pk.registry_packages(world) if name.startswith(f"{world.settings.run_id}/")]
    assert not left, f"packages of this run remain: {left}"


def assert_reference_intact(world: World) -> None:
    """Then the reference data in the data bucket still matches its checksums."""
    import datagen

    world = world
    report = datagen.validate(world.reference.data_dir)
    assert report.ok, f"local reference data no longer validates: {report}"
    s3 = world.s3()
    for key in world.reference.checksums:
        head = s3.head_object(Bucket=world.settings.data_bucket, Key=key)
        etag = head["ETag"].strip('"')
        if "-" in etag:  # multipart upload: the ETag is no MD5, compare the bytes
            body = s3.get_object(Bucket=world.settings.data_bucket, Key=key)["Body"].read()
            assert world.reference.holds_bytes(key, body), f"{key} changed"
        else:
            local_md5 = hashlib.md5((world.reference.data_dir / key).read_bytes()).hexdigest()
            assert etag == local_md5, f"{key} in the data bucket differs from the reference"


def assert_refused(world: World) -> None:
    """Then cleanup refuses, naming the bucket."""
    assert isinstance(world.result, cleanup.CleanupRefused), "cleanup did not refuse"
    assert world.target_bucket in str(world.result), f"refusal does not name the bucket: {world.result}"
