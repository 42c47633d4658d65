"""Reading packages: information, metadata, browsing, download links, search."""

import parse
from behave import register_type, then, when

import quilt_e2e.step_types  # noqa: F401  (registers Text/Label)
from quilt_e2e.domain import package_checks as checks
from quilt_e2e.domain import packages as pk
from quilt_e2e.domain import performance as perf
from quilt_e2e.domain.expectations import assert_same_names
from quilt_e2e.stack.baseline import baseline_package_name


@parse.with_pattern("|".join(sorted(pk.OPERATIONS, key=len, reverse=True)))
def package_operation(text: str) -> str:
    """One of the read/write operations a scenario can try on a package (see packages.OPERATIONS)."""
    return text


register_type(PackageOperation=package_operation)


# -- When: information / metadata -----------------------------------------------------------------------------
@when("I ask for the package information")
def step_package_info(context):
    world = context.world
    world.result = world.ops.get_package_info(pk.current(world).name, world.registry)


@when('I try to get information on the package "{name}"')
def step_try_info(context, name):
    world = context.world
    world.attempt(lambda: world.ops.get_package_info(name, world.registry))


@when("I read the package metadata")
def step_read_metadata(context):
    world = context.world
    world.result = world.ops.get_package_metadata(pk.current(world).name, world.registry)


@when('I try to {operation:PackageOperation} the package named "{name}"')
def step_try_operation_named(context, operation, name):
    world = context.world
    pk.try_operation(world, operation, name, world.registry)


@when("I try to {operation:PackageOperation} the package in the registry named by its bucket alone")
def step_try_operation_bare_registry(context, operation):
    world = context.world
    pk.try_operation(world, operation, pk.current(world).name, world.settings.packages_bucket)


# -- When: browse / links ------------------------------------------------------------------------------------
@when("I browse the root of the package")
def step_browse_root(context):
    world = context.world
    world.result = world.ops.browse_content(pk.current(world).name, world.registry)  # path defaults to the root


@when('I browse the folder "{path}" of the package')
def step_browse_folder(context, path):
    world = context.world
    world.result = world.ops.browse_content(pk.current(world).name, world.registry, path)


@when("I try to browse the root of the package")
def step_try_browse_root(context):
    world = context.world
    world.attempt(lambda: world.ops.browse_content(pk.current(world).name, world.registry, ""))


@when('I try to browse the folder "{path}" of the package')
def step_try_browse(context, path):
    world = context.world
    world.attempt(lambda: world.ops.browse_content(pk.current(world).name, world.registry, path))


@when('I ask for a download link to "{path}" in the package')
def step_download_link(context, path):
    world = context.world
    world.result = world.ops.get_content_url(pk.current(world).name, world.registry, path)


@when('I ask for a download link to its file "{key}"')
def step_download_link_to_reference_file(context, key):
    world = context.world
    path = pk.path_of_reference_file(world, key)
    world.result = world.ops.get_content_url(pk.current(world).name, world.registry, path)


@when('I try to get a download link to "{path:Text}" in the package')
def step_try_download_link(context, path):
    world = context.world
    world.attempt(lambda: world.ops.get_content_url(pk.current(world).name, world.registry, path))


@when('I try to get a download link to "{path}" in the package named "{name}"')
def step_try_download_link_named(context, path, name):
    world = context.world
    world.attempt(lambda: world.ops.get_content_url(name, world.registry, path))


# -- When: search ------------------------------------------------------------------------------------------------
@when('I search the registry for "{query}"')
def step_search(context, query):
    world = context.world
    world.result = world.ops.search_packages(query, world.registry)


@when("I search the registry with an empty query")
def step_search_everything(context):
    world = context.world
    world.result = world.ops.search_packages("", world.registry)


@when("I search the registry for the package's name")
def step_search_current(context):
    world = context.world
    world.result = world.ops.search_packages(pk.current(world).name, world.registry)


@when("I search the data bucket's registry for \"{query}\"")
def step_search_data_bucket(context, query):
    world = context.world
    world.result = world.ops.search_packages(query, f"s3://{world.settings.data_bucket}")


@when("I search a registry the catalog does not know for \"{query}\"")
def step_search_unknown_registry(context, query):
    world = context.world
    world.result = world.ops.search_packages(query, f"s3://{world.settings.run_id}-unknown-registry")


@when('I try to search the registry for "{query}"')
def step_try_search(context, query):
    world = context.world
    world.attempt(lambda: world.ops.search_packages(query, world.registry))


