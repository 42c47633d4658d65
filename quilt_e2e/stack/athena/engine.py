"""The Athena query API served here: executions, their results and result files."""

from __future__ import annotations

import base64
import dataclasses
import json
import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from quilt_e2e.stack.athena.aws import AwsClients, Caller, parse_s3_url
from quilt_e2e.stack.athena.errors import (
    CATALOG,
    ENGINE_VERSION,
    MAX_PAGE_SIZE,
    MAX_STORED_EXECUTIONS,
    ApiError,
    QueryFailed,
)
from quilt_e2e.stack.athena.glue import GlueCatalog, S3FileCache
from quilt_e2e.stack.athena.queries import DuckDbPool, SqlQuery
from quilt_e2e.stack.athena.reasons import first_line
from quilt_e2e.stack.athena.results import QueryResult
from quilt_e2e.stack.athena.sqltext import (
    backticks_to_double_quotes,
    blank_comments,
    line_and_column,
    substitute_parameters,
)
from quilt_e2e.stack.athena.statements import EXPLAIN, QUERY_START, CatalogStatements
from quilt_e2e.stack.athena.workgroups import WorkGroups

log = logging.getLogger("quilt_e2e.athena")

# The words an Athena (Trino) statement can start with; anything else is a syntax error at its first word.
STATEMENT_KEYWORDS = frozenset(
    [
        "ALTER",
        "ANALYZE",
        "CALL",
        "COMMENT",
        "COMMIT",
        "CREATE",
        "DEALLOCATE",
        "DELETE",
        "DESC",
        "DESCRIBE",
        "DROP",
        "EXECUTE",
        "EXPLAIN",
        "GRANT",
        "INSERT",
        "MERGE",
        "MSCK",
        "OPTIMIZE",
        "PREPARE",
        "REFRESH",
        "RESET",
        "REVOKE",
        "ROLLBACK",
        "SELECT",
        "SET",
        "SHOW",
        "START",
        "TABLE",
        "TRUNCATE",
        "UNLOAD",
        "UPDATE",
        "USE",
        "VACUUM",
        "VALUES",
        "WITH",
        "FROM",
        "(",
    ]
)
EXPECTING = ", ".join(f"'{word}'" for word in sorted(STATEMENT_KEYWORDS - {"FROM", "("})) + ", <query>"


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
        self.workgroups = WorkGroups()
        self.operations.update(self.workgroups.operations)

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
            _require_catalog(execution.context.get("Catalog"))
            execution.result = self._execute_statement(sql, execution.context.get("Database"), caller)
            self._write_result_files(execution, caller)
            execution.state = "SUCCEEDED"
        except QueryFailed as failure:
            execution.state, execution.reason = "FAILED", first_line(self._files.with_s3_urls(str(failure)))
        except Exception as exc:  # an engine defect must still end the query, not hang the client
            log.exception("athena engine failed on %r", execution.query)
            execution.state = "FAILED"
            execution.reason = first_line(f"GENERIC_INTERNAL_ERROR: {type(exc).__name__}: {exc}")
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
        first = bare.split()[0] if bare else ""
        if first.upper() not in STATEMENT_KEYWORDS:  # not a statement at all: Athena's parser rejects it
            line, column = line_and_column(text, lead)
            raise QueryFailed(
                f"SYNTAX_ERROR: line {line}:{column}: mismatched input '{first}'. Expecting: {EXPECTING}"
            )
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
        if group.get("State") == "DISABLED":
            raise ApiError(f"WorkGroup {work_group} is disabled.")
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
            lines = [[c.name for c in result.columns], *result.rows]
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


def _require_catalog(name: str | None) -> None:
    """The query's context catalog must exist; the only one here is the account's Glue (any case)."""
    if name is not None and name.lower() != CATALOG:
        raise QueryFailed(f"CATALOG_NOT_FOUND: Catalog '{name}' does not exist")


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

