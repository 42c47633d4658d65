"""Tabulator tables of a bucket, and the catalog-wide open-query setting."""

import parse
from behave import given, register_type, then, when

import quilt_e2e.step_types  # noqa: F401  (registers Text/Label)
from quilt_e2e.domain import tabulator as tab
from quilt_e2e.domain.expectations import assert_same_names
from quilt_e2e.domain.packages import split_list


@parse.with_pattern(r"enabled|disabled")
def parse_switch_state(text):
    return text == "enabled"


@parse.with_pattern(r"enable|disable")
def parse_switch_action(text):
    return text == "enable"


register_type(SwitchState=parse_switch_state, SwitchAction=parse_switch_action)


# -- Given -----------------------------------------------------------------------------------------
@given('the {which} bucket has a tabulator table "{label:Label}" with columns "{columns:Label}"')
def step_given_table_columns(context, which, label, columns):
    world = context.world
    tab.given_table(world, tab.bucket_named(world, which), label, columns)


@given('the {which} bucket has the tabulator tables "{labels:Label}"')
def step_given_tables(context, which, labels):
    world = context.world
    for label in split_list(labels):
        tab.given_table(world, tab.bucket_named(world, which), label)


@given("open query is {enabled:SwitchState}")
def step_given_open_query(context, enabled):
    tab.given_open_query(context.world, enabled)


# -- When: tables ----------------------------------------------------------------------------------
@when("I list the tabulator tables of the {which} bucket")
def step_list_tables(context, which):
    world = context.world
    tab.ops(world).list_tabulator_tables(tab.bucket_named(world, which))


@when("I try to list the tabulator tables of the {which} bucket")
def step_try_list_which(context, which):
    world = context.world
    tab.attempt(world, lambda ops: ops.list_tabulator_tables(tab.bucket_named(world, which)))


@when('I try to list the tabulator tables of the bucket "{bucket:Label}"')
def step_try_list_tables(context, bucket):
    tab.attempt(context.world, lambda ops: ops.list_tabulator_tables(bucket))


@when('I get the tabulator table "{label:Label}" of the {which} bucket')
def step_get_table(context, label, which):
    world = context.world
    tab.ops(world).get_tabulator_table(tab.bucket_named(world, which), tab.table_name(world, label))


@when('I try to get the tabulator table "{label:Label}" of the {which} bucket')
def step_try_get_table(context, label, which):
    world = context.world
    bucket, table = tab.bucket_named(world, which), tab.table_name(world, label)
    tab.attempt(world, lambda ops: ops.get_tabulator_table(bucket, table))


@when('I create the tabulator table "{label:Label}" in the {which} bucket with columns "{columns:Label}"')
def step_create_table(context, label, which, columns):
    world = context.world
    world.config_sent = tab.config_with_columns(columns)
    bucket, table = tab.bucket_named(world, which), tab.table_name(world, label)
    tab.ops(world).create_tabulator_table(bucket, table, world.config_sent)


@when('I try to create the tabulator table "{label:Label}" in the {which} bucket with columns "{columns:Label}"')
def step_try_create_table(context, label, which, columns):
    world = context.world
    bucket, table = tab.bucket_named(world, which), tab.table_name(world, label)
    tab.attempt(world, lambda ops: ops.create_tabulator_table(bucket, table, tab.config_with_columns(columns)))


@when('I try to create the tabulator table "{label:Label}" in the {which} bucket with a configuration of {kind}')
def step_try_create_bad_table(context, label, which, kind):
    world = context.world
    bucket, table = tab.bucket_named(world, which), tab.table_name(world, label)
    tab.attempt(world, lambda ops: ops.create_tabulator_table(bucket, table, tab.bad_config(kind)))


@when('I change the columns of the tabulator table "{label:Label}" of the {which} bucket to "{columns:Label}"')
def step_update_table(context, label, which, columns):
    world = context.world
    world.config_sent = tab.config_with_columns(columns)
    bucket, table = tab.bucket_named(world, which), tab.table_name(world, label)
    tab.ops(world).update_tabulator_table(bucket, table, world.config_sent)


