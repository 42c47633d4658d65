"""Mutation operators (quilt_e2e.quality.operators): each yields valid Python with exactly the intended change,
leaves docstrings, annotations, f-strings and logging alone, and knows which lines select its scenarios."""

from __future__ import annotations

import ast
import textwrap

import pytest

from quilt_e2e.quality import sut
from quilt_e2e.quality.operators import OPERATORS, is_valid, mutated_line, mutations


def mutated(source: str, operator: str | None = None) -> list[str]:
    """The mutated sources of `source` (by one operator), each checked to parse."""
    found = [m for m in mutations(source, validate=True) if operator is None or m.operator == operator]
    results = [m.apply(source) for m in found]
    for text in results:
        ast.parse(text)
    return results


def body(code: str) -> str:
    return "def f(a, b, c):\n" + textwrap.indent(textwrap.dedent(code), "    ")


@pytest.mark.parametrize("original, expected", [
    ("a == b", "a != b"), ("a != b", "a == b"), ("a < b", "a >= b"), ("a >= b", "a < b"),
    ("a > b", "a <= b"), ("a <= b", "a > b"), ("a in b", "a not in b"), ("a not in b", "a in b"),
    ("a is b", "a is not b"), ("a is not b", "a is b"),
    ("(a) == (b)", "(a) != (b)"),
])
def test_comparison_flips_replace_only_the_operator(original, expected):
    assert mutated(body(f"return {original}\n"), "compare-flip") == [body(f"return {expected}\n")]


def test_chained_comparisons_flip_one_operator_at_a_time():
    assert mutated(body("return a < b <= c\n"), "compare-flip") == [
        body("return a >= b <= c\n"), body("return a < b > c\n")]


@pytest.mark.parametrize("original, expected", [("a < b", "a <= b"), ("a >= b", "a > b")])
def test_boundary_shifts(original, expected):
    assert mutated(body(f"return {original}\n"), "compare-boundary") == [body(f"return {expected}\n")]


def test_and_or_swap_one_operator_of_a_chain():
    assert mutated(body("return a and b or c\n"), "bool-op") == [
        body("return a or b or c\n"), body("return a and b and c\n")]


def test_not_is_removed_keeping_parentheses():
    assert mutated(body("return not (a or b)\n"), "not-remove") == [body("return (a or b)\n")]
    assert mutated(body("if not a:\n    return 1\n"), "not-remove") == [body("if a:\n    return 1\n")]


def test_not_is_added_to_conditions():
    source = body("if a and b:\n    return 1\nwhile c:\n    break\nreturn 1 if a else 2\n")
    assert mutated(source, "not-add") == [
        body("if not (a and b):\n    return 1\nwhile c:\n    break\nreturn 1 if a else 2\n"),
        body("if a and b:\n    return 1\nwhile not (c):\n    break\nreturn 1 if a else 2\n"),
        body("if a and b:\n    return 1\nwhile c:\n    break\nreturn 1 if not (a) else 2\n"),
    ]


def test_a_negated_condition_gets_not_removed_instead_of_doubled():
    assert mutated(body("if not a:\n    pass\n"), "not-add") == []


def test_booleans_flip():
    assert mutated(body("x = True\nreturn False\n"), "bool-const") == [
        body("x = False\nreturn False\n"), body("x = True\nreturn True\n")]


def test_numbers_move_by_one_and_to_zero():
    assert set(mutated(body("return a[5]\n"), "number")) == {body("return a[6]\n"), body("return a[0]\n")}
    assert set(mutated(body("return a[0]\n"), "number")) == {body("return a[1]\n"), body("return a[-1]\n")}
    assert set(mutated(body("return 2.5\n"), "number")) == {body("return 3.5\n"), body("return 0.0\n")}


def test_strings_become_empty_or_xx():
    assert mutated(body('return a.get("key", "")\n'), "string") == [
        body('return a.get("", "")\n'), body('return a.get("key", "XX")\n')]
    assert mutated(body("return b'x'\n"), "string") == [body('return b""\n')]


def test_implicitly_concatenated_strings_are_one_constant():
    assert mutated(body('return ("a"\n        "b")\n'), "string") == [body('return ("")\n')]


@pytest.mark.parametrize("original, expected", [
    ("a + b", "a - b"), ("a - b", "a + b"), ("a * b", "a / b"), ("a / b", "a * b"), ("a // b", "a * b"),
    ("a % b", "a // b"),
])
def test_arithmetic_operators_swap(original, expected):
    assert mutated(body(f"return {original}\n"), "arith") == [body(f"return {expected}\n")]


def test_augmented_assignment_swaps():
    assert mutated(body("a += 1\nreturn a\n"), "arith") == [body("a -= 1\nreturn a\n")]


