"""Creating packages, the fixture packages scenarios start from, and what a creation leaves in the registry.
Revising, comparing and deleting are in package_revise_steps.py; reading and searching in package_read_steps.py."""

from behave import given, then, when

import quilt_e2e.step_types  # noqa: F401  (registers Text/Label)
from quilt_e2e.domain import package_checks as checks
from quilt_e2e.domain import packages as pk


# -- Given ---------------------------------------------------------------------------------------
@given("the {dataset} dataset is in the data bucket")
def step_dataset_in_bucket(context, dataset):
    pk.assert_dataset_in_bucket(context.world, dataset)


@given("the baseline package {name}")
def step_baseline(context, name):
    pk.use_baseline(context.world, name)


@given("a package made from version {version} of the versioned-data dataset")
def step_made_from_version(context, version):
    pk.create_from_dataset(context.world, "versioned-data", subdir=version, auto_organize=False)


# Fixture packages are written with quilt3 itself, not the SUT: a SUT defect cannot hide in the setup, and
# they cost no SUT call.
@given("the registry holds a package of the {dataset} dataset")
def step_fixture(context, dataset):
    pk.fixture_package(context.world, dataset)


@given('the registry holds a package of the {dataset} dataset with description "{description}" and tags "{tags}"')
def step_fixture_metadata(context, dataset, description, tags):
    pk.fixture_package(context.world, dataset, metadata=pk.metadata_with(description, tags))


@given("the registry holds a package of the {dataset} dataset whose files carry their own metadata")
def step_fixture_annotated(context, dataset):
    pk.fixture_package(context.world, dataset, annotated=True)


@given("the registry holds a package of the {dataset} dataset whose manifest records a negative file size")
def step_fixture_damaged(context, dataset):
    pk.damage_manifest(context.world, pk.fixture_package(context.world, dataset))


@given('the registry holds a package of the {dataset} dataset whose metadata gives the tags as the single word "{tag}"')
def step_fixture_word_tag(context, dataset, tag):
    pk.fixture_package(context.world, dataset, metadata={"description": f"{dataset} with one tag", "tags": tag})


@given("the registry holds a package of the {dataset} dataset with {count:d} revisions")
def step_fixture_long_history(context, dataset, count):
    pk.fixture_with_history(context.world, dataset, count)


@given("the registry holds a package of the {dataset} dataset with two revisions a minute apart")
def step_fixture_two_revisions(context, dataset):
    pk.fixture_package(context.world, dataset, revisions=2)


# -- When: create --------------------------------------------------------------------------------
@given('a package made from the {dataset} dataset with description "{description}" and tags "{tags}"')
@when('I create a package from the {dataset} dataset with description "{description}" and tags "{tags}"')
def step_create_with_metadata(context, dataset, description, tags):
    pk.create_from_dataset(context.world, dataset, metadata=pk.metadata_with(description, tags))


@given('the registry holds a package of the {dataset} dataset with the commit message "{message}" and no metadata')
def step_fixture_message(context, dataset, message):
    pk.fixture_package(context.world, dataset, metadata=None, message=message)


@given("the registry holds a package of the {dataset} dataset in its folder")
def step_fixture_folders(context, dataset):
    pk.fixture_package(context.world, dataset, folders=True)


@when('I create a package from the {dataset} dataset with the commit message "{message}"')
def step_create_with_message(context, dataset, message):
    pk.create_from_dataset(context.world, dataset, message=message)


@when("I create a package from the {dataset} dataset with its metadata file as package metadata")
def step_create_with_metadata_file(context, dataset):
    pk.create_from_dataset(context.world, dataset, metadata=pk.metadata_file(context.world, dataset))


@when("I create a package from the {dataset} dataset with empty metadata")
def step_create_empty_metadata(context, dataset):
    pk.create_from_dataset(context.world, dataset, metadata={})


@when("I create a package from the {dataset} dataset without auto-organize")
def step_create_flat(context, dataset):
    pk.create_from_dataset(context.world, dataset, auto_organize=False)


@when("I create a package from the {dataset} dataset with copies of its files")
def step_create_copies(context, dataset):
    pk.create_copies_from_dataset(context.world, dataset)


@when("I create another package of the same files without copies and with the same commit message")
def step_repackage_without_copies(context):
    pk.repackage_without_copies(context.world)


@when("I try to create a package from the {dataset} dataset in the registry named by its bucket alone")
def step_try_create_bare_registry(context, dataset):
    world = context.world
    pk.try_create_from_dataset(world, dataset, registry=world.settings.packages_bucket)


@then("the registry holds the new package with exactly the files of the {dataset} dataset")
def step_registry_holds_new(context, dataset):
    checks.assert_registry_holds_new(context.world, dataset)


@then("the call succeeds with the new revision")
def step_call_succeeds(context):
    checks.assert_call_succeeds(context.world)


