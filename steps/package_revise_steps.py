"""Revising, comparing and deleting packages, and reading a package through the other backend."""

from behave import then, when

import quilt_e2e.step_types  # noqa: F401  (registers Text/Label)
from quilt_e2e.domain import cross_backend
from quilt_e2e.domain import package_checks as checks
from quilt_e2e.domain import packages as pk
from quilt_e2e.stack.baseline import baseline_package_name


# -- When: revise --------------------------------------------------------------------------------
@when('I add the {dataset} dataset to the package with tags "{tags}"')
def step_add_dataset(context, dataset, tags):
    pk.add_to_package(context.world, dataset, metadata=pk.metadata_with(tags=tags))


@when("I add version {version} of the versioned-data dataset to the package")
def step_add_version(context, version):
    pk.add_to_package(context.world, "versioned-data", subdir=version)


@when('I add version {version} of the versioned-data dataset to the package keeping its folders, with copies '
      'and the commit message "{message}"')
def step_add_version_options(context, version, message):
    pk.add_to_package(context.world, "versioned-data", subdir=version, auto_organize=True, copy="all",
                      message=message)


@when("I add version {version} of the versioned-data dataset to the package together with folders, bare buckets "
      "and a web address")
def step_add_version_with_junk(context, version):
    world = context.world
    bucket = world.settings.data_bucket
    junk = (f"s3://{bucket}/versioned-data/{version}/", f"s3://{bucket}", f"s3://{bucket}/",
            "https://example.com/file.csv")
    pk.add_to_package(world, "versioned-data", subdir=version, extra_uris=junk)


@when('I try to add the {dataset} dataset to the package "{label}"')
def step_try_add(context, dataset, label):
    world = context.world
    pk.try_update(world, world.run_package_name(label), world.reference.uris(dataset), world.registry)


def _note_pointers(world):
    world.pointers_before = {tag for tag in pk.package_pointers(world, pk.current(world).name) if tag != "latest"}


@when("I try to add no files at all to the package")
def step_try_add_nothing(context):
    world = context.world
    _note_pointers(world)
    pk.try_update(world, pk.current(world).name, [], world.registry)


@when("I try to add only folders, a bare bucket, a web address and a number to the package")
def step_try_add_junk(context):
    world = context.world
    _note_pointers(world)
    bucket = world.settings.data_bucket
    junk = [f"s3://{bucket}/simple-csv/", f"s3://{bucket}/", "https://example.com/file.csv", f"s3://{bucket}", 42]
    pk.try_update(world, pk.current(world).name, junk, world.registry)


@when("I try to add the {dataset} dataset to the package without naming a registry")
def step_try_add_no_registry(context, dataset):
    world = context.world
    _note_pointers(world)
    pk.try_update(world, pk.current(world).name, world.reference.uris(dataset), None)


@when("I try to add a file that does not exist to the package")
def step_try_add_missing(context):
    world = context.world
    _note_pointers(world)
    pk.try_update(world, pk.current(world).name, [pk.missing_file_uri(world)], world.registry)


# -- When: compare / delete ------------------------------------------------------------------------------
@when("I compare the first revision of the package with the latest")
def step_diff_revisions(context):
    world = context.world
    package = pk.current(world)
    first, latest = package.revisions[0], package.latest
    world.result = world.ops.diff_packages(package.name, package.name, world.registry, first, latest)


@when("I compare the latest revision of the package with the first")
def step_diff_revisions_back(context):
    world = context.world
    package = pk.current(world)
    first, latest = package.revisions[0], package.latest
    world.result = world.ops.diff_packages(package.name, package.name, world.registry, latest, first)


@when("I compare baseline package {first} with baseline package {second}")
def step_diff_baselines(context, first, second):
    world = context.world
    world.result = world.ops.diff_packages(baseline_package_name(first), baseline_package_name(second), world.registry)


@when("I compare the package with itself")
def step_diff_self(context):
    world = context.world
    name = pk.current(world).name
    world.result = world.ops.diff_packages(name, name, world.registry)


@when('I try to compare the package at revision "{revision}" with its latest revision')
def step_try_diff(context, revision):
    world = context.world
    name = pk.current(world).name
    world.attempt(lambda: world.ops.diff_packages(name, name, world.registry, revision, None))


