"""Mutation operators over Python source: each mutation is one small textual change located through the AST
and the token stream, so the rest of the file stays byte-identical and the mutated line reads like the
original with one thing changed.

Operators (name: what changes):
  compare-flip     == <-> !=, < -> >=, >= -> <, > -> <=, <= -> >, in <-> not in, is <-> is not
  compare-boundary < <-> <=, > <-> >=
  bool-op          and <-> or (one operator of a chain)
  not-remove       `not x` -> `x`
  not-add          the test of if / while / a conditional expression: `x` -> `not (x)`
  bool-const       True <-> False
  number           an int/float constant n -> n + 1, and -> 0 (or 0 -> 1, -1)
  string           a non-empty string constant -> "", an empty one -> "XX" (bytes alike)
  arith            + <-> -, * <-> /, // -> *, % -> //  (and the augmented assignments += <-> -=, ...)
  return-none      `return expr` -> `return None`
  raise-pass       a `raise ...` statement -> `pass`
  call-delete      a statement that is only a call (`foo(...)`, `await foo(...)`) -> `pass`
  break-continue   break <-> continue
  default-arg      a constant default of a parameter mutated like above (bool-const, number, string)

Not mutated, because no scenario can observe them or because they are not code: docstrings, type
annotations, f-string parts (their AST positions are unreliable before Python 3.12), and logging calls
(`logger.debug(...)`: their arguments and the calls themselves).

Every mutation knows the lines whose coverage decides which scenarios can kill it (`scope`): the statement it
is in (a compound statement's header), or for a parameter default the function's body. Mutations outside any
function (module and class level) run at import, under every scenario; they are marked `import_time`.
"""

from __future__ import annotations

import ast
import bisect
import io
import tokenize
from dataclasses import dataclass

LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "log"})
LOGGER_NAMES = frozenset({"logger", "log", "logging", "LOGGER", "_logger", "_log", "LOG"})

COMPARE_FLIP = {
    ast.Eq: "!=", ast.NotEq: "==", ast.Lt: ">=", ast.GtE: "<", ast.Gt: "<=", ast.LtE: ">",
    ast.In: "not in", ast.NotIn: "in", ast.Is: "is not", ast.IsNot: "is",
}
COMPARE_BOUNDARY = {ast.Lt: "<=", ast.LtE: "<", ast.Gt: ">=", ast.GtE: ">"}
COMPARE_TEXT = {
    ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
    ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not",
}
ARITH = {ast.Add: ("+", "-"), ast.Sub: ("-", "+"), ast.Mult: ("*", "/"), ast.Div: ("/", "*"),
         ast.FloorDiv: ("//", "*"), ast.Mod: ("%", "//")}
OPERATORS = (
    "compare-flip", "compare-boundary", "bool-op", "not-remove", "not-add", "bool-const", "number", "string",
    "arith", "return-none", "raise-pass", "call-delete", "break-continue", "default-arg",
)


@dataclass(frozen=True)
class Mutation:
    operator: str
    start: int  # character offsets of the replaced text in the source
    end: int
    original: str
    replacement: str
    line: int  # 1-based line and 0-based character column of `start`
    col: int
    scope: tuple[int, int]  # first and last line whose coverage selects the scenarios
    function: str  # qualified name of the enclosing function ("" at module or class level)

    @property
    def import_time(self) -> bool:
        return not self.function

    def apply(self, source: str) -> str:
        return source[: self.start] + self.replacement + source[self.end:]

    def describe(self) -> str:
        original = " ".join(self.original.split())
        replacement = " ".join(self.replacement.split()) or "(removed)"
        return f"{_clip(original)} -> {_clip(replacement)}"


def _clip(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    string: str


class _Source:
    """Character offsets of AST positions (which count UTF-8 bytes) and the OP/NAME tokens of a source."""

    def __init__(self, text: str):
        self.text = text
        self.lines = text.splitlines(keepends=True)
        self.line_starts = [0]
        for line in self.lines:
            self.line_starts.append(self.line_starts[-1] + len(line))
        self.tokens: list[_Token] = []
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type in (tokenize.OP, tokenize.NAME):
                self.tokens.append(_Token(self.offset_chars(*tok.start), self.offset_chars(*tok.end), tok.string))
        self.token_starts = [t.start for t in self.tokens]

    def offset_chars(self, line: int, char_col: int) -> int:
        return self.line_starts[line - 1] + char_col

    def offset(self, line: int, byte_col: int) -> int:
        text = self.lines[line - 1] if line - 1 < len(self.lines) else ""
        return self.line_starts[line - 1] + len(text.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))

    def span(self, node) -> tuple[int, int]:
        return self.offset(node.lineno, node.col_offset), self.offset(node.end_lineno, node.end_col_offset)

    def tokens_between(self, start: int, end: int) -> list[_Token]:
        i = bisect.bisect_left(self.token_starts, start)
        found = []
        while i < len(self.tokens) and self.tokens[i].end <= end:
            found.append(self.tokens[i])
            i += 1
        return found

    def token_after(self, offset: int) -> _Token | None:
        i = bisect.bisect_left(self.token_starts, offset)
        return self.tokens[i] if i < len(self.tokens) else None

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.line_starts, offset) - 1
        return line + 1, offset - self.line_starts[line]


