"""SHA-256 bookkeeping: checksums.json, manifest.json and validation of a data directory."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .errors import DataDirError

CHECKSUMS_FILE = "checksums.json"
MANIFEST_FILE = "manifest.json"
BOOKKEEPING_FILES = (CHECKSUMS_FILE, MANIFEST_FILE)
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_READ_BLOCK = 1 << 20
_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while block := stream.read(_READ_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def quilt_hash_from_sha256(sha256_hex: str) -> str:
    """The `sha2-256-chunked` hash Quilt records for a file (< 8 MiB, at most one chunk) with this SHA-256.

    Quilt stores base64(sha256(the concatenated chunk hashes)): for one chunk sha256(sha256(bytes)), so it
    follows from the checksum in checksums.json; an empty file has no chunk at all.
    """
    chunk_hashes = b"" if sha256_hex == _EMPTY_SHA256 else bytes.fromhex(sha256_hex)
    return base64.b64encode(hashlib.sha256(chunk_hashes).digest()).decode()


def dataset_of(relpath: str) -> str:
    return relpath.split("/", 1)[0]


@dataclass(frozen=True)
class DatasetSummary:
    description: str
    seed: int
    files: int
    bytes: int


@dataclass(frozen=True)
class Manifest:
    """What manifest.json says. Sizes are measured from the written files."""

    data_version: str
    generator_version: str
    profile: str
    seed: int
    seed_overrides: dict[str, int]
    datasets: dict[str, DatasetSummary]
    total_files: int
    total_bytes: int
    checksums_sha256: str  # binds the manifest to one checksums.json

    def to_json_bytes(self) -> bytes:
        return (json.dumps(asdict(self), indent=2, sort_keys=True) + "\n").encode()

    @classmethod
    def from_dict(cls, raw: dict) -> Manifest:
        fields = dict(raw)
        fields["datasets"] = {name: DatasetSummary(**summary) for name, summary in raw["datasets"].items()}
        return cls(**fields)


def load_checksums(data_dir: Path) -> dict[str, str]:
    """checksums.json as {relative posix path: sha256}; DataDirError if absent or malformed."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise DataDirError(f"data directory {data_dir} does not exist or is not a directory; run 'generate' first")
    path = data_dir / CHECKSUMS_FILE
    try:
        checksums = json.loads(path.read_text())
    except FileNotFoundError:
        raise DataDirError(f"{path} is missing; is {data_dir} a datagen directory? Run 'generate' first") from None
    except (OSError, ValueError) as error:
        raise DataDirError(f"{path} is unreadable or not JSON ({error}); regenerate the directory") from None
    if not isinstance(checksums, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and _HEX64.match(v) and _safe_relpath(k) for k, v in checksums.items()
    ):
        raise DataDirError(f"{path} is not a map of relative paths to SHA-256 hex digests; regenerate the directory")
    return checksums


def _safe_relpath(relpath: str) -> bool:
    parts = relpath.split("/")
    return bool(relpath) and not relpath.startswith("/") and ".." not in parts and "" not in parts


def load_manifest(data_dir: Path) -> Manifest:
    path = Path(data_dir) / MANIFEST_FILE
    try:
        return Manifest.from_dict(json.loads(path.read_text()))
    except FileNotFoundError:
        raise DataDirError(f"{path} is missing; regenerate the directory") from None
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as error:
        raise DataDirError(f"{path} is unreadable or malformed ({error}); regenerate the directory") from None


def dataset_files(data_dir: Path, dataset: str) -> list[str]:
    """Paths of one dataset's files, relative to the dataset folder (i.e. package logical keys), sorted.

    The S3 key / local path of each is f"{dataset}/{path}" under the data root.
    """
    prefix = dataset + "/"
    return sorted(path[len(prefix) :] for path in load_checksums(data_dir) if path.startswith(prefix))


@dataclass
class ValidationReport:
    missing: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    manifest_problems: list[str] = field(default_factory=list)
    files_checked: int = 0
    bytes_checked: int = 0

    @property
    def ok(self) -> bool:
        return not (self.missing or self.changed or self.unexpected or self.manifest_problems)

    def problem_lines(self) -> list[str]:
        return (
            [f"missing: {path}" for path in self.missing]
            + [f"changed: {path}" for path in self.changed]
            + [f"unexpected: {path}" for path in self.unexpected]
            + [f"manifest: {problem}" for problem in self.manifest_problems]
        )

    def summary(self) -> str:
        if self.ok:
            return f"OK: {self.files_checked} files, {self.bytes_checked} bytes match checksums.json and manifest.json"
        return (
            f"FAILED: {len(self.missing)} missing, {len(self.changed)} changed, {len(self.unexpected)} unexpected, "
            f"{len(self.manifest_problems)} manifest problems ({self.files_checked} files checked)"
        )


def list_files(data_dir: Path) -> list[str]:
    """Every regular file under data_dir as a relative posix path (symlinks count as files)."""
    return sorted(p.relative_to(data_dir).as_posix() for p in Path(data_dir).rglob("*") if p.is_file())


def validate(data_dir: Path) -> ValidationReport:
    """Check every file against checksums.json and manifest.json against both.

    Raises DataDirError only when the directory or checksums.json is unusable;
    content problems are returned in the report, each by name.
    """
    data_dir = Path(data_dir)
    checksums = load_checksums(data_dir)
    report = ValidationReport()
    sizes: dict[str, int] = {}
    for relpath, expected in sorted(checksums.items()):
        path = data_dir / relpath
        if not path.is_file():
            report.missing.append(relpath)
            continue
        sizes[relpath] = path.stat().st_size
        report.files_checked += 1
        report.bytes_checked += sizes[relpath]
        if sha256_file(path) != expected:
            report.changed.append(relpath)
    report.unexpected = [p for p in list_files(data_dir) if p not in checksums and p not in BOOKKEEPING_FILES]
    # Sizes are only compared for intact files: a changed file is already reported by name.
    intact_sizes = {path: size for path, size in sizes.items() if path not in report.changed}
    report.manifest_problems = _manifest_problems(data_dir, checksums, intact_sizes)
    return report


def _manifest_problems(data_dir: Path, checksums: dict[str, str], sizes: dict[str, int]) -> list[str]:
    """Disagreements between manifest.json and checksums.json / the sizes of intact files."""
    try:
        manifest = load_manifest(data_dir)
    except DataDirError as error:
        return [str(error)]
    problems = []
    if manifest.checksums_sha256 != sha256_file(data_dir / CHECKSUMS_FILE):
        problems.append("checksums_sha256 does not match checksums.json")
    listed = {dataset_of(path) for path in checksums}
    for name in sorted(listed | set(manifest.datasets)):
        paths = [path for path in checksums if dataset_of(path) == name]
        summary = manifest.datasets.get(name)
        if summary is None:
            problems.append(f"dataset {name} is in checksums.json but not in manifest.json")
            continue
        if summary.files != len(paths):
            problems.append(f"dataset {name}: manifest says {summary.files} files, checksums.json lists {len(paths)}")
        measured = sum(sizes.get(path, 0) for path in paths)
        if all(path in sizes for path in paths) and summary.bytes != measured:
            problems.append(f"dataset {name}: manifest says {summary.bytes} bytes, files on disk hold {measured}")
    if manifest.total_files != len(checksums):
        problems.append(f"total_files is {manifest.total_files}, checksums.json lists {len(checksums)}")
    if len(sizes) == len(checksums) and manifest.total_bytes != sum(sizes.values()):
        problems.append(f"total_bytes is {manifest.total_bytes}, files on disk hold {sum(sizes.values())}")
    return problems
