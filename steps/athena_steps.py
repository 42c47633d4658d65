"""Athena discovery, queries and result formatting through the SUT's AthenaQueryService."""

import parse
from behave import given, register_type, then, when

import quilt_e2e.step_types  # noqa: F401  (registers Text/Label)
from quilt_e2e.domain import athena
from quilt_e2e.domain import athena_account as account
from quilt_e2e.domain.packages import split_list


@parse.with_pattern(r"query|discovery|description|formatting")
def parse_athena_operation(text):
    return text


@parse.with_pattern(r"with|without")
def parse_presence(text):
    return text == "with"


register_type(AthenaOperation=parse_athena_operation, Presence=parse_presence)


# -- Given -----------------------------------------------------------------------------------------
@given("the sample table is registered in the Glue catalog")
def step_table_registered(context):
    settings = context.world.settings
    glue = context.world.stack.client("glue")
    glue.get_table(DatabaseName=settings.glue_database, Name=settings.glue_table)


@given("the analyst works in a region whose Athena has the workgroups:")
def step_region_workgroups(context):
    world = context.world
    account.use_fresh_region(world)
    for row in context.table:
        account.add_workgroup(world, row["workgroup"], enabled=row["state"] == "enabled",
                              results=row["results"] == "yes", description=row["description"])


@given('Athena also has the workgroup "{label:Label}" with its results in the scratch bucket')
def step_add_workgroup(context, label):
    account.add_workgroup(context.world, label, description=f"{label} workgroup")


@given('the deployment names the Athena workgroup "{label:Label}" in its settings')
def step_workgroup_setting(context, label):
    account.name_workgroup_in_settings(context.world, label)


@given('the analyst\'s AWS region setting is "{region:Label}"')
def step_region_setting(context, region):
    account.use_region(context.world, region)


@given('the test database also has a table "{label:Label}" partitioned by region')
def step_partitioned_table(context, label):
    account.add_partitioned_table(context.world, label)


# -- When: the service -----------------------------------------------------------------------------
@when("I open the Athena service without naming a workgroup")
def step_open_service(context):
    athena.open_service(context.world)


@when('I open the Athena service for the workgroup "{label:Label}"')
def step_open_service_workgroup(context, label):
    world = context.world
    athena.open_service(world, workgroup_name=account.workgroup_name(world, label))


@when("I open the Athena service without giving it a backend")
def step_open_service_no_backend(context):
    athena.open_service(context.world, with_backend=False)


@when('I open the Athena service for the data catalog "{name:Label}"')
def step_open_service_catalog(context, name):
    athena.open_service(context.world, data_catalog_name=name)


@when("I list the Athena workgroups")
def step_list_workgroups(context):
    athena.driver(context.world).list_workgroups()


@when("I try to get the service's S3 client")
def step_try_s3_client(context):
    athena.attempt(context.world, lambda svc: svc.s3_client)


@when("I try to list the Athena workgroups")
def step_try_list_workgroups(context):
    athena.attempt(context.world, lambda svc: svc.list_workgroups())


# -- When: discovery -------------------------------------------------------------------------------
@when("I list the Athena databases")
def step_list_databases(context):
    athena.driver(context.world).discover_databases()


@when('I list the Athena databases of the data catalog "{name:Label}"')
def step_list_databases_catalog(context, name):
    athena.driver(context.world).discover_databases(data_catalog_name=name)


@when("I list the tables of the test database")
def step_list_tables(context):
    athena.driver(context.world).discover_tables(context.world.settings.glue_database)


@when('I list the tables of the test database matching "{pattern:Text}"')
def step_list_tables_matching(context, pattern):
    athena.driver(context.world).discover_tables(context.world.settings.glue_database, table_pattern=pattern)


@when('I list the tables of the database "{name:Label}"')
def step_list_tables_of(context, name):
    athena.driver(context.world).discover_tables(name)


@when('I list the tables of the test database in the data catalog "{name:Label}"')
def step_list_tables_catalog(context, name):
    athena.driver(context.world).discover_tables(context.world.settings.glue_database, data_catalog_name=name)


@when("I ask for the columns of the sample table")
def step_describe(context):
    settings = context.world.settings
    athena.driver(context.world).get_table_metadata(settings.glue_database, settings.glue_table)


@when('I ask for the columns of the table "{label:Label}"')
def step_describe_table(context, label):
    world = context.world
    athena.driver(world).get_table_metadata(world.settings.glue_database, account.glue_table_name(world, label))


