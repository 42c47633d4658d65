"""Athena discovery and queries through the SUT's AthenaQueryService."""

from behave import given, then, when

from quilt_e2e.domain import athena
from quilt_e2e.domain.packages import split_list


@given("the sample table is registered in the Glue catalog")
def step_table_registered(context):
    settings = context.world.settings
    glue = context.world.stack.client("glue")
    glue.get_table(DatabaseName=settings.glue_database, Name=settings.glue_table)


@when("I list the Athena workgroups")
def step_list_workgroups(context):
    athena.call(context.world, "list_workgroups")


@then("the test workgroup is listed with its results going to the scratch bucket")
def step_workgroup_listed(context):
    settings = context.world.settings
    by_name = {wg["name"]: wg for wg in context.world.result}
    assert settings.athena_workgroup in by_name, f"workgroups: {sorted(by_name)}"
    location = by_name[settings.athena_workgroup]["output_location"] or ""
    assert location.startswith(f"s3://{settings.scratch_bucket}/"), f"results go to {location!r}"


@when("I list the Athena databases")
def step_list_databases(context):
    athena.call(context.world, "discover_databases")


@then("the test database is among them")
def step_database_listed(context):
    result = context.world.result
    assert result.get("success"), f"discovery failed: {result.get('error')}"
    names = [db["name"] for db in result["databases"]]
    assert context.world.settings.glue_database in names, f"databases: {names}"


@when("I list the tables of the test database")
def step_list_tables(context):
    athena.call(context.world, "discover_tables", context.world.settings.glue_database)


@then("the sample table is among them")
def step_table_listed(context):
    result = context.world.result
    assert result.get("success"), f"discovery failed: {result.get('error')}"
    names = [table["name"] for table in result["tables"]]
    assert context.world.settings.glue_table in names, f"tables: {names}"


@when("I ask for the columns of the sample table")
def step_describe(context):
    settings = context.world.settings
    athena.call(context.world, "get_table_metadata", settings.glue_database, settings.glue_table)


@then('the columns are "{columns}"')
def step_columns(context, columns):
    result = context.world.result
    assert result.get("success"), f"describe failed: {result.get('error')}"
    actual = [f"{c['name']} {c['type']}" for c in result["columns"] + result["partitions"]]
    assert actual == split_list(columns), f"columns are {actual}"


@when('I run the query "{sql}"')
def step_query(context, sql):
    athena.call(context.world, "execute_query", sql, database_name=context.world.settings.glue_database)


@then('the result has the columns "{columns}"')
def step_result_columns(context, columns):
    frame = athena.result_frame(context.world)
    assert list(frame.columns) == split_list(columns), f"columns are {list(frame.columns)}"


@then("the result rows equal the generated rows with id below {limit:d}, ordered by id")
def step_rows(context, limit):
    table = athena.generated_table(context.world)
    expected = table[table["id"] < limit].sort_values("id")[["id", "name", "value"]]
    athena.assert_frames_equal(athena.result_frame(context.world), expected)


@then("the result is one row with n, total, first_id and last_id computed from the generated data")
def step_aggregate(context):
    import pandas as pd

    table = athena.generated_table(context.world)
    expected = pd.DataFrame(
        {"n": [len(table)], "total": [table["value"].sum()], "first_id": [table["id"].min()], "last_id": [table["id"].max()]}
    )
    athena.assert_frames_equal(athena.result_frame(context.world), expected)


@then("the result has one row per remainder of id divided by {divisor:d} with the generated counts")
def step_grouped(context, divisor):
    table = athena.generated_table(context.world)
    counts = (table["id"] % divisor).value_counts().sort_index()
    import pandas as pd

    expected = pd.DataFrame({"bucket": counts.index.astype("int64"), "n": counts.values.astype("int64")})
    athena.assert_frames_equal(athena.result_frame(context.world), expected)


@then('the query fails with a reason that mentions "{text}"')
def step_query_fails(context, text):
    result = context.world.result
    assert result.get("success") is False, f"the query succeeded: {result.get('row_count')} rows"
    error = str(result.get("error", ""))
    assert text in error, f"reason does not mention {text!r}: {error}"
    assert "Traceback" not in error, f"reason is a traceback: {error[:300]}"
