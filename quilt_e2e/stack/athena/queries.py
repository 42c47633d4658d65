"""Queries: DuckDB over the Glue tables (a view per table over its S3 data), results as Athena types."""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections.abc import Iterable, Iterator
from typing import Any

import duckdb

from quilt_e2e.stack.athena.errors import CATALOG, QueryFailed
from quilt_e2e.stack.athena.glue import GlueCatalog, GlueTable, S3FileCache
from quilt_e2e.stack.athena.reasons import athena_reason
from quilt_e2e.stack.athena.results import QueryResult, ResultColumn
from quilt_e2e.stack.athena.sqltext import quote_ident
from quilt_e2e.stack.athena.values import athena_type, glue_to_duckdb, render_value

# Presto/Trino functions DuckDB lacks (or names differently), as macros.
_PRESTO_MACROS = [
    "approx_distinct(x) AS approx_count_distinct(x)",
    "approx_percentile(x, p) AS approx_quantile(x, p)",
    "regexp_like(s, p) AS regexp_matches(s, p)",
    "from_unixtime(x) AS make_timestamp(CAST(x * 1000000 AS BIGINT))",
    "to_unixtime(t) AS epoch(t)",
    "json_extract_scalar(j, p) AS json_extract_string(j, p)",
    "json_parse(s) AS CAST(s AS JSON)",
    "json_format(j) AS CAST(j AS VARCHAR)",
    "array_join(a, sep) AS array_to_string(a, sep)",
    "array_max(a) AS list_max(a)",
    "array_min(a) AS list_min(a)",
    "from_iso8601_timestamp(s) AS CAST(s AS TIMESTAMPTZ)",
    "from_iso8601_date(s) AS CAST(s AS DATE)",
    "to_iso8601(t) AS strftime(t, '%Y-%m-%dT%H:%M:%S.%g')",
    "is_nan(x) AS isnan(x)",
    "day_of_week(d) AS isodow(d)",
    "last_day_of_month(d) AS last_day(d)",
    "levenshtein_distance(a, b) AS levenshtein(a, b)",
    "hamming_distance(a, b) AS hamming(a, b)",
    "bitwise_and(a, b) AS (a & b)",
    "slice(a, s, n) AS list_slice(a, s, s + n - 1)",
]


class DuckDbPool:
    """Ready DuckDB connections (opening one with the macros costs ~30 ms; a fresh catalog ~1 ms).

    Each query gets a connection with an empty, freshly attached `awsdatacatalog` catalog.
    """

    def __init__(self):
        self._idle: list[duckdb.DuckDBPyConnection] = []
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._lock:
            connection = self._idle.pop() if self._idle else None
        connection = connection or self._open()
        reusable = False
        try:
            self._fresh_catalog(connection)
            yield connection
            reusable = True
        except QueryFailed:
            reusable = True  # a failed query leaves the connection as it was
            raise
        finally:
            if reusable:
                with self._lock:
                    self._idle.append(connection)
            else:
                connection.close()  # its state is unknown

    @staticmethod
    def _open() -> duckdb.DuckDBPyConnection:
        connection = duckdb.connect()
        connection.execute("SET errors_as_json = true")  # structured errors, with the position in the query
        connection.execute("SET integer_division = true")  # Presto: 5 / 2 = 2
        with contextlib.suppress(duckdb.Error):
            connection.execute("SET TimeZone = 'UTC'")
        with contextlib.suppress(duckdb.Error):
            # It turns TRY_CAST over a CSV column into a strict typed read, which fails on bad values.
            connection.execute("SET disabled_optimizers = 'type_pushdown'")
        for macro in _PRESTO_MACROS:
            with contextlib.suppress(duckdb.Error):
                connection.execute(f"CREATE TEMP MACRO {macro}")
        return connection

    @staticmethod
    def _fresh_catalog(connection: duckdb.DuckDBPyConnection) -> None:
        # A catalog named like Athena's makes "AwsDataCatalog"."db"."t" resolve as it is written.
        connection.execute("USE memory")
        connection.execute(f"DETACH DATABASE IF EXISTS {CATALOG}")
        connection.execute(f"ATTACH ':memory:' AS {CATALOG}")
        connection.execute(f"USE {CATALOG}")

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()


def _ast(connection, sql: str) -> dict | None:
    """DuckDB's parse tree of a SELECT statement (None for anything it cannot serialize)."""
    try:
        tree = json.loads(connection.execute("SELECT json_serialize_sql(?)", [sql]).fetchone()[0])
    except (duckdb.Error, TypeError, ValueError):
        return None
    return None if tree.get("error") or len(tree.get("statements", [])) != 1 else tree["statements"][0]["node"]


