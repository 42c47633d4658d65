"""Query results: columns with Athena's types and rows already rendered as Athena text."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from quilt_e2e.stack.athena.errors import DDL_COLUMN_TYPE


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
    def single_column(cls, name: str, values: Iterable[str]) -> QueryResult:
        return cls([ResultColumn(name, DDL_COLUMN_TYPE)], [[value] for value in values])

