"""Performance at the spec's sizes (spec areas 3.7, 4.7 and 17): measured calls, their figures against the
spec's limits, and the packages the measurements need that no dataset provides.

How limits are enforced: every figure becomes a `Measurement` (kept in the Allure results, in
`reports/performance.json` and in the run's summary, each with the spec's limit and within/OVER). With the
spec-sized data (`-D data_profile=full`) a figure over its limit fails the scenario; with the small profile the
limits, which are set for spec-sized data, are reported and not enforced.

Time is measured on the call as is (quilt_e2e.domain.load.probe); memory on a second, identical call traced by
tracemalloc (load.traced), so that tracing does not slow the timed one: the peak of Python allocations during
the call above the level before it. On the embedded stack moto and the catalog stand-in answer from inside the
process, so the memory figure is an upper bound of the SUT's own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from quilt_e2e.domain import concurrency as cc
from quilt_e2e.domain import packages as pk
from quilt_e2e.domain.load import PoolRun, ProbeReading, probe, traced
from quilt_e2e.domain.registry import latest_top_hash
from quilt_e2e.domain.world import Measurement, PackageRef, World
from quilt_e2e.stack.baseline import BASELINE_NAMESPACE, baseline_package_name, package_objects, write_package
from quilt_e2e.stack.registry_layout import named_packages

MANY_FILES = "many-files"  # the 1,000-file baseline (spec 17.3)
MANY_FILES_COUNT = 1000
REGISTRY_FILL = "registry-fill"  # packages that make the registry hold 100 (spec 17.1)
REGISTRY_FILL_COUNT = 100
SINGLE_CHUNK = 8 * 1024 * 1024  # files below this size have a hash that follows from their SHA-256


@dataclass(frozen=True)
class Limit:
    spec: str  # the spec's row
    what: str
    value: float
    unit: str


# The spec's limits by the words the scenarios use for an activity (spec tables 3.7, 4.7 and 17).
LIMITS: dict[str, tuple[Limit, ...]] = {
    "browsing the large package": (
        Limit("3.7", "browse the 100-file large package", 5, "s"),
        Limit("3.7", "memory spike browsing the 100-file large package", 100, "MB"),
    ),
    "browsing 1,000 files": (
        Limit("17.3", "browse a 1,000-file package", 10, "s"),
        Limit("17.3", "memory spike browsing a 1,000-file package", 200, "MB"),
    ),
    "creating the large package": (
        Limit("4.7", "create the 100-file / 500 MB package", 60, "s"),
        Limit("17.4", "create the 100-file / 500 MB package", 120, "s"),
        Limit("17.4", "memory spike creating the 100-file / 500 MB package", 500, "MB"),
    ),
    "searching 100 packages": (
        Limit("17.1", "search a registry of 100 packages", 5, "s"),
        Limit("17.1", "memory spike searching a registry of 100 packages", 100, "MB"),
    ),
    "a complex catalog query": (
        Limit("17.5", "complex GraphQL query", 30, "s"),
    ),
    "ten sessions at once": (
        Limit("17.6", "10 sessions of mixed work at once, time relative to one after another", 2, "x"),
    ),
}


def enforced(world: World) -> bool:
    return world.settings.data_profile == "full"


# -- measuring -----------------------------------------------------------------------------------------
def measured(world: World, action: Callable[[], Any]) -> Any:
    """Run `action` (a SUT call, e.g. `lambda: world.ops.browse_content(...)`) timed, then once more with its
    memory traced; the figures wait for `record_figures`. The scenario checks the answer of the timed call."""
    world.ops  # noqa: B018  build QuiltOps (and log in) outside the measurement
    with probe() as reading:
        result = action()
    world.result = result
    with traced() as memory:
        action()
    world.result = result
    world.reading, world.memory = reading, memory
    return result


def record_figures(world: World, activity: str) -> list[Measurement]:
    """Turn the last measured call (or pool ratio) into figures against the spec's limits for `activity`."""
    assert activity in LIMITS, f"test defect: no spec limits for '{activity}' (known: {', '.join(LIMITS)})"
    figures = []
    for limit in LIMITS[activity]:
        if limit.unit == "s":
            value = world.reading.seconds
        elif limit.unit == "MB":
            value = world.memory.peak_gain_mb
        else:
            value = world.ratio
        figures.append(Measurement(limit.what, value, limit.value, limit.unit, limit.spec, enforced(world)))
    world.measurements += figures
    return figures


def check_call_time(world: World, operation: str, limit: float) -> Measurement:
    """The last `operation` call's time against a spec limit: reported always, enforced with spec-sized data."""
    figure = world.measure(operation, limit, enforced(world))
    assert_within([figure])
    return figure


