"""A shadow copy of the installed SUT package with one file mutated, for one subprocess.

The copy lives in a temporary directory that goes first on PYTHONPATH, so `import quilt_mcp` in the child
finds it before site-packages; site-packages is only ever read. No bytecode is copied and the child runs with
PYTHONDONTWRITEBYTECODE=1 and without PYTHONPYCACHEPREFIX, so no stale .pyc can stand in for the mutated source.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

BYTECODE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo")


def build(package_dir: Path, root: Path, relfile: str, mutated_source: str) -> Path:
    """Copy `package_dir` to `root/<package name>` and write `mutated_source` over `relfile` in the copy.
    Returns `root`, the directory to put first on PYTHONPATH."""
    package_dir = Path(package_dir).resolve()
    root = Path(root).resolve()
    target = root / package_dir.name
    if root == package_dir.parent or package_dir in target.parents or target == package_dir:
        raise ValueError(f"an overlay must not be built inside the installed package's directory ({root})")
    shutil.copytree(package_dir, target, ignore=BYTECODE)
    mutated = target / relfile
    if not mutated.is_file() or target not in mutated.resolve().parents:
        raise ValueError(f"{relfile} is not a file of {package_dir.name}")
    mutated.write_text(mutated_source, encoding="utf-8")
    return root


def environment(root: Path, base: dict[str, str] | None = None, reports_dir: Path | None = None) -> dict[str, str]:
    """The child's environment: the overlay first on PYTHONPATH, no bytecode written or read from a prefix,
    no coverage start-up, and its own reports dir."""
    env = dict(os.environ if base is None else base)
    env["PYTHONPATH"] = os.pathsep.join([str(root), *[p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.pop("PYTHONPYCACHEPREFIX", None)
    env.pop("COVERAGE_PROCESS_START", None)
    if reports_dir is not None:
        env["QUILT_E2E_REPORTS_DIR"] = str(reports_dir)
    return env
