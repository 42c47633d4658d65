"""Size knobs for each profile. File names never depend on the profile, only row counts and byte sizes do.

`full` aims at the sizes in the infra spec's bucket tree; `small` keeps every file but
shrinks the whole tree to about 2 MB for CI. Real sizes are measured into manifest.json.
"""

from __future__ import annotations

from dataclasses import dataclass

KIB = 1024
MIB = 1024 * KIB


@dataclass(frozen=True)
class Profile:
    name: str
    simple_csv_rows: int  # per file, 5 files (~100 KB each in full)
    nested_raw_rows: int  # per raw CSV, 20 files (~200 KB each in full)
    large_chunk_bytes: int  # per chunk, 100 chunks (5 MiB each in full)
    mixed_json_rows: int  # data.json (~1 MB)
    mixed_csv_rows: int  # data.csv (~2 MB)
    mixed_table_rows: int  # data.parquet and data.arrow (~5 MB each)
    mixed_image_side: int  # image.png / image.jpg edge in pixels (~500 KB each)
    mixed_pdf_pages: int  # document.pdf (~1 MB)
    versioned_rows: int  # per file (~1 MB); v2/file1 has 10% more
    metadata_rich_rows: int  # per file, 10 files (~5 MB total)
    single_file_rows: int  # data.csv (~100 KB)
    athena_rows: int  # per parquet part, 2 parts


PROFILES: dict[str, Profile] = {
    "full": Profile(
        name="full",
        simple_csv_rows=2_150,
        nested_raw_rows=8_700,
        large_chunk_bytes=5 * MIB,
        mixed_json_rows=19_000,
        mixed_csv_rows=76_000,
        mixed_table_rows=200_000,
        mixed_image_side=600,
        mixed_pdf_pages=180,
        versioned_rows=66_000,
        metadata_rich_rows=33_000,
        single_file_rows=7_000,
        athena_rows=5_000,
    ),
    "small": Profile(
        name="small",
        simple_csv_rows=60,
        nested_raw_rows=40,
        large_chunk_bytes=16 * KIB,
        mixed_json_rows=50,
        mixed_csv_rows=100,
        mixed_table_rows=200,
        mixed_image_side=32,
        mixed_pdf_pages=1,
        versioned_rows=100,
        metadata_rich_rows=50,
        single_file_rows=50,
        athena_rows=50,
    ),
}
