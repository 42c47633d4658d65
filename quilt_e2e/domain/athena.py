"""Athena checks: the SUT's AthenaQueryService against answers computed from the generated parquet, and
against what Glue, Athena and S3 themselves say (read with plain boto3, see athena_account)."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pandas as pd

from quilt_e2e.domain import athena_account as account
from quilt_e2e.domain.driver import Driver, SutCall
from quilt_e2e.domain.packages import split_list
from quilt_e2e.domain.world import World

DEFAULT_CATALOG = "AwsDataCatalog"
QUERY_KEYS = {"success", "data", "row_count", "total_rows", "truncated", "columns", "dtypes", "query"}
ERROR_KEYS = {"success", "error", "timestamp"}
# What each operation's failure says first (AthenaQueryService wraps every failure in these words).
FAILURE_PREFIX = {
    "query": "Query execution failed: ",
    "discovery": "Query execution failed: ",
    "description": "Failed to get table metadata: ",
    "formatting": "Failed to format results: ",
}
# The documented fields SHOW DATABASES / SHOW TABLES / DESCRIBE cannot fill, with the values the service
# documents for them ("Not available through ...").
DATABASE_PLACEHOLDERS = {"description": "", "location_uri": "", "create_time": None, "parameters": {}}
TABLE_PLACEHOLDERS = {
    "description": "", "owner": "", "create_time": None, "update_time": None, "table_type": "",
    "storage_descriptor": {"location": "", "input_format": "", "output_format": "", "serde_info": {}},
    "partition_keys": [], "parameters": {},
}
METADATA_PLACEHOLDERS = {
    "table_type": "", "description": "", "owner": "", "create_time": None, "update_time": None,
    "storage_descriptor": {"location": "", "input_format": "", "output_format": "", "compressed": False,
                           "serde_info": {}},
    "parameters": {},
}


# -- the service -------------------------------------------------------------------------------------
def open_service(world: World, *, with_backend: bool = True, **kwargs):
    """A new AthenaQueryService on this scenario's QuiltOps (or, without a backend, the one it builds)."""
    from quilt_mcp.services.athena_service import AthenaQueryService

    from quilt_e2e.domain.session import ensure_identity

    if with_backend:
        kwargs["backend"] = world.sut
    else:
        ensure_identity(world)
    world.services["athena"] = _construct(world, AthenaQueryService, kwargs)
    return world.services["athena"]


def _construct(world: World, cls, kwargs: dict):
    """The constructor call, recorded like every SUT call (for the failure report)."""
    record = SutCall(f"{cls.__name__}", (), {k: v for k, v in kwargs.items() if k != "backend"})
    world.calls.append(record)
    record.result = cls(**kwargs)
    return record.result


def service(world: World):
    """The scenario's Athena service: the last one opened, else one on this scenario's QuiltOps."""
    if world.services.get("athena") is None:
        open_service(world)
    return world.services["athena"]


def driver(world: World) -> Driver:
    """The scenario's Athena service, every call recorded; what a call returns becomes the scenario's
    result, and the call is remembered for the checks that look at what was asked."""
    def remember(record: SutCall) -> None:
        world.result = record.result
        world.athena_call = (record.operation.rsplit(".", 1)[-1], record.args, record.kwargs)

    return world.drive(service(world), after=remember)


def attempt(world: World, action: Callable[[Driver], Any]):
    """A call (or property read) the scenario expects may fail, e.g. `lambda svc: svc.s3_client`."""
    target = world.drive(service(world))
    return world.attempt(lambda: action(target))


# -- the generated data --------------------------------------------------------------------------------
def generated_table(world: World) -> pd.DataFrame:
    """The sample table's rows, read straight from the generated parquet files."""
    import pyarrow.parquet as pq

    files = [world.reference.local_path("athena", relpath) for relpath in world.reference.files("athena")]
    frames = [pq.read_table(path).to_pandas() for path in files if path.suffix == ".parquet"]
    return pd.concat(frames, ignore_index=True)


