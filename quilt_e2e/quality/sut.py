"""Where the installed SUT's measured files are: quilt_mcp/ops/, quilt_mcp/backends/ and
quilt_mcp/services/athena_service.py of the quilt_mcp that this interpreter imports (never a hard-coded path)."""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

SUT_PACKAGE = "quilt_mcp"
MEASURED_DIRS = ("ops", "backends")
MEASURED_FILES = ("services/athena_service.py",)


class SutError(Exception):
    """The SUT package cannot be located."""


def package_dir(package: str = SUT_PACKAGE) -> Path:
    """The directory of the installed package, located the way `import` would find it (without importing it)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise SutError(f"the package {package} is not installed in {_python()}")
    return Path(next(iter(spec.submodule_search_locations))).resolve()


def include_patterns(root: Path | None = None) -> list[str]:
    """coverage.py `include` patterns for the measured files (absolute)."""
    root = root or package_dir()
    return [str(root / d / "*") for d in MEASURED_DIRS] + [str(root / f) for f in MEASURED_FILES]


def measured_files(root: Path | None = None) -> list[Path]:
    """Every measured .py file, sorted."""
    root = root or package_dir()
    files = [p for d in MEASURED_DIRS for p in (root / d).rglob("*.py") if "__pycache__" not in p.parts]
    files += [root / f for f in MEASURED_FILES if (root / f).is_file()]
    return sorted(files)


def relative(path: str | Path, root: Path | None = None) -> str:
    """A measured file's name inside the package, e.g. `backends/quilt3_backend.py`."""
    root = root or package_dir()
    return Path(path).resolve().relative_to(root).as_posix()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def version(package: str = "quilt-mcp") -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version(package)
    except PackageNotFoundError:
        return "unknown"


def _python() -> str:
    import sys

    return sys.executable
