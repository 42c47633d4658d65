"""Athena that answers: a WSGI front for moto's server that runs Athena SQL with DuckDB.

Plain moto accepts every Athena query and returns zero rows. `AthenaSqlFront` intercepts the
Athena query APIs (JSON 1.1, ``X-Amz-Target: AmazonAthena.<Op>``), executes the SQL over the
tables of moto's Glue catalog (data read from moto's S3 with boto3), writes the result files to
the output location like Athena does, and hands every other request to moto unchanged.

Statements: SHOW DATABASES|SCHEMAS, SHOW TABLES, SHOW COLUMNS, SHOW PARTITIONS, DESCRIBE,
EXPLAIN, and SELECT / WITH / VALUES (run in DuckDB, with some Presto functions added as macros).
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import datetime as dt
import decimal
import functools
import hashlib
import io
import json
import logging
import math
import os
import re
import shutil
import tempfile
import threading
import time
import urllib.parse
import uuid
import weakref
from collections import OrderedDict
from typing import Any, Callable, Iterable, Iterator

import boto3
import duckdb
import numpy
from botocore.awsrequest import AWSResponse, HeadersDict
from botocore.config import Config
from botocore.exceptions import ClientError
from werkzeug.test import EnvironBuilder, run_wsgi_app

log = logging.getLogger("quilt_e2e.athena")

CATALOG = "awsdatacatalog"  # the only data catalog: moto's Glue
ENGINE_VERSION = {"SelectedEngineVersion": "AUTO", "EffectiveEngineVersion": "Athena engine version 3"}
MAX_PAGE_SIZE = 1000
MAX_STORED_EXECUTIONS = 5000
DDL_COLUMN_TYPE = "string"  # Athena reports the Hive type of DDL result columns


# ==============================================================================================
# Errors
# ==============================================================================================


class ApiError(Exception):
    """An Athena API error response (HTTP 400 unless told), e.g. InvalidRequestException."""

    def __init__(self, message: str, code: str = "InvalidRequestException", status: int = 400):
        super().__init__(message)
        self.code = code
        self.status = status


class QueryFailed(Exception):
    """A query that ends FAILED; the message is the Athena-style StateChangeReason."""


# ==============================================================================================
# Types: Glue (Hive) -> DuckDB, DuckDB -> Athena result types
# ==============================================================================================

_GLUE_SCALARS = {
    "string": "VARCHAR",
    "varchar": "VARCHAR",
    "char": "VARCHAR",
    "int": "INTEGER",
    "integer": "INTEGER",
    "bigint": "BIGINT",
    "smallint": "SMALLINT",
    "tinyint": "TINYINT",
    "double": "DOUBLE",
    "float": "FLOAT",
    "real": "FLOAT",
    "boolean": "BOOLEAN",
    "timestamp": "TIMESTAMP",
    "date": "DATE",
    "binary": "BLOB",
}


def _split_top_level(text: str, sep: str = ",") -> list[str]:
    """Split on `sep` outside <...> and (...) nesting (for struct<a:int,b:map<string,int>>)."""
    parts, depth, current = [], 0, []
    for char in text:
        if char in "<(":
            depth += 1
        elif char in ">)":
            depth -= 1
        if char == sep and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [part.strip() for part in parts]


def glue_to_duckdb(glue_type: str) -> str | None:
    """DuckDB type for a Glue column type; None when it cannot be mapped."""
    text = glue_type.strip()
    lower = text.lower()
    base = re.split(r"[<(]", lower, 1)[0].strip()
    inner = text[text.find("<") + 1 : text.rfind(">")] if "<" in text else ""
    if base == "decimal":
        match = re.match(r"decimal\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)", lower)
        return f"DECIMAL({match.group(1)},{match.group(2) or 0})" if match else "DECIMAL(10,0)"
    if base == "array":
        element = glue_to_duckdb(inner)
        return f"{element}[]" if element else None
    if base == "map":
        key_value = _split_top_level(inner)
        mapped = [glue_to_duckdb(part) for part in key_value]
        return f"MAP({mapped[0]}, {mapped[1]})" if len(mapped) == 2 and all(mapped) else None
    if base == "struct":
        fields = []
        for field in _split_top_level(inner):
            name, _, field_type = field.partition(":")
            mapped_field = glue_to_duckdb(field_type)
            if not mapped_field:
                return None
            fields.append(f"{quote_ident(name.strip())} {mapped_field}")
        return f"STRUCT({', '.join(fields)})"
    return _GLUE_SCALARS.get(base)


# DuckDB type -> (Athena type name, precision, scale) for ResultSetMetadata.ColumnInfo.
_ATHENA_TYPES = {
    "BOOLEAN": ("boolean", 0, 0),
    "TINYINT": ("tinyint", 3, 0),
    "SMALLINT": ("smallint", 5, 0),
    "INTEGER": ("integer", 10, 0),
    "BIGINT": ("bigint", 19, 0),
    "HUGEINT": ("bigint", 19, 0),  # DuckDB widens SUM(int) to int128; Athena keeps bigint
    "UTINYINT": ("smallint", 5, 0),
    "USMALLINT": ("integer", 10, 0),
    "UINTEGER": ("bigint", 19, 0),
    "UBIGINT": ("bigint", 19, 0),  # e.g. cardinality(); Presto returns bigint
    "UHUGEINT": ("decimal", 38, 0),
    "FLOAT": ("float", 17, 0),
    "DOUBLE": ("double", 17, 0),
    "VARCHAR": ("varchar", 2147483647, 0),
    "BLOB": ("varbinary", 1073741824, 0),
    "DATE": ("date", 0, 0),
    "TIME": ("time", 3, 0),
    "TIMESTAMP": ("timestamp", 3, 0),
    "TIMESTAMP_S": ("timestamp", 3, 0),
    "TIMESTAMP_MS": ("timestamp", 3, 0),
    "TIMESTAMP_NS": ("timestamp", 3, 0),
    "TIMESTAMP WITH TIME ZONE": ("timestamp with time zone", 3, 0),
    "INTERVAL": ("interval day to second", 0, 0),
    "UUID": ("varchar", 2147483647, 0),
    "JSON": ("json", 0, 0),
    "NULL": ("unknown", 0, 0),
}


def athena_type(duckdb_type: str) -> tuple[str, int, int]:
    """Athena's (type, precision, scale) for a DuckDB result column type."""
    text = str(duckdb_type).upper()
    if text.endswith("]"):
        return "array", 0, 0
    if text.startswith(("STRUCT", "TUPLE", "ROW")):
        return "row", 0, 0
    if text.startswith("MAP"):
        return "map", 0, 0
    if text.startswith("DECIMAL"):
        match = re.match(r"DECIMAL\((\d+),\s*(\d+)\)", text)
        return ("decimal", int(match.group(1)), int(match.group(2))) if match else ("decimal", 38, 0)
    return _ATHENA_TYPES.get(text, ("varchar", 2147483647, 0))


