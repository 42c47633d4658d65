"""Per-dataset seeds derived from the base seed and the dataset's name.

A stable hash (SHA-256, not Python's salted hash()) keeps the mapping identical on every
machine and run, and gives each dataset its own random stream: adding, removing or
re-seeding one dataset never shifts the bytes of another.
"""

from __future__ import annotations

import hashlib

import numpy as np

BASE_SEED = 42


def dataset_seed(name: str, base_seed: int = BASE_SEED) -> int:
    digest = hashlib.sha256(f"datagen:{base_seed}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def dataset_rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)