def assert_within(figures: list[Measurement]) -> None:
    over = [f.describe() for f in figures if f.enforced and not f.within]
    assert not over, "over the spec's limit with spec-sized data: " + "; ".join(over)


# -- the packages the measurements need ---------------------------------------------------------------------
def _reference_files(world: World) -> list[str]:
    """Keys of reference files usable as entries: data files (no package metadata) of one hash chunk."""
    files = []
    for key in sorted(world.reference.checksums):
        if key.endswith("quilt_metadata.json") or key.startswith("athena/"):
            continue
        if (world.reference.data_dir / key).stat().st_size < SINGLE_CHUNK:
            files.append(key)
    assert files, "test defect: no reference files to build packages from"
    return files


def ensure_many_files_package(world: World) -> PackageRef:
    """`test-user/many-files`: 1,000 files at the package root, each pointing at a reference file (datasets
    have at most 100 files). Written straight into the registry once, like the other baselines."""
    from datagen.checksums import load_checksums

    name = baseline_package_name(MANY_FILES)
    s3, bucket = world.s3(), world.settings.packages_bucket
    if name not in named_packages(s3, bucket, namespace=BASELINE_NAMESPACE):
        files = _reference_files(world)
        entries = {}
        for i in range(MANY_FILES_COUNT):
            key = files[i % len(files)]
            entries[f"part-{i:04d}-{key.rsplit('/', 1)[-1]}"] = key
        metadata = {"description": "1,000 files for the browsing benchmark", "tags": ["test", "performance"]}
        write_package(world.settings, world.reference.data_dir, s3, name, entries, metadata,
                      load_checksums(world.reference.data_dir))
    package = PackageRef(name, [latest_top_hash(s3, bucket, name)])
    world.packages["current"] = package
    return package


def fill_package_names() -> list[str]:
    return [f"{BASELINE_NAMESPACE}/{REGISTRY_FILL}-{i:03d}" for i in range(REGISTRY_FILL_COUNT)]


def ensure_registry_of_100(world: World) -> list[str]:
    """Make the registry hold at least 100 packages: 100 small ones whose metadata mentions "test"."""
    from datagen.checksums import load_checksums

    s3, bucket = world.s3(), world.settings.packages_bucket
    existing = named_packages(s3, bucket, namespace=BASELINE_NAMESPACE)
    checksums = None
    manifests: dict[str, bytes] = {}
    pointers: dict[str, bytes] = {}
    for i, name in enumerate(fill_package_names()):
        if name in existing:
            continue
        checksums = checksums or load_checksums(world.reference.data_dir)
        metadata = {"description": f"registry fill package {i + 1} of {REGISTRY_FILL_COUNT} for the search benchmark",
                    "tags": ["test", REGISTRY_FILL]}
        _, objects = package_objects(world.settings, world.reference.data_dir, name,
                                     {"data.csv": "single-file/data.csv"}, metadata, checksums)
        for key, body in objects.items():
            (manifests if key.startswith(".quilt/packages/") else pointers)[key] = body
    # 300 small objects in two batches (manifests before the pointers naming them), not 300 PUTs one by one
    world.stack.put_objects(bucket, manifests)
    world.stack.put_objects(bucket, pointers)
    total = len(named_packages(s3, bucket))
    assert total >= REGISTRY_FILL_COUNT, f"the registry holds {total} packages, not 100"
    world.fill_packages = fill_package_names()
    index_registry(world)
    return world.fill_packages


# -- checks -----------------------------------------------------------------------------------------------
def assert_listing_is_the_package(world: World) -> None:
    entries = cc.entries_of(world, pk.current(world).latest)
    problems = cc.listing_problems(world.result, entries)
    assert not problems, f"the listing of {pk.current(world).name} differs: {'; '.join(problems[:5])}"


def assert_search_finds_fill_packages(world: World) -> None:
    """Every registry-fill package is found at its latest revision; every result is a real revision."""
    bucket = world.settings.packages_bucket
    found: dict[str, set[str]] = {}
    for info in world.result:
        found.setdefault(info.name, set()).add(info.top_hash)
        assert info.bucket == bucket and (info.registry or "").rstrip("/") == world.registry, (
            f"{info.name}: bucket {info.bucket!r} registry {info.registry!r}")
    pointers = registry_pointers(world)
    missing = [name for name in world.fill_packages if pointers.get(name, {}).get("latest") not in found.get(name, ())]
    assert not missing, (
        f"{len(missing)} of {len(world.fill_packages)} packages that say 'test' were not found: {missing[:5]}"
    )
    for name, hashes in found.items():
        if world.of_another_run(name):  # a run beside this one may have removed it since the search
            continue
        unknown = sorted(h for h in hashes if h not in pointers.get(name, {}).values())
        assert not unknown, f"{name} found at revisions the registry does not have: {unknown[:3]}"