@when('I ask for the columns of the sample table in the data catalog "{name:Label}"')
def step_describe_catalog(context, name):
    settings = context.world.settings
    athena.driver(context.world).get_table_metadata(settings.glue_database, settings.glue_table, data_catalog_name=name)


@when('I ask for the columns of the table "{table:Label}" of the database "{database:Label}"')
def step_describe_in(context, table, database):
    athena.driver(context.world).get_table_metadata(database, table)


# -- When: queries and formatting ------------------------------------------------------------------
@when('I run the query "{sql}"')
def step_query(context, sql):
    athena.driver(context.world).execute_query(sql, database_name=context.world.settings.glue_database)


@when('I run the query "{sql}" without naming a database')
def step_query_no_database(context, sql):
    athena.driver(context.world).execute_query(sql)


@when('I run the query "{sql}" with at most {limit:d} rows')
def step_query_limit(context, sql, limit):
    world = context.world
    athena.driver(world).execute_query(sql, database_name=world.settings.glue_database, max_results=limit)


@when('I format the result as "{output_format:Label}"')
def step_format(context, output_format):
    athena.format_result(context.world, output_format)


# -- Then: workgroups and the service --------------------------------------------------------------
@then("the test workgroup is listed with its results going to the scratch bucket")
def step_workgroup_listed(context):
    athena.assert_workgroup_listed(context.world)


@then("every enabled workgroup of the region is listed with the details Athena has for it")
def step_workgroups_detailed(context):
    athena.assert_workgroups_listed(context.world)


@then('the workgroups offered are, in this order, "{labels:Label}"')
def step_workgroup_order(context, labels):
    world = context.world
    athena.assert_workgroup_order(world, [account.workgroup_name(world, label) for label in split_list(labels)])


@then("no workgroup is offered")
def step_no_workgroup(context):
    athena.assert_no_workgroup(context.world)


@then('the service runs its queries in the workgroup "{label:Label}" of the analyst\'s region')
def step_engine_workgroup(context, label):
    world = context.world
    athena.assert_engine(world, account.workgroup_name(world, label))


@then("the service's query engine is Athena in the analyst's region, with the backend's credentials")
def step_engine(context):
    athena.assert_engine(context.world, context.world.settings.athena_workgroup)


@then("the service's query engine falls back to the primary workgroup without credentials")
def step_engine_fallback(context):
    athena.assert_engine(context.world, "primary", with_credentials=False)


@then('the service\'s query engine addresses the data catalog "{name:Label}"')
def step_engine_catalog(context, name):
    athena.assert_engine(context.world, context.world.settings.athena_workgroup, catalog=name)


@then('the query\'s result file is in the results location of the workgroup "{label:Label}"')
def step_result_file(context, label):
    athena.assert_result_file(context.world, label)


@then("the service's backend is the one this mode uses")
def step_service_backend(context):
    athena.assert_service_backend(context.world)


@then("the service's Glue client lists the databases the Glue catalog has, and stays the same client")
def step_glue_client(context):
    athena.assert_glue_client(context.world)


@then("the service's S3 client lists the files the data bucket has, and stays the same client")
def step_s3_client(context):
    athena.assert_s3_client(context.world)


@then("the service's Glue client works in the analyst's region")
def step_glue_region(context):
    athena.assert_glue_client(context.world, region=account.analyst_region(context.world))


@then("the service's S3 client works in the analyst's region")
def step_s3_region(context):
    athena.assert_s3_client(context.world, region=account.analyst_region(context.world))


@then('it cannot be made, for a reason that mentions "{text}"')
def step_not_made(context, text):
    athena.assert_not_made(context.world.last_attempt, text)


# -- Then: discovery -------------------------------------------------------------------------------
@then("the test database is among them")
def step_database_listed(context):
    athena.assert_database_listed(context.world)


@then("the databases listed are those of the Glue catalog, each with its documented fields")
def step_databases(context):
    world = context.world
    _, _, kwargs = world.athena_call
    athena.assert_databases(world, kwargs.get("data_catalog_name", athena.DEFAULT_CATALOG))


@then("the sample table is among them")
def step_table_listed(context):
    athena.assert_table_listed(context.world)


@then("the tables listed are those the test database has in Glue, each with its documented fields")
def step_tables(context):
    world = context.world
    athena.assert_tables(world, account.glue_table_names(world, world.settings.glue_database))


