"""Cleanup of what a run created, and its guard."""


from behave import given, then, when

from quilt_e2e import cleanup
from quilt_e2e.domain import cleanup_checks


@given("the run has written {count:d} files to the scratch bucket")
def step_scratch_files(context, count):
    cleanup_checks.write_scratch_files(context.world, count)


@when("the run is cleaned up")
def step_clean(context):
    world = context.world
    world.result = cleanup.clean_run(world.s3(), world.settings, context.suite_run.started_at)


@then("the scratch bucket holds no files of this run")
def step_scratch_empty(context):
    cleanup_checks.assert_scratch_empty(context.world)


@then("the registry holds no package of this run")
def step_no_run_packages(context):
    cleanup_checks.assert_no_run_packages(context.world)


@then("the reference data in the data bucket still matches its checksums")
def step_reference_intact(context):
    cleanup_checks.assert_reference_intact(context.world)


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
    cleanup_checks.assert_refused(context.world)
