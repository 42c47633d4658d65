"""Deterministic, seeded generation of the QuiltOps e2e reference datasets.

Public API (see each function's docstring):

    generate(profile, out_dir, *, seed=42, seed_overrides=None) -> Manifest
    ensure_generated(profile, out_dir) -> bool     # keep valid data of that profile, else generate
    validate(data_dir) -> ValidationReport        # .ok, .missing, .changed, .unexpected, .manifest_problems
    upload(data_dir, s3_client, bucket, prefix="", progress=False) -> UploadReport
    dataset_files(data_dir, dataset) -> list[str] # package logical keys of one dataset
    load_manifest(data_dir) -> Manifest
    dataset_seed(name, base_seed=42) -> int
    DATASETS, PROFILES, DATA_VERSION, BASE_SEED

Errors a caller can fix raise DatagenError (DataDirError, UploadError).
"""

from .checksums import DatasetSummary, Manifest, ValidationReport, dataset_files, load_manifest, validate
from .datasets import DATASET_BUILDERS
from .errors import DataDirError, DatagenError, UploadError
from .generate import ensure_generated, generate
from .profiles import PROFILES
from .seeds import BASE_SEED, dataset_seed
from .upload import UploadReport, upload
from .versions import DATA_VERSION, GENERATOR_VERSION

__version__ = GENERATOR_VERSION

# The eight reference package datasets, then "athena" (the parquet data behind the Glue table).
DATASETS: tuple[str, ...] = tuple(DATASET_BUILDERS)
PACKAGE_DATASETS: tuple[str, ...] = tuple(name for name in DATASETS if name != "athena")

__all__ = [
    "BASE_SEED",
    "DATASETS",
    "DATA_VERSION",
    "PACKAGE_DATASETS",
    "PROFILES",
    "DataDirError",
    "DatagenError",
    "DatasetSummary",
    "Manifest",
    "UploadError",
    "UploadReport",
    "ValidationReport",
    "dataset_files",
    "dataset_seed",
    "ensure_generated",
    "generate",
    "load_manifest",
    "upload",
    "validate",
]  # fmt: skip
