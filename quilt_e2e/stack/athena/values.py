"""Types (Glue/Hive -> DuckDB -> Athena result types) and values rendered as Athena renders them."""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
from typing import Any

import numpy

from quilt_e2e.stack.athena.sqltext import quote_ident

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
    base = re.split(r"[<(]", lower, maxsplit=1)[0].strip()
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
        utc = value.astimezone(dt.UTC).replace(tzinfo=None)
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

