"""DuckDB errors turned into Athena's StateChangeReason text."""

from __future__ import annotations

import json
import re

import duckdb

from quilt_e2e.stack.athena.errors import CATALOG
from quilt_e2e.stack.athena.sqltext import line_and_column


def _duckdb_error_fields(exc: duckdb.Error) -> dict:
    text = str(exc)
    start = text.find("{")
    try:
        return json.loads(text[start:]) if start >= 0 else {"exception_message": text}
    except ValueError:
        return {"exception_message": text}


def first_line(message: str) -> str:
    return " ".join(message.split("\n")[0].split()).rstrip()


def athena_reason(exc: duckdb.Error, sql: str, context: str, databases: list[str]) -> str:
    """One line in Athena's style, e.g. TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.db.t' does not exist."""
    fields = _duckdb_error_fields(exc)
    message = first_line(fields.get("exception_message", str(exc)))
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

