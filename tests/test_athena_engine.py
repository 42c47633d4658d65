"""The Athena SQL front: real query results from moto's Glue + S3, checked against the data written.

Every expected value is computed from the pandas DataFrame that was written as the table's parquet file.
"""

from __future__ import annotations

import csv
import io
import json

import boto3
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from botocore.exceptions import ClientError

from quilt_e2e.stack.athena import (
    backticks_to_double_quotes,
    glue_to_duckdb,
    hive_pattern,
    java_double,
    with_athena_sql,
)
from quilt_e2e.stack.aws_server import LocalAwsServer
from quilt_e2e.stack.env_vars import EnvChanges

BUCKET = "athena-engine-test"
DATABASE = "quilt_mcp_test_db"
TABLE = "test_table_1"
WORKGROUP = "quilt-e2e-wg"
RESULTS = f"s3://{BUCKET}/athena-results/"
PARQUET_SERDE = {
    "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
    "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"},
}
FAKE_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


# ---- fixtures ----------------------------------------------------------------------------------


def make_frame(rows: int = 50, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2024-01-01")
    return pd.DataFrame(
        {
            "id": np.arange(1, rows + 1, dtype="int32"),
            "name": rng.choice(["alpha", "beta", "gamma", "delta"], size=rows),
            "value": rng.normal(100, 25, size=rows),
            # millisecond precision: what Athena's timestamp text carries
            "timestamp": start + pd.to_timedelta(rng.integers(0, 10**10, size=rows), unit="ms"),
        }
    )


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    schema = pa.schema(
        [("id", pa.int32()), ("name", pa.string()), ("value", pa.float64()), ("timestamp", pa.timestamp("ms"))]
    )
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(frame, schema=schema, preserve_index=False), buffer)
    return buffer.getvalue()


def create_parquet_table(glue, name: str, location: str) -> None:
    columns = [
        {"Name": "id", "Type": "int"},
        {"Name": "name", "Type": "string"},
        {"Name": "value", "Type": "double"},
        {"Name": "timestamp", "Type": "timestamp"},
    ]
    glue.create_table(
        DatabaseName=DATABASE,
        TableInput={
            "Name": name,
            "TableType": "EXTERNAL_TABLE",
            "Parameters": {"classification": "parquet"},
            "StorageDescriptor": {"Columns": columns, "Location": location, **PARQUET_SERDE},
        },
    )


@pytest.fixture(scope="module")
def stack():
    fronts = []
    env = EnvChanges()

    def wrap(app, server):
        fronts.append(with_athena_sql(app, server))
        return fronts[-1]

    server = LocalAwsServer(wrap=wrap).start()
    try:
        env.set({**FAKE_ENV, "AWS_ENDPOINT_URL": server.endpoint_url, "AWS_PROFILE": None, "AWS_SESSION_TOKEN": None})
        frame = make_frame()
        s3, glue, athena = boto3.client("s3"), boto3.client("glue"), boto3.client("athena")
        s3.create_bucket(Bucket=BUCKET)
        s3.put_object(Bucket=BUCKET, Key=f"athena/{TABLE}/part-00000.parquet", Body=parquet_bytes(frame))
        glue.create_database(DatabaseInput={"Name": DATABASE})
        create_parquet_table(glue, TABLE, f"s3://{BUCKET}/athena/{TABLE}/")
        athena.create_work_group(
            Name=WORKGROUP,
            Configuration={"ResultConfiguration": {"OutputLocation": RESULTS}, "EnforceWorkGroupConfiguration": False},
        )
        yield {"server": server, "frame": frame, "s3": s3, "glue": glue, "athena": athena}
    finally:
        server.stop()
        for front in fronts:
            front.close()
        env.restore()


def run(stack, sql: str, database: str | None = DATABASE) -> dict:
    """Start a query and return its QueryExecution."""
    request = {"QueryString": sql, "WorkGroup": WORKGROUP}
    if database:
        request["QueryExecutionContext"] = {"Database": database, "Catalog": "AwsDataCatalog"}
    query_id = stack["athena"].start_query_execution(**request)["QueryExecutionId"]
    return stack["athena"].get_query_execution(QueryExecutionId=query_id)["QueryExecution"]