@when('I rename the tabulator table "{old:Label}" of the {which} bucket to "{new:Label}"')
def step_rename_table(context, old, which, new):
    world = context.world
    bucket, table, new_table = tab.bucket_named(world, which), tab.table_name(world, old), tab.table_name(world, new)
    tab.ops(world).rename_tabulator_table(bucket, table, new_table)


@when('I try to rename the tabulator table "{old:Label}" of the {which} bucket to "{new:Label}"')
def step_try_rename_table(context, old, which, new):
    world = context.world
    bucket, table, new_table = tab.bucket_named(world, which), tab.table_name(world, old), tab.table_name(world, new)
    tab.attempt(world, lambda ops: ops.rename_tabulator_table(bucket, table, new_table))


@when('I delete the tabulator table "{label:Label}" of the {which} bucket')
def step_delete_table(context, label, which):
    world = context.world
    tab.ops(world).delete_tabulator_table(tab.bucket_named(world, which), tab.table_name(world, label))


@when('I try to create a tabulator table named "{name:Text}" in the {which} bucket')
def step_try_create_named(context, name, which):
    world = context.world
    bucket = tab.bucket_named(world, which)
    tab.attempt(world, lambda ops: ops.create_tabulator_table(bucket, name, tab.config_with_columns("id int")))


@when('I try to create the tabulator table "{label:Label}" in the bucket "{bucket:Label}"')
def step_try_create_in_bucket(context, label, bucket):
    world = context.world
    table = tab.table_name(world, label)
    tab.attempt(world, lambda ops: ops.create_tabulator_table(bucket, table, tab.config_with_columns("id int")))


@when('I create the tabulator table "{label:Label}" in the {which} bucket without a configuration')
def step_create_without_config(context, label, which):
    world = context.world
    tab.ops(world).create_tabulator_table(tab.bucket_named(world, which), tab.table_name(world, label), None)


@when('I try to change the tabulator table "{label:Label}" of the {which} bucket to a configuration of {kind}')
def step_try_update_bad(context, label, which, kind):
    world = context.world
    bucket, table = tab.bucket_named(world, which), tab.table_name(world, label)
    tab.attempt(world, lambda ops: ops.update_tabulator_table(bucket, table, tab.bad_config(kind)))


@when('I try to change the columns of the tabulator table "{label:Label}" of the {which} bucket to "{columns:Label}"')
def step_try_update(context, label, which, columns):
    world = context.world
    bucket, table = tab.bucket_named(world, which), tab.table_name(world, label)
    tab.attempt(world, lambda ops: ops.update_tabulator_table(bucket, table, tab.config_with_columns(columns)))


@when('I try to rename the tabulator table "{old:Label}" of the {which} bucket to the name "{name:Text}"')
def step_try_rename_to_name(context, old, which, name):
    world = context.world
    bucket, table = tab.bucket_named(world, which), tab.table_name(world, old)
    tab.attempt(world, lambda ops: ops.rename_tabulator_table(bucket, table, name))


@when('I try to rename the tabulator table "{old:Label}" of the bucket "{bucket:Label}" to "{new:Label}"')
def step_try_rename_in_bucket(context, old, bucket, new):
    world = context.world
    table, new_table = tab.table_name(world, old), tab.table_name(world, new)
    tab.attempt(world, lambda ops: ops.rename_tabulator_table(bucket, table, new_table))


@when('I try to delete the tabulator table "{label:Label}" of the {which} bucket')
def step_try_delete(context, label, which):
    world = context.world
    bucket, table = tab.bucket_named(world, which), tab.table_name(world, label)
    tab.attempt(world, lambda ops: ops.delete_tabulator_table(bucket, table))


@when('I try to delete the tabulator table "{label:Label}" of the bucket "{bucket:Label}"')
def step_try_delete_in_bucket(context, label, bucket):
    world = context.world
    tab.attempt(world, lambda ops: ops.delete_tabulator_table(bucket, tab.table_name(world, label)))


# -- When: open query ------------------------------------------------------------------------------
@when("I ask whether open query is enabled")
def step_open_query_status(context):
    world = context.world
    tab.keep_open_query_after_scenario(world)
    world.result = world.ops.get_open_query_status()


@when("I try to ask whether open query is enabled")
def step_try_open_query_status(context):
    world = context.world
    tab.keep_open_query_after_scenario(world)
    world.attempt(lambda: world.ops.get_open_query_status())


