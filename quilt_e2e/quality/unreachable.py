"""SUT code that cannot run through QuiltOps' public API, so line coverage can also be given for the code that can.

The list is data the suite owns, `features/contract/unreachable.yaml`, each item with the reason it cannot run:

    rules:                      # apply to every measured file
      - kind: abstract-methods  # bodies of @abstractmethod functions (a subclass always overrides them)
        reason: ...
      - kind: import-fallbacks  # `except ImportError:` handlers (the SUT's dependencies are installed)
        reason: ...
    files:                      # whole modules nothing imports
      - file: backends/utils.py
        reason: ...
    functions:                  # functions no public path calls
      - file: ops/quilt_ops.py
        function: QuiltOps.browse_content   # Class.method or a module-level function name
        reason: ...

A listed function that the installed SUT does not have is an error (the list must not outlive the code), and a
line listed as unreachable that a scenario ran is reported: the claim was wrong.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from quilt_e2e.quality import sut

UNREACHABLE_FILE = Path(__file__).resolve().parents[2] / "features" / "contract" / "unreachable.yaml"
RULES = ("abstract-methods", "import-fallbacks")


class UnreachableListError(Exception):
    """The unreachable-code list is malformed or names code the SUT does not have."""


@dataclass
class Unreachable:
    """Line numbers per measured file (relative name) that cannot run, and the reasons, for the report."""

    lines: dict[str, set[int]] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    # `except ImportError` lines: they run whenever another exception passes them, so they count as unreachable
    # only where no scenario ran them
    headers: dict[str, set[int]] = field(default_factory=dict)


def load(package_dir: Path, path: Path = UNREACHABLE_FILE) -> Unreachable:
    raw = yaml.safe_load(path.read_text()) if path.is_file() else {}
    raw = raw or {}
    if not isinstance(raw, dict) or set(raw) - {"rules", "files", "functions"}:
        raise UnreachableListError(f"{path.name}: expected a mapping with rules, files and functions")
    result = Unreachable()
    sources = {sut.relative(p, package_dir): p for p in sut.measured_files(package_dir)}
    rules = _entries(raw, "rules", ("kind", "reason"), path)
    for rule in rules:
        if rule["kind"] not in RULES:
            raise UnreachableListError(f"{path.name}: unknown rule {rule['kind']!r} (known: {', '.join(RULES)})")
        result.reasons.append(f"{rule['kind']}: {rule['reason']}")
    kinds = {rule["kind"] for rule in rules}
    texts = {rel: source.read_text(encoding="utf-8") for rel, source in sources.items()}
    trees = {rel: ast.parse(text) for rel, text in texts.items()}
    for rel, tree in trees.items():
        lines = result.lines.setdefault(rel, set())
        if "abstract-methods" in kinds:
            lines |= _abstract_method_bodies(tree)
        if "import-fallbacks" in kinds:
            bodies, headers = _import_fallbacks(tree)
            lines |= bodies
            result.headers[rel] = headers
    for entry in _entries(raw, "files", ("file", "reason"), path):
        _check_measured(sources, entry["file"], path)
        result.lines[entry["file"]] |= set(range(1, len(texts[entry["file"]].splitlines()) + 1))
        result.reasons.append(f"{entry['file']}: {entry['reason']}")
    for entry in _entries(raw, "functions", ("file", "function", "reason"), path):
        _check_measured(sources, entry["file"], path)
        node = _function(trees[entry["file"]], entry["function"])
        if node is None:
            raise UnreachableListError(
                f"{path.name}: {entry['file']} has no function {entry['function']} (remove the entry)")
        result.lines[entry["file"]] |= _body(node)
        result.reasons.append(f"{entry['file']} {entry['function']}: {entry['reason']}")
    return result


def _entries(raw: dict, key: str, needed: tuple[str, ...], path: Path) -> list[dict]:
    entries = raw.get(key) or []
    for entry in entries:
        if not isinstance(entry, dict) or any(not isinstance(entry.get(k), str) or not entry[k] for k in needed):
            raise UnreachableListError(f"{path.name}: every item of {key} needs {', '.join(needed)}: {entry!r}")
    return entries


def _check_measured(sources: dict[str, Path], rel: str, path: Path) -> None:
    if rel not in sources:
        raise UnreachableListError(f"{path.name}: {rel} is not a measured file of the SUT")


def _function(tree: ast.Module, qualname: str):
    scope: list[ast.stmt] = tree.body
    node = None
    for part in qualname.split("."):
        node = next((n for n in scope if isinstance(n, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                     and n.name == part), None)
        if node is None:
            return None
        scope = node.body
    return node if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else None


def _abstract_method_bodies(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
            (isinstance(d, ast.Name) and d.id == "abstractmethod")
            or (isinstance(d, ast.Attribute) and d.attr == "abstractmethod")
            for d in node.decorator_list
        ):
            lines |= _body(node)
    return lines


def _import_fallbacks(tree: ast.Module) -> tuple[set[int], set[int]]:
    """The bodies of `except ImportError` handlers, and their `except` lines."""
    bodies: set[int] = set()
    headers: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try):
            for handler in node.handlers:
                names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
                if names and all(isinstance(n, ast.Name) and n.id in ("ImportError", "ModuleNotFoundError")
                                 for n in names):
                    bodies |= _body(handler)
                    headers.add(handler.lineno)
    return bodies, headers


def _body(node) -> set[int]:
    """The lines of a function's or handler's body: its `def` runs at import, an `except` line at every match."""
    return set(range(node.body[0].lineno, node.end_lineno + 1))