def rows_of(stack, execution: dict, page_size: int = 1000) -> tuple[list[dict], list[list[str | None]]]:
    """ColumnInfo and every row (header row included), following NextToken."""
    assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"].get("StateChangeReason")
    rows, token, columns = [], None, None
    while True:
        kwargs = {"QueryExecutionId": execution["QueryExecutionId"], "MaxResults": page_size}
        if token:
            kwargs["NextToken"] = token
        page = stack["athena"].get_query_results(**kwargs)
        columns = page["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]
        rows += [[cell.get("VarCharValue") for cell in row["Data"]] for row in page["ResultSet"]["Rows"]]
        token = page.get("NextToken")
        if not token:
            return columns, rows


def athena_timestamp(value: pd.Timestamp) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond // 1000:03d}"


def expected_rows(frame: pd.DataFrame) -> list[list[str]]:
    return [
        [str(r.id), r.name, None, athena_timestamp(r.timestamp)]  # value compared numerically
        for r in frame.sort_values("id").itertuples()
    ]


class Backend:
    """The SUT's backend seam: AWS clients, which reach the local server through AWS_ENDPOINT_URL."""

    def get_aws_client(self, service, region=None):
        return boto3.client(service, region_name=region or "us-east-1")


@pytest.fixture(scope="module")
def service(stack):
    from quilt_mcp.services.athena_service import AthenaQueryService

    return AthenaQueryService(backend=Backend(), workgroup_name=WORKGROUP)


# ---- boto3 level -------------------------------------------------------------------------------


def test_select_returns_header_row_rows_and_athena_types(stack):
    frame = stack["frame"]
    execution = run(stack, f'SELECT id, name, value, "timestamp" FROM {TABLE} ORDER BY id')

    columns, rows = rows_of(stack, execution)

    assert [(c["Name"], c["Type"]) for c in columns] == [
        ("id", "integer"), ("name", "varchar"), ("value", "double"), ("timestamp", "timestamp"),
    ]
    assert rows[0] == ["id", "name", "value", "timestamp"]
    data = rows[1:]
    assert len(data) == len(frame)
    assert [[r[0], r[1], None, r[3]] for r in data] == expected_rows(frame)
    assert [float(r[2]) for r in data] == frame.sort_values("id")["value"].tolist()
    assert execution["StatementType"] == "DML"
    assert execution["ResultConfiguration"]["OutputLocation"] == f"{RESULTS}{execution['QueryExecutionId']}.csv"
    assert execution["Statistics"]["DataScannedInBytes"] > 0
    assert execution["Status"]["CompletionDateTime"] >= execution["Status"]["SubmissionDateTime"]


def test_results_page_with_next_token(stack):
    frame = stack["frame"]
    execution = run(stack, f"SELECT id FROM {TABLE} ORDER BY id")
    first = stack["athena"].get_query_results(QueryExecutionId=execution["QueryExecutionId"], MaxResults=7)

    assert len(first["ResultSet"]["Rows"]) == 7  # the header row counts towards the first page, as in Athena
    assert "NextToken" in first
    _, rows = rows_of(stack, execution, page_size=7)
    assert [int(r[0]) for r in rows[1:]] == sorted(frame["id"].tolist())


def test_aggregates(stack):
    frame = stack["frame"]
    execution = run(stack, f"SELECT COUNT(*), SUM(id), AVG(value), MIN(name), MAX(value) AS top FROM {TABLE}")

    columns, rows = rows_of(stack, execution)

    assert [(c["Name"], c["Type"]) for c in columns] == [
        ("_col0", "bigint"), ("_col1", "bigint"), ("_col2", "double"), ("_col3", "varchar"), ("top", "double"),
    ]
    count, total, mean, lowest, top = rows[1]
    assert int(count) == len(frame)
    assert int(total) == int(frame["id"].sum())
    assert float(mean) == pytest.approx(frame["value"].mean(), rel=1e-12)
    assert lowest == frame["name"].min()
    assert float(top) == frame["value"].max()


def test_group_by(stack):
    frame = stack["frame"]
    execution = run(
        stack, f"SELECT name, COUNT(*) AS n, SUM(value) AS total FROM {TABLE} GROUP BY name ORDER BY name"
    )

    _, rows = rows_of(stack, execution)

    expected = frame.groupby("name").agg(n=("id", "size"), total=("value", "sum")).sort_index()
    assert [r[0] for r in rows[1:]] == expected.index.tolist()
    assert [int(r[1]) for r in rows[1:]] == expected["n"].tolist()
    assert [float(r[2]) for r in rows[1:]] == pytest.approx(expected["total"].tolist(), rel=1e-12)


def test_where_and_catalog_qualified_backticked_names(stack):
    frame = stack["frame"]
    threshold = float(frame["value"].median())
    execution = run(
        stack,
        f'SELECT `id` FROM "AwsDataCatalog"."{DATABASE}".`{TABLE}` WHERE value > {threshold!r} ORDER BY 1',
        database=None,
    )

    _, rows = rows_of(stack, execution)

    assert [int(r[0]) for r in rows[1:]] == sorted(frame.loc[frame["value"] > threshold, "id"].tolist())


def test_show_databases_tables_and_describe(stack):
    _, databases = rows_of(stack, run(stack, "SHOW DATABASES IN `AwsDataCatalog`", database=None))
    assert [DATABASE] in databases

    columns, tables = rows_of(stack, run(stack, "SHOW TABLES"))
    assert columns[0]["Name"] == "tab_name"
    assert [TABLE] in tables  # no header row for DDL results
    _, matching = rows_of(stack, run(stack, "SHOW TABLES LIKE 'test*'"))
    assert matching == [[TABLE]]

    execution = run(stack, f"DESCRIBE `{TABLE}`")
    _, described = rows_of(stack, execution)
    assert execution["StatementType"] == "DDL"
    assert [tuple(part.strip() for part in row[0].split("\t")) for row in described] == [
        ("id", "int", ""), ("name", "string", ""), ("value", "double", ""), ("timestamp", "timestamp", ""),
    ]


def test_failed_queries_report_one_line_athena_reasons(stack):
    syntax = run(stack, f"SELECT * FORM {TABLE}")
    missing = run(stack, "SELECT * FROM no_such_table")
    no_schema = run(stack, "SELECT 1 FROM t", database="no_such_db")

    assert syntax["Status"]["State"] == "FAILED"
    assert syntax["Status"]["StateChangeReason"].startswith("SYNTAX_ERROR: line 1:")
    assert missing["Status"]["StateChangeReason"] == (
        f"TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.{DATABASE}.no_such_table' does not exist"
    )
    assert no_schema["Status"]["StateChangeReason"].startswith("SCHEMA_NOT_FOUND: ")
    for execution in (syntax, missing, no_schema):
        reason = execution["Status"]["StateChangeReason"]
        assert "\n" not in reason and "Traceback" not in reason
    with pytest.raises(ClientError) as failed_results:
        stack["athena"].get_query_results(QueryExecutionId=missing["QueryExecutionId"])
    assert failed_results.value.response["Error"]["Code"] == "InvalidRequestException"
    with pytest.raises(ClientError) as unknown:
        stack["athena"].get_query_execution(QueryExecutionId="00000000-0000-0000-0000-000000000000")
    assert unknown.value.response["Error"]["Code"] == "InvalidRequestException"


def test_csv_result_object_matches_the_rows(stack):
    execution = run(stack, f"SELECT id, name, value FROM {TABLE} ORDER BY id")
    _, rows = rows_of(stack, execution)

    bucket, key = execution["ResultConfiguration"]["OutputLocation"][len("s3://") :].split("/", 1)
    body = stack["s3"].get_object(Bucket=bucket, Key=key)["Body"].read().decode()
    metadata = json.loads(stack["s3"].get_object(Bucket=bucket, Key=key + ".metadata")["Body"].read())

    assert body.splitlines()[0] == '"id","name","value"'  # every field quoted, as Athena writes it
    assert list(csv.reader(io.StringIO(body))) == rows
    assert [c["Name"] for c in metadata["ColumnInfo"]] == ["id", "name", "value"]


def test_changed_data_files_are_read_again(stack):
    location = f"s3://{BUCKET}/athena/changing/"
    create_parquet_table(stack["glue"], "changing_table", location)
    for seed, rows in ((1, 5), (2, 9)):
        frame = make_frame(rows=rows, seed=seed)
        stack["s3"].put_object(Bucket=BUCKET, Key="athena/changing/data.parquet", Body=parquet_bytes(frame))
        _, result = rows_of(stack, run(stack, "SELECT COUNT(*), SUM(value) FROM changing_table"))
        assert int(result[1][0]) == rows
        assert float(result[1][1]) == pytest.approx(frame["value"].sum(), rel=1e-12)


def test_describe_lists_partition_columns_among_the_columns_and_under_their_heading(stack):
    stack["glue"].create_table(
        DatabaseName=DATABASE,
        TableInput={
            "Name": "partitioned_table",
            "TableType": "EXTERNAL_TABLE",
            "Parameters": {"classification": "parquet"},
            "PartitionKeys": [{"Name": "region", "Type": "string"}],
            "StorageDescriptor": {
                "Columns": [{"Name": "id", "Type": "int"}, {"Name": "event_date", "Type": "date", "Comment": "day"}],
                "Location": f"s3://{BUCKET}/athena/partitioned/",
                **PARQUET_SERDE,
            },
        },
    )
    _, described = rows_of(stack, run(stack, "DESCRIBE partitioned_table"))

    assert [tuple(part.strip() for part in row[0].split("\t")) for row in described] == [
        ("id", "int", ""), ("event_date", "date", "day"), ("region", "string", ""),
        ("",), ("# Partition Information",), ("# col_name", "data_type", "comment"), ("",),
        ("region", "string", ""),
    ]


def test_text_that_is_no_statement_is_a_syntax_error_at_its_first_word(stack):
    execution = run(stack, "  SELEC id FROM t")

    reason = execution["Status"]["StateChangeReason"]
    assert reason.startswith("SYNTAX_ERROR: line 1:3: mismatched input 'SELEC'. Expecting: 'ALTER', ")
    assert run(stack, "CREATE TABLE x (a int)")["Status"]["StateChangeReason"].startswith("NOT_SUPPORTED: ")


def test_the_query_context_catalog_must_exist(stack):
    def in_catalog(catalog):
        query_id = stack["athena"].start_query_execution(
            QueryString="SHOW TABLES", WorkGroup=WORKGROUP,
            QueryExecutionContext={"Database": DATABASE, "Catalog": catalog},
        )["QueryExecutionId"]
        return stack["athena"].get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"]

    assert in_catalog("awsdatacatalog")["State"] == "SUCCEEDED"
    missing = in_catalog("NoSuchCatalog")
    assert missing["State"] == "FAILED"
    assert missing["StateChangeReason"] == "CATALOG_NOT_FOUND: Catalog 'NoSuchCatalog' does not exist"


def test_workgroups_keep_their_creation_time_and_can_be_updated(stack):
    athena = stack["athena"]
    athena.create_work_group(Name="wg-updates", Description="first", Configuration={})
    listed = {g["Name"]: g for g in athena.list_work_groups()["WorkGroups"]}
    created = athena.get_work_group(WorkGroup="wg-updates")["WorkGroup"]

    assert listed["wg-updates"]["State"] == "ENABLED" and listed["wg-updates"]["Description"] == "first"
    assert created["CreationTime"] == listed["wg-updates"]["CreationTime"]  # moto alone says "now" every time
    assert "ResultConfiguration" not in created["Configuration"]

    athena.update_work_group(
        WorkGroup="wg-updates", Description="second", State="DISABLED",
        ConfigurationUpdates={"EnforceWorkGroupConfiguration": False,
                              "ResultConfigurationUpdates": {"OutputLocation": RESULTS}},
    )
    updated = athena.get_work_group(WorkGroup="wg-updates")["WorkGroup"]
    assert (updated["State"], updated["Description"]) == ("DISABLED", "second")
    assert updated["Configuration"]["ResultConfiguration"] == {"OutputLocation": RESULTS}
    assert updated["Configuration"]["EnforceWorkGroupConfiguration"] is False
    assert updated["CreationTime"] == created["CreationTime"]
    with pytest.raises(ClientError) as disabled:
        athena.start_query_execution(QueryString="SELECT 1", WorkGroup="wg-updates")
    assert disabled.value.response["Error"]["Message"] == "WorkGroup wg-updates is disabled."

    athena.update_work_group(WorkGroup="wg-updates", State="ENABLED",
                             ConfigurationUpdates={"ResultConfigurationUpdates": {"RemoveOutputLocation": True}})
    assert "ResultConfiguration" not in athena.get_work_group(WorkGroup="wg-updates")["WorkGroup"]["Configuration"]
    with pytest.raises(ClientError) as unknown:
        athena.update_work_group(WorkGroup="no-such-wg", State="DISABLED")
    assert unknown.value.response["Error"]["Message"] == "WorkGroup no-such-wg is not found."
    with pytest.raises(ClientError) as twice:
        athena.create_work_group(Name="wg-updates")
    assert twice.value.response["Error"]["Code"] == "InvalidRequestException"
    athena.delete_work_group(WorkGroup="wg-updates")
    assert "wg-updates" not in [g["Name"] for g in athena.list_work_groups()["WorkGroups"]]


# ---- through the system under test (SQLAlchemy + PyAthena) -------------------------------------


def test_sut_execute_query_returns_the_table(stack, service):
    frame = stack["frame"]

    result = service.execute_query(
        f'SELECT id, name, value, "timestamp" FROM {TABLE} ORDER BY id', database_name=DATABASE
    )

    assert result["success"], result.get("error")
    expected = frame.sort_values("id").reset_index(drop=True)
    got = result["data"]
    assert list(got.columns) == ["id", "name", "value", "timestamp"]
    assert got["id"].tolist() == expected["id"].tolist()
    assert got["name"].tolist() == expected["name"].tolist()
    assert got["value"].tolist() == expected["value"].tolist()
    assert [pd.Timestamp(t) for t in got["timestamp"]] == expected["timestamp"].tolist()


def test_sut_aggregate_query(stack, service):
    frame = stack["frame"]

    result = service.execute_query(f"SELECT COUNT(*) AS n, SUM(id) AS s FROM {TABLE}", database_name=DATABASE)

    assert result["success"], result.get("error")
    assert result["data"].to_dict("records") == [{"n": len(frame), "s": int(frame["id"].sum())}]


def test_sut_discovers_databases_tables_and_columns(stack, service):
    databases = service.discover_databases()
    tables = service.discover_tables(DATABASE)
    metadata = service.get_table_metadata(DATABASE, TABLE)

    assert databases["success"], databases.get("error")
    assert DATABASE in [d["name"] for d in databases["databases"]]
    assert tables["success"], tables.get("error")
    glue_tables = sorted(t["Name"] for t in stack["glue"].get_tables(DatabaseName=DATABASE)["TableList"])
    assert [t["name"] for t in tables["tables"]] == glue_tables
    assert TABLE in glue_tables
    assert metadata["success"], metadata.get("error")
    assert [(c["name"], c["type"]) for c in metadata["columns"]] == [
        ("id", "int"), ("name", "string"), ("value", "double"), ("timestamp", "timestamp"),
    ]


def test_sut_reaches_the_local_endpoint(stack, service):
    before = len(stack["server"].request_log.entries)
    service.execute_query("SELECT 1", database_name=DATABASE)
    targets = [e["target"] for e in list(stack["server"].request_log.entries)[before:]]
    assert "AmazonAthena.StartQueryExecution" in targets


# ---- pure helpers ------------------------------------------------------------------------------


def test_text_helpers():
    assert [java_double(v) for v in (0.5, 1e7, 1.25e-4, 100.0, -0.0)] == ["0.5", "1.0E7", "1.25E-4", "100.0", "-0.0"]
    assert (
        backticks_to_double_quotes("SELECT `a` FROM `t` WHERE x = '`lit`'") == 'SELECT "a" FROM "t" WHERE x = \'`lit`\''
    )
    assert hive_pattern("test*|other").match("TEST_table") and not hive_pattern("test*").match("a_test")
    assert glue_to_duckdb("decimal(10,2)") == "DECIMAL(10,2)"
    assert glue_to_duckdb("struct<a:int,b:array<string>>") == 'STRUCT("a" INTEGER, "b" VARCHAR[])'