@when('I try to search without naming a registry for "{query}"')
def step_try_search_no_registry(context, query):
    context.world.attempt(lambda: context.world.ops.search_packages(query, None))


@then('the error names the package, the registry and the path "{path:Text}"')
def step_error_names_path(context, path):
    checks.assert_error_names_path(context.world, path)


# -- Then: information / metadata --------------------------------------------------------------------------------
@then("the information names the package and its latest revision")
def step_info_names(context):
    checks.assert_info_is_latest(context.world, ("name", "top_hash"))


@then('the information shows description "{description}" and tags "{tags}"')
def step_info_metadata(context, description, tags):
    checks.assert_info_metadata(context.world, description, tags)


@then("the information shows no description and no tags")
def step_info_no_metadata(context):
    checks.assert_info_no_metadata(context.world)


@then("the information dates the package at its latest revision and names its registry and bucket")
def step_info_rest(context):
    checks.assert_info_is_latest(context.world, ("modified", "registry", "bucket", "description", "tags"))


@then("the metadata is exactly the metadata file of the {dataset} dataset")
def step_metadata_is_file(context, dataset):
    checks.assert_metadata_is_file(context.world, dataset)


# -- Then: listings ------------------------------------------------------------------------------------------------
@then('the listing shows the folders "{folders}" as directories without a size')
def step_listing_folders(context, folders):
    checks.assert_listing_folders(context.world, folders)


@then("the listing shows no files")
def step_listing_no_files(context):
    checks.assert_listing_no_files(context.world)


@then('the listing shows exactly the files of "{folder}" in the {dataset} dataset')
def step_listing_folder_files(context, folder, dataset):
    world = context.world
    children = [f"{folder}/{name}" for name in world.reference.files(dataset, folder) if "/" not in name]
    listed = [item.path for item in world.result if item.type == "file"]
    assert_same_names("listed paths", children, listed)


@then('the listing shows only the file "{path}" with its size in bytes')
def step_listing_single(context, path):
    checks.assert_single_file_listing(context.world, path)


@then("every listed file has its size in bytes")
def step_listing_sizes(context):
    checks.assert_listing_sizes(context.world)


@then("every listed entry has no date, no download link and the metadata of its file")
def step_listing_described(context):
    checks.assert_entries_described(context.world)


@then("the listing has one entry for each of the {count:d} files of the {dataset} dataset")
def step_listing_count(context, count, dataset):
    checks.assert_listing_count(context.world, count, dataset)


TIMED_ACTIVITIES = {
    "browsing": "browse_content", "creating it": "create_package_revision", "searching": "search_packages",
}


@then("{activity} is measured against the spec's limit of {limit:d} seconds")
def step_time_limit(context, activity, limit):
    perf.check_call_time(context.world, TIMED_ACTIVITIES[activity.lower()], limit)


# -- Then: links ---------------------------------------------------------------------------------------------------
@then('downloading the link returns bytes with the reference checksum of "{key}"')
def step_download(context, key):
    checks.assert_download(context.world, key)


@then("the link is valid only for a limited time, no longer than the catalog's browsing session")
def step_link_expiry(context):
    checks.assert_link_expiry(context.world)


# -- Then: search ---------------------------------------------------------------------------------------------------
@then("the results include the baseline package {name}")
def step_search_hit(context, name):
    checks.assert_search_hit(context.world, name)


@then('the results name exactly the baseline packages "{names:Label}"')
def step_search_exactly(context, names):
    checks.assert_search_exactly(context.world, names)


@then("the results include the package")
def step_search_hit_current(context):
    checks.assert_search_hit_current(context.world)


@then("every result names a package the registry lists")
def step_search_results_listed(context):
    checks.assert_search_results_listed(context.world)


@then("every result names its registry, bucket and a 64-character top hash")
def step_search_fields(context):
    checks.assert_search_fields(context.world)


@then("the baseline package {name} is shown as the registry has it: name, description, tags, latest revision, time, "
      "registry and bucket")
def step_search_shows_baseline(context, name):
    checks.assert_search_shows(context.world, baseline_package_name(name))


@then("the results name exactly the packages the registry lists")
def step_search_names_registry(context):
    checks.assert_search_names_registry(context.world)


@then("the results name the package once, at its latest revision")
def step_search_once(context):
    world = context.world
    checks.assert_search_once_at_latest(world, pk.current(world).name)


@then('the results show the package with the tags "{tags}"')
def step_search_tags(context, tags):
    checks.assert_search_tags(context.world, tags)


@then("the search finds nothing")
def step_search_empty(context):
    checks.assert_search_empty(context.world)