# ==============================================================================================
# Values rendered as Athena renders them in GetQueryResults and the CSV
# ==============================================================================================


def java_double(value: float) -> str:
    """A double as Java's Double.toString writes it (Athena's rendering): 0.5, 1.0E7, 1.0E-4."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    if 1e-3 <= abs(value) < 1e7:
        text = repr(value)
        return text if ("." in text or "e" in text) else text + ".0"
    sign, digits, exponent = decimal.Decimal(repr(value)).as_tuple()
    digit_text = "".join(map(str, digits)).rstrip("0") or "0"
    mantissa = digit_text[0] + "." + (digit_text[1:] or "0")
    return f"{'-' if sign else ''}{mantissa}E{len(''.join(map(str, digits))) - 1 + exponent}"


def _render_timestamp(value: dt.datetime) -> str:
    if value.tzinfo is not None:
        utc = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return f"{utc:%Y-%m-%d %H:%M:%S}.{utc.microsecond // 1000:03d} UTC"
    return f"{value:%Y-%m-%d %H:%M:%S}.{value.microsecond // 1000:03d}"


def _render_interval(value: dt.timedelta) -> str:
    seconds = value.total_seconds()
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, rest = divmod(rest, 60)
    return f"{sign}{int(days)} {int(hours):02d}:{int(minutes):02d}:{rest:06.3f}"


def render_value(value: Any, float32: bool = False) -> str | None:
    """Athena's text for one value; None for SQL NULL."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # A REAL prints with the fewest digits that identify the float32 (Java's Float.toString).
        return java_double(float(str(numpy.float32(value))) if float32 else value)
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime):
        return _render_timestamp(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return f"{value:%H:%M:%S}.{value.microsecond // 1000:03d}"
    if isinstance(value, dt.timedelta):
        return _render_interval(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return " ".join(f"{byte:02x}" for byte in bytes(value))
    if isinstance(value, list):
        return "[" + ", ".join(_render_nested(item) for item in value) + "]"
    if isinstance(value, tuple):  # an unnamed ROW
        return "{" + ", ".join(_render_nested(item) for item in value) + "}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_render_nested(k)}={_render_nested(v)}" for k, v in value.items()) + "}"
    return str(value)


def _render_nested(value: Any) -> str:
    rendered = render_value(value)
    return "null" if rendered is None else rendered


# ==============================================================================================
# SQL text helpers (length-preserving, so DuckDB error positions point into the user's query)
# ==============================================================================================

_TOKEN = re.compile(r"'(?:[^']|'')*'?|\"(?:[^\"]|\"\")*\"?|`[^`]*`?|--[^\n]*|/\*.*?(?:\*/|$)", re.S)


def _scan(sql: str) -> Iterator[tuple[str, int, int]]:
    """Yield ('code'|'string'|'quoted'|'backtick'|'comment', start, end) spans of `sql`."""
    position = 0
    for match in _TOKEN.finditer(sql):
        if match.start() > position:
            yield "code", position, match.start()
        text = match.group()
        kind = {"'": "string", '"': "quoted", "`": "backtick"}.get(text[0], "comment")
        yield kind, match.start(), match.end()
        position = match.end()
    if position < len(sql):
        yield "code", position, len(sql)


def backticks_to_double_quotes(sql: str) -> str:
    """Athena accepts `ident` in many places; DuckDB only "ident"."""
    pieces = []
    for kind, start, end in _scan(sql):
        text = sql[start:end]
        if kind == "backtick" and len(text) >= 2 and text.endswith("`"):
            text = '"' + text[1:-1].replace('"', '""') + '"'
        pieces.append(text)
    return "".join(pieces)


def blank_comments(sql: str) -> str:
    """Comments replaced by spaces (keeps offsets), for statement recognition."""
    spans = ((kind, sql[start:end]) for kind, start, end in _scan(sql))
    return "".join(re.sub(r"[^\n]", " ", text) if kind == "comment" else text for kind, text in spans)


def substitute_parameters(sql: str, parameters: list[str]) -> str:
    """Athena's ExecutionParameters: each `?` outside literals is replaced by the next value's SQL text."""
    remaining = list(parameters)
    pieces = []
    for kind, start, end in _scan(sql):
        text = sql[start:end]
        if kind == "code":
            text = re.sub(r"\?", lambda _m: remaining.pop(0) if remaining else "?", text)
        pieces.append(text)
    if remaining:
        raise QueryFailed("INVALID_PARAMETER_USAGE: more execution parameters than '?' placeholders")
    return "".join(pieces)


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def unquote_ident(token: str) -> str:
    token = token.strip()
    if len(token) >= 2 and token[0] == token[-1] and token[0] in "`\"'":
        return token[1:-1]
    return token


def hive_pattern(pattern: str) -> re.Pattern[str]:
    """Athena's SHOW ... LIKE 'pattern': `*` matches anything, `|` separates alternatives, no case."""
    alternatives = [".*".join(re.escape(part) for part in alt.strip().split("*")) for alt in pattern.split("|")]
    return re.compile("^(?:" + "|".join(alternatives) + ")$", re.I)


def line_and_column(sql: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset, as Athena reports them."""
    offset = max(0, min(offset, len(sql)))
    line = sql.count("\n", 0, offset) + 1
    column = offset - (sql.rfind("\n", 0, offset) + 1) + 1
    return line, column


# ==============================================================================================
# AWS access: boto3 clients that call this same server
# ==============================================================================================


@dataclasses.dataclass(frozen=True)
class Caller:
    """Who sent the request: the SigV4 scope (region) and access key, reused for our own calls."""

    region: str
    access_key: str = "testing"


_SIGV4_SCOPE = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/")


def caller_of(environ: dict, default_region: str) -> Caller:
    match = _SIGV4_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    if not match:
        return Caller(default_region)
    return Caller(region=match.group(2), access_key=match.group(1))


class AwsClients:
    """boto3 clients pointed at the local server, created lazily (the port is known only once it runs).

    With `in_process_app`, requests skip the socket: botocore's before-send hook hands them straight to
    that WSGI app (moto), which keeps a query at a few ms instead of ~10 ms per AWS call.
    """

    def __init__(self, endpoint_url: Callable[[], str], in_process_app=None):
        self._endpoint_url = endpoint_url
        self._in_process_app = in_process_app
        self._clients: dict[tuple, Any] = {}
        self._lock = threading.Lock()

    def get(self, service: str, caller: Caller):
        endpoint = self._endpoint_url()
        key = (service, caller, endpoint)
        with self._lock:
            if key not in self._clients:
                self._clients[key] = self._new_client(service, caller, endpoint)
            return self._clients[key]

    def _new_client(self, service: str, caller: Caller, endpoint: str):
        # moto does not check signatures; the caller's key keeps moto's account mapping the same.
        client = boto3.session.Session().client(
            service,
            region_name=caller.region,
            endpoint_url=endpoint,
            aws_access_key_id=caller.access_key,
            aws_secret_access_key="testing",
            config=Config(retries={"max_attempts": 2, "mode": "standard"}, s3={"addressing_style": "path"}),
        )
        if self._in_process_app is not None:
            client.meta.events.register("before-send", functools.partial(_send_in_process, self._in_process_app))
        return client


class _BufferedBody(io.BytesIO):
    """A response body botocore can read() and stream() (it expects urllib3's interface)."""

    def stream(self, amt: int = 1024, decode_content: bool | None = None) -> Iterator[bytes]:
        while chunk := self.read(amt):
            yield chunk


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _send_in_process(app, request, **_kwargs) -> AWSResponse:
    """botocore's before-send hook: the response of the WSGI app, without a socket."""
    url = urllib.parse.urlsplit(request.url)
    body = request.body
    if hasattr(body, "read"):
        body = body.read()
    headers = {name: _text(value) for name, value in request.headers.items()}
    environ = EnvironBuilder(
        method=request.method,
        base_url=f"{url.scheme}://{url.netloc}",
        path=urllib.parse.unquote(url.path) or "/",
        query_string=url.query,
        headers=headers,
        data=body or b"",
    ).get_environ()
    app_iter, status, response_headers = run_wsgi_app(app, environ, buffered=True)
    try:
        content = b"".join(app_iter)
    finally:
        getattr(app_iter, "close", lambda: None)()
    header_dict = HeadersDict()
    for name, value in response_headers.items():
        header_dict[name] = value
    return AWSResponse(request.url, int(status.split(" ", 1)[0]), header_dict, _BufferedBody(content))


def parse_s3_url(url: str) -> tuple[str, str]:
    match = re.match(r"^s3a?n?://([^/]+)/?(.*)$", url or "")
    if not match:
        raise ValueError(f"not an S3 location: {url!r}")
    return match.group(1), match.group(2)


# ==============================================================================================
# Glue catalog
# ==============================================================================================


@dataclasses.dataclass
class GlueTable:
    database: str
    name: str
    columns: list[dict]
    partition_keys: list[dict]
    location: str
    serde: str
    input_format: str
    serde_parameters: dict
    parameters: dict
    table_type: str

    @classmethod
    def from_glue(cls, database: str, table: dict) -> "GlueTable":
        descriptor = table.get("StorageDescriptor") or {}
        serde_info = descriptor.get("SerdeInfo") or {}
        return cls(
            database=database,
            name=table["Name"],
            columns=descriptor.get("Columns") or [],
            partition_keys=table.get("PartitionKeys") or [],
            location=descriptor.get("Location") or "",
            serde=serde_info.get("SerializationLibrary") or "",
            input_format=descriptor.get("InputFormat") or "",
            serde_parameters=serde_info.get("Parameters") or {},
            parameters=table.get("Parameters") or {},
            table_type=table.get("TableType") or "",
        )

    @property
    def all_columns(self) -> list[dict]:
        return self.columns + self.partition_keys

    @property
    def data_format(self) -> str:
        """parquet | json | csv | orc | avro | unknown, from the SerDe, input format and classification."""
        hints = " ".join([self.serde, self.input_format, self.parameters.get("classification", "")]).lower()
        for fmt, needles in (
            ("parquet", ("parquet",)),
            ("json", ("json",)),
            ("orc", ("orc",)),
            ("avro", ("avro",)),
            ("csv", ("csv", "lazysimpleserde", "textinputformat", "regexserde")),
        ):
            if any(needle in hints for needle in needles):
                return fmt
        return "unknown"


class GlueCatalog:
    """Reads moto's Glue on demand (no caching: tests create tables and query right away)."""

    def __init__(self, glue_client):
        self._glue = glue_client

    def database_names(self) -> list[str]:
        names = []
        for page in self._glue.get_paginator("get_databases").paginate():
            names.extend(database["Name"] for database in page["DatabaseList"])
        return sorted(names)

    def tables(self, database: str) -> list[GlueTable]:
        tables = []
        for page in self._glue.get_paginator("get_tables").paginate(DatabaseName=database):
            tables.extend(GlueTable.from_glue(database, table) for table in page["TableList"])
        return sorted(tables, key=lambda table: table.name)

    def table(self, database: str, name: str) -> GlueTable | None:
        try:
            return GlueTable.from_glue(database, self._glue.get_table(DatabaseName=database, Name=name)["Table"])
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "EntityNotFoundException":
                return None
            raise

    def partition_values(self, table: GlueTable) -> list[list[str]]:
        values = []
        paginator = self._glue.get_paginator("get_partitions")
        for page in paginator.paginate(DatabaseName=table.database, TableName=table.name):
            values.extend(partition["Values"] for partition in page["Partitions"])
        return sorted(values)


# ==============================================================================================
# S3 data files, downloaded once per (bucket, key, ETag)
# ==============================================================================================


@dataclasses.dataclass(frozen=True)
class DataFile:
    path: str
    size: int


class S3FileCache:
    """Local copies of S3 objects. A changed ETag means a new download; the old copy is dropped."""

    def __init__(self):
        self._root: str | None = None
        self._copies: dict[tuple[str, str], tuple[str, str, str]] = {}  # (bucket, key) -> (etag, path, folder)
        self._lock = threading.Lock()
        self._finalizer: weakref.finalize | None = None

    def _root_dir(self) -> str:
        with self._lock:
            if self._root is None:
                self._root = tempfile.mkdtemp(prefix="athena-engine-")
                self._finalizer = weakref.finalize(self, shutil.rmtree, self._root, True)
            return self._root

    def table_files(self, s3, location: str) -> list[DataFile]:
        """Local copies of the data files under a table location (Hive skips _hidden and .hidden files)."""
        bucket, prefix = parse_s3_url(location)
        prefix = prefix.rstrip("/") + "/" if prefix.strip("/") else ""
        files = []
        try:
            pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
            for page in pages:
                for item in page.get("Contents", []):
                    relative = item["Key"][len(prefix) :]
                    if item["Key"].endswith("/") or item["Size"] == 0 or _is_hidden(relative):
                        continue
                    files.append(DataFile(self._local_copy(s3, bucket, item["Key"], item["ETag"]), item["Size"]))
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "NoSuchBucket":
                raise
        return files

    def _local_copy(self, s3, bucket: str, key: str, etag: str) -> str:
        with self._lock:
            known = self._copies.get((bucket, key))
        if known and known[0] == etag and os.path.exists(known[1]):
            return known[1]
        folder = os.path.join(self._root_dir(), hashlib.sha1(f"{bucket}\0{key}\0{etag}".encode()).hexdigest()[:20])
        # Keep the key's folders: DuckDB reads Hive partition values (k=v/) from the path.
        safe_key = "/".join(part if part not in ("", ".", "..") else "_" for part in key.split("/"))
        path = os.path.join(folder, bucket, safe_key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        partial = f"{path}.{uuid.uuid4().hex}.part"
        with open(partial, "wb") as out:
            shutil.copyfileobj(s3.get_object(Bucket=bucket, Key=key)["Body"], out)
        os.replace(partial, path)
        with self._lock:
            previous = self._copies.get((bucket, key))
            self._copies[(bucket, key)] = (etag, path, folder)
        if previous and previous[2] != folder:
            shutil.rmtree(previous[2], ignore_errors=True)
        return path

    def with_s3_urls(self, message: str) -> str:
        """`message` with local copies named by their S3 URLs (errors name the files DuckDB read)."""
        if self._root is None:
            return message
        return re.sub(re.escape(self._root) + r"/[0-9a-f]{20}/", "s3://", message)

    def close(self) -> None:
        if self._finalizer is not None:
            self._finalizer()


def _is_hidden(relative_key: str) -> bool:
    return any(part.startswith(("_", ".")) for part in relative_key.split("/") if part)


# ==============================================================================================
# Query results
# ==============================================================================================


@dataclasses.dataclass
class ResultColumn:
    name: str
    type: str
    precision: int = 0
    scale: int = 0

    def column_info(self) -> dict:
        return {
            "CatalogName": "hive",
            "SchemaName": "",
            "TableName": "",
            "Name": self.name,
            "Label": self.name,
            "Type": self.type,
            "Precision": self.precision,
            "Scale": self.scale,
            "Nullable": "UNKNOWN",
            "CaseSensitive": self.type in ("varchar", "string", "char"),
        }


@dataclasses.dataclass
class QueryResult:
    """Rows already rendered as Athena text (None = NULL)."""

    columns: list[ResultColumn]
    rows: list[list[str | None]]
    data_scanned_bytes: int = 0

    @classmethod
    def single_column(cls, name: str, values: Iterable[str]) -> "QueryResult":
        return cls([ResultColumn(name, DDL_COLUMN_TYPE)], [[value] for value in values])


# ==============================================================================================
# Statements other than queries: SHOW / DESCRIBE, answered from Glue
# ==============================================================================================

_IDENT = r"(?:`[^`]+`|\"(?:[^\"]|\"\")+\"|[\w$-]+)"
_QUALIFIED = rf"{_IDENT}(?:\s*\.\s*{_IDENT}){{0,2}}"
_PATTERN = r"(?:\s+(?:LIKE\s+)?'((?:[^']|'')*)')?"

_IN = rf"(?:\s+(?:IN|FROM)\s+({_IDENT}))?"

SHOW_DATABASES = re.compile(rf"^SHOW\s+(?:DATABASES|SCHEMAS){_IN}{_PATTERN}$", re.I | re.S)
SHOW_TABLES = re.compile(rf"^SHOW\s+TABLES{_IN}{_PATTERN}$", re.I | re.S)
SHOW_COLUMNS = re.compile(rf"^SHOW\s+COLUMNS\s+(?:IN|FROM)\s+({_QUALIFIED}){_IN}$", re.I | re.S)
SHOW_PARTITIONS = re.compile(rf"^SHOW\s+PARTITIONS\s+({_QUALIFIED})$", re.I | re.S)
DESCRIBE = re.compile(
    rf"^(?:DESCRIBE|DESC)(?:\s+(?:EXTENDED|FORMATTED))?\s+({_QUALIFIED})(?:\s+({_IDENT}))?$", re.I | re.S
)
QUERY_START = re.compile(r"^\(*\s*(SELECT|WITH|VALUES|TABLE|FROM)\b", re.I)
EXPLAIN = re.compile(r"^EXPLAIN(?:\s+ANALYZE)?(?:\s*\([^)]*\))?\s+(.*)$", re.I | re.S)


def split_qualified(name: str) -> list[str]:
    return [unquote_ident(part) for part in re.findall(_IDENT, name)]


def _hive_row(*fields: str) -> str:
    """A DESCRIBE row as Hive/Athena prints it: each field left-aligned to 20 characters, tab separated."""
    return "\t".join(f"{field:<20}" for field in fields)


def _column_row(column: dict) -> str:
    return _hive_row(column["Name"], column["Type"], column.get("Comment", ""))


class CatalogStatements:
    """SHOW and DESCRIBE, the Hive DDL statements Athena answers from the Glue catalog."""

    def __init__(self, catalog: GlueCatalog):
        self._catalog = catalog

    def answer(self, statement: str, context: str) -> QueryResult | None:
        """The result of a SHOW/DESCRIBE statement (comments blanked); None for any other statement."""
        if match := SHOW_DATABASES.match(statement):
            return self.show_databases(match.group(1), match.group(2))
        if match := SHOW_TABLES.match(statement):
            database = unquote_ident(match.group(1)) if match.group(1) else context
            return self.show_tables(database, match.group(2))
        if match := DESCRIBE.match(statement):
            column = unquote_ident(match.group(2)) if match.group(2) else None
            return self.describe(*_table_reference(match.group(1), context), column)
        if match := SHOW_COLUMNS.match(statement):
            database, table = _table_reference(match.group(1), context)
            return self.show_columns(unquote_ident(match.group(2)) if match.group(2) else database, table)
        if match := SHOW_PARTITIONS.match(statement):
            return self.show_partitions(*_table_reference(match.group(1), context))
        return None

    def show_databases(self, catalog_name: str | None, pattern: str | None) -> QueryResult:
        if catalog_name and unquote_ident(catalog_name).lower() != CATALOG:
            raise QueryFailed(f"FAILED: SemanticException Catalog '{unquote_ident(catalog_name)}' does not exist")
        names = self._catalog.database_names()
        return QueryResult.single_column("database_name", _matching(names, pattern))

    def show_tables(self, database: str, pattern: str | None) -> QueryResult:
        self._require_database(database)
        names = [table.name for table in self._catalog.tables(database)]
        return QueryResult.single_column("tab_name", _matching(names, pattern))

    def describe(self, database: str, table_name: str, column: str | None) -> QueryResult:
        table = self._require_table(database, table_name)
        rows = [_column_row(c) for c in table.columns]
        partition_rows = [_column_row(c) for c in table.partition_keys]
        if column:
            wanted = [c for c in table.all_columns if c["Name"].lower() == column.lower()]
            if not wanted:
                raise QueryFailed(f"FAILED: SemanticException [Error 10002]: Invalid column reference {column}")
            rows, partition_rows = [_column_row(wanted[0])], []
        if partition_rows:
            header = _hive_row("# col_name", "data_type", "comment")
            rows += ["", "# Partition Information", header, ""] + partition_rows
        return QueryResult.single_column("col_name", rows)

    def show_columns(self, database: str, table_name: str) -> QueryResult:
        table = self._require_table(database, table_name)
        return QueryResult.single_column("field", [c["Name"] for c in table.all_columns])

    def show_partitions(self, database: str, table_name: str) -> QueryResult:
        table = self._require_table(database, table_name)
        if not table.partition_keys:
            raise QueryFailed(f"FAILED: SemanticException [Error 10241]: Table {table_name} is not partitioned")
        keys = [key["Name"] for key in table.partition_keys]
        values = self._catalog.partition_values(table)
        return QueryResult.single_column("partition", ["/".join(f"{k}={v}" for k, v in zip(keys, vs)) for vs in values])

    def _require_database(self, database: str) -> None:
        if database.lower() not in self._catalog.database_names():
            raise QueryFailed(f"FAILED: SemanticException [Error 10072]: Database does not exist: {database}")

    def _require_table(self, database: str, table_name: str) -> GlueTable:
        self._require_database(database)
        table = self._catalog.table(database.lower(), table_name.lower())
        if table is None:
            raise QueryFailed(f"FAILED: SemanticException [Error 10001]: Table not found {database}.{table_name}")
        return table


def _matching(names: list[str], pattern: str | None) -> list[str]:
    if not pattern:
        return names
    regex = hive_pattern(pattern.replace("''", "'"))
    return [name for name in names if regex.match(name)]


# ==============================================================================================
# Queries: DuckDB over the Glue tables
# ==============================================================================================

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
        columns = [ResultColumn(name, *athena_type(str(d[1]))) for name, d in zip(names, description)]
        float32 = [column.type == "float" for column in columns]
        rendered = [[render_value(value, f32) for value, f32 in zip(row, float32)] for row in rows]
        return QueryResult(columns, rendered)


# ---- DuckDB errors -> Athena's StateChangeReason ----------------------------------------------


def _duckdb_error_fields(exc: duckdb.Error) -> dict:
    text = str(exc)
    start = text.find("{")
    try:
        return json.loads(text[start:]) if start >= 0 else {"exception_message": text}
    except ValueError:
        return {"exception_message": text}


def _first_line(message: str) -> str:
    return " ".join(message.split("\n")[0].split()).rstrip()


def athena_reason(exc: duckdb.Error, sql: str, context: str, databases: list[str]) -> str:
    """One line in Athena's style, e.g. TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.db.t' does not exist."""
    fields = _duckdb_error_fields(exc)
    message = _first_line(fields.get("exception_message", str(exc)))
    kind = fields.get("exception_type", "")
    where = ""
    if sql and str(fields.get("position", "")).isdigit():
        line, column = line_and_column(sql, int(fields["position"]))
        where = f"line {line}:{column}: "
    if kind == "Parser":
        near = re.search(r'at or near "(.*)"', message)
        token = near.group(1) if near else ("<EOF>" if "end of input" in message else None)
        detail = f"mismatched input '{token}'" if token else message
        return f"SYNTAX_ERROR: {where}{detail}"
    if kind == "Catalog":
        return _catalog_reason(fields, message, where, context, databases)
    if kind == "Binder":
        if fields.get("error_subtype") == "COLUMN_NOT_FOUND" or "Referenced column" in message:
            name = fields.get("name") or _quoted(message) or "?"
            return (
                f"COLUMN_NOT_FOUND: {where}Column '{name}' cannot be resolved "
                "or requester is not authorized to access requested resources"
            )
        if "candidate function" in message or "No function matches" in message:
            return f"TYPE_MISMATCH: {where}{message}"
        return f"SYNTAX_ERROR: {where}{message}"
    prefix = {
        "Conversion": "INVALID_CAST_ARGUMENT",
        "Out of Range": "NUMERIC_VALUE_OUT_OF_RANGE",
        "Invalid Input": "HIVE_BAD_DATA",
        "IO": "HIVE_CURSOR_ERROR",
        "Not implemented": "NOT_SUPPORTED",
    }.get(kind, "GENERIC_INTERNAL_ERROR")
    return f"{prefix}: {message}"


def _catalog_reason(fields: dict, message: str, where: str, context: str, databases: list[str]) -> str:
    object_type = fields.get("type", "")
    name = fields.get("name") or _quoted(message) or "?"
    missing_schema = re.search(r'because schema "?([^"\s]+?)"? does not exist', message)
    if missing_schema:
        return f"SCHEMA_NOT_FOUND: {where}Schema '{missing_schema.group(1)}' does not exist"
    if object_type == "Table" or message.startswith("Table with name"):
        parts = [p for p in name.strip('"').split(".") if p]
        if len(parts) == 1 and context not in databases:
            return f"SCHEMA_NOT_FOUND: {where}Schema '{context}' does not exist"
        schema, table = (parts[-2], parts[-1]) if len(parts) >= 2 else (context, parts[0])
        return f"TABLE_NOT_FOUND: {where}Table '{CATALOG}.{schema}.{table}' does not exist"
    if "Function" in object_type or "Function with name" in message:
        return f"FUNCTION_NOT_FOUND: {where}Function '{name}' not registered"
    if object_type == "Schema" or message.startswith("Schema with name"):
        return f"SCHEMA_NOT_FOUND: {where}Schema '{name}' does not exist"
    if object_type == "Type":
        return f"TYPE_NOT_FOUND: {where}Unknown type: {name}"
    return f"SYNTAX_ERROR: {where}{message}"


def _quoted(message: str) -> str | None:
    match = re.search(r'"([^"]+)"', message) or re.search(r"with name (\S+)", message)
    return match.group(1).rstrip("!") if match else None


# ==============================================================================================
# Query executions (what GetQueryExecution reports)
# ==============================================================================================


@dataclasses.dataclass
class QueryExecution:
    query_id: str
    query: str
    statement_type: str
    substatement_type: str
    work_group: str
    output_location: str  # the result object: <OutputLocation>/<id>.csv (or .txt for DDL)
    context: dict
    submitted: float
    state: str = "QUEUED"
    reason: str | None = None
    completed: float | None = None
    engine_millis: int = 0
    parameters: list[str] = dataclasses.field(default_factory=list)
    result: QueryResult | None = None

    @property
    def has_header_row(self) -> bool:
        """Athena puts the column labels first in the rows of DML results (not DDL/UTILITY ones)."""
        return self.statement_type == "DML"

    def description(self) -> dict:
        status: dict[str, Any] = {"State": self.state, "SubmissionDateTime": self.submitted}
        if self.completed is not None:
            status["CompletionDateTime"] = self.completed
        if self.reason:
            status["StateChangeReason"] = self.reason
            status["AthenaError"] = {"ErrorCategory": 2, "Retryable": False, "ErrorMessage": self.reason}
        total = int(((self.completed or time.time()) - self.submitted) * 1000)
        scanned = self.result.data_scanned_bytes if self.result else 0
        return {
            "QueryExecutionId": self.query_id,
            "Query": self.query,
            "StatementType": self.statement_type,
            "SubstatementType": self.substatement_type,
            "ResultConfiguration": {"OutputLocation": self.output_location},
            "ResultReuseConfiguration": {"ResultReuseByAgeConfiguration": {"Enabled": False}},
            "QueryExecutionContext": self.context,
            "Status": status,
            "Statistics": {
                "EngineExecutionTimeInMillis": self.engine_millis,
                "DataScannedInBytes": scanned,
                "TotalExecutionTimeInMillis": total,
                "QueryQueueTimeInMillis": 0,
                "ServicePreProcessingTimeInMillis": 0,
                "QueryPlanningTimeInMillis": 0,
                "ServiceProcessingTimeInMillis": max(0, total - self.engine_millis),
                "ResultReuseInformation": {"ReusedPreviousResult": False},
            },
            "WorkGroup": self.work_group,
            "EngineVersion": dict(ENGINE_VERSION),
            "ExecutionParameters": list(self.parameters),
        }


def classify(sql: str) -> tuple[str, str]:
    """(StatementType, SubstatementType) as Athena reports them."""
    head = blank_comments(sql).strip().lstrip("(").split(None, 2)
    first = head[0].upper() if head else ""
    second = head[1].upper() if len(head) > 1 else ""
    if first in ("SELECT", "WITH", "VALUES", "TABLE", "FROM"):
        return "DML", "SELECT"
    if first in ("INSERT", "UPDATE", "DELETE", "MERGE", "UNLOAD"):
        return "DML", first
    if first in ("SHOW", "DESCRIBE", "DESC"):
        kind = "DESCRIBE_TABLE" if first.startswith("DESC") else f"SHOW_{second}"
        return "DDL", kind
    if first in ("EXPLAIN", "PREPARE", "EXECUTE", "DEALLOCATE"):
        return "UTILITY", first
    return "DDL", "_".join(part for part in (first, second) if part)


# ==============================================================================================
# The Athena API
# ==============================================================================================


class AthenaEngine:
    """The Athena operations served here; everything else stays with moto."""

    def __init__(self, clients: AwsClients):
        self._clients = clients
        self._files = S3FileCache()
        self._duckdb = DuckDbPool()
        self._executions: OrderedDict[str, QueryExecution] = OrderedDict()
        self._lock = threading.Lock()
        self.operations: dict[str, Callable[[dict, Caller], dict]] = {
            "StartQueryExecution": self.start_query_execution,
            "GetQueryExecution": self.get_query_execution,
            "GetQueryResults": self.get_query_results,
            "StopQueryExecution": self.stop_query_execution,
            "BatchGetQueryExecution": self.batch_get_query_execution,
            "ListQueryExecutions": self.list_query_executions,
        }

    # ---- operations -------------------------------------------------------------------------

    def start_query_execution(self, request: dict, caller: Caller) -> dict:
        sql = request.get("QueryString") or ""
        if not sql.strip():
            raise ApiError("1 validation error detected: Value at 'queryString' failed to satisfy constraint")
        work_group = request.get("WorkGroup") or "primary"
        output = self._output_location(request, work_group, caller)
        context = dict(request.get("QueryExecutionContext") or {})
        statement_type, substatement_type = classify(sql)
        query_id = str(uuid.uuid4())
        extension = "csv" if statement_type == "DML" else "txt"
        execution = QueryExecution(
            query_id=query_id,
            query=sql,
            statement_type=statement_type,
            substatement_type=substatement_type,
            work_group=work_group,
            output_location=f"{output.rstrip('/')}/{query_id}.{extension}",
            context=context,
            submitted=time.time(),
        )
        execution.parameters = list(request.get("ExecutionParameters") or [])
        self._store(execution)
        self._run(execution, caller)
        return {"QueryExecutionId": query_id}

    def get_query_execution(self, request: dict, caller: Caller) -> dict:
        return {"QueryExecution": self._execution(request.get("QueryExecutionId")).description()}

    def batch_get_query_execution(self, request: dict, caller: Caller) -> dict:
        found, missing = [], []
        for query_id in request.get("QueryExecutionIds") or []:
            with self._lock:
                execution = self._executions.get(query_id)
            if execution:
                found.append(execution.description())
            else:
                error = {"ErrorCode": "INVALID_INPUT", "ErrorMessage": _not_found(query_id)}
                missing.append({"QueryExecutionId": query_id, **error})
        return {"QueryExecutions": found, "UnprocessedQueryExecutionIds": missing}

    def list_query_executions(self, request: dict, caller: Caller) -> dict:
        work_group = request.get("WorkGroup") or "primary"
        with self._lock:
            ids = [e.query_id for e in reversed(self._executions.values()) if e.work_group == work_group]
        start = _decode_token(request.get("NextToken"), "list") if request.get("NextToken") else 0
        size = int(request.get("MaxResults") or 50)
        response: dict[str, Any] = {"QueryExecutionIds": ids[start : start + size]}
        if start + size < len(ids):
            response["NextToken"] = _encode_token("list", start + size)
        return response

    def stop_query_execution(self, request: dict, caller: Caller) -> dict:
        execution = self._execution(request.get("QueryExecutionId"))
        if execution.state in ("QUEUED", "RUNNING"):  # never true here (queries run synchronously)
            execution.state, execution.completed = "CANCELLED", time.time()
        return {}

    def get_query_results(self, request: dict, caller: Caller) -> dict:
        execution = self._execution(request.get("QueryExecutionId"))
        if execution.state != "SUCCEEDED":
            raise ApiError(execution.reason or f"Query has not yet finished. Current state: {execution.state}")
        size = int(request.get("MaxResults") or MAX_PAGE_SIZE)
        if size > MAX_PAGE_SIZE or size < 1:
            raise ApiError(
                f"1 validation error detected: Value '{size}' at 'maxResults' failed to satisfy constraint: "
                f"Member must have value less than or equal to {MAX_PAGE_SIZE}"
            )
        start = _decode_token(request["NextToken"], execution.query_id) if request.get("NextToken") else 0
        result = execution.result
        assert result is not None
        header = [[c.name for c in result.columns]] if execution.has_header_row else []
        rows = header + result.rows
        page = rows[start : start + size]
        response: dict[str, Any] = {
            "UpdateCount": 0,
            "ResultSet": {
                "Rows": [{"Data": [{"VarCharValue": v} if v is not None else {} for v in row]} for row in page],
                "ResultSetMetadata": {"ColumnInfo": [c.column_info() for c in result.columns]},
            },
        }
        if start + size < len(rows):
            response["NextToken"] = _encode_token(execution.query_id, start + size)
        return response

    # ---- execution --------------------------------------------------------------------------

    def _run(self, execution: QueryExecution, caller: Caller) -> None:
        execution.state = "RUNNING"
        started = time.perf_counter()
        try:
            sql = substitute_parameters(execution.query, execution.parameters)
            execution.result = self._execute_statement(sql, execution.context.get("Database"), caller)
            self._write_result_files(execution, caller)
            execution.state = "SUCCEEDED"
        except QueryFailed as failure:
            execution.state, execution.reason = "FAILED", _first_line(self._files.with_s3_urls(str(failure)))
        except Exception as exc:  # an engine defect must still end the query, not hang the client
            log.exception("athena engine failed on %r", execution.query)
            execution.state = "FAILED"
            execution.reason = _first_line(f"GENERIC_INTERNAL_ERROR: {type(exc).__name__}: {exc}")
        execution.engine_millis = int((time.perf_counter() - started) * 1000)
        execution.completed = time.time()

    def _execute_statement(self, sql: str, database: str | None, caller: Caller) -> QueryResult:
        catalog = GlueCatalog(self._clients.get("glue", caller))
        context = (database or "default").lower()
        text = backticks_to_double_quotes(sql).rstrip().rstrip(";").rstrip()
        blanked = blank_comments(text)
        lead = len(blanked) - len(blanked.lstrip())  # offset of `bare` in `text`
        bare = blanked.strip()
        answer = CatalogStatements(catalog).answer(bare, context)
        if answer is not None:
            return answer
        query = SqlQuery(self._duckdb, catalog, self._files, self._clients.get("s3", caller), context)
        if match := EXPLAIN.match(bare):
            return query.run(text[lead + match.start(1) :], explain=True)
        if QUERY_START.match(bare):
            return query.run(text)
        keyword = " ".join(bare.split()[:2]).upper()
        raise QueryFailed(f"NOT_SUPPORTED: the local Athena engine runs queries, SHOW and DESCRIBE, not {keyword}")

    def _output_location(self, request: dict, work_group: str, caller: Caller) -> str:
        """The request's OutputLocation, or the workgroup's (which wins when the workgroup enforces it)."""
        athena = self._clients.get("athena", caller)
        try:
            group = athena.get_work_group(WorkGroup=work_group).get("WorkGroup")
        except ClientError:
            group = None
        if not group:  # moto answers an unknown workgroup with an empty 200
            raise ApiError(f"WorkGroup {work_group} is not found.")
        configuration = group.get("Configuration") or {}
        group_location = (configuration.get("ResultConfiguration") or {}).get("OutputLocation")
        requested = (request.get("ResultConfiguration") or {}).get("OutputLocation")
        enforced = group_location if configuration.get("EnforceWorkGroupConfiguration") else None
        location = enforced or requested or group_location
        if not location:
            raise ApiError(
                "No output location provided. An output location is required either through the Workgroup "
                "result configuration setting or as an API input."
            )
        return location

    def _write_result_files(self, execution: QueryExecution, caller: Caller) -> None:
        """Athena leaves <id>.csv (+ .csv.metadata) for queries, <id>.txt for DDL, in the output location."""
        result = execution.result
        assert result is not None
        bucket, key = parse_s3_url(execution.output_location)
        if execution.has_header_row:
            lines = [[c.name for c in result.columns]] + result.rows
            body = "".join(",".join(_csv_field(v) for v in row) + "\n" for row in lines)
        else:
            body = "".join("\t".join(v or "" for v in row) + "\n" for row in result.rows)
        s3 = self._clients.get("s3", caller)
        try:
            s3.put_object(Bucket=bucket, Key=key, Body=body.encode())
            if execution.has_header_row:
                metadata = {"ColumnInfo": [c.column_info() for c in result.columns], "RowCount": len(result.rows)}
                s3.put_object(Bucket=bucket, Key=key + ".metadata", Body=json.dumps(metadata).encode())
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("NoSuchBucket", "AccessDenied"):
                raise QueryFailed(f"Unable to verify/create output bucket {bucket}") from None
            raise

    # ---- store ------------------------------------------------------------------------------

    def _store(self, execution: QueryExecution) -> None:
        with self._lock:
            self._executions[execution.query_id] = execution
            while len(self._executions) > MAX_STORED_EXECUTIONS:
                self._executions.popitem(last=False)

    def _execution(self, query_id: str | None) -> QueryExecution:
        with self._lock:
            execution = self._executions.get(query_id or "")
        if execution is None:
            raise ApiError(_not_found(query_id))
        return execution

    def close(self) -> None:
        self._duckdb.close()
        self._files.close()


def _table_reference(name: str, context: str) -> tuple[str, str]:
    """(database, table) of `t`, `db.t` or `catalog.db.t`."""
    parts = split_qualified(name)
    return (parts[-2] if len(parts) >= 2 else context), parts[-1]


def _csv_field(value: str | None) -> str:
    """Athena's CSV: every value quoted, NULL as an empty unquoted field."""
    return "" if value is None else '"' + value.replace('"', '""') + '"'


def _not_found(query_id: str | None) -> str:
    return f"QueryExecution {query_id} was not found"


def _encode_token(scope: str, offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([scope, offset]).encode()).decode()


def _decode_token(token: str, scope: str) -> int:
    try:
        token_scope, offset = json.loads(base64.urlsafe_b64decode(token.encode()))
        if token_scope == scope and isinstance(offset, int) and offset >= 0:
            return offset
    except (ValueError, TypeError):
        pass
    raise ApiError("The token you provided is not valid.")


# ==============================================================================================
# WSGI
# ==============================================================================================


class AthenaSqlFront:
    """WSGI middleware: Athena query operations are answered here, all other requests go to `app` (moto)."""

    def __init__(self, app, endpoint_url: Callable[[], str], region: str = "us-east-1"):
        self._app = app
        self._region = region
        self.engine = AthenaEngine(AwsClients(endpoint_url, in_process_app=app))

    def __call__(self, environ, start_response):
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        service, _, operation = target.partition(".")
        handler = self.engine.operations.get(operation) if service == "AmazonAthena" else None
        if handler is None:
            return self._app(environ, start_response)
        caller = caller_of(environ, self._region)
        try:
            request = json.loads(_read_body(environ) or b"{}")
            status, payload = "200 OK", handler(request, caller)
        except ApiError as error:
            status = f"{error.status} {'Bad Request' if error.status == 400 else 'Error'}"
            payload = {"__type": error.code, "Message": str(error), "AthenaErrorCode": "INVALID_INPUT"}
        except Exception as exc:
            log.exception("athena front failed on %s", operation)
            status = "500 Internal Server Error"
            payload = {"__type": "InternalServerException", "Message": str(exc)}
        body = json.dumps(payload).encode()
        start_response(
            status,
            [
                ("Content-Type", "application/x-amz-json-1.1"),
                ("Content-Length", str(len(body))),
                ("x-amzn-RequestId", str(uuid.uuid4())),
            ],
        )
        return [body]

    def close(self) -> None:
        self.engine.close()


def _read_body(environ) -> bytes:
    length = environ.get("CONTENT_LENGTH") or "0"
    stream = environ["wsgi.input"]
    return stream.read(int(length)) if length.isdigit() and int(length) > 0 else stream.read()


def with_athena_sql(app, server) -> AthenaSqlFront:
    """`LocalAwsServer(wrap=with_athena_sql)`: the endpoint is read when the first query arrives."""
    return AthenaSqlFront(app, lambda: server.endpoint_url)
