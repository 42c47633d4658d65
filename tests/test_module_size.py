"""No module of the project grows past ~800 lines: past that, split it by responsibility."""

from __future__ import annotations

from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
MAX_LINES = 800
SOURCES = ("quilt_e2e", "datagen", "steps", "tests", "benchmarks")


def test_no_module_is_longer_than_the_limit():
    sizes = {
        path.relative_to(PROJECT).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for folder in SOURCES
        for path in (PROJECT / folder).rglob("*.py")
    }
    assert len(sizes) > 50, f"found only {len(sizes)} modules: is PROJECT {PROJECT} the project root?"
    too_long = {name: lines for name, lines in sorted(sizes.items()) if lines > MAX_LINES}
    assert not too_long, f"modules over {MAX_LINES} lines (split them by responsibility): {too_long}"