def _walk(node: Any) -> Iterator[dict]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def referenced_tables(tree: dict) -> set[tuple[str, str]]:
    """(schema, table) of every base-table reference; schema '' when unqualified."""
    refs = set()
    for node in _walk(tree):
        if node.get("type") == "BASE_TABLE" and node.get("table_name"):
            refs.add(((node.get("schema_name") or "").lower(), node["table_name"].lower()))
    return refs


def _leftmost_select(node: dict) -> dict:
    while node.get("type") == "SET_OPERATION_NODE":
        node = (node.get("children") or [node.get("left")])[0]
    return node


def athena_column_names(tree: dict | None, duckdb_names: list[str]) -> list[str]:
    """Athena's result column names: aliases and column names in lower case, `_colN` for other expressions."""
    names = [name.lower() for name in duckdb_names]
    if tree is None:
        return names
    select_list = _leftmost_select(tree).get("select_list") or []
    stars = [index for index, item in enumerate(select_list) if item.get("class") == "STAR"]
    if len(stars) > 1:
        return names
    star_width = len(names) - (len(select_list) - len(stars))
    position = 0
    for item in select_list:
        if item.get("class") == "STAR":
            position += star_width
            continue
        if position >= len(names):
            break
        if not item.get("alias") and item.get("class") != "COLUMN_REF":
            names[position] = f"_col{position}"
        position += 1
    return names


class TableViews:
    """Creates, in a DuckDB connection, one schema per Glue database and a relation per needed table."""

    def __init__(self, connection, files: S3FileCache, s3):
        self._connection = connection
        self._files = files
        self._s3 = s3
        self.data_scanned_bytes = 0

    def create_schemas(self, databases: Iterable[str]) -> None:
        for database in databases:
            self._connection.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(database)}")

    def add_table(self, table: GlueTable) -> None:
        files = self._files.table_files(self._s3, table.location) if table.location.startswith("s3") else []
        self.data_scanned_bytes += sum(f.size for f in files)
        target = f"{quote_ident(table.database)}.{quote_ident(table.name)}"
        reader = self._reader(table, [f.path for f in files]) if files else None
        if reader is None:
            self.add_empty_table(table)
            return
        projection = self._projection(table, reader)
        self._connection.execute(f"CREATE OR REPLACE VIEW {target} AS SELECT {projection} FROM {reader}")

    def add_empty_table(self, table: GlueTable) -> None:
        """A table without data files reads as empty, with the Glue schema (also feeds information_schema)."""
        columns = ", ".join(
            f"{quote_ident(c['Name'])} {glue_to_duckdb(c['Type']) or 'VARCHAR'}" for c in table.all_columns
        )
        target = f"{quote_ident(table.database)}.{quote_ident(table.name)}"
        self._connection.execute(f"CREATE OR REPLACE TABLE {target} ({columns or 'dummy VARCHAR'})")

    def _reader(self, table: GlueTable, paths: list[str]) -> str | None:
        path_list = "[" + ", ".join(_sql_string(path) for path in paths) + "]"
        hive = "true" if table.partition_keys else "false"
        fmt = table.data_format
        if fmt == "unknown":
            fmt = _format_from_extension(paths[0])
        if fmt == "parquet":
            return f"read_parquet({path_list}, union_by_name = true, hive_partitioning = {hive})"
        typed = {c["Name"]: glue_to_duckdb(c["Type"]) or "VARCHAR" for c in table.columns}
        if fmt == "json":
            return (
                f"read_json({path_list}, format = 'newline_delimited', columns = {_struct_literal(typed)}, "
                f"hive_partitioning = {hive})"
            )
        if fmt == "csv":
            return self._csv_reader(table, path_list, hive)
        return None  # ORC/Avro: DuckDB cannot read them here

    @staticmethod
    def _csv_reader(table: GlueTable, path_list: str, hive: str) -> str:
        params = {**table.parameters, **table.serde_parameters}
        opencsv = "opencsv" in table.serde.lower()
        delimiter = params.get("separatorChar" if opencsv else "field.delim", "," if opencsv else "\x01")
        quote = params.get("quoteChar", '"') if opencsv else ""
        skip = int(params.get("skip.header.line.count", "0") or 0)
        # Read text, cast later: unparsable values become NULL like LazySimpleSerDe makes them.
        columns = {c["Name"]: "VARCHAR" for c in table.columns}
        return (
            f"read_csv({path_list}, delim = {_sql_string(delimiter)}, quote = {_sql_string(quote)}, "
            f"escape = {_sql_string(params.get('escapeChar', '') if opencsv else '')}, header = false, "
            f"skip = {skip}, columns = {_struct_literal(columns)}, nullstr = '\\N', hive_partitioning = {hive}, "
            f"auto_detect = false)"
        )

    def _projection(self, table: GlueTable, reader: str) -> str:
        """The Glue columns, cast to the Glue types; columns missing from the files read as NULL."""
        if not table.all_columns:
            return "*"
        present = {
            row[0].lower() for row in self._connection.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()
        }
        cast = "TRY_CAST" if table.data_format == "csv" else "CAST"
        items = []
        for column in table.all_columns:
            name = quote_ident(column["Name"])
            duck_type = glue_to_duckdb(column["Type"])
            if column["Name"].lower() not in present:
                items.append(f"CAST(NULL AS {duck_type or 'VARCHAR'}) AS {name}")
            elif duck_type is None:
                items.append(f"{name} AS {name}")
            else:
                items.append(f"{cast}({name} AS {duck_type}) AS {name}")
        return ", ".join(items)


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _struct_literal(mapping: dict[str, str]) -> str:
    return "{" + ", ".join(f"{_sql_string(name)}: {_sql_string(kind)}" for name, kind in mapping.items()) + "}"