@then('the tables listed are "{labels:Text}", each with its documented fields')
def step_tables_named(context, labels):
    world = context.world
    athena.assert_tables(world, [account.glue_table_name(world, label) for label in split_list(labels)])


@then('the columns are "{columns}"')
def step_columns(context, columns):
    athena.assert_columns(context.world, columns)


@then("the description has the columns the sample table has in Glue and no partitions")
def step_description(context):
    athena.assert_description(context.world, context.world.settings.glue_table)


@then('the description has the columns the table "{label:Label}" has in Glue and its partitions')
def step_description_partitioned(context, label):
    world = context.world
    athena.assert_description(world, account.glue_table_name(world, label))


@then('the {what:AthenaOperation} fails with a reason that mentions "{text}"')
def step_fails(context, what, text):
    world = context.world
    athena.assert_failure(world, what, text, world.formatted if what == "formatting" else None)


# -- Then: query results ---------------------------------------------------------------------------
@then('the result has the columns "{columns}"')
def step_result_columns(context, columns):
    athena.assert_result_columns(context.world, columns)


@then("the result rows equal the generated rows with id below {limit:d}, ordered by id")
def step_rows(context, limit):
    expected = athena.generated_rows(context.world, ["id", "name", "value"], below=limit)
    athena.assert_frames_equal(athena.result_frame(context.world), expected)


@then("the result rows equal every generated row, ordered by id")
def step_all_rows(context):
    expected = athena.generated_rows(context.world, ["id", "name", "value", "timestamp"])
    athena.assert_frames_equal(athena.result_frame(context.world), expected)


@then("the result reports {rows:d} rows, not truncated, for the query that was run")
def step_figures(context, rows):
    athena.assert_query_figures(context.world, rows)


@then("the result reports {rows:d} rows, truncated at the limit, for the query that was run")
def step_figures_truncated(context, rows):
    athena.assert_query_figures(context.world, rows, truncated_at=rows)


@then("each result column has the type of its Glue column")
def step_types(context):
    athena.assert_types_match_glue(context.world)


@then("the result is one row with n computed from the generated data")
def step_count(context):
    import pandas as pd

    expected = pd.DataFrame({"n": [len(athena.generated_table(context.world))]})
    athena.assert_frames_equal(athena.result_frame(context.world), expected)


@then("the result is one row with n, total, first_id and last_id computed from the generated data")
def step_aggregate(context):
    import pandas as pd

    table = athena.generated_table(context.world)
    expected = pd.DataFrame(
        {"n": [len(table)], "total": [table["value"].sum()],
         "first_id": [table["id"].min()], "last_id": [table["id"].max()]}
    )
    athena.assert_frames_equal(athena.result_frame(context.world), expected)


@then("the result has one row per remainder of id divided by {divisor:d} with the generated counts")
def step_grouped(context, divisor):
    import pandas as pd

    table = athena.generated_table(context.world)
    counts = (table["id"] % divisor).value_counts().sort_index()
    expected = pd.DataFrame({"bucket": counts.index.astype("int64"), "n": counts.values.astype("int64")})
    athena.assert_frames_equal(athena.result_frame(context.world), expected)


# -- Then: formatted results -----------------------------------------------------------------------
@then("the formatted result holds the generated rows with id below {limit:d} as {output_format}")
def step_formatted_rows(context, limit, output_format):
    expected = athena.generated_rows(context.world, ["id", "name", "value"], below=limit)
    athena.assert_formatted_rows(context.world, output_format, expected)


@then('the formatted result keeps the result\'s figures and says its format is "{output_format:Label}"')
def step_formatted_figures(context, output_format):
    athena.assert_formatted_figures(context.world, output_format)


@then("the formatted result comes {present:Presence} a table rendering for display")
def step_table_rendering(context, present):
    world = context.world
    expected = athena.result_frame(world) if present else None
    athena.assert_table_rendering(world, present, expected)


@then('the table rendering shows the rows "{first:Label}" and "{second:Label}" under the columns "{columns:Label}"')
def step_table_text(context, first, second, columns):
    athena.assert_table_text(context.world, split_list(columns), [split_list(first), split_list(second)])


@then("the formatted result is the {what} result, unchanged")
def step_formatted_unchanged(context, what):
    athena.assert_passed_through(context.world, what)
