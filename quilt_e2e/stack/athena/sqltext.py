"""SQL text helpers, length-preserving so DuckDB error positions point into the user's query."""

from __future__ import annotations

import re
from collections.abc import Iterator

from quilt_e2e.stack.athena.errors import QueryFailed

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