def _format_from_extension(path: str) -> str:
    lower = path.lower()
    for fmt, suffixes in (("parquet", (".parquet", ".pq")), ("json", (".json", ".jsonl", ".ndjson", ".json.gz"))):
        if lower.endswith(suffixes):
            return fmt
    return "csv"


class SqlQuery:
    """One SELECT-like statement: build a DuckDB workspace over the Glue tables it uses, run, render."""

    def __init__(self, pool: DuckDbPool, catalog: GlueCatalog, files: S3FileCache, s3, context_database: str):
        self._pool = pool
        self._catalog = catalog
        self._files = files
        self._s3 = s3
        self._context = context_database

    def run(self, sql: str, explain: bool = False) -> QueryResult:
        with self._pool.connection() as connection:
            databases = self._catalog.database_names()
            views = TableViews(connection, self._files, self._s3)
            views.create_schemas(set(databases) | {self._context})
            connection.execute(f"SET search_path = {_sql_string(quote_ident(self._context))}")
            tree = _ast(connection, sql)
            try:
                self._add_tables(views, databases, sql, tree)
            except duckdb.Error as exc:  # unreadable data files: Athena's HIVE_BAD_DATA / HIVE_CURSOR_ERROR
                raise QueryFailed(athena_reason(exc, "", self._context, databases)) from None
            statement = f"EXPLAIN {sql}" if explain else sql
            cursor = self._execute(connection, statement, sql, databases)
            result = self._result(cursor, tree, explain)
            result.data_scanned_bytes = views.data_scanned_bytes
            return result

    def _add_tables(self, views: TableViews, databases: list[str], sql: str, tree: dict | None) -> None:
        """Data views for the tables the query reads; empty typed tables for the rest of the catalog
        when it looks at information_schema (the schema is all it needs)."""
        wants_information_schema = re.search(r"information_schema", sql, re.I) is not None
        wanted = referenced_tables(tree) if tree is not None else None
        for database in databases:
            needed = self._needed_names(database, wanted, sql)
            if not needed and not wants_information_schema:
                continue
            tables = (
                self._catalog.tables(database)
                if wants_information_schema or len(needed) > 3
                else [t for t in (self._catalog.table(database, name) for name in needed) if t]
            )
            for table in tables:
                if table.name.lower() in needed:
                    views.add_table(table)
                else:
                    views.add_empty_table(table)

    def _needed_names(self, database: str, wanted: set[tuple[str, str]] | None, sql: str) -> set[str]:
        if wanted is None:  # no parse tree: load any table whose name appears in the text
            return set(re.findall(r"[\w$-]+", sql.lower()))
        return {table for schema, table in wanted if (schema or self._context) == database}

    def _execute(self, connection, statement: str, sql: str, databases: list[str]):
        try:
            return connection.execute(statement)
        except duckdb.Error as exc:
            raise QueryFailed(athena_reason(exc, sql, self._context, databases)) from None

    def _result(self, cursor, tree: dict | None, explain: bool) -> QueryResult:
        description = cursor.description or []
        try:
            rows = cursor.fetchall()
        except duckdb.Error as exc:
            raise QueryFailed(athena_reason(exc, "", self._context, [])) from None
        if explain:
            plan = "\n".join(str(row[-1]) for row in rows)
            return QueryResult.single_column("Query Plan", plan.splitlines())
        names = athena_column_names(tree, [d[0] for d in description])
        columns = [ResultColumn(name, *athena_type(str(d[1]))) for name, d in zip(names, description, strict=True)]
        float32 = [column.type == "float" for column in columns]
        rendered = [[render_value(value, f32) for value, f32 in zip(row, float32, strict=True)] for row in rows]
        return QueryResult(columns, rendered)