@when('I try to compare the package with the package "{other}"')
def step_try_diff_other(context, other):
    world = context.world
    world.attempt(lambda: world.ops.diff_packages(pk.current(world).name, other, world.registry))


@when("I delete the package, naming the registry {form}")
def step_delete(context, form):
    world = context.world
    bucket = {"by its name": world.settings.packages_bucket, "as an S3 URI": world.registry}[form]
    world.result = world.ops.delete_package(bucket, pk.current(world).name)


@when("I delete a package that does not exist")
def step_delete_missing(context):
    world = context.world
    world.result = world.ops.delete_package(world.settings.packages_bucket, world.run_package_name("never-made"))


@when("I delete a package from a bucket that does not exist")
def step_delete_missing_bucket(context):
    world = context.world
    world.result = world.ops.delete_package(f"{world.settings.run_id}-no-such-bucket", "test-user/simple-csv")


# -- Then: revision ----------------------------------------------------------------------------------------
@then("the package has a new revision")
def step_new_revision(context):
    checks.assert_new_revision(context.world)


@then("the update result names the package, its registry and its new revision")
def step_update_result(context):
    checks.assert_update_result(context.world)


@then("the latest revision holds the files of {first} and {second}")
def step_latest_holds(context, first, second):
    world = context.world
    pk.assert_sources(world, pk.current(world).latest, [first, second])


@then("the previous revision still holds only the files of {dataset}")
def step_previous_holds(context, dataset):
    world = context.world
    pk.assert_sources(world, pk.current(world).revisions[-2], [dataset])


@then("every file of the new revision stays where it is in the data bucket")
def step_all_referenced(context):
    checks.assert_all_referenced(context.world)


@then("the added files sit at the package root under their own names")
@then("the added files sit at their path in the data bucket")
def step_added_keys(context):
    checks.assert_added_keys(context.world)


@then("the files that were in the package keep their own metadata")
def step_entry_meta_kept(context):
    checks.assert_entry_metadata_kept(context.world)


@then("the package still has only its previous revision")
def step_unchanged(context):
    checks.assert_revisions_unchanged(context.world)


@then('the diff lists added "{added:Text}", modified "{modified:Text}" and deleted "{deleted:Text}"')
def step_diff(context, added, modified, deleted):
    checks.assert_diff(context.world, added, modified, deleted)


# -- Then: deletion -------------------------------------------------------------------------------------------
@then("the deletion is confirmed")
def step_deleted(context):
    checks.assert_deleted(context.world)


@then("the deletion reports that nothing was deleted")
def step_nothing_deleted(context):
    checks.assert_nothing_deleted(context.world)


@then("the registry no longer lists the package")
def step_not_listed(context):
    checks.assert_not_listed(context.world)


@then("the registry still lists the package")
def step_still_listed(context):
    checks.assert_still_listed(context.world)


@then("the registry holds no revision pointer of the package")
def step_no_pointers(context):
    checks.assert_no_pointers(context.world)


@then("the {dataset} reference data is still in the data bucket")
def step_reference_kept(context, dataset):
    checks.assert_reference_kept(context.world, dataset)


@then("every baseline package is still in the registry")
def step_baselines_kept(context):
    checks.assert_baselines_kept(context.world)


# -- cross-backend ---------------------------------------------------------------------------------------
@when("I read the package through the other backend")
def step_read_other_backend(context):
    world = context.world
    world.other_ops = cross_backend.other_ops(world)
    world.result = cross_backend.files_of(world, world.other_ops, pk.current(world).name)


@when('I find the package, browse it and ask for a link to its file "{key}" through the other backend')
def step_view_other_backend(context, key):
    world = context.world
    world.other_view, world.other_key = cross_backend.view_through_other(world, key), key


@then("the other backend shows it as the registry has it, with a link that serves that file's bytes")
def step_other_backend_view(context):
    world = context.world
    checks.assert_other_backend_view(world, world.other_view, world.other_key)


@then("it shows the same files with the same sizes as the reference data")
def step_other_files(context):
    checks.assert_files_of_latest(context.world, context.world.result)


@then('it shows description "{description}" and tags "{tags}"')
def step_other_metadata(context, description, tags):
    checks.assert_other_metadata(context.world, description, tags)
