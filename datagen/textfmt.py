"""Vectorised, fixed-format text rendering for CSV/JSON/PDF rows.

Every column is rendered into a byte matrix (rows x width) plus a keep-mask
(variable-width values are right-aligned and their padding is masked out).
Pieces are stacked side by side and the kept bytes read row by row, so a
whole file is formatted by a handful of numpy operations instead of a Python
loop per row. Formatting is done with integer arithmetic, so the text never
depends on a platform's float repr or locale.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

_ZERO = ord("0")


@dataclass(frozen=True)
class Text:
    """One rendered column: chars[i, j] is kept where keep[i, j] is True."""

    chars: np.ndarray  # uint8, shape (rows, width)
    keep: np.ndarray  # bool, same shape


Piece = "Text | str | bytes"


def literal(value: str | bytes, rows: int) -> Text:
    raw = value.encode() if isinstance(value, str) else value
    chars = np.broadcast_to(np.frombuffer(raw, dtype=np.uint8), (rows, len(raw)))
    return Text(chars, np.ones(chars.shape, dtype=bool))


def integers(values: np.ndarray, zero_pad: int = 0) -> Text:
    """Decimal integers; zero_pad > 0 gives a fixed width with leading zeros."""
    values = np.asarray(values, dtype=np.int64)
    magnitude = np.abs(values)
    widest = int(magnitude.max()) if magnitude.size else 0
    width = max(len(str(widest)), zero_pad, 1)
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    digits = (magnitude[:, None] // powers) % 10
    if zero_pad:
        keep = np.zeros(digits.shape, dtype=bool)
        keep[:, width - zero_pad :] = True
        keep |= np.logical_or.accumulate(digits != 0, axis=1)
    else:
        keep = np.logical_or.accumulate(digits != 0, axis=1)
        keep[:, -1] = True  # zero is written as "0"
    text = Text((digits + _ZERO).astype(np.uint8), keep)
    negative = values < 0
    if negative.any():
        sign = Text(np.full((len(values), 1), ord("-"), dtype=np.uint8), negative[:, None])
        text = join([sign, text], len(values))
    return text


def fixed(values: np.ndarray, decimals: int) -> Text:
    """Floats like printf("%.{decimals}f"), rounded half-to-even; never "-0.000"."""
    scaled = np.rint(np.asarray(values, dtype=np.float64) * 10.0**decimals).astype(np.int64)
    return fixed_from_scaled(scaled, decimals)


def fixed_from_scaled(scaled: np.ndarray, decimals: int) -> Text:
    """Render integers that hold value * 10**decimals (see quantize())."""
    rows = len(scaled)
    magnitude = np.abs(scaled)
    unit = 10**decimals
    whole = integers(magnitude // unit)
    negative = scaled < 0
    sign = Text(np.full((rows, 1), ord("-"), dtype=np.uint8), negative[:, None])
    return join([sign, whole, ".", integers(magnitude % unit, zero_pad=decimals)], rows)


def quantize(values: np.ndarray, decimals: int) -> np.ndarray:
    """The integers fixed() writes, so aggregates can be computed from what is on disk."""
    return np.rint(np.asarray(values, dtype=np.float64) * 10.0**decimals).astype(np.int64)


def choices(codes: np.ndarray, vocabulary: Sequence[str]) -> Text:
    """Pick words from a small vocabulary by index."""
    encoded = [word.encode() for word in vocabulary]
    width = max(len(word) for word in encoded)
    table = np.zeros((len(encoded), width), dtype=np.uint8)
    lengths = np.array([len(word) for word in encoded])
    for row, word in enumerate(encoded):
        table[row, : len(word)] = np.frombuffer(word, dtype=np.uint8)
    codes = np.asarray(codes)
    keep = np.arange(width)[None, :] < lengths[codes][:, None]
    return Text(table[codes], keep)


def timestamps(moments: np.ndarray) -> Text:
    """datetime64 values as 'YYYY-MM-DD HH:MM:SS' (naive, second precision)."""
    seconds = np.asarray(moments).astype("datetime64[s]")
    months = seconds.astype("datetime64[M]")
    days = seconds.astype("datetime64[D]")
    year = seconds.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (days - months).astype(np.int64) + 1
    second_of_day = (seconds - days).astype(np.int64)
    rows = len(seconds)
    return join(
        [
            integers(year, 4), "-", integers(month, 2), "-", integers(day, 2), " ",
            integers(second_of_day // 3600, 2), ":", integers(second_of_day // 60 % 60, 2), ":",
            integers(second_of_day % 60, 2),
        ],
        rows,
    )  # fmt: skip


def join(pieces: Sequence, rows: int) -> Text:
    """Place pieces (Text or literal strings) side by side."""
    parts = [piece if isinstance(piece, Text) else literal(piece, rows) for piece in pieces]
    return Text(np.hstack([p.chars for p in parts]), np.hstack([p.keep for p in parts]))


def render(pieces: Sequence, rows: int) -> bytes:
    """All rows, each made of the pieces in order, as one byte string."""
    text = join(pieces, rows)
    return text.chars[text.keep].tobytes()


def render_lines(pieces: Sequence, rows: int) -> list[bytes]:
    """Like render(), but one bytes object per row (for paging)."""
    text = join(pieces, rows)
    flat = text.chars[text.keep].tobytes()
    ends = np.cumsum(text.keep.sum(axis=1))
    starts = np.concatenate([[0], ends[:-1]])
    return [flat[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]


def arrow_strings(pieces: Sequence, rows: int):
    """The rows as a pyarrow string array, built straight from the rendered buffer."""
    import pyarrow as pa

    text = join(pieces, rows)
    data = text.chars[text.keep].tobytes()
    offsets = np.zeros(rows + 1, dtype=np.int32)
    np.cumsum(text.keep.sum(axis=1), out=offsets[1:])
    return pa.StringArray.from_buffers(rows, pa.py_buffer(offsets.tobytes()), pa.py_buffer(data))
