"""Creating, reading, revising, comparing and deleting packages."""

import requests
from behave import given, then, when

from datagen.checksums import sha256_bytes
from quilt_e2e.domain import packages as pk
from quilt_e2e.domain.expectations import assert_same_names, diagnose_diff
from quilt_e2e.stack.baseline import BASELINES, baseline_package_name


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


# -- When: create / read -------------------------------------------------------------------------
@given('a package made from the {dataset} dataset with description "{description}" and tags "{tags}"')
@when('I create a package from the {dataset} dataset with description "{description}" and tags "{tags}"')
def step_create_with_metadata(context, dataset, description, tags):
    pk.create_from_dataset(context.world, dataset, metadata=pk.metadata_with(description, tags))


@when("I create a package from the {dataset} dataset with its metadata file as package metadata")
def step_create_with_metadata_file(context, dataset):
    pk.create_from_dataset(context.world, dataset, metadata=pk.metadata_file(context.world, dataset))


@when("I create a package from the {dataset} dataset without auto-organize")
def step_create_flat(context, dataset):
    pk.create_from_dataset(context.world, dataset, auto_organize=False)


@given("a package made from the {dataset} dataset")
@when("I create a package from the {dataset} dataset")
def step_create(context, dataset):
    pk.create_from_dataset(context.world, dataset)


@when("I ask for the package information")
def step_package_info(context):
    world = context.world
    world.result = world.call("get_package_info", pk.current(world).name, world.registry)


@when("I browse the root of the package")
def step_browse_root(context):
    world = context.world
    world.result = world.call("browse_content", pk.current(world).name, world.registry, "")


@when('I browse the folder "{path}" of the package')
def step_browse_folder(context, path):
    world = context.world
    world.result = world.call("browse_content", pk.current(world).name, world.registry, path)


@when('I try to browse the folder "{path}" of the package')
def step_try_browse(context, path):
    world = context.world
    world.attempt("browse_content", pk.current(world).name, world.registry, path)


@when('I ask for a download link to "{path}" in the package')
def step_download_link(context, path):
    world = context.world
    world.result = world.call("get_content_url", pk.current(world).name, world.registry, path)


# -- When: revise / compare / delete ---------------------------------------------------------------
@when('I add the {dataset} dataset to the package with tags "{tags}"')
def step_add_dataset(context, dataset, tags):
    pk.add_to_package(context.world, dataset, metadata=pk.metadata_with(tags=tags))


@when("I add version {version} of the versioned-data dataset to the package")
def step_add_version(context, version):
    pk.add_to_package(context.world, "versioned-data", subdir=version)


@when('I try to add the {dataset} dataset to the package "{label}"')
def step_try_add(context, dataset, label):
    world = context.world
    world.attempt(
        "update_package_revision", world.run_package_name(label), world.reference.uris(dataset), world.registry
    )


@when("I compare the first revision of the package with the latest")
def step_diff_revisions(context):
    world = context.world
    package = pk.current(world)
    world.result = world.call(
        "diff_packages", package.name, package.name, world.registry, package.revisions[0], package.latest
    )


@when("I compare baseline package {first} with baseline package {second}")
def step_diff_baselines(context, first, second):
    world = context.world
    world.result = world.call(
        "diff_packages", baseline_package_name(first), baseline_package_name(second), world.registry
    )


@when("I compare the package with itself")
def step_diff_self(context):
    world = context.world
    name = pk.current(world).name
    world.result = world.call("diff_packages", name, name, world.registry)


@when('I try to compare the package at revision "{revision}" with its latest revision')
def step_try_diff(context, revision):
    world = context.world
    name = pk.current(world).name
    world.attempt("diff_packages", name, name, world.registry, revision, None)


@when("I delete the package")
def step_delete(context):
    world = context.world
    world.result = world.call("delete_package", world.settings.packages_bucket, pk.current(world).name)


# -- When: invalid input ---------------------------------------------------------------------------
@when('I try to create a package named "{name}" from the {dataset} dataset')
def step_try_create_named(context, name, dataset):
    world = context.world
    world.registry_before = pk.registry_packages(world)
    world.attempt("create_package_revision", name, world.reference.uris(dataset), registry=world.registry)


@when("I try to create a package from the {dataset} dataset")
def step_try_create_package(context, dataset):
    world = context.world
    world.registry_before = pk.registry_packages(world)
    world.attempt(
        "create_package_revision", world.run_package_name(f"{dataset}-refused"), world.reference.uris(dataset),
        registry=world.registry,
    )


@when('I try to create a package from the location "{uri}"')
def step_try_create_uri(context, uri):
    world = context.world
    world.registry_before = pk.registry_packages(world)
    world.attempt("create_package_revision", world.run_package_name("bad-location"), [uri], registry=world.registry)


