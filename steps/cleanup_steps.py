"""Cleanup of what a run created, and its guard."""

import hashlib

from behave import given, then, when

from datagen.checksums import sha256_bytes
from quilt_e2e import cleanup
from quilt_e2e.domain import packages as pk


@given("the run has written {count:d} files to the scratch bucket")
def step_scratch_files(context, count):
    world = context.world
    s3 = world.s3()
    for index in range(count):
        s3.put_object(Bucket=world.settings.scratch_bucket, Key=f"{world.settings.run_id}/scratch-{index}.txt", Body=b"x")
    assert len(cleanup.run_scratch_objects(s3, world.settings)) >= count


@when("the run is cleaned up")
def step_clean(context):
    world = context.world
    world.result = cleanup.clean_run(world.s3(), world.settings, context.suite_run.started_at)


@then("the scratch bucket holds no files of this run")
def step_scratch_empty(context):
    world = context.world
    left = cleanup.run_scratch_objects(world.s3(), world.settings)
    assert not left, f"scratch still holds {left[:5]}"


@then("the registry holds no package of this run")
def step_no_run_packages(context):
    world = context.world
    left = [name for name in pk.registry_packages(world) if name.startswith(f"{world.settings.run_id}/")]
    assert not left, f"packages of this run remain: {left}"


@then("the reference data in the data bucket still matches its checksums")
def step_reference_intact(context):
    import datagen

    world = context.world
    report = datagen.validate(world.reference.data_dir)
    assert report.ok, f"local reference data no longer validates: {report}"
    s3 = world.s3()
    for key in world.reference.checksums:
        head = s3.head_object(Bucket=world.settings.data_bucket, Key=key)
        etag = head["ETag"].strip('"')
        if "-" in etag:  # multipart upload: the ETag is no MD5, compare the bytes
            body = s3.get_object(Bucket=world.settings.data_bucket, Key=key)["Body"].read()
            assert sha256_bytes(body) == world.reference.checksums[key], f"{key} changed"
        else:
            local_md5 = hashlib.md5((world.reference.data_dir / key).read_bytes()).hexdigest()
            assert etag == local_md5, f"{key} in the data bucket differs from the reference"


@when("I ask cleanup to empty the {which} bucket")
def step_clean_bucket(context, which):
    world = context.world
    bucket = {"data": world.settings.data_bucket, "unrelated": "someone-elses-bucket"}[which]
    world.target_bucket = bucket
    try:
        cleanup.clean_scratch(world.s3(), world.settings, context.suite_run.started_at, bucket=bucket)
        world.result = None
    except cleanup.CleanupRefused as refusal:  # our own guard, not the SUT
        world.result = refusal


@then("cleanup refuses, naming the bucket")
def step_refused(context):
    world = context.world
    assert isinstance(world.result, cleanup.CleanupRefused), "cleanup did not refuse"
    assert world.target_bucket in str(world.result), f"refusal does not name the bucket: {world.result}"
