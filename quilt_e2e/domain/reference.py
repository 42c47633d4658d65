"""The reference data as generated on disk: the oracle scenarios compare the SUT against."""

from __future__ import annotations

import base64
import hashlib
import json
from functools import cached_property
from pathlib import Path


class ReferenceData:
    def __init__(self, data_dir: Path, data_bucket: str):
        self.data_dir = Path(data_dir)
        self.data_bucket = data_bucket

    @cached_property
    def checksums(self) -> dict[str, str]:
        raw = json.loads((self.data_dir / "checksums.json").read_text())
        return raw.get("files", raw) if isinstance(raw, dict) else {}

    @cached_property
    def manifest(self) -> dict:
        return json.loads((self.data_dir / "manifest.json").read_text())

    def files(self, dataset: str, subdir: str = "") -> list[str]:
        """Paths of a dataset's files relative to the dataset (or to `subdir` inside it)."""
        import datagen

        prefix = f"{subdir.strip('/')}/" if subdir else ""
        return sorted(
            relpath[len(prefix):]
            for relpath in datagen.dataset_files(self.data_dir, dataset)
            if relpath.startswith(prefix)
        )

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


def quilt_hash_from_sha256(sha256_hex: str) -> str:
    """The `sha2-256-chunked` hash Quilt records for a single-chunk (< 8 MiB) file with this SHA-256.

    For one chunk Quilt stores base64(sha256(sha256(bytes))), so it follows from the datagen checksum.
    """
    return base64.b64encode(hashlib.sha256(bytes.fromhex(sha256_hex)).digest()).decode()