def generated_rows(world: World, columns: list[str], below: int | None = None) -> pd.DataFrame:
    table = generated_table(world).sort_values("id")
    if below is not None:
        table = table[table["id"] < below]
    return table[columns].reset_index(drop=True)


# -- query results -------------------------------------------------------------------------------------
def result_frame(world: World) -> pd.DataFrame:
    result = world.result
    if not result.get("success"):
        raise AssertionError(f"query failed: {result.get('error')}")
    return result["data"]


def assert_frames_equal(actual: pd.DataFrame, expected: pd.DataFrame) -> None:
    actual = actual.reset_index(drop=True)
    expected = expected.reset_index(drop=True)
    if list(actual.columns) != list(expected.columns):
        raise AssertionError(f"columns {list(actual.columns)} != expected {list(expected.columns)}")
    if len(actual) != len(expected):
        raise AssertionError(f"{len(actual)} rows, expected {len(expected)}")
    for column in expected.columns:
        want, got = expected[column], actual[column]
        if pd.api.types.is_float_dtype(want):
            mismatch = ((got.astype(float) - want.astype(float)).abs() > 1e-9 * (1 + want.abs())).any()
        elif pd.api.types.is_datetime64_any_dtype(want):
            mismatch = (pd.to_datetime(got).values != pd.to_datetime(want).values).any()
        else:
            mismatch = (got.astype(str).values != want.astype(str).values).any()
        if mismatch:
            raise AssertionError(f"column {column!r} differs:\n got {got.tolist()[:10]}\n want {want.tolist()[:10]}")


def assert_query_figures(world: World, rows: int, truncated_at: int | None = None) -> None:
    """Every documented key of a successful execute_query answer, against what was asked and returned."""
    result = world.result
    assert isinstance(result, dict) and set(result) == QUERY_KEYS, f"the answer's keys are {sorted(result)}"
    frame = result["data"]
    _, args, _kwargs = world.athena_call
    assert result["success"] is True, f"success is {result['success']!r}"
    assert len(frame) == rows and result["row_count"] == rows, (
        f"{len(frame)} rows, row_count {result['row_count']}, expected {rows}"
    )
    total = f"{truncated_at}+" if truncated_at is not None else rows
    assert result["total_rows"] == total, f"total_rows is {result['total_rows']!r}, expected {total!r}"
    assert result["truncated"] is (truncated_at is not None), f"truncated is {result['truncated']!r}"
    assert result["columns"] == list(frame.columns), f"columns {result['columns']} != the data's {list(frame.columns)}"
    assert result["dtypes"] == {c: str(t) for c, t in frame.dtypes.items()}, f"dtypes {result['dtypes']}"
    assert result["query"] == args[0], f"the answer names the query {result['query']!r}, not {args[0]!r}"


def assert_types_match_glue(world: World) -> None:
    """Each result column has the pandas type of its Glue column's type."""
    kinds = {
        "int": pd.api.types.is_integer_dtype, "bigint": pd.api.types.is_integer_dtype,
        "string": pd.api.types.is_string_dtype, "double": pd.api.types.is_float_dtype,
        "timestamp": pd.api.types.is_datetime64_any_dtype,
    }
    glue_types = {
        c["Name"]: c["Type"]
        for c in account.glue_table(world, world.settings.glue_table)["StorageDescriptor"]["Columns"]
    }
    frame = result_frame(world)
    for column in frame.columns:
        check = kinds[glue_types[column]]
        assert check(frame[column].dtype), (
            f"column {column} ({glue_types[column]} in Glue) came back as {frame[column].dtype}"
        )
        assert world.result["dtypes"][column] == str(frame[column].dtype)


