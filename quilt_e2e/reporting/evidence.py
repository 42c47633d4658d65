"""What a reviewer wants to see from a passed scenario: the SUT's answers, as CSV or JSON."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterable
from typing import Any, Protocol


class RecordedCall(Protocol):
    """One SUT call as the domain layer records it (quilt_e2e.domain.world.SutCall); reporting does not import
    the domain: layers point from the steps down."""

    operation: str
    result: Any
    error: BaseException | None


def _plain(value):
    """A JSON-friendly copy: dataclasses as dicts, DataFrames dropped (they go out as CSV)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if type(v).__name__ != "DataFrame"}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _listing_csv(items) -> str:
    buffer = io.StringIO()
    buffer.write("path,type,size\n")
    for item in items:
        buffer.write(f"{item.path},{item.type},{'' if item.size is None else item.size}\n")
    return buffer.getvalue()


def evidence_for(calls: Iterable[RecordedCall]) -> list[tuple[str, str, object]]:
    """(name, kind 'csv'|'json', body) for the calls whose answers are worth keeping."""
    items = []
    for number, call in enumerate(calls, start=1):
        if call.error is not None or call.result is None:
            continue
        operation = call.operation.rsplit(".", 1)[-1]
        title = f"{number:02d} {operation}"
        result = call.result
        if operation == "execute_query" and isinstance(result, dict) and result.get("data") is not None:
            items.append((f"{title} rows.csv", "csv", result["data"].to_csv(index=False)))
        elif operation == "browse_content":
            items.append((f"{title} listing.csv", "csv", _listing_csv(result)))
        elif operation in {
            "diff_packages", "create_package_revision", "update_package_revision", "get_package_metadata",
            "get_package_info", "get_auth_status", "discover_databases", "discover_tables", "get_table_metadata",
            "list_workgroups", "delete_package", "execute_query",
        }:  # fmt: skip
            items.append((f"{title}.json", "json", _plain(result)))
    return items