def _is_docstring(stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)


def _is_logging_call(node) -> bool:
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
        return False
    if node.func.attr not in LOG_METHODS:
        return False
    owner = node.func.value
    name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else ""
    return name in LOGGER_NAMES


def _statement_scope(stmt) -> tuple[int, int]:
    """The lines coverage attributes a statement to: a simple statement's lines, a compound one's header."""
    body = getattr(stmt, "body", None)
    if isinstance(body, list) and body and isinstance(body[0], ast.AST) and hasattr(body[0], "lineno"):
        return stmt.lineno, max(stmt.lineno, body[0].lineno - 1)
    return stmt.lineno, stmt.end_lineno or stmt.lineno


class _Collector:
    def __init__(self, source: _Source):
        self.src = source
        self.found: list[Mutation] = []

    # -- emitting -----------------------------------------------------------------------------------------
    def emit(self, operator: str, start: int, end: int, replacement: str, scope, function: str) -> None:
        line, col = self.src.position(start)
        self.found.append(Mutation(operator, start, end, self.src.text[start:end], replacement, line, col,
                                   scope, function))

    # -- statements ---------------------------------------------------------------------------------------
    def statements(self, body, function: str, qualname: str) -> None:
        for index, stmt in enumerate(body):
            if index == 0 and _is_docstring(stmt):
                continue
            self.statement(stmt, function, qualname)

    def statement(self, stmt, function: str, qualname: str) -> None:
        scope = _statement_scope(stmt)
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            name = f"{qualname}.{stmt.name}" if qualname else stmt.name
            body_scope = (stmt.body[0].lineno, stmt.end_lineno or stmt.body[-1].lineno)
            defaults = list(stmt.args.defaults) + [d for d in stmt.args.kw_defaults if d is not None]
            for default in defaults:
                self.expression(default, body_scope, name, default_arg=True)
            self.statements(stmt.body, name, name)
            return
        if isinstance(stmt, ast.ClassDef):
            name = f"{qualname}.{stmt.name}" if qualname else stmt.name
            self.statements(stmt.body, function, name)
            return
        span = self.src.span(stmt)
        if isinstance(stmt, ast.Raise):
            self.emit("raise-pass", *span, "pass", scope, function)
        elif isinstance(stmt, ast.Expr) and not _is_docstring(stmt):
            call = stmt.value.value if isinstance(stmt.value, ast.Await) else stmt.value
            if isinstance(call, ast.Call):
                if _is_logging_call(call):
                    return
                self.emit("call-delete", *span, "pass", scope, function)
        elif isinstance(stmt, ast.Break):
            self.emit("break-continue", *span, "continue", scope, function)
        elif isinstance(stmt, ast.Continue):
            self.emit("break-continue", *span, "break", scope, function)
        elif isinstance(stmt, ast.Return) and stmt.value is not None:
            if not (isinstance(stmt.value, ast.Constant) and stmt.value.value is None):
                self.emit("return-none", *self.src.span(stmt.value), "None", scope, function)
        elif isinstance(stmt, (ast.If, ast.While)):
            self.add_not(stmt.test, scope, function)
        elif isinstance(stmt, ast.AugAssign) and type(stmt.op) in ARITH:
            text, replacement = ARITH[type(stmt.op)]
            self.operator_token(stmt.target, stmt.value, text + "=", replacement + "=", "arith", scope, function)

        for field_name, value in ast.iter_fields(stmt):
            if field_name in ("annotation", "returns", "type_comment", "decorator_list"):
                continue
            if isinstance(value, list):
                if value and isinstance(value[0], ast.stmt):
                    self.statements(value, function, qualname)
                    continue
                for item in value:
                    if isinstance(item, (ast.excepthandler, ast.match_case)):
                        self.statements(item.body, function, qualname)
                    elif isinstance(item, ast.expr):
                        self.expression(item, scope, function)
                    elif isinstance(item, ast.withitem):
                        self.expression(item.context_expr, scope, function)
            elif isinstance(value, ast.expr):
                self.expression(value, scope, function)

    # -- expressions --------------------------------------------------------------------------------------
    def expression(self, node, scope, function: str, default_arg: bool = False) -> None:
        if isinstance(node, ast.JoinedStr) or _is_logging_call(node):
            return
        if isinstance(node, ast.Lambda):  # its arguments' defaults and body run like the statement's
            self.expression(node.body, scope, function)
            return
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            for i, op in enumerate(node.ops):
                text = COMPARE_TEXT[type(op)]
                self.operator_token(operands[i], operands[i + 1], text, COMPARE_FLIP[type(op)], "compare-flip",
                                    scope, function)
                if type(op) in COMPARE_BOUNDARY:
                    self.operator_token(operands[i], operands[i + 1], text, COMPARE_BOUNDARY[type(op)],
                                        "compare-boundary", scope, function)
        elif isinstance(node, ast.BoolOp):
            text = "and" if isinstance(node.op, ast.And) else "or"
            other = "or" if text == "and" else "and"
            for left, right in zip(node.values, node.values[1:], strict=False):
                self.operator_token(left, right, text, other, "bool-op", scope, function)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            start, _ = self.src.span(node)
            keyword = self.src.token_after(start)
            following = self.src.token_after(keyword.end) if keyword else None
            if keyword is not None and keyword.string == "not" and following is not None:
                self.emit("not-remove", keyword.start, following.start, "", scope, function)
        elif isinstance(node, ast.IfExp):
            self.add_not(node.test, scope, function)
        elif isinstance(node, ast.BinOp) and type(node.op) in ARITH:
            text, replacement = ARITH[type(node.op)]
            self.operator_token(node.left, node.right, text, replacement, "arith", scope, function)
        elif isinstance(node, ast.Constant):
            self.constant(node, scope, function, default_arg)
            return
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self.expression(child, scope, function)
            elif isinstance(child, ast.comprehension):
                for part in (child.iter, *child.ifs):
                    self.expression(part, scope, function)
            elif isinstance(child, ast.keyword):
                self.expression(child.value, scope, function)

    def constant(self, node: ast.Constant, scope, function: str, default_arg: bool) -> None:
        value = node.value
        span = self.src.span(node)
        if value is True or value is False:
            self.emit("default-arg" if default_arg else "bool-const", *span, "False" if value else "True",
                      scope, function)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            replacements = [value + 1, 0] if value != 0 else [1, -1]
            for replacement in replacements:
                text = repr(type(value)(replacement))
                self.emit("default-arg" if default_arg else "number", *span, text, scope, function)
        elif isinstance(value, (str, bytes)):
            prefix = "b" if isinstance(value, bytes) else ""
            text = f'{prefix}""' if value else f'{prefix}"XX"'
            self.emit("default-arg" if default_arg else "string", *span, text, scope, function)

    def add_not(self, test, scope, function: str) -> None:
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            return  # not-remove covers it
        start, end = self.src.span(test)
        self.emit("not-add", start, end, f"not ({self.src.text[start:end]})", scope, function)

    def operator_token(self, left, right, text: str, replacement: str, operator: str, scope, function) -> None:
        """Replace the operator token(s) between two operands (parentheses around operands are skipped)."""
        tokens = [t for t in self.src.tokens_between(self.src.span(left)[1], self.src.span(right)[0])
                  if t.string not in ("(", ")")]
        if not tokens or " ".join(t.string for t in tokens) != text:
            return  # not where the AST says (should not happen); no mutation rather than a wrong one
        self.emit(operator, tokens[0].start, tokens[-1].end, replacement, scope, function)