def assert_failure(world: World, what: str, text: str, answer: Any = None) -> None:
    """A failure answer: exactly success=False, an error naming `text` after the operation's words, and when."""
    answer = world.result if answer is None else answer
    assert isinstance(answer, dict), f"expected an answer dict, got {answer!r:.300}"
    if answer.get("success") is not False:
        if what == "query":
            raise AssertionError(
                f"the query succeeded: {answer.get('row_count')} rows, truncated={answer.get('truncated')}, "
                f"total_rows={answer.get('total_rows')!r}"
            )
        raise AssertionError(f"the {what} succeeded: {answer!r:.300}")
    assert set(answer) == ERROR_KEYS, f"a failure answer has the keys {sorted(answer)}"
    error = str(answer["error"])
    assert error.startswith(FAILURE_PREFIX[what]), (
        f"the reason does not start with {FAILURE_PREFIX[what]!r}: {error[:300]}"
    )
    assert text in error, f"reason does not mention {text!r}: {error[:500]}"
    assert "Traceback" not in error, f"reason is a traceback: {error[:300]}"
    when = dt.datetime.fromisoformat(answer["timestamp"])
    age = (dt.datetime.now(dt.UTC) - when).total_seconds()
    assert when.utcoffset() == dt.timedelta(0) and 0 <= age < 300, f"the failure is stamped {answer['timestamp']}"


# -- discovery -------------------------------------------------------------------------------------------
def assert_databases(world: World, catalog: str = DEFAULT_CATALOG) -> None:
    result = world.result
    assert result.get("success") is True, f"discovery failed: {result.get('error')}"
    assert set(result) == {"success", "databases", "data_catalog_name", "count"}, f"keys {sorted(result)}"
    expected = account.glue_database_names(world)
    assert sorted(d["name"] for d in result["databases"]) == expected, (
        f"databases {[d['name'] for d in result['databases']]}, Glue has {expected}"
    )
    for database in result["databases"]:
        assert database == {"name": database["name"], **DATABASE_PLACEHOLDERS}, f"a database is described as {database}"
    assert result["count"] == len(expected), f"count {result['count']}, Glue has {len(expected)}"
    assert result["data_catalog_name"] == catalog, (
        f"data_catalog_name {result['data_catalog_name']!r}, asked {catalog!r}"
    )


def assert_tables(world: World, expected_names: list[str], database: str | None = None) -> None:
    database = database or world.settings.glue_database
    result = world.result
    assert result.get("success") is True, f"discovery failed: {result.get('error')}"
    assert set(result) == {"success", "tables", "database_name", "data_catalog_name", "count"}, f"keys {sorted(result)}"
    names = sorted(t["name"] for t in result["tables"])
    assert names == sorted(expected_names), f"tables {names}, expected {sorted(expected_names)}"
    for table in result["tables"]:
        expected = {"name": table["name"], "database_name": database, **TABLE_PLACEHOLDERS}
        assert table == expected, f"a table is described as {table}"
    assert result["count"] == len(expected_names), f"count {result['count']}"
    assert result["database_name"] == database and result["data_catalog_name"] == DEFAULT_CATALOG, (
        f"database_name {result['database_name']!r}, data_catalog_name {result['data_catalog_name']!r}"
    )


def _described(columns: list[dict]) -> list[dict]:
    return [{"name": c["Name"], "type": c["Type"], "comment": c.get("Comment", "")} for c in columns]


def assert_description(world: World, table_name: str) -> None:
    """Every documented key of get_table_metadata: columns and partitions as Glue has them."""
    result = world.result
    assert result.get("success") is True, f"describe failed: {result.get('error')}"
    glue = account.glue_table(world, table_name)
    expected = {
        "success": True,
        "table_name": table_name,
        "database_name": world.settings.glue_database,
        "data_catalog_name": DEFAULT_CATALOG,
        "columns": _described(glue["StorageDescriptor"]["Columns"]),
        "partitions": _described(glue.get("PartitionKeys") or []),
        **METADATA_PLACEHOLDERS,
    }
    got = (result.get("columns"), result.get("partitions"))
    assert got == (expected["columns"], expected["partitions"]), (
        f"columns are {got[0]} and partitions are {got[1]}; Glue has the columns {expected['columns']} "
        f"and the partitions {expected['partitions']}"
    )
    assert result == expected, f"the description is {result}, expected {expected}"


