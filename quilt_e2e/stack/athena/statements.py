"""Statements other than queries: SHOW and DESCRIBE, answered from the Glue catalog."""

from __future__ import annotations

import re

from quilt_e2e.stack.athena.errors import CATALOG, QueryFailed
from quilt_e2e.stack.athena.glue import GlueCatalog, GlueTable
from quilt_e2e.stack.athena.results import QueryResult
from quilt_e2e.stack.athena.sqltext import hive_pattern, unquote_ident

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
        # Hive lists the partition columns among the columns, then again under their own heading.
        rows = [_column_row(c) for c in table.all_columns]
        partition_rows = [_column_row(c) for c in table.partition_keys]
        if column:
            wanted = [c for c in table.all_columns if c["Name"].lower() == column.lower()]
            if not wanted:
                raise QueryFailed(f"FAILED: SemanticException [Error 10002]: Invalid column reference {column}")
            rows, partition_rows = [_column_row(wanted[0])], []
        if partition_rows:
            header = _hive_row("# col_name", "data_type", "comment")
            rows += ["", "# Partition Information", header, "", *partition_rows]
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
        return QueryResult.single_column(
            "partition", ["/".join(f"{k}={v}" for k, v in zip(keys, vs, strict=True)) for vs in values]
        )

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



def _table_reference(name: str, context: str) -> tuple[str, str]:
    """(database, table) of `t`, `db.t` or `catalog.db.t`."""
    parts = split_qualified(name)
    return (parts[-2] if len(parts) >= 2 else context), parts[-1]