@when("I try to create a package from no files at all")
def step_try_create_empty(context):
    world = context.world
    world.registry_before = pk.registry_packages(world)
    world.attempt("create_package_revision", world.run_package_name("no-files"), [], registry=world.registry)


@when('I try to get information on the package "{name}"')
def step_try_info(context, name):
    world = context.world
    world.attempt("get_package_info", name, world.registry)


# -- Then ------------------------------------------------------------------------------------------
@then("the package is created with a 64-character top hash")
def step_created(context):
    pk.assert_created(context.world)


@then("the package holds exactly the files of the {dataset} dataset")
def step_holds_dataset(context, dataset):
    pk.assert_holds_dataset(context.world, dataset)


@then("every file in the package has the checksum of the reference data")
def step_checksums(context):
    pk.assert_checksums_match(context.world)


@then('the package metadata reads back with description "{description}" and tags "{tags}"')
def step_metadata(context, description, tags):
    pk.assert_metadata(context.world, pk.metadata_with(description, tags))


@then("the package metadata reads back identical to the metadata file")
def step_metadata_file(context):
    world = context.world
    expected = pk.metadata_file(world, "metadata-rich")
    actual = world.call("get_package_metadata", pk.current(world).name, world.registry)
    assert actual == expected, f"metadata differs:\n got  {actual}\n want {expected}"


@then("the information names the package and its latest revision")
def step_info_names(context):
    world = context.world
    info, package = world.result, pk.current(world)
    assert info.name == package.name, f"name {info.name!r} != {package.name!r}"
    assert info.top_hash == package.latest, f"top_hash {info.top_hash!r} != {package.latest!r}"


@then('the information shows description "{description}" and tags "{tags}"')
def step_info_metadata(context, description, tags):
    info = context.world.result
    assert info.description == description, f"description {info.description!r}"
    assert list(info.tags) == pk.split_list(tags), f"tags {info.tags!r}"


@then("every file in the package sits at its path in the data bucket")
def step_keys_are_paths(context):
    world = context.world
    entries = pk.revision_entries(world, pk.current(world).latest)
    for logical_key, entry in entries.items():
        source = pk.reference_key_of(world, entry.physical_key)
        assert logical_key == source, f"{logical_key!r} should sit at {source!r}"


@then("every file in the package sits at the package root under its own name")
def step_keys_are_names(context):
    world = context.world
    entries = pk.revision_entries(world, pk.current(world).latest)
    for logical_key, entry in entries.items():
        name = pk.reference_key_of(world, entry.physical_key).rsplit("/", 1)[-1]
        assert logical_key == name, f"{logical_key!r} should be {name!r}"


@then("the reported file count equals the number of files in the new revision")
def step_file_count(context):
    pk.assert_file_count_matches(context.world)


@then('the listing shows the folders "{folders}" as directories without a size')
def step_listing_folders(context, folders):
    listing = context.world.result
    directories = [item for item in listing if item.type == "directory"]
    if not directories:
        sample = [item.path for item in listing[:3]]
        raise AssertionError(f"listing has no directory entries: {len(listing)} files, e.g. {sample}")
    assert_same_names("folders", pk.split_list(folders), [d.path.rstrip("/") for d in directories])
    sized = [d.path for d in directories if d.size is not None]
    assert not sized, f"directories with a size: {sized}"


@then("the listing shows no files")
def step_listing_no_files(context):
    files = [item.path for item in context.world.result if item.type == "file"]
    assert not files, f"root listing shows {len(files)} files, e.g. {files[:3]}"


@then('the listing shows exactly the files of "{folder}" in the {dataset} dataset')
def step_listing_folder_files(context, folder, dataset):
    world = context.world
    children = [f"{folder}/{name}" for name in world.reference.files(dataset, folder) if "/" not in name]
    listed = [item.path for item in world.result if item.type == "file"]
    assert_same_names("listed paths", children, listed)


@then("every listed file has its size in bytes")
def step_listing_sizes(context):
    world = context.world
    package = pk.current(world)
    entries = pk.revision_entries(world, package.latest)
    for item in world.result:
        assert item.size == entries[item.path].size, f"{item.path}: size {item.size} != {entries[item.path].size}"


@then("the listing has one entry for each of the {count:d} files of the {dataset} dataset")
def step_listing_count(context, count, dataset):
    world = context.world
    expected = world.reference.files(dataset)
    assert len(expected) == count, f"the {dataset} dataset has {len(expected)} files, the scenario says {count}"
    assert_same_names("listed paths", expected, [item.path for item in world.result])


TIMED_ACTIVITIES = {"browsing": "browse_content", "creating it": "create_package_revision", "searching": "search_packages"}


@then("{activity} took at most {limit:d} seconds, the spec's limit")
def step_time_limit(context, activity, limit):
    measurement = context.world.measure(TIMED_ACTIVITIES[activity.lower()], limit)
    assert measurement.seconds <= limit, measurement.describe()


