"""The list of SUT code that cannot run (features/contract/unreachable.yaml) and coverage of the runnable code."""

from __future__ import annotations

import textwrap

import pytest

from quilt_e2e.quality import sut, unreachable
from quilt_e2e.quality.coverage_run import CoverageResult, FileFigures

SOURCE = textwrap.dedent('''\
    try:
        import missing_dependency
    except ImportError:
        missing_dependency = None
    from abc import abstractmethod


    class Ops:
        @abstractmethod
        def listed(self):
            """Doc."""
            pass

        def unused(self):
            x = 1
            return x

        def used(self):
            try:
                return 1
            except ImportError:
                return 2
            except Exception:
                return 3
    ''')


@pytest.fixture
def package(tmp_path):
    (tmp_path / "ops").mkdir()
    (tmp_path / "backends").mkdir()
    (tmp_path / "ops" / "sample.py").write_text(SOURCE)
    (tmp_path / "backends" / "nothing_imports_me.py").write_text("A = 1\nB = 2\n")
    return tmp_path


def write_list(tmp_path, text: str):
    path = tmp_path / "unreachable.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def test_the_projects_list_names_code_the_installed_sut_has():
    found = unreachable.load(sut.package_dir())
    assert found.reasons and all(reason.strip() for reason in found.reasons)
    assert found.lines["ops/quilt_ops.py"], "QuiltOps' overridden template methods are listed"


def test_rules_files_and_functions_give_exact_lines(package, tmp_path):
    listing = write_list(tmp_path, """\
        rules:
          - {kind: abstract-methods, reason: overridden}
          - {kind: import-fallbacks, reason: installed}
        files:
          - {file: backends/nothing_imports_me.py, reason: never imported}
        functions:
          - {file: ops/sample.py, function: Ops.unused, reason: no caller}
        """)
    found = unreachable.load(package, listing)
    # abstract body (docstring..pass: 11-12), unused body (15-16), import-fallback bodies (4, 22);
    # the `def` lines and `except` lines stay runnable (they run at import / on any exception)
    assert found.lines["ops/sample.py"] == {4, 11, 12, 15, 16, 22}
    assert found.headers["ops/sample.py"] == {3, 21}
    assert found.lines["backends/nothing_imports_me.py"] == {1, 2}
    assert len(found.reasons) == 4


@pytest.mark.parametrize("text, message", [
    ("functions:\n  - {file: ops/sample.py, function: Ops.gone, reason: r}\n", "has no function Ops.gone"),
    ("functions:\n  - {file: ops/other.py, function: f, reason: r}\n", "ops/other.py is not a measured file"),
    ("rules:\n  - {kind: everything, reason: r}\n", "unknown rule 'everything'"),
    ("files:\n  - {file: backends/nothing_imports_me.py}\n", "needs file, reason"),
    ("- a list\n", "expected a mapping"),
])
def test_a_wrong_list_is_refused_with_the_reason(package, tmp_path, text, message):
    with pytest.raises(unreachable.UnreachableListError, match=message):
        unreachable.load(package, write_list(tmp_path, text))


def test_runnable_coverage_leaves_out_unreachable_lines_and_reports_those_that_ran():
    figures = FileFigures("ops/sample.py", statements=10, missed=4, missing_lines=[3, 4, 7, 9],
                          statement_lines=list(range(1, 11)))
    result = CoverageResult([figures], {}, {}, unreachable={"ops/sample.py": {4, 5}},
                            unreachable_if_missed={"ops/sample.py": {3, 6}})
    # 3 and 4 are missed and cannot run; 5 is listed but ran (a wrong claim, left out too); 6 ran: runnable
    assert (result.runnable_statements, result.runnable_missed) == (7, 2)
    assert result.runnable_percent == pytest.approx(100 * 5 / 7)
    assert result.ran_though_unreachable() == ["ops/sample.py:5"]