@when("I {enable:SwitchAction} open query")
def step_set_open_query(context, enable):
    tab.set_open_query(context.world, enable)


@when("I try to {enable:SwitchAction} open query")
def step_try_set_open_query(context, enable):
    tab.set_open_query(context.world, enable, expect_refusal=True)


# -- Then: tables ----------------------------------------------------------------------------------
@then('the listing shows the tables "{labels:Label}" with the configurations the catalog has for them')
def step_listing_tables(context, labels):
    tab.assert_listing_tables(context.world, labels)


@then("every listed table has just a name and a configuration")
def step_listed_keys(context):
    tab.assert_tables_have_name_and_config(context.world.result)


@then("the answer is the {which} bucket with the tables the catalog has for it")
def step_bucket_answer(context, which):
    world = context.world
    tab.assert_bucket_answer(world, world.result, tab.bucket_named(world, which))


@then('the catalog has no tabulator table named "{name:Text}" in the {which} bucket')
def step_catalog_no_named(context, name, which):
    tab.assert_catalog_no_named(context.world, name, which)


@then("the error details name the {which} bucket")
def step_error_names_bucket(context, which):
    world = context.world
    tab.assert_error_context(world.last_attempt.error, {"bucket": tab.bucket_named(world, which)})


@then('the error details name the {which} bucket and the table "{label:Label}"')
def step_error_names_table(context, which, label):
    world = context.world
    expected = {"bucket": tab.bucket_named(world, which), "table_name": tab.table_name(world, label)}
    tab.assert_error_context(world.last_attempt.error, expected)


@then('the error details name the {which} bucket and the tables "{old:Label}" and "{new:Label}"')
def step_error_names_rename(context, which, old, new):
    world = context.world
    expected = {"bucket": tab.bucket_named(world, which), "old_name": tab.table_name(world, old),
                "new_name": tab.table_name(world, new)}
    tab.assert_error_context(world.last_attempt.error, expected)


@then("the listing shows no tables")
def step_listing_empty(context):
    tab.assert_listing_empty(context.world)


@then('I receive the table "{label:Label}" with the configuration the catalog has for it in the {which} bucket')
def step_received_table(context, label, which):
    tab.assert_received_table(context.world, label, which)


@then('the catalog has the tabulator table "{label:Label}" in the {which} bucket with columns "{columns:Label}"')
def step_catalog_table(context, label, which, columns):
    tab.assert_catalog_table(context.world, label, which, columns)


@then('the catalog has no tabulator table "{label:Label}" in the {which} bucket')
def step_catalog_no_table(context, label, which):
    tab.assert_catalog_no_table(context.world, label, which)


@then('getting the tabulator table "{label:Label}" of the {which} bucket shows columns "{columns:Label}"')
def step_read_back_columns(context, label, which, columns):
    tab.assert_read_back_columns(context.world, label, which, columns)


@then('listing the tabulator tables of the {which} bucket shows "{labels:Label}" and nothing else of this run')
def step_listing_after(context, which, labels):
    world = context.world
    listing = world.ops.list_tabulator_tables(tab.bucket_named(world, which))
    assert_same_names("tables of this run", split_list(labels), tab.run_tables(world, listing))


@then('listing the tabulator tables of the {which} bucket shows no table of this run')
def step_listing_after_none(context, which):
    tab.assert_listing_after_none(context.world, which)


@then('the tables "{labels:Label}" of the {which} bucket keep their configurations')
def step_tables_unchanged(context, labels, which):
    tab.assert_tables_unchanged(context.world, labels, which)


@then("the deletion answers with the bucket's remaining tables")
def step_delete_answer(context):
    tab.assert_delete_answer(context.world)


# -- Then: open query ------------------------------------------------------------------------------
@then("the answer is the catalog's open-query setting")
def step_open_query_answer(context):
    world = context.world
    tab.assert_open_query_answer(world.result, tab.catalog_open_query(world))


@then("the answer says open query is {enabled:SwitchState}")
def step_open_query_says(context, enabled):
    tab.assert_open_query_answer(context.world.result, enabled, changed=True)


@then("the catalog has open query {enabled:SwitchState}")
def step_catalog_open_query(context, enabled):
    tab.assert_catalog_open_query(context.world, enabled)
