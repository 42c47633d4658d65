"""Write the datasets, checksums.json and manifest.json into a directory, idempotently."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from .checksums import (
    CHECKSUMS_FILE,
    MANIFEST_FILE,
    DatasetSummary,
    Manifest,
    load_manifest,
    sha256_bytes,
    sha256_file,
    validate,
)
from .datasets import DATASET_BUILDERS, Build
from .errors import DataDirError, DatagenError
from .formats import json_bytes
from .profiles import PROFILES
from .seeds import BASE_SEED, dataset_rng, dataset_seed
from .versions import DATA_VERSION, GENERATOR_VERSION

_MAX_FILES_IN_FLIGHT = 4


def ensure_generated(profile: str, out_dir: str | os.PathLike) -> bool:
    """Make out_dir hold `profile`'s data, intact: kept when it validates and is that profile at this
    DATA_VERSION, generated otherwise. True when it had to generate."""
    out = Path(out_dir)
    try:
        if validate(out).ok and _is_current(load_manifest(out), profile):
            return False
    except DataDirError:
        pass  # absent or unreadable bookkeeping: generate afresh
    generate(profile, out)
    return True


def _is_current(manifest: Manifest, profile: str) -> bool:
    return (manifest.profile, manifest.data_version) == (profile, DATA_VERSION)


def generate(
    profile: str,
    out_dir: str | os.PathLike,
    *,
    seed: int = BASE_SEED,
    seed_overrides: Mapping[str, int] | None = None,
) -> Manifest:
    """Generate every dataset into out_dir/<dataset>/ and return the manifest written.

    Files whose bytes are already right are left alone, stale files inside the
    dataset folders are removed, so re-running converges on the same tree.
    seed_overrides replaces the derived seed of named datasets (the others keep theirs).
    """
    if profile not in PROFILES:
        raise DatagenError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    overrides = dict(seed_overrides or {})
    unknown = sorted(set(overrides) - set(DATASET_BUILDERS))
    if unknown:
        raise DatagenError(f"seed_overrides names unknown datasets: {', '.join(unknown)}")
    out = _prepare_out_dir(Path(out_dir))

    checksums: dict[str, str] = {}
    summaries: dict[str, DatasetSummary] = {}
    # Hashing and writing release the GIL, so they overlap with building the next file
    # in a small pool; the bounded queue caps memory at a few files in flight.
    with ThreadPoolExecutor(max_workers=2) as pool:
        in_flight: deque[Future] = deque()
        for name, builder in DATASET_BUILDERS.items():
            ds_seed = overrides.get(name, dataset_seed(name, seed))
            build = Build(rng=dataset_rng(ds_seed), profile=PROFILES[profile], seed=ds_seed)
            produced: set[str] = set()
            total = 0
            for relpath, data in builder.build(build):
                in_flight.append(pool.submit(_store, out, f"{name}/{relpath}", data))
                produced.add(relpath)
                total += len(data)
                while len(in_flight) > _MAX_FILES_IN_FLIGHT:
                    checksums.update([in_flight.popleft().result()])
            while in_flight:  # finish this dataset before pruning its folder
                checksums.update([in_flight.popleft().result()])
            _remove_stale(out / name, produced)
            summaries[name] = DatasetSummary(builder.description, ds_seed, len(produced), total)

    checksums_bytes = json_bytes(dict(sorted(checksums.items())))
    _write_if_changed(out / CHECKSUMS_FILE, checksums_bytes, sha256_bytes(checksums_bytes))
    manifest = Manifest(
        data_version=DATA_VERSION,
        generator_version=GENERATOR_VERSION,
        profile=profile,
        seed=seed,
        seed_overrides=dict(sorted(overrides.items())),
        datasets=summaries,
        total_files=sum(s.files for s in summaries.values()),
        total_bytes=sum(s.bytes for s in summaries.values()),
        checksums_sha256=sha256_bytes(checksums_bytes),
    )
    manifest_bytes = manifest.to_json_bytes()
    _write_if_changed(out / MANIFEST_FILE, manifest_bytes, sha256_bytes(manifest_bytes))
    return manifest


def _store(out: Path, relpath: str, data: bytes) -> tuple[str, str]:
    digest = sha256_bytes(data)
    _write_if_changed(out / relpath, data, digest)
    return relpath, digest


def _prepare_out_dir(out: Path) -> Path:
    if out.exists() and not out.is_dir():
        raise DataDirError(f"output path {out} exists and is not a directory; choose another --out")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DataDirError(f"cannot create output directory {out}: {error.strerror or error}") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise DataDirError(f"output directory {out} is not writable; choose another --out or fix its permissions")
    return out


def _write_if_changed(path: Path, data: bytes, digest: str) -> bool:
    """Write atomically unless the file already holds exactly these bytes; True if written."""
    if path.is_file() and path.stat().st_size == len(data) and sha256_file(path) == digest:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.datagen-tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
    return True


def _remove_stale(dataset_dir: Path, produced: set[str]) -> None:
    """Delete files in a dataset folder this run did not produce (e.g. an old layout), then empty folders."""
    for path in sorted(dataset_dir.rglob("*"), reverse=True):
        relpath = path.relative_to(dataset_dir).as_posix()
        if (path.is_file() or path.is_symlink()) and relpath not in produced:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