# -- workgroups ------------------------------------------------------------------------------------------
def assert_workgroups_listed(world: World) -> None:
    """Exactly the enabled workgroups of the region, each with the five documented fields as Athena has them."""
    enabled = {name: {k: v for k, v in wg.items() if k != "state"}
               for name, wg in account.athena_workgroups(world).items() if wg["state"] == "ENABLED"}
    listed = {wg["name"]: wg for wg in world.result}
    assert len(listed) == len(world.result), f"a workgroup is listed twice: {[wg['name'] for wg in world.result]}"
    assert sorted(listed) == sorted(enabled), f"listed {sorted(listed)}, Athena has enabled {sorted(enabled)}"
    for name, workgroup in listed.items():
        assert workgroup == enabled[name], f"workgroup {name} is listed as {workgroup}, Athena has {enabled[name]}"


def assert_workgroup_order(world: World, expected: list[str]) -> None:
    offered = [wg["name"] for wg in world.result]
    assert offered == expected, f"offered {offered}, expected {expected}"


def assert_result_file(world: World, label: str) -> None:
    """Athena ran the last query in the workgroup, and its result object is in that workgroup's location."""
    query = world.athena_call[1][0]
    executions = [e for e in account.executions_in(world, label) if e["Query"] == query]
    assert executions, f"Athena has no execution of the query in the workgroup {account.workgroup_name(world, label)}"
    output = executions[0]["ResultConfiguration"]["OutputLocation"]
    assert executions[0]["Status"]["State"] == "SUCCEEDED", f"the query {executions[0]['Status']}"
    assert output.startswith(account.results_location(world, label)), f"the result file is {output}"
    bucket, key = output[len("s3://"):].split("/", 1)
    world.s3().head_object(Bucket=bucket, Key=key)


# -- the engine and the clients ------------------------------------------------------------------------
def assert_service_backend(world: World) -> None:
    from quilt_mcp.backends.platform_backend import Platform_Backend
    from quilt_mcp.backends.quilt3_backend import Quilt3_Backend

    expected = Platform_Backend if world.settings.backend == "multiuser" else Quilt3_Backend
    backend = service(world).backend
    assert isinstance(backend, expected), f"the service built a {type(backend).__name__}, expected {expected.__name__}"


def assert_not_made(attempt, text: str) -> None:
    assert attempt.error is not None, f"it was made: {attempt.result!r:.200}"
    assert text in str(attempt.error), (
        f"the reason does not mention {text!r}: {type(attempt.error).__name__}: {attempt.error}"
    )


def engine_url(world: World):
    return service(world).engine.url


def assert_engine(world: World, workgroup: str, *, region: str | None = None, catalog: str = DEFAULT_CATALOG,
                  with_credentials: bool = True) -> None:
    url = engine_url(world)
    region = region or account.analyst_region(world)
    assert url.drivername == "awsathena+rest", f"the engine's driver is {url.drivername}"
    assert (url.host, url.port) == (f"athena.{region}.amazonaws.com", 443), f"the engine talks to {url.host}:{url.port}"
    assert url.query.get("work_group") == workgroup, (
        f"queries run in the workgroup {url.query.get('work_group')!r}, expected {workgroup!r}"
    )
    assert url.query.get("catalog_name") == catalog, (
        f"the engine addresses the data catalog {url.query.get('catalog_name')!r}"
    )
    if with_credentials:
        backend = backend_credentials(world, region)
        engine = (url.username, url.password, url.query.get("aws_session_token"))
        assert all(engine[:2]) and bool(engine[2]) == bool(backend.token), "the engine lacks part of its credentials"
        signed_as, expected = (
            identity(world, *engine),
            identity(world, backend.access_key, backend.secret_key, backend.token),
        )
        assert signed_as == expected, f"the engine signs as {signed_as}, the backend as {expected}"
    else:
        assert not url.username and not url.password, "the engine carries credentials"
        assert "aws_session_token" not in url.query, "the engine carries a session token"


def backend_credentials(world: World, region: str):
    """The credentials the backend's own Athena client signs with (the user's role in multiuser mode, the
    account's otherwise): what the service takes over for its engine."""
    athena_client = service(world).backend.get_aws_client("athena", region=region)
    return athena_client._request_signer._credentials.get_frozen_credentials()


