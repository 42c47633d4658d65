"""The operator docs name commands that exist: every `quilt-e2e ...` in docs/*.md parses with the real parser."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from quilt_e2e.cli import _parser

DOCS = sorted((Path(__file__).resolve().parents[1] / "docs").glob("*.md"))
# subcommands other branches add at the same time (quilt-e2e stack up|down|status, quilt-e2e run --jobs N)
ADDED_ELSEWHERE = {"stack", "run"}
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
    if words[0] not in known:
        assert words[0] in ADDED_ELSEWHERE, f"{where}: no such command"
        return
    try:
        parser.parse_args(words)
    except SystemExit as exc:
        pytest.fail(f"{where}: rejected by the parser (exit {exc.code})")
