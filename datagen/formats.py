"""Serialisers with every option pinned, so equal inputs give equal bytes."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from PIL import Image

# Parquet footers carry the writer's version string ("parquet-cpp-arrow version X")
# but no timestamp; bytes are stable for a given pyarrow version.
_PARQUET_OPTIONS = {
    "compression": "snappy",
    "version": "2.6",
    "data_page_version": "1.0",
    "use_dictionary": True,
    "write_statistics": True,
    "store_schema": True,
    "write_page_index": False,
    "write_page_checksum": False,
}


def json_bytes(value: Any) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=True, ensure_ascii=True) + "\n").encode()


def parquet_bytes(table: pa.Table, row_group_size: int = 1 << 20) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, row_group_size=row_group_size, **_PARQUET_OPTIONS)
    return sink.getvalue()


def arrow_bytes(table: pa.Table) -> bytes:
    """Arrow IPC *file* format (random-access, "Feather v2"), uncompressed."""
    sink = io.BytesIO()
    with pa.ipc.new_file(sink, table.schema, options=pa.ipc.IpcWriteOptions(compression=None)) as writer:
        writer.write_table(table)
    return sink.getvalue()


def png_bytes(pixels: np.ndarray) -> bytes:
    sink = io.BytesIO()
    # No text chunks, fixed zlib level; Pillow adds no time chunk unless asked.
    Image.fromarray(pixels).save(sink, format="PNG", compress_level=6, optimize=False)
    return sink.getvalue()


def jpeg_bytes(pixels: np.ndarray, quality: int = 90) -> bytes:
    sink = io.BytesIO()
    Image.fromarray(pixels).save(
        sink, format="JPEG", quality=quality, subsampling=0, optimize=False, progressive=False
    )
    return sink.getvalue()


def pdf_bytes(pages: Sequence[Sequence[bytes]], title: str) -> bytes:
    """A minimal PDF 1.4 with one Helvetica text page per entry in `pages`.

    Written by hand rather than via a library so there is no CreationDate,
    producer version or random /ID, and the bytes are the same everywhere.
    Lines must already be PDF-string safe (ASCII, no parentheses or backslashes).
    """
    first_page_object = 4
    page_ids = [first_page_object + 2 * index for index in range(len(pages))]
    objects: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % pid for pid in page_ids)
        + b"] /Count %d >>" % len(pages),
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    }
    for page_id, lines in zip(page_ids, pages, strict=True):
        stream = b"BT /F1 8 Tf 10 TL 36 806 Td\n" + b"".join(b"(" + line + b") '\n" for line in lines) + b"ET\n"
        objects[page_id] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (page_id + 1)
        )
        objects[page_id + 1] = b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"endstream"
    info_id = max(objects) + 1
    objects[info_id] = b"<< /Title (" + title.encode("ascii") + b") /Producer (datagen) >>"

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")  # binary comment marks the file as binary
    offsets = {}
    for object_id in sorted(objects):
        offsets[object_id] = len(out)
        out += b"%d 0 obj\n" % object_id + objects[object_id] + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (info_id + 1)
    out += b"".join(b"%010d 00000 n \n" % offsets[object_id] for object_id in range(1, info_id + 1))
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        info_id + 1,
        info_id,
        xref_at,
    )
    return bytes(out)