def identity(world: World, access_key: str, secret_key: str, token: str | None) -> str:
    """Who a set of credentials signs as, asked of STS with a plain boto3 client."""
    import boto3

    sts = boto3.session.Session(aws_access_key_id=access_key, aws_secret_access_key=secret_key,
                                aws_session_token=token or None, region_name=world.settings.region)
    return sts.client("sts", endpoint_url=world.stack.endpoint_url).get_caller_identity()["Arn"]


def _service_client(world: World, attribute: str, service_name: str, label: str, region: str | None):
    """The service's `attribute` client: one object across accesses, of the right AWS service, and (when
    `region` is given) working in that region."""
    svc = service(world)
    client = getattr(svc, attribute)
    what = f"the {label} client"
    assert client is getattr(svc, attribute), f"{what} is made anew on every access"
    assert client.meta.service_model.service_name == service_name, \
        f"{what} is a {client.meta.service_model.service_name} client"
    if region is not None:
        assert client.meta.region_name == region, f"{what} works in {client.meta.region_name}, the service in {region}"
    return client


def assert_glue_client(world: World, region: str | None = None) -> None:
    glue = _service_client(world, "glue_client", "glue", "Glue", region)
    if region is None:
        names = sorted(d["Name"] for d in glue.get_databases()["DatabaseList"])
        assert names == account.glue_database_names(world), f"the Glue client lists {names}"


def assert_s3_client(world: World, region: str | None = None) -> None:
    s3 = _service_client(world, "s3_client", "s3", "S3", region)
    if region is None:
        bucket = world.settings.data_bucket
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
        expected = [o["Key"] for o in world.s3().list_objects_v2(Bucket=bucket).get("Contents", [])]
        assert keys == expected and keys, f"the S3 client lists {len(keys)} files of {bucket}, S3 has {len(expected)}"


# -- formatted results ---------------------------------------------------------------------------------
def format_result(world: World, output_format: str) -> dict:
    world.athena_unformatted = world.result
    world.formatted = world.drive(service(world)).format_results(world.result, output_format)
    return world.formatted


def table_rows(text: str) -> tuple[list[str], list[list[str]]]:
    """An ASCII table rendering: its column names and rows, split on whitespace."""
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[0].split(), [line.split() for line in lines[1:]]


def assert_formatted_rows(world: World, fmt: str, expected: pd.DataFrame) -> None:
    data = world.formatted.get("formatted_data")
    columns = list(expected.columns)
    if fmt == "json":
        records = expected.to_dict(orient="records")
        assert isinstance(data, list) and len(data) == len(records), f"formatted as {data!r:.300}"
        for got, want in zip(data, records, strict=True):
            assert list(got) == columns, f"a record has the fields {list(got)}"
            _assert_row(list(got.values()), list(want.values()), columns)
    elif fmt == "csv":
        rows = list(csv.reader(io.StringIO(data)))
        assert rows[0] == columns, f"the CSV header is {rows[0]}"
        _assert_rows(rows[1:], expected)
    elif fmt == "table":
        header, rows = table_rows(data)
        assert header == columns, f"the table's header is {header}"
        _assert_rows(rows, expected)
    elif fmt == "parquet":
        import pyarrow.parquet as pq

        frame = pq.read_table(io.BytesIO(base64.b64decode(data))).to_pandas()
        assert_frames_equal(frame, expected)
    else:
        raise AssertionError(f"test defect: unknown format {fmt}")


def _assert_rows(rows: list[list[str]], expected: pd.DataFrame) -> None:
    assert len(rows) == len(expected), f"{len(rows)} rows formatted, expected {len(expected)}"
    for got, want in zip(rows, expected.itertuples(index=False), strict=True):
        _assert_row(got, list(want), list(expected.columns))


def _assert_row(got: list, want: list, columns: list[str]) -> None:
    assert len(got) == len(want), f"a row has {len(got)} values, expected {len(want)}: {got}"
    for column, g, w in zip(columns, got, want, strict=True):
        # a table rendering rounds a float to its display precision
        ok = abs(float(g) - w) <= 1e-4 * (1 + abs(w)) if isinstance(w, float) else str(g) == str(w)
        assert ok, f"{column}: formatted {g!r}, the data has {w!r}"


