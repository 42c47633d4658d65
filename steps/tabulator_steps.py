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
    tab.attempt(world, lambda ops: ops.get_tabulator_table(tab.bucket_named(world, which), tab.table_name(world, label)))


@when('I create the tabulator table "{label:Label}" in the {which} bucket with columns "{columns:Label}"')
def step_create_table(context, label, which, columns):
    world = context.world
    world.config_sent = tab.config_with_columns(columns)
    tab.ops(world).create_tabulator_table(tab.bucket_named(world, which), tab.table_name(world, label), world.config_sent)


@when('I try to create the tabulator table "{label:Label}" in the {which} bucket with columns "{columns:Label}"')
def step_try_create_table(context, label, which, columns):
    world = context.world
    tab.attempt(world, lambda ops: ops.create_tabulator_table(tab.bucket_named(world, which), tab.table_name(world, label), tab.config_with_columns(columns)))


@when('I try to create the tabulator table "{label:Label}" in the {which} bucket with a configuration of {kind}')
def step_try_create_bad_table(context, label, which, kind):
    world = context.world
    tab.attempt(world, lambda ops: ops.create_tabulator_table(tab.bucket_named(world, which), tab.table_name(world, label), tab.bad_config(kind)))


@when('I change the columns of the tabulator table "{label:Label}" of the {which} bucket to "{columns:Label}"')
def step_update_table(context, label, which, columns):
    world = context.world
    world.config_sent = tab.config_with_columns(columns)
    tab.ops(world).update_tabulator_table(tab.bucket_named(world, which), tab.table_name(world, label), world.config_sent)


@when('I rename the tabulator table "{old:Label}" of the {which} bucket to "{new:Label}"')
def step_rename_table(context, old, which, new):
    world = context.world
    tab.ops(world).rename_tabulator_table(tab.bucket_named(world, which), tab.table_name(world, old), tab.table_name(world, new))


@when('I try to rename the tabulator table "{old:Label}" of the {which} bucket to "{new:Label}"')
def step_try_rename_table(context, old, which, new):
    world = context.world
    tab.attempt(world, lambda ops: ops.rename_tabulator_table(tab.bucket_named(world, which), tab.table_name(world, old), tab.table_name(world, new)))


@when('I delete the tabulator table "{label:Label}" of the {which} bucket')
def step_delete_table(context, label, which):
    world = context.world
    tab.ops(world).delete_tabulator_table(tab.bucket_named(world, which), tab.table_name(world, label))


@when('I try to create a tabulator table named "{name:Text}" in the {which} bucket')
def step_try_create_named(context, name, which):
    world = context.world
    tab.attempt(world, lambda ops: ops.create_tabulator_table(tab.bucket_named(world, which), name, tab.config_with_columns("id int")))


@when('I try to create the tabulator table "{label:Label}" in the bucket "{bucket:Label}"')
def step_try_create_in_bucket(context, label, bucket):
    world = context.world
    tab.attempt(world, lambda ops: ops.create_tabulator_table(bucket, tab.table_name(world, label), tab.config_with_columns("id int")))


@when('I create the tabulator table "{label:Label}" in the {which} bucket without a configuration')
def step_create_without_config(context, label, which):
    world = context.world
    tab.ops(world).create_tabulator_table(tab.bucket_named(world, which), tab.table_name(world, label), None)


@when('I try to change the tabulator table "{label:Label}" of the {which} bucket to a configuration of {kind}')
def step_try_update_bad(context, label, which, kind):
    world = context.world
    tab.attempt(world, lambda ops: ops.update_tabulator_table(tab.bucket_named(world, which), tab.table_name(world, label), tab.bad_config(kind)))


@when('I try to change the columns of the tabulator table "{label:Label}" of the {which} bucket to "{columns:Label}"')
def step_try_update(context, label, which, columns):
    world = context.world
    tab.attempt(world, lambda ops: ops.update_tabulator_table(tab.bucket_named(world, which), tab.table_name(world, label), tab.config_with_columns(columns)))


@when('I try to rename the tabulator table "{old:Label}" of the {which} bucket to the name "{name:Text}"')
def step_try_rename_to_name(context, old, which, name):
    world = context.world
    tab.attempt(world, lambda ops: ops.rename_tabulator_table(tab.bucket_named(world, which), tab.table_name(world, old), name))


@when('I try to rename the tabulator table "{old:Label}" of the bucket "{bucket:Label}" to "{new:Label}"')
def step_try_rename_in_bucket(context, old, bucket, new):
    world = context.world
    tab.attempt(world, lambda ops: ops.rename_tabulator_table(bucket, tab.table_name(world, old), tab.table_name(world, new)))


