"""Concurrent use of QuiltOps: many sessions at the same time (spec area 16)."""

from behave import given, then, when

import quilt_e2e.step_types  # noqa: F401  (registers Text/Label)
from quilt_e2e.domain import concurrency as cc
from quilt_e2e.domain import packages as pk
from quilt_e2e.domain import tabulator as tab
from quilt_e2e.domain.registry import latest_top_hash
from quilt_e2e.stack.baseline import baseline_package_name


# -- Given -------------------------------------------------------------------------------------------------
@given('the registry holds the baseline packages "{names:Label}"')
def step_registry_holds(context, names):
    world = context.world
    world.names = pk.split_list(names)
    for name in world.names:
        cc.baseline_by_name(name)
        latest_top_hash(world.s3(), world.settings.packages_bucket, baseline_package_name(name))


@given('the datasets "{datasets:Label}" are in the data bucket')
def step_datasets_in_bucket(context, datasets):
    world = context.world
    world.datasets = pk.split_list(datasets)
    for dataset in world.datasets:
        pk.assert_dataset_in_bucket(world, dataset)


@given("a package made from the {dataset} dataset with its files at the root")
def step_flat_package(context, dataset):
    pk.create_from_dataset(context.world, dataset, auto_organize=False)


@given("the package has been read once")
def step_read_once(context):
    cc.read_once(context.world)


# -- When --------------------------------------------------------------------------------------------------
@when("{sessions:d} sessions ask for the information of these packages at the same time")
def step_parallel_info(context, sessions):
    cc.read_information(context.world, context.world.names, sessions)


@when("{sessions:d} sessions browse the root of these packages at the same time")
def step_parallel_browse(context, sessions):
    cc.browse_roots(context.world, context.world.names, sessions)


@when("{sessions:d} sessions browse the root of the package at the same time")
def step_browse_same(context, sessions):
    cc.browse_current_together(context.world, sessions)


@when("each of these datasets becomes a new package, all created at the same time by sessions of their own")
def step_parallel_create(context):
    cc.create_in_parallel(context.world, context.world.datasets)


@when("{count:d} files of the {dataset} dataset are added to the package at the same time, each by a session of its own")
def step_parallel_update(context, count, dataset):
    world = context.world
    world.base_revision = pk.current(world).latest
    cc.update_in_parallel(world, dataset, count)


@when("{count:d} files of the {dataset} dataset are added to the package at the same time, round after round, until {needed:d} rounds land two in the same second (at most {rounds:d} rounds)")
def step_update_rounds(context, count, dataset, needed, rounds):
    inconclusive = cc.update_in_rounds(context.world, dataset, count, needed, rounds)
    if inconclusive:
        context.scenario.skip(f"inconclusive: {inconclusive}")


@then("every revision the updates reported is in the package's revision history")
def step_check_round_history(context):
    world = context.world
    cc.assert_history_keeps(world, world.reported_revisions)


@when("one session adds {count:d} files of the {dataset} dataset one at a time while {readers:d} sessions keep browsing the package")
def step_browse_while_revising(context, count, dataset, readers):
    world = context.world
    world.base_revision = pk.current(world).latest
    cc.browse_while_revising(world, dataset, count, readers)


@when('two sessions create the users "{labels:Label}" with role "{role:Label}" while a third lists the catalog users')
def step_parallel_users(context, labels, role):
    cc.create_users_while_listing(context.world, pk.split_list(labels), role)


@when('two sessions create the tabulator tables "{labels:Label}" in the {which} bucket while a third lists its tables')
def step_parallel_tables(context, labels, which):
    world = context.world
    cc.create_tables_while_listing(world, pk.split_list(labels), tab.bucket_named(world, which))


@when("{sessions:d} sessions search, browse, query the catalog and list the tables of the {which} bucket at the same time")
def step_mixed(context, sessions, which):
    world = context.world
    cc.mixed_operations(world, sessions, tab.bucket_named(world, which))


@when("a package is created from the {second} dataset while one from the {first} dataset is being created")
def step_side_by_side(context, second, first):
    cc.create_while_another_creates(context.world, first, second)


# -- Then --------------------------------------------------------------------------------------------------
@then("every session gets the information of the package it asked for, at its latest revision")
def step_check_info(context):
    cc.assert_information(context.world)


@then("every session lists exactly the files of the package's latest revision, with their sizes")
def step_check_same_listings(context):
    cc.assert_listings_of_current(context.world)


@then("every session lists exactly the files of the package it browsed, with their sizes")
def step_check_listings(context):
    cc.assert_listings(context.world)


@then("every creation succeeds with a revision of its own that the registry lists as latest")
def step_check_created(context):
    cc.assert_created_each(context.world)


@then("each new package holds exactly the files of its dataset, with the reference checksums and its own metadata")
def step_check_holds(context):
    cc.assert_each_holds_its_dataset(context.world)


@then("every update succeeds with a revision of its own")
def step_check_updates(context):
    cc.assert_updates_succeeded(context.world)


@then("every revision an update reported is in the package's revision history")
def step_check_history(context):
    world = context.world
    cc.assert_history_keeps(world, [r.result.top_hash for r in world.pool.results])


@then("the latest revision holds the files it had before and every added file")
def step_check_union(context):
    world = context.world
    cc.assert_latest_holds_all(world, world.base_revision, world.added_uris)


@then("every update of the writer succeeds with a revision of its own")
def step_check_writer(context):
    world = context.world
    world.writer_revisions = cc.assert_writer_succeeded(world)


@then("every browse of every reader succeeds")
def step_check_readers(context):
    cc.assert_readers_succeeded(context.world)


@then("every listing a reader saw shows exactly the files of one revision of the package")
def step_check_whole_revisions(context):
    cc.assert_listings_are_whole_revisions(context.world)


@then("every revision the writer made can still be read")
def step_check_writer_readable(context):
    cc.assert_revisions_readable(context.world, context.world.writer_revisions)


@then("both users exist in the catalog as they were created, and each session got its account back")
def step_check_users(context):
    cc.assert_users_created(context.world)


@then("the parallel listing shows every other catalog user as the catalog has them")
def step_check_user_listing(context):
    cc.assert_parallel_user_listing(context.world)


@then('listing the catalog users afterwards includes "{labels:Label}"')
def step_users_afterwards(context, labels):
    cc.assert_users_afterwards(context.world, labels)


@then("the catalog has both tables in the {which} bucket with the configurations they were created with")
def step_check_tables(context, which):
    world = context.world
    cc.assert_tables_created(world, tab.bucket_named(world, which))


@then("the parallel listing shows every other table of the {which} bucket as the catalog has it")
def step_check_table_listing(context, which):
    world = context.world
    cc.assert_parallel_table_listing(world, tab.bucket_named(world, which))


@then('listing the tables of the {which} bucket afterwards shows "{labels:Label}" as created')
def step_tables_afterwards(context, which, labels):
    cc.assert_tables_afterwards(context.world, which, labels)


@then("every operation answers as the registry and the catalog say it should")
def step_check_mixed(context):
    cc.assert_mixed_results(context.world)


@then("both packages are created with the files of their datasets")
def step_check_side_by_side(context):
    cc.assert_side_by_side_created(context.world)


@then("the program's console output still goes where it went before")
def step_check_console(context):
    cc.assert_console_untouched(context.world)