@when("I create a package from the {dataset} dataset without naming a registry")
def step_create_default_registry(context, dataset):
    pk.create_from_dataset(context.world, dataset, registry=pk.OMITTED)


@given("a package made from the {dataset} dataset")
@when("I create a package from the {dataset} dataset")
def step_create(context, dataset):
    pk.create_from_dataset(context.world, dataset)


# -- When: refused creations -------------------------------------------------------------------------
@when('I try to create a package named "{name}" from the {dataset} dataset')
def step_try_create_named(context, name, dataset):
    pk.try_create(context.world, name, context.world.reference.uris(dataset))


@when("I try to create a package without a name from the {dataset} dataset")
def step_try_create_unnamed(context, dataset):
    pk.try_create(context.world, "", context.world.reference.uris(dataset))


@when("I try to create a package from the {dataset} dataset")
def step_try_create_package(context, dataset):
    world = context.world
    pk.try_create(world, world.run_package_name(f"{dataset}-refused"), world.reference.uris(dataset))


@when('I try to create a package from the location "{uri}"')
def step_try_create_uri(context, uri):
    world = context.world
    pk.try_create(world, world.run_package_name("bad-location"), [uri])


@when('I try to create a package from the {dataset} dataset followed by the location "{uri}"')
def step_try_create_second_uri(context, dataset, uri):
    world = context.world
    pk.try_create(world, world.run_package_name("bad-second-location"), [*world.reference.uris(dataset), uri])


@when("I try to create a package from no files at all")
def step_try_create_empty(context):
    world = context.world
    pk.try_create(world, world.run_package_name("no-files"), [])


@when("I try to create a package from the {dataset} location given as text rather than a list")
def step_try_create_text(context, dataset):
    world = context.world
    pk.try_create(world, world.run_package_name("text-location"), world.reference.uris(dataset)[0])


@when("I try to create a package from the {dataset} dataset without naming a registry")
def step_try_create_default_registry(context, dataset):
    world = context.world
    world.registry_before = pk.registry_packages(world)
    name = world.run_package_name(f"{dataset}-no-registry")
    world.package_request = pk.Request("create_package_revision", name, pk.s3_registry(world),
                                       world.reference.uris(dataset))
    world.attempt(lambda: world.ops.create_package_revision(name, world.reference.uris(dataset)))


@when("I try to create a package from the {dataset} dataset and a file that does not exist")
def step_try_create_missing_file(context, dataset):
    world = context.world
    uris = [*world.reference.uris(dataset), pk.missing_file_uri(world)]
    pk.try_create(world, world.run_package_name(f"{dataset}-with-missing-file"), uris)


# -- Then: creation ------------------------------------------------------------------------------------------
@then("the package is created with a 64-character top hash")
def step_created(context):
    pk.assert_created(context.world)


@then("the package is created in an S3 registry that holds it")
def step_created_somewhere(context):
    checks.assert_in_s3_registry(context.world)


@then("the result links to the package's page in the catalog")
def step_catalog_link(context):
    checks.assert_catalog_link(context.world)


@then("the package holds exactly the files of the {dataset} dataset")
def step_holds_dataset(context, dataset):
    pk.assert_holds_dataset(context.world, dataset)


@then("every file in the package has the checksum of the reference data")
def step_checksums(context):
    pk.assert_checksums_match(context.world)


@then('the new revision carries the commit message "{message}"')
def step_message(context, message):
    checks.assert_commit_message(context.world, message)


@then("the package has no metadata")
def step_no_metadata(context):
    checks.assert_no_metadata(context.world)


@then("every file of the new revision is a copy in the registry bucket under the package's name")
def step_copies(context):
    checks.assert_copies_in_registry(context.world)


@then("every file of the first package is still a copy in the registry bucket under its name")
def step_first_copies(context):
    checks.assert_copies_in_registry(context.world, context.world.packages["first"])


@then('the package metadata reads back with description "{description}" and tags "{tags}"')
def step_metadata(context, description, tags):
    pk.assert_metadata(context.world, pk.metadata_with(description, tags))


@then("the package metadata reads back identical to the metadata file")
def step_metadata_file(context):
    pk.assert_metadata(context.world, pk.metadata_file(context.world, "metadata-rich"))


@then("every file in the package sits at its path in the data bucket")
def step_keys_are_paths(context):
    checks.assert_keys_are_paths(context.world)


@then("every file in the package sits at the package root under its own name")
def step_keys_are_names(context):
    checks.assert_keys_are_names(context.world)


@then("the reported file count equals the number of files in the new revision")
def step_file_count(context):
    pk.assert_file_count_matches(context.world)


@then("the error names the package, the registry and the number of files it was given")
def step_error_names_request(context):
    world = context.world
    checks.assert_error_names_request(world, len(pk.request(world).uris))


@then("the registry holds no new package")
def step_no_new_package(context):
    checks.assert_no_new_package(context.world)
