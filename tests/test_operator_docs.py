"""The docs name commands that exist: every `quilt-e2e ...` in docs/*.md and the README parses with the real parser."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from quilt_e2e.cli import _parser

ROOT = Path(__file__).resolve().parents[1]
DOCS = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]
_COMMAND = re.compile(r"quilt-e2e ((?:[a-z][a-z-]*)(?: [^`|#\n\\]*)?)")


def documented_commands() -> list[tuple[str, str]]:
    found = []
    for doc in DOCS:
        for match in _COMMAND.finditer(doc.read_text()):
            words = shlex.split(match.group(1).strip())
            if words and not words[0].startswith("-"):
                found.append((f"{doc.name}: quilt-e2e {' '.join(words)}", words))
    return found


def test_the_docs_name_operator_commands():
    named = {words[0] for _, words in documented_commands()}
    assert {"check-auth", "baselines", "cleanup", "cost-report"} <= named


def _id(value) -> str:
    return value if isinstance(value, str) else ""


@pytest.mark.parametrize("where, words", documented_commands(), ids=_id)
def test_each_documented_command_parses(where, words):
    parser = _parser()
    known = set(parser._subparsers._group_actions[0].choices)
    assert words[0] in known, f"{where}: no such command"
    try:
        parser.parse_args(words)
    except SystemExit as exc:
        pytest.fail(f"{where}: rejected by the parser (exit {exc.code})")