def assert_formatted_figures(world: World, fmt: str) -> None:
    """The formatted answer keeps every figure of the result, drops the DataFrame and names its format;
    the result itself is not changed."""
    original, formatted = world.athena_unformatted, world.formatted
    assert "data" in original and original["success"] is True, "formatting changed the result it was given"
    kept = {k: v for k, v in original.items() if k != "data"}
    extra = {"formatted_data", "format", "formatted_data_table", "display_format"}
    assert set(formatted) - set(kept) <= extra and "formatted_data" in formatted, f"formatted keys {sorted(formatted)}"
    for key, value in kept.items():
        assert formatted.get(key) == value, f"{key} became {formatted.get(key)!r}, was {value!r}"
    assert formatted["format"] == fmt, f"the answer says its format is {formatted['format']!r}, expected {fmt!r}"


def assert_table_rendering(world: World, present: bool, expected: pd.DataFrame | None = None) -> None:
    formatted = world.formatted
    if not present:
        assert "formatted_data_table" not in formatted and "display_format" not in formatted, (
            f"a table rendering is attached: {sorted(formatted)}"
        )
        return
    assert formatted.get("display_format") == "table", f"display_format is {formatted.get('display_format')!r}"
    header, rows = table_rows(formatted["formatted_data_table"])
    assert expected is not None
    assert header == list(expected.columns), f"the table rendering's header is {header}"
    _assert_rows(rows, expected)


def assert_table_text(world: World, columns: list[str], rows: list[list[str]]) -> None:
    """The table rendering shows these columns and rows (in any order), each value exactly as it is."""
    header, shown = table_rows(world.formatted["formatted_data"])
    assert header == columns, f"the table rendering's header is {header}"
    assert sorted(shown) == sorted(rows), f"table rendering shows rows {sorted(shown)}, expected {sorted(rows)}"


def assert_passed_through(world: World, what: str) -> None:
    """format_results gives back the very answer it was given, untouched."""
    assert world.formatted is world.athena_unformatted, (
        f"formatting the {what} result made a new answer: {world.formatted!r:.300}"
    )
    assert "formatted_data" not in world.formatted and "format" not in world.formatted, f"the {what} result was changed"


# -- the checks behind steps/athena_steps.py ---------------------------------------------------------
def assert_workgroup_listed(world: World) -> None:
    """Then the test workgroup is listed with its results going to the scratch bucket."""
    settings = world.settings
    by_name = {wg["name"]: wg for wg in world.result}
    assert settings.athena_workgroup in by_name, f"workgroups: {sorted(by_name)}"
    location = by_name[settings.athena_workgroup]["output_location"] or ""
    assert location.startswith(f"s3://{settings.scratch_bucket}/"), f"results go to {location!r}"


def assert_no_workgroup(world: World) -> None:
    """Then no workgroup is offered."""
    assert world.result == [], f"workgroups offered: {world.result}"


def assert_database_listed(world: World) -> None:
    """Then the test database is among them."""
    result = world.result
    assert result.get("success"), f"discovery failed: {result.get('error')}"
    names = [db["name"] for db in result["databases"]]
    assert world.settings.glue_database in names, f"databases: {names}"


def assert_table_listed(world: World) -> None:
    """Then the sample table is among them."""
    result = world.result
    assert result.get("success"), f"discovery failed: {result.get('error')}"
    names = [table["name"] for table in result["tables"]]
    assert world.settings.glue_table in names, f"tables: {names}"


def assert_columns(world: World, columns) -> None:
    """Then the columns are "{columns}"."""
    result = world.result
    assert result.get("success"), f"describe failed: {result.get('error')}"
    actual = [f"{c['name']} {c['type']}" for c in result["columns"] + result["partitions"]]
    assert actual == split_list(columns), f"columns are {actual}"


def assert_result_columns(world: World, columns) -> None:
    """Then the result has the columns "{columns}"."""
    frame = result_frame(world)
    assert list(frame.columns) == split_list(columns), f"columns are {list(frame.columns)}"