def test_return_none():
    assert mutated(body("return a.b(c)\n"), "return-none") == [body("return None\n")]
    assert mutated(body("return None\n"), "return-none") == []
    assert mutated(body("return\n"), "return-none") == []


def test_raise_becomes_pass_even_over_several_lines():
    source = body("if a:\n    raise ValueError(\n        'bad'\n    )\nreturn b\n")
    assert mutated(source, "raise-pass") == [body("if a:\n    pass\nreturn b\n")]


def test_call_statements_are_deleted_but_not_logging():
    source = body("a.append(b)\nlogger.debug('x %s', b)\nself.logger.info('y')\nreturn a\n")
    assert mutated(source, "call-delete") == [
        body("pass\nlogger.debug('x %s', b)\nself.logger.info('y')\nreturn a\n")]


def test_break_and_continue_swap():
    source = body("for x in a:\n    if x:\n        break\n    continue\n")
    assert mutated(source, "break-continue") == [
        body("for x in a:\n    if x:\n        continue\n    continue\n"),
        body("for x in a:\n    if x:\n        break\n    break\n"),
    ]


def test_constant_defaults_are_default_arg_mutants():
    source = "def f(a, flag=False, *, limit=10, name='x', other=None):\n    return a\n"
    assert set(mutated(source, "default-arg")) == {
        "def f(a, flag=True, *, limit=10, name='x', other=None):\n    return a\n",
        "def f(a, flag=False, *, limit=11, name='x', other=None):\n    return a\n",
        "def f(a, flag=False, *, limit=0, name='x', other=None):\n    return a\n",
        "def f(a, flag=False, *, limit=10, name=\"\", other=None):\n    return a\n",
    }


def test_docstrings_annotations_fstrings_and_logging_are_not_mutated():
    source = textwrap.dedent('''\
        def f(a: int = 1) -> "str":
            """Docstring 1 == 2."""
            x: "int" = a
            logger.error("failed %s", a + 1)
            return f"{a + 1} items"
        ''')
    found = mutations(source, validate=True)
    assert {m.operator for m in found} == {"default-arg", "return-none"}
    assert all(m.line in (1, 5) for m in found)


def test_columns_count_characters_after_non_ascii_text():
    source = body('x = "é" + "ü"\nreturn x == "ñ"\n')
    assert mutated(source, "compare-flip") == [body('x = "é" + "ü"\nreturn x != "ñ"\n')]
    assert mutated(source, "arith") == [body('x = "é" - "ü"\nreturn x == "ñ"\n')]


def test_every_mutation_changes_exactly_its_span():
    source = body("if a < 3 and not b:\n    return [c, 'x']\nreturn a + 1\n")
    for m in mutations(source, validate=True):
        result = m.apply(source)
        assert result[: m.start] == source[: m.start]
        assert result[m.start + len(m.replacement):] == source[m.end:]
        assert source[m.start:m.end] == m.original != m.replacement
        assert m.operator in OPERATORS


def test_scope_is_the_statement_or_the_compound_statement_header():
    source = "def f(a, b=1):\n    if (a and\n            b):\n        return a + 1\n    return g(a,\n             2)\n"
    scopes = {(m.operator, m.line): m.scope for m in mutations(source)}
    assert scopes[("bool-op", 2)] == (2, 3)  # the if header spans two lines, not its body
    assert scopes[("arith", 4)] == (4, 4)
    assert scopes[("number", 6)] == (5, 6)  # a statement over two lines
    assert scopes[("default-arg", 1)] == (2, 6)  # a default: scenarios that run the function's body


def test_module_and_class_level_mutations_are_import_time():
    source = "LIMIT = 10\nclass A:\n    X = True\n    def m(self):\n        return self.X == 1\n"
    found = {(m.operator, m.line): m for m in mutations(source)}
    assert found[("number", 1)].import_time and found[("bool-const", 3)].import_time
    assert not found[("compare-flip", 5)].import_time and found[("compare-flip", 5)].function == "A.m"


def test_mutated_line_shows_the_changed_line():
    source = body("if a:\n    raise ValueError(\n        'bad')\n")
    raise_pass = next(m for m in mutations(source) if m.operator == "raise-pass")
    assert mutated_line(raise_pass, source) == "        pass"
    assert raise_pass.describe() == "raise ValueError( 'bad') -> pass"


def test_a_mutation_that_does_not_parse_is_invalid():
    source = body("return a\n")
    m = next(iter(mutations(source)))
    broken = type(m)(m.operator, m.start, m.end, m.original, "(", m.line, m.col, m.scope, m.function)
    assert not is_valid(broken, source)


def test_all_mutants_of_a_real_sut_file_are_valid():
    path = sut.package_dir() / "backends" / "quilt3_backend_packages.py"
    source = path.read_text()
    assert mutations(source) and all(is_valid(m, source) for m in mutations(source))
