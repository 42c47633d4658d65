"""Athena checks: the SUT's AthenaQueryService against answers computed from the generated parquet."""

from __future__ import annotations

import pandas as pd

from quilt_e2e.domain.world import World


def service(world: World):
    """The SUT's Athena service, on this scenario's QuiltOps backend (workgroup auto-discovered)."""
    if "athena" not in world.services:
        from quilt_mcp.services.athena_service import AthenaQueryService

        world.services["athena"] = AthenaQueryService(backend=world.ops)
    return world.services["athena"]


def call(world: World, operation: str, *args, **kwargs):
    world.result = world.call_with(service(world), operation, *args, **kwargs)
    return world.result


def generated_table(world: World) -> pd.DataFrame:
    """The sample table's rows, read straight from the generated parquet files."""
    import pyarrow.parquet as pq

    files = [world.reference.local_path("athena", relpath) for relpath in world.reference.files("athena")]
    frames = [pq.read_table(path).to_pandas() for path in files if path.suffix == ".parquet"]
    return pd.concat(frames, ignore_index=True)


def result_frame(world: World) -> pd.DataFrame:
    result = world.result
    if not result.get("success"):
        raise AssertionError(f"query failed: {result.get('error')}")
    return result["data"]


def assert_frames_equal(actual: pd.DataFrame, expected: pd.DataFrame) -> None:
    actual = actual.reset_index(drop=True)
    expected = expected.reset_index(drop=True)
    if list(actual.columns) != list(expected.columns):
        raise AssertionError(f"columns {list(actual.columns)} != expected {list(expected.columns)}")
    if len(actual) != len(expected):
        raise AssertionError(f"{len(actual)} rows, expected {len(expected)}")
    for column in expected.columns:
        want, got = expected[column], actual[column]
        if pd.api.types.is_float_dtype(want):
            mismatch = ((got.astype(float) - want.astype(float)).abs() > 1e-9 * (1 + want.abs())).any()
        else:
            mismatch = (got.astype(str).values != want.astype(str).values).any()
        if mismatch:
            raise AssertionError(f"column {column!r} differs:\n got {got.tolist()[:10]}\n want {want.tolist()[:10]}")