@then('downloading the link returns bytes with the reference checksum of "{key}"')
def step_download(context, key):
    world = context.world
    response = requests.get(world.result, timeout=30)
    assert response.status_code == 200, f"download answered HTTP {response.status_code}"
    assert sha256_bytes(response.content) == world.reference.checksums[key], "downloaded bytes differ from reference"


@then("the package has a new revision")
def step_new_revision(context):
    world = context.world
    package = pk.current(world)
    assert len(package.revisions) >= 2 and package.revisions[-1] != package.revisions[-2], "no new revision"
    pk.assert_created(world)


@then("the latest revision holds the files of {first} and {second}")
def step_latest_holds(context, first, second):
    world = context.world
    pk.assert_sources(world, pk.current(world).latest, [first, second])


@then("the previous revision still holds only the files of {dataset}")
def step_previous_holds(context, dataset):
    world = context.world
    pk.assert_sources(world, pk.current(world).revisions[-2], [dataset])


@then('the diff lists added "{added:Text}", modified "{modified:Text}" and deleted "{deleted:Text}"')
def step_diff(context, added, modified, deleted):
    expected = {"added": pk.split_list(added), "modified": pk.split_list(modified), "deleted": pk.split_list(deleted)}
    problem = diagnose_diff(expected, context.world.result)
    assert problem is None, problem


@then("the deletion is confirmed")
def step_deleted(context):
    assert context.world.result is True, f"delete_package returned {context.world.result!r}"


@then("the registry no longer lists the package")
def step_not_listed(context):
    world = context.world
    name = pk.current(world).name
    assert name not in pk.registry_packages(world), f"{name} is still in the registry"


@then("the {dataset} reference data is still in the data bucket")
def step_reference_kept(context, dataset):
    world = context.world
    s3 = world.s3()
    for relpath in world.reference.files(dataset):
        key = world.reference.key(dataset, relpath)
        body = s3.get_object(Bucket=world.settings.data_bucket, Key=key)["Body"].read()
        assert sha256_bytes(body) == world.reference.checksums[key], f"{key} changed"


@then("the registry holds no new package")
def step_no_new_package(context):
    world = context.world
    new = pk.registry_packages(world) - (world.registry_before or set())
    assert not new, f"packages appeared despite the refusal: {sorted(new)}"


@then("every baseline package is still in the registry")
def step_baselines_kept(context):
    listed = pk.registry_packages(context.world)
    missing = [baseline_package_name(b.name) for b in BASELINES if baseline_package_name(b.name) not in listed]
    assert not missing, f"baseline packages missing: {missing}"


# -- search ------------------------------------------------------------------------------------------
@when('I search the registry for "{query}"')
def step_search(context, query):
    world = context.world
    world.result = world.call("search_packages", query, world.registry)


@when('I try to search the registry for "{query}"')
def step_try_search(context, query):
    world = context.world
    world.attempt("search_packages", query, world.registry)


@then("the results include the baseline package {name}")
def step_search_hit(context, name):
    names = [info.name for info in context.world.result]
    assert baseline_package_name(name) in names, f"search found {names}"


@then("every result names its registry, bucket and a 64-character top hash")
def step_search_fields(context):
    world = context.world
    for info in world.result:
        assert info.bucket == world.settings.packages_bucket, f"{info.name}: bucket {info.bucket!r}"
        assert info.registry.rstrip("/") == world.registry, f"{info.name}: registry {info.registry!r}"
        assert pk.TOP_HASH.match(info.top_hash or ""), f"{info.name}: top hash {info.top_hash!r}"


@then("the search finds nothing")
def step_search_empty(context):
    assert context.world.result == [], f"search found {[i.name for i in context.world.result]}"


# -- cross-backend ---------------------------------------------------------------------------------------
@when("I read the package through the other backend")
def step_read_other_backend(context):
    from quilt_e2e.domain import cross_backend

    world = context.world
    world.other_ops = cross_backend.other_ops(world)
    world.result = cross_backend.files_of(world, world.other_ops, pk.current(world).name)


@then("it shows the same files with the same sizes as the reference data")
def step_other_files(context):
    world = context.world
    entries = pk.revision_entries(world, pk.current(world).latest)
    expected = {key: entry.size for key, entry in entries.items()}
    assert_same_names("files seen through the other backend", expected, world.result)
    sizes = {key: (size, expected[key]) for key, size in world.result.items() if size != expected[key]}
    assert not sizes, f"sizes differ (seen, written): {sizes}"


@then('it shows description "{description}" and tags "{tags}"')
def step_other_metadata(context, description, tags):
    world = context.world
    metadata = world.call_with(world.other_ops, "get_package_metadata", pk.current(world).name, world.registry)
    assert metadata.get("description") == description, f"description {metadata.get('description')!r}"
    assert metadata.get("tags") == pk.split_list(tags), f"tags {metadata.get('tags')!r}"