def registry_pointers(world: World) -> dict[str, dict[str, str]]:
    """package name → {pointer tag → top hash} for the whole registry, read with boto3 (one listing); without
    the packages of another run (one beside this one on a shared stack), which may go while they are read."""
    s3, bucket = world.s3(), world.settings.packages_bucket
    prefix = ".quilt/named_packages/"
    pointers: dict[str, dict[str, str]] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            parts = obj["Key"][len(prefix):].split("/")
            if len(parts) == 3 and parts[2] and not world.of_another_run(parts[0]):
                top_hash = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read().decode().strip()
                pointers.setdefault(f"{parts[0]}/{parts[1]}", {})[parts[2]] = top_hash
    return pointers


def index_registry(world: World) -> None:
    """The catalog has read the registry once, as its search index has (a real catalog indexes as packages are
    pushed; the embedded stand-in reads manifests on demand, so a first search would time the stand-in)."""
    from quilt_e2e.catalog import search

    stand_in = world.stack.catalog
    registry = getattr(getattr(stand_in, "catalog", None), "registry", None)
    if registry is not None:
        search.search_packages(registry, [world.settings.packages_bucket], None, False)


# -- a complex catalog query (17.5) ------------------------------------------------------------------------
QUERIED_BASELINES = ("simple-csv", "nested-structure", "large-package", "versioned-data-v1", "versioned-data-v2",
                     "metadata-rich", "single-file")


def complex_query() -> str:
    """One query over every bucket and, for each of several baselines, its revisions and latest contents."""
    parts = ["bucketConfigs { name tabulatorTables { name } }"]
    for i, name in enumerate(QUERIED_BASELINES):
        parts.append(
            f'p{i}: package(bucket: $bucket, name: "{baseline_package_name(name)}") {{ name '
            f"revisions {{ total page(number: 1, perPage: 5) {{ hash totalEntries totalBytes }} }} "
            f"revision {{ hash totalEntries totalBytes userMeta }} }}"
        )
    return "query Complex($bucket: String!) { " + " ".join(parts) + " }"


def run_complex_query(world: World) -> Any:
    variables = {"bucket": world.settings.packages_bucket}
    return measured(world, lambda: world.ops.execute_graphql_query(complex_query(), variables))


def assert_complex_answer(world: World) -> None:
    from quilt_e2e.domain import session

    data = (world.result or {}).get("data") or {}
    buckets = sorted(b["name"] for b in data.get("bucketConfigs") or [])
    expected_buckets = sorted(session.catalog(world).catalog.buckets)
    assert buckets == expected_buckets, f"bucketConfigs {buckets} (the catalog has {expected_buckets})"
    s3, bucket = world.s3(), world.settings.packages_bucket
    for i, name in enumerate(QUERIED_BASELINES):
        full_name = baseline_package_name(name)
        package = data.get(f"p{i}") or {}
        latest = latest_top_hash(s3, bucket, full_name)
        entries = cc.entries_of(world, latest)
        revision = package.get("revision") or {}
        expected = (full_name, latest, len(entries), sum(e.size for e in entries.values()))
        actual = (package.get("name"), revision.get("hash"), revision.get("totalEntries"), revision.get("totalBytes"))
        assert actual == expected, f"{full_name}: the query answers {actual}, the registry has {expected}"
        history = cc.revision_history(world, full_name)
        total = (package.get("revisions") or {}).get("total")
        assert total == len(history), f"{full_name}: {total} revisions, the registry has {len(history)}"


# -- throughput (17.6) --------------------------------------------------------------------------------------
def mixed_work_alone_then_together(world: World, sessions: int, bucket: str) -> PoolRun:
    """The mixed work of `sessions` workers, first one after another (one worker), then all at once; the
    figure is the time together relative to the time one after another."""
    sequential: PoolRun = cc.mixed_operations(world, sessions, bucket, workers=1)
    sequential.assert_all_succeeded()
    cc.assert_mixed_results(world)
    together: PoolRun = cc.mixed_operations(world, sessions, bucket)
    world.ratio = together.seconds / sequential.seconds if sequential.seconds else float("inf")
    world.reading = ProbeReading(seconds=together.seconds)
    return together