def mutations(source: str, validate: bool = False) -> list[Mutation]:
    """Every mutation of `source`, in source order. Each is built to parse and to change the program; with
    `validate` every one is checked (parsing the whole mutated file costs ~10 ms, so callers check only the
    mutants they run: `is_valid`)."""
    tree = ast.parse(source)
    collector = _Collector(_Source(source))
    collector.statements(tree.body, "", "")
    result: list[Mutation] = []
    seen = set()
    original = ast.dump(tree) if validate else ""
    for mutation in sorted(collector.found, key=lambda m: (m.start, m.end, m.operator, m.replacement)):
        key = (mutation.start, mutation.end, mutation.replacement)
        if key in seen:
            continue
        seen.add(key)
        if validate and not is_valid(mutation, source, original):
            continue
        result.append(mutation)
    return result


def is_valid(mutation: Mutation, source: str, original_dump: str | None = None) -> bool:
    """The mutated source parses and its AST differs from the original's."""
    try:
        mutated = ast.parse(mutation.apply(source))
    except SyntaxError:
        return False
    return ast.dump(mutated) != (original_dump if original_dump is not None else ast.dump(ast.parse(source)))


def mutated_line(mutation: Mutation, source: str) -> str:
    """The mutated line as it reads after the change (from the start of the original line to its end)."""
    line_start = source.rfind("\n", 0, mutation.start) + 1
    line_end = source.find("\n", mutation.end)
    line_end = len(source) if line_end < 0 else line_end
    text = source[line_start:mutation.start] + mutation.replacement + source[mutation.end:line_end]
    return text.split("\n", 1)[0]
