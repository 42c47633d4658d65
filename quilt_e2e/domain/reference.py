"""The reference data as generated on disk: the oracle scenarios compare the SUT against.

Every check of bytes or hashes against the reference goes through this class, which reads checksums.json with
datagen's own (validating) reader: one implementation of what "the reference file's content" means.
"""

from __future__ import annotations

from dataclasses import asdict
from functools import cached_property
from pathlib import Path

from datagen.checksums import load_checksums, load_manifest, quilt_hash_from_sha256, sha256_bytes


class ReferenceData:
    def __init__(self, data_dir: Path, data_bucket: str):
        self.data_dir = Path(data_dir)
        self.data_bucket = data_bucket

    @cached_property
    def checksums(self) -> dict[str, str]:
        """checksums.json: key ("<dataset>/<path>") → SHA-256 hex digest."""
        return load_checksums(self.data_dir)

    @cached_property
    def manifest(self) -> dict:
        """manifest.json (profile, seed, versions, sizes), read by datagen's own reader."""
        return asdict(load_manifest(self.data_dir))

    def files(self, dataset: str, subdir: str = "") -> list[str]:
        """Paths of a dataset's files relative to the dataset (or to `subdir` inside it)."""
        prefix = f"{dataset}/{subdir.strip('/')}/" if subdir else f"{dataset}/"
        return sorted(key[len(prefix):] for key in self.checksums if key.startswith(prefix))

    def key(self, dataset: str, relpath: str) -> str:
        return f"{dataset}/{relpath}"

    def uri(self, dataset: str, relpath: str) -> str:
        return f"s3://{self.data_bucket}/{self.key(dataset, relpath)}"

    def uris(self, dataset: str, subdir: str = "") -> list[str]:
        prefix = f"{subdir.strip('/')}/" if subdir else ""
        return [self.uri(dataset, prefix + relpath) for relpath in self.files(dataset, subdir)]

    def sha256(self, dataset: str, relpath: str) -> str:
        return self.checksums[self.key(dataset, relpath)]

    def local_path(self, dataset: str, relpath: str) -> Path:
        return self.data_dir / dataset / relpath

    # -- the checks ------------------------------------------------------------------------------
    def holds_bytes(self, key: str, data: bytes) -> bool:
        """`data` is exactly the reference file `key` (False for a key that is not reference data)."""
        expected = self.checksums.get(key)
        return expected is not None and sha256_bytes(data) == expected

    def quilt_hash(self, key: str) -> str | None:
        """The `sha2-256-chunked` hash a Quilt manifest records for the reference file `key`; None if unknown."""
        expected = self.checksums.get(key)
        return None if expected is None else quilt_hash_from_sha256(expected)
