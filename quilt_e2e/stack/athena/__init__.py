"""Athena that answers: a WSGI front for moto's server that runs Athena SQL with DuckDB.

Plain moto accepts every Athena query and returns zero rows. `AthenaSqlFront` intercepts the
Athena query APIs (JSON 1.1, ``X-Amz-Target: AmazonAthena.<Op>``), executes the SQL over the
tables of moto's Glue catalog (data read from moto's S3 with boto3), writes the result files to
the output location like Athena does, and hands every other request to moto unchanged.

Statements: SHOW DATABASES|SCHEMAS, SHOW TABLES, SHOW COLUMNS, SHOW PARTITIONS, DESCRIBE,
EXPLAIN, and SELECT / WITH / VALUES (run in DuckDB, with some Presto functions added as macros).

Modules, each depending only on those above it:

    errors      ApiError, QueryFailed and shared constants
    sqltext     SQL text helpers (comments, quoting, parameters, Hive patterns)
    values      Glue -> DuckDB -> Athena types; values rendered as Athena renders them
    aws         boto3 clients that call this same server in process
    glue        the Glue catalog and local copies of the tables' S3 files
    results     query results (columns, rendered rows)
    statements  SHOW / DESCRIBE answered from Glue
    reasons     DuckDB errors as Athena's StateChangeReason
    queries     SELECT-like statements run in DuckDB over views of the Glue tables
    engine      the Athena API: executions, results, result files
    front       the WSGI middleware in front of moto
"""

from quilt_e2e.stack.athena.front import AthenaSqlFront, with_athena_sql
from quilt_e2e.stack.athena.sqltext import backticks_to_double_quotes, hive_pattern
from quilt_e2e.stack.athena.values import glue_to_duckdb, java_double

__all__ = [
    "AthenaSqlFront",
    "backticks_to_double_quotes",
    "glue_to_duckdb",
    "hive_pattern",
    "java_double",
    "with_athena_sql",
]