@when('I try to delete the tabulator table "{label:Label}" of the {which} bucket')
def step_try_delete(context, label, which):
    world = context.world
    tab.attempt(world, lambda ops: ops.delete_tabulator_table(tab.bucket_named(world, which), tab.table_name(world, label)))


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
    world = context.world
    listed = tab.run_tables(world, world.result)
    assert_same_names("tables of this run", split_list(labels), listed)
    for label, config in listed.items():
        for bucket in tab.session.catalog(world).catalog.buckets:
            stored = tab.stored_config(world, bucket, label)
            if stored is not None:
                break
        assert config == stored, f"table {label}: listed configuration differs from the catalog's"


@then("every listed table has just a name and a configuration")
def step_listed_keys(context):
    tab.assert_tables_have_name_and_config(context.world.result)


@then("the answer is the {which} bucket with the tables the catalog has for it")
def step_bucket_answer(context, which):
    world = context.world
    tab.assert_bucket_answer(world, world.result, tab.bucket_named(world, which))


@then('the catalog has no tabulator table named "{name:Text}" in the {which} bucket')
def step_catalog_no_named(context, name, which):
    world = context.world
    stored = tab.store(world).get(tab.bucket_named(world, which), name)
    assert stored is None, f"the catalog has a table named {name!r}: {stored!r:.200}"


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
    assert context.world.result == [], f"tables listed: {[t.get('name') for t in context.world.result]}"


@then('I receive the table "{label:Label}" with the configuration the catalog has for it in the {which} bucket')
def step_received_table(context, label, which):
    world = context.world
    table = world.result
    name = tab.table_name(world, label)
    assert isinstance(table, dict) and table.get("name") == name, f"received {table!r:.300}"
    stored = tab.stored_config(world, tab.bucket_named(world, which), label)
    assert table.get("config") == stored, f"received configuration {table.get('config')!r:.300} differs from {stored!r:.300}"


@then('the catalog has the tabulator table "{label:Label}" in the {which} bucket with columns "{columns:Label}"')
def step_catalog_table(context, label, which, columns):
    world = context.world
    stored = tab.stored_config(world, tab.bucket_named(world, which), label)
    assert stored is not None, f"the catalog has no table {tab.table_name(world, label)} in the {which} bucket"
    assert tab.columns_in(stored) == tab.columns_of(columns), f"the catalog's table has columns {tab.columns_in(stored)}"


@then('the catalog has no tabulator table "{label:Label}" in the {which} bucket')
def step_catalog_no_table(context, label, which):
    world = context.world
    stored = tab.stored_config(world, tab.bucket_named(world, which), label)
    assert stored is None, f"the catalog has a table {tab.table_name(world, label)}: {stored!r:.200}"


@then('getting the tabulator table "{label:Label}" of the {which} bucket shows columns "{columns:Label}"')
def step_read_back_columns(context, label, which, columns):
    world = context.world
    table = world.ops.get_tabulator_table(tab.bucket_named(world, which), tab.table_name(world, label))
    assert tab.columns_in(table["config"]) == tab.columns_of(columns), f"read back columns {tab.columns_in(table['config'])}"


@then('listing the tabulator tables of the {which} bucket shows "{labels:Label}" and nothing else of this run')
def step_listing_after(context, which, labels):
    world = context.world
    listing = world.ops.list_tabulator_tables(tab.bucket_named(world, which))
    assert_same_names("tables of this run", split_list(labels), tab.run_tables(world, listing))


@then('listing the tabulator tables of the {which} bucket shows no table of this run')
def step_listing_after_none(context, which):
    world = context.world
    listing = world.ops.list_tabulator_tables(tab.bucket_named(world, which))
    left = tab.run_tables(world, listing)
    assert not left, f"tables of this run still listed: {sorted(left)}"


@then('the tables "{labels:Label}" of the {which} bucket keep their configurations')
def step_tables_unchanged(context, labels, which):
    world = context.world
    bucket = tab.bucket_named(world, which)
    for label in split_list(labels):
        stored = tab.stored_config(world, bucket, label)
        assert stored == world.tables_before[label], f"table {label} changed: {stored!r:.200}"


@then("the deletion answers with the bucket's remaining tables")
def step_delete_answer(context):
    world = context.world
    answer = world.result
    assert isinstance(answer, dict) and answer.get("__typename") == "BucketConfig", f"delete answered {answer!r:.300}"
    listed = {t["name"] for t in answer.get("tabulatorTables") or []}
    bucket = answer.get("name")
    stored = {t["name"] for t in tab.store(world).tables(bucket)}
    assert listed == stored, f"the answer lists {sorted(listed)}, the catalog has {sorted(stored)}"


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
    actual = tab.catalog_open_query(context.world)
    assert actual is enabled, f"the catalog has open query {'enabled' if actual else 'disabled'}"
