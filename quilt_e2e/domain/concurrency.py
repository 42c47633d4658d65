"""Concurrent use of QuiltOps (spec area 16): what the workers do, and the checks against the registry (read
back with plain boto3) and the catalog stand-in's own state. The pool itself is quilt_e2e.domain.load.

A scenario's pool is kept as `world.pool`; the tasks' `key` says what each worker was asked for, so every result
is checked against the expectation for *its* request (a mixed-up answer fails even when each answer is valid).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from quilt_e2e.domain import admin as adm
from quilt_e2e.domain import packages as pk
from quilt_e2e.domain import session
from quilt_e2e.domain import tabulator as tab
from quilt_e2e.domain.driver import Driver
from quilt_e2e.domain.expectations import assert_same_names
from quilt_e2e.domain.load import PoolRun, Task, own_ops, run_parallel
from quilt_e2e.domain.registry import ManifestEntry, latest_top_hash, read_manifest
from quilt_e2e.domain.world import World
from quilt_e2e.stack.baseline import BASELINES, baseline_metadata, baseline_package_name
from quilt_e2e.stack.registry_layout import POINTERS

SEARCH_QUERY = "simple"  # finds the simple-csv baseline on both backends
BUCKETS_QUERY = "query { bucketConfigs { name } }"


# -- the registry, read independently ----------------------------------------------------------------------
def revision_history(world: World, name: str) -> dict[str, list[int]]:
    """top hash → the timestamps (epoch seconds) of the revision pointers that name it, from the registry."""
    s3, bucket = world.s3(), world.settings.packages_bucket
    history: dict[str, list[int]] = {}
    prefix = f"{POINTERS}{name}/"
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            tag = obj["Key"][len(prefix):]
            if tag.isdigit():
                top_hash = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read().decode().strip()
                history.setdefault(top_hash, []).append(int(tag))
    return history


def entries_of(world: World, top_hash: str) -> dict[str, ManifestEntry]:
    return read_manifest(world.s3(), world.settings.packages_bucket, top_hash)[1]


def baseline_by_name(name: str):
    for baseline in BASELINES:
        if baseline.name == name:
            return baseline
    raise AssertionError(f"test defect: no baseline package {name!r} (known: {', '.join(b.name for b in BASELINES)})")


def spread(items: list[str], sessions: int) -> list[str]:
    """`sessions` requests spread evenly over `items` (round robin)."""
    assert items and sessions >= len(items), f"test defect: {sessions} sessions cannot cover {len(items)} items"
    return [items[i % len(items)] for i in range(sessions)]


# -- checks of one result ----------------------------------------------------------------------------------
def _parse_date(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def info_problems(world: World, info: Any, name: str) -> list[str]:
    """What differs between a Package_Info and the registry's latest revision of baseline package `name`."""
    from quilt_mcp.domain import Package_Info

    if not isinstance(info, Package_Info):
        return [f"expected a Package_Info, got {type(info).__name__}: {info!r:.200}"]
    full_name = baseline_package_name(name)
    latest = latest_top_hash(world.s3(), world.settings.packages_bucket, full_name)
    metadata = baseline_metadata(baseline_by_name(name), world.reference.data_dir)
    problems = []
    if info.name != full_name:
        problems.append(f"name {info.name!r}")
    if info.top_hash != latest:
        problems.append(f"top_hash {info.top_hash!r} (latest is {latest})")
    if (info.registry or "").rstrip("/") != world.registry:
        problems.append(f"registry {info.registry!r}")
    if info.bucket != world.settings.packages_bucket:
        problems.append(f"bucket {info.bucket!r}")
    if info.description != metadata.get("description"):
        problems.append(f"description {info.description!r} (expected {metadata.get('description')!r})")
    if list(info.tags) != list(metadata.get("tags") or []):
        problems.append(f"tags {info.tags!r} (expected {metadata.get('tags')!r})")
    stamps = revision_history(world, full_name).get(latest, [])
    modified = _parse_date(info.modified_date)
    expected_times = [datetime.fromtimestamp(stamp, UTC) for stamp in stamps]
    if modified is None or not any(abs((modified - t).total_seconds()) < 1 for t in expected_times):
        problems.append(f"modified_date {info.modified_date!r} (the revision was written at {expected_times})")
    return problems


def listing_problems(listing: Any, entries: dict[str, ManifestEntry]) -> list[str]:
    """What differs between a browse listing of a flat package's root and the revision's manifest entries."""
    if not isinstance(listing, list):
        return [f"expected a list of Content_Info, got {type(listing).__name__}"]
    problems = []
    paths = [item.path for item in listing]
    if sorted(paths) != sorted(entries):
        missing = sorted(set(entries) - set(paths))
        extra = sorted(set(paths) - set(entries))
        problems.append(f"paths differ: missing {missing[:5]}, unexpected {extra[:5]}, {len(paths)} listed")
    for item in listing:
        entry = entries.get(item.path)
        if entry is None:
            continue
        if item.type != "file" or item.size != entry.size:
            problems.append(f"{item.path}: type {item.type!r} size {item.size!r} (expected file of {entry.size})")
        if item.modified_date is not None and _parse_date(item.modified_date) is None:
            problems.append(f"{item.path}: modified_date {item.modified_date!r} is not an ISO 8601 date")
        if item.download_url is not None and not str(item.download_url).startswith(("http://", "https://")):
            problems.append(f"{item.path}: download_url {item.download_url!r} is not a URL")
        if item.meta not in (None, {}):  # the packages this feature reads carry no per-file metadata
            problems.append(f"{item.path}: meta {item.meta!r}")
    return problems


def _fail_on(problems_by_worker: dict[str, list[str]]) -> None:
    bad = {label: problems for label, problems in problems_by_worker.items() if problems}
    if bad:
        details = "; ".join(f"{label}: {', '.join(problems[:3])}" for label, problems in list(bad.items())[:3])
        raise AssertionError(f"{len(bad)} of {len(problems_by_worker)} parallel results are wrong: {details}")


# -- parallel reads ----------------------------------------------------------------------------------------
def _read_baselines(world: World, what: str, read: Callable[[Driver, str], Any], names: list[str],
                    sessions: int) -> PoolRun:
    """`sessions` workers each `read(ops, package name)` one of the baseline packages `names` (spread over them)."""
    tasks = [
        Task(f"worker {i} {what} {name}", lambda ops, name=name: read(ops, baseline_package_name(name)), key=name)
        for i, name in enumerate(spread(names, sessions))
    ]
    world.pool = run_parallel(world, tasks, sessions)
    return world.pool


def read_information(world: World, names: list[str], sessions: int) -> PoolRun:
    return _read_baselines(world, "get_package_info", lambda ops, name: ops.get_package_info(name, world.registry),
                           names, sessions)


def assert_information(world: World) -> None:
    pool: PoolRun = world.pool
    pool.assert_all_succeeded()
    _fail_on({r.task.label: info_problems(world, r.result, r.task.key) for r in pool.results})


def browse_roots(world: World, names: list[str], sessions: int) -> PoolRun:
    return _read_baselines(world, "browse_content", lambda ops, name: ops.browse_content(name, world.registry, ""),
                           names, sessions)


def assert_listings(world: World) -> None:
    pool: PoolRun = world.pool
    pool.assert_all_succeeded()
    problems = {}
    for result in pool.results:
        full_name = baseline_package_name(result.task.key)
        entries = entries_of(world, latest_top_hash(world.s3(), world.settings.packages_bucket, full_name))
        problems[result.task.label] = listing_problems(result.result, entries)
    _fail_on(problems)


def browse_current_together(world: World, sessions: int) -> PoolRun:
    """`sessions` sessions browse the root of the scenario's package at the same moment."""
    package = pk.current(world)
    tasks = [Task(f"worker {i} browse_content {package.name}",
                  lambda ops: ops.browse_content(package.name, world.registry, ""),
                  key=package.latest)
             for i in range(sessions)]
    world.pool = run_parallel(world, tasks, sessions)
    return world.pool


def assert_listings_of_current(world: World) -> None:
    pool: PoolRun = world.pool
    pool.assert_all_succeeded()
    entries = entries_of(world, pk.current(world).latest)
    _fail_on({r.task.label: listing_problems(r.result, entries) for r in pool.results})


# -- parallel creates --------------------------------------------------------------------------------------
def create_in_parallel(world: World, datasets: list[str]) -> PoolRun:
    tasks = []
    for i, dataset in enumerate(datasets):
        name = world.run_package_name(f"parallel-{i}-{dataset}")
        metadata = {"description": f"created in parallel by worker {i} from {dataset}", "tags": ["test", f"worker-{i}"]}
        uris = world.reference.uris(dataset)

        def create(ops, name=name, uris=uris, metadata=metadata):
            return ops.create_package_revision(name, uris, metadata=metadata, registry=world.registry,
                                               auto_organize=True)

        tasks.append(Task(f"worker {i} creates {name} from {dataset}", create, key=(name, dataset, metadata)))
    world.pool = run_parallel(world, tasks, len(tasks))
    return world.pool


def creation_problems(world: World, result: Any, name: str, files: int) -> list[str]:
    from quilt_mcp.domain import Package_Creation_Result

    if not isinstance(result, Package_Creation_Result):
        return [f"expected a Package_Creation_Result, got {type(result).__name__}"]
    problems = []
    if result.success is not True or not pk.TOP_HASH.match(result.top_hash or ""):
        problems.append(f"success {result.success!r} top_hash {result.top_hash!r}")
    if result.package_name != name:
        problems.append(f"package_name {result.package_name!r}")
    if result.registry != world.registry:
        problems.append(f"registry {result.registry!r}")
    if result.file_count != files:
        problems.append(f"file_count {result.file_count} (expected {files})")
    bucket = world.settings.packages_bucket
    if not (result.catalog_url or "").endswith(f"/b/{bucket}/packages/{name}"):
        problems.append(f"catalog_url {result.catalog_url!r} does not point at {bucket}/{name}")
    return problems


def assert_created_each(world: World) -> None:
    pool: PoolRun = world.pool
    pool.assert_all_succeeded()
    problems = {}
    for r in pool.results:
        name, dataset, _ = r.task.key
        found = creation_problems(world, r.result, name, len(world.reference.files(dataset)))
        if not found:
            latest = latest_top_hash(world.s3(), world.settings.packages_bucket, name)
            if latest != r.result.top_hash:
                found.append(f"the registry's latest revision is {latest}, the SUT reported {r.result.top_hash}")
        problems[r.task.label] = found
    _fail_on(problems)
    hashes = [r.result.top_hash for r in pool.results]
    assert len(set(hashes)) == len(hashes), f"two creations report the same revision: {hashes}"


def assert_each_holds_its_dataset(world: World) -> None:
    problems = {}
    for r in world.pool.results:
        _name, dataset, metadata = r.task.key
        header, entries = read_manifest(world.s3(), world.settings.packages_bucket, r.result.top_hash)
        found = []
        # auto-organized: each file sits at its path in the data bucket and points at that object
        expected = {world.reference.key(dataset, relpath): world.reference.key(dataset, relpath)
                    for relpath in world.reference.files(dataset)}
        actual = {key: pk.reference_key_of(world, entry.physical_key) for key, entry in entries.items()}
        if actual != expected:
            found.append(f"entries {sorted(actual)[:5]} are not the files of {dataset}")
        for entry in entries.values():
            key = pk.reference_key_of(world, entry.physical_key)
            expected = world.reference.quilt_hash(key)
            if expected is None or entry.hash_value != expected:
                found.append(f"{entry.logical_key}: hash {entry.hash_value} is not the reference checksum")
        if header.get("user_meta") != metadata:
            found.append(f"package metadata {header.get('user_meta')!r} (expected {metadata!r})")
        problems[r.task.label] = found
    _fail_on(problems)


# -- parallel updates of one package -----------------------------------------------------------------------
def first_uris(world: World, dataset: str, count: int) -> list[str]:
    uris = world.reference.uris(dataset)
    assert len(uris) >= count, f"test defect: the {dataset} dataset has only {len(uris)} files"
    return uris[:count]


def update_in_parallel(world: World, dataset: str, count: int) -> PoolRun:
    package = pk.current(world)
    tasks = []
    for i, uri in enumerate(first_uris(world, dataset, count)):
        def update(ops, uri=uri):
            return ops.update_package_revision(package.name, [uri], world.registry)

        tasks.append(Task(f"worker {i} adds {uri.rsplit('/', 1)[-1]}", update, key=uri))
    world.pool = run_parallel(world, tasks, len(tasks))
    world.added_uris = [t.key for t in tasks]
    return world.pool


def update_in_rounds(world: World, dataset: str, per_round: int, rounds_needed: int, max_rounds: int) -> str | None:
    """Rounds of `per_round` parallel updates (each adding another file of `dataset`; one session reads the
    package before each round). A round counts when two of its revisions were written to the registry within the
    same second, by the registry's clock (the write time of their manifests, whose keys are their hashes). Rounds
    go on until a reported revision is missing from the history, or `rounds_needed` rounds counted: one such
    round can pass by luck, since the SUT dates a revision a moment after writing it. Returns None then, else why
    the scenario cannot say anything (it is then skipped: a fast or slow machine decides, not the SUT)."""
    uris = world.reference.uris(dataset)
    assert len(uris) >= per_round * max_rounds, f"test defect: the {dataset} dataset has too few files"
    package = pk.current(world)
    s3, bucket = world.s3(), world.settings.packages_bucket
    world.reported_revisions = []
    counted = 0
    for round_number in range(max_rounds):
        read_once(world)
        batch = uris[round_number * per_round:(round_number + 1) * per_round]
        tasks = [Task(f"round {round_number + 1} adds {uri.rsplit('/', 1)[-1]}",
                      lambda ops, uri=uri: ops.update_package_revision(package.name, [uri], world.registry),
                      key=uri)
                 for uri in batch]
        world.pool = run_parallel(world, tasks, per_round)
        world.pool.assert_all_succeeded()
        hashes = [r.result.top_hash for r in world.pool.results]
        world.reported_revisions += hashes
        if any(h not in revision_history(world, package.name) for h in hashes):
            return None
        written = [s3.head_object(Bucket=bucket, Key=f".quilt/packages/{h}")["LastModified"] for h in hashes]
        counted += len({moment.replace(microsecond=0) for moment in written}) < len(written)
        if counted >= rounds_needed:
            return None
    return (f"in {max_rounds} rounds only {counted} (of {rounds_needed} needed) wrote two revisions "
            "within the same second")


def assert_updates_succeeded(world: World) -> None:
    pool: PoolRun = world.pool
    pool.assert_all_succeeded()
    package = pk.current(world)
    problems = {}
    for r in pool.results:
        found = []
        result = r.result
        if result.success is not True or not pk.TOP_HASH.match(result.top_hash or ""):
            found.append(f"success {result.success!r} top_hash {result.top_hash!r}")
        if result.package_name != package.name or result.registry != world.registry:
            found.append(f"package_name {result.package_name!r} registry {result.registry!r}")
        problems[r.task.label] = found
    _fail_on(problems)
    hashes = [r.result.top_hash for r in pool.results]
    assert package.latest not in hashes, "an update reports the revision the package had before"
    assert len(set(hashes)) == len(hashes), f"two updates report the same revision: {hashes}"
    package.revisions.extend(hashes)


def assert_history_keeps(world: World, top_hashes: list[str]) -> None:
    package = pk.current(world)
    history = revision_history(world, package.name)
    lost = [h for h in top_hashes if h not in history]
    if lost:
        raise AssertionError(
            f"{len(lost)} of {len(top_hashes)} reported revisions are missing from the revision history of "
            f"{package.name}: {lost[:3]} (history: {len(history)} revisions)"
        )


def assert_latest_holds_all(world: World, base_top_hash: str, added_uris: list[str]) -> None:
    """The latest revision holds the files of the base revision and, at its file name, every added file."""
    package = pk.current(world)
    latest = latest_top_hash(world.s3(), world.settings.packages_bucket, package.name)
    expected = {key: pk.reference_key_of(world, e.physical_key) for key, e in entries_of(world, base_top_hash).items()}
    for uri in added_uris:
        expected[uri.rsplit("/", 1)[-1]] = uri.split("/", 3)[3]
    actual = {key: pk.reference_key_of(world, e.physical_key) for key, e in entries_of(world, latest).items()}
    missing = sorted(set(expected) - set(actual))
    if missing:
        raise AssertionError(
            f"the latest revision lost {len(missing)} of {len(added_uris)} files added in parallel: {missing} "
            f"(it holds {sorted(actual)})"
        )
    assert actual == expected, f"the latest revision holds {actual}, expected {expected}"


# -- reads while writing -----------------------------------------------------------------------------------
def browse_while_revising(world: World, dataset: str, count: int, readers: int, max_reads: int = 3) -> PoolRun:
    """One writer adds the dataset's files one update at a time; `readers` sessions browse the package root
    over and over until the writer is done (at most `max_reads` times each)."""
    package = pk.current(world)
    writer_done = threading.Event()
    uris = first_uris(world, dataset, count)

    def write(ops):
        try:
            return [ops.update_package_revision(package.name, [uri], world.registry)
                    for uri in uris]
        finally:
            writer_done.set()

    def read(ops):
        listings = []
        while len(listings) < max_reads:
            listings.append(ops.browse_content(package.name, world.registry, ""))
            if writer_done.is_set():
                break
        return listings

    tasks = [Task("writer", write, key="writer")]
    tasks += [Task(f"reader {i}", read, key="reader") for i in range(readers)]
    world.pool = run_parallel(world, tasks, len(tasks))
    world.added_uris = uris
    return world.pool


def assert_writer_succeeded(world: World) -> list[str]:
    pool: PoolRun = world.pool
    writer = pool.by_key()["writer"][0]
    pool.assert_all_succeeded([writer])
    hashes = [result.top_hash for result in writer.result]
    assert all(pk.TOP_HASH.match(h or "") for h in hashes), f"updates report revisions {hashes}"
    assert len(set(hashes)) == len(hashes), f"two updates report the same revision: {hashes}"
    pk.current(world).revisions.extend(hashes)
    return hashes


def assert_readers_succeeded(world: World) -> None:
    world.pool.assert_all_succeeded(world.pool.by_key()["reader"])


def assert_revisions_readable(world: World, top_hashes: list[str]) -> None:
    """Every revision is still in the registry under its hash (its manifest can be read)."""
    for top_hash in top_hashes:
        entries_of(world, top_hash)


def assert_listings_are_whole_revisions(world: World) -> None:
    package = pk.current(world)
    revisions = {h: entries_of(world, h) for h in package.revisions}
    problems = {}
    reads = 0
    for r in world.pool.by_key()["reader"]:
        found = []
        for n, listing in enumerate(r.result):
            reads += 1
            if not any(not listing_problems(listing, entries) for entries in revisions.values()):
                paths = sorted(item.path for item in listing)
                found.append(f"read {n} lists {paths} (no revision of the package holds exactly these files)")
        problems[r.task.label] = found
    _fail_on(problems)
    assert reads, "test defect: the readers browsed nothing"


# -- catalog administration and tabulator tables -------------------------------------------------------------
def create_users_while_listing(world: World, labels: list[str], role: str) -> PoolRun:
    adm.remove_run_users_after_scenario(world)
    tasks = [
        Task(f"create user {label}",
             lambda ops, label=label: ops.admin.create_user(adm.user_name(world, label), adm.email_of(world, label),
                                                            role),
             key=("create", label, role))
        for label in labels
    ]
    tasks.append(Task("list users", lambda ops: ops.admin.list_users(), key=("list", None, None)))
    world.pool = run_parallel(world, tasks, len(tasks))
    return world.pool


def assert_users_created(world: World) -> None:
    pool: PoolRun = world.pool
    pool.assert_all_succeeded()
    for r in pool.results:
        kind, label, role = r.task.key
        if kind != "create":
            continue
        record = adm.require_catalog_user(world, label)
        adm.assert_account(r.result, name=adm.user_name(world, label), email=adm.email_of(world, label), role=role,
                           extra_roles=[], admin=False, active=True)
        adm.assert_matches_catalog(r.result, record)


def assert_parallel_user_listing(world: World) -> None:
    listing = next(r.result for r in world.pool.results if r.task.key[0] == "list")
    assert listing, "the parallel listing is empty"
    names = [account.name for account in listing]
    assert len(set(names)) == len(names), f"the parallel listing names a user twice: {sorted(names)}"
    ours = {adm.user_name(world, r.task.key[1]) for r in world.pool.results if r.task.key[0] == "create"}
    catalog_users = adm.directory(world).users
    theirs = {n for n in [*catalog_users, *names] if world.of_another_run(n)}  # a run beside this one
    left_out = ours | theirs
    assert_same_names("users listed in parallel (besides the ones being created)",
                      [n for n in catalog_users if n not in left_out], [n for n in names if n not in left_out])
    for account in listing:
        if account.name not in theirs:
            adm.assert_matches_catalog(account, catalog_users[account.name])


def users_listed_now(world: World) -> list[str]:
    return [account.name for account in adm.list_users(world)]


def create_tables_while_listing(world: World, labels: list[str], bucket: str) -> PoolRun:
    tab.remove_run_tables_after_scenario(world)
    world.configs_sent = {label: tab.config_with_columns(f"id int, {label.replace('-', '_')} string")
                          for label in labels}
    tasks = [
        Task(f"create table {label}",
             lambda ops, label=label: ops.create_tabulator_table(bucket, tab.table_name(world, label),
                                                                 world.configs_sent[label]),
             key=("create", label))
        for label in labels
    ]
    tasks.append(Task("list tables", lambda ops: ops.list_tabulator_tables(bucket),
                      key=("list", None)))
    world.pool = run_parallel(world, tasks, len(tasks))
    return world.pool


def assert_tables_created(world: World, bucket: str) -> None:
    pool: PoolRun = world.pool
    pool.assert_all_succeeded()
    for label, config in world.configs_sent.items():
        stored = tab.stored_config(world, bucket, label)
        assert stored == config, (
            f"the catalog has table {label!r} as {stored!r:.200}, it was created as {config!r:.200}"
        )
    for r in pool.results:
        kind, label = r.task.key
        if kind != "create":
            continue
        # the answer is the bucket's configuration after the change: it shows this table as created
        answer = r.result if isinstance(r.result, dict) else {}
        tables = {t.get("name"): t.get("config") for t in answer.get("tabulatorTables") or []}
        assert answer.get("name") == bucket and tables.get(tab.table_name(world, label)) == world.configs_sent[label], (
            f"{r.task.label} answered {r.result!r:.300}")
        stored = {t["name"]: t["config"] for t in tab.store(world).tables(bucket)}
        unknown = [name for name, config in tables.items() if stored.get(name) != config]
        assert not unknown, f"{r.task.label} answered with tables the catalog does not have as such: {unknown}"


def assert_parallel_table_listing(world: World, bucket: str) -> None:
    listing = next(r.result for r in world.pool.results if r.task.key[0] == "list")
    stored = {t["name"]: t["config"] for t in tab.store(world).tables(bucket)}
    for table in listing:
        assert table["name"] in stored, f"the parallel listing shows a table the catalog does not have: {table['name']}"
        assert table["config"] == stored[table["name"]], f"table {table['name']} listed with another configuration"
    created = {tab.table_name(world, label) for label in world.configs_sent}
    assert_same_names("tables listed in parallel (besides the ones being created)",
                      [n for n in stored if n not in created], [t["name"] for t in listing if t["name"] not in created])


# -- mixed operations ---------------------------------------------------------------------------------------
# Each browsing worker reads another package: parallel reads of one revision are a known defect of their own
# (QMCP-091, scenario "Sessions browsing the same new revision at the same time all see its files").
MIXED_BROWSED = ("simple-csv", "single-file", "versioned-data-v1")


def mixed_operations(world: World, sessions: int, bucket: str, workers: int | None = None) -> PoolRun:
    """`sessions` tasks: three browse (each another package), the rest search, query the catalog and list
    tables in turn; on `workers` threads (default: one per task, all starting together)."""
    kinds = {
        "search": lambda ops: ops.search_packages(SEARCH_QUERY, world.registry),
        "graphql": lambda ops: ops.execute_graphql_query(BUCKETS_QUERY),
        "tables": lambda ops: ops.list_tabulator_tables(bucket),
    }
    world.tables_bucket = bucket
    tasks = [
        Task(f"worker {i} browse {name}",
             lambda ops, name=name: ops.browse_content(baseline_package_name(name), world.registry, ""),
             key=("browse", name))
        for i, name in enumerate(MIXED_BROWSED)
    ]
    order = spread(list(kinds), sessions - len(tasks))
    tasks += [Task(f"worker {len(MIXED_BROWSED) + i} {kind}", kinds[kind], key=(kind, None))
              for i, kind in enumerate(order)]
    world.pool = run_parallel(world, tasks, workers or sessions)
    return world.pool


def assert_mixed_results(world: World) -> None:
    pool: PoolRun = world.pool
    bucket = world.tables_bucket
    pool.assert_all_succeeded()
    simple = baseline_package_name("simple-csv")
    latest = latest_top_hash(world.s3(), world.settings.packages_bucket, simple)
    buckets = sorted(session.catalog(world).catalog.buckets)
    stored = {t["name"]: t["config"] for t in tab.store(world).tables(bucket)}
    problems = {}
    for r in pool.results:
        found = []
        kind, browsed = r.task.key
        if kind == "search":
            hits = {info.name: info for info in r.result}
            if simple not in hits:
                found.append(f"search found {sorted(hits)[:5]}, not {simple}")
            elif not any(info.top_hash == latest for info in r.result if info.name == simple):
                found.append(f"{simple} found without its latest revision {latest}")
            for info in r.result:
                if info.bucket != world.settings.packages_bucket or (info.registry or "").rstrip("/") != world.registry:
                    found.append(f"{info.name}: bucket {info.bucket!r} registry {info.registry!r}")
        elif kind == "browse":
            name = baseline_package_name(browsed)
            found += listing_problems(
                r.result, entries_of(world, latest_top_hash(world.s3(), world.settings.packages_bucket, name))
            )
        elif kind == "graphql":
            names = sorted(b["name"] for b in ((r.result or {}).get("data") or {}).get("bucketConfigs") or [])
            if names != buckets:
                found.append(f"bucketConfigs {names} (the catalog has {buckets})")
        else:
            listed = {t["name"]: t["config"] for t in r.result}
            if listed != stored:
                found.append(f"tables {sorted(listed)} (the catalog has {sorted(stored)})")
        problems[r.task.label] = found
    _fail_on(problems)


# -- console output -----------------------------------------------------------------------------------------
def create_while_another_creates(world: World, first: str, second: str, wait_limit: float = 30.0) -> None:
    """Start creating a package from `first`; once its push is under way, create one from `second` (a larger
    dataset, so it finishes last). Records the console output stream before and after; puts it back."""
    console = sys.stdout
    first_ops, second_ops = own_ops(world), own_ops(world)
    outcomes: dict[str, Any] = {}

    def create(label: str, ops, dataset: str) -> None:
        name = world.run_package_name(f"side-by-side-{label}-{dataset}")
        try:
            created = ops.create_package_revision(name, world.reference.uris(dataset), registry=world.registry)
            outcomes[label] = (name, dataset, created)
        except BaseException as exc:
            outcomes[label] = (name, dataset, exc)

    first_thread = threading.Thread(target=create, args=("first", first_ops, first), name="quilt-e2e-first")
    second_thread = threading.Thread(target=create, args=("second", second_ops, second), name="quilt-e2e-second")
    deadline = time.monotonic() + wait_limit
    first_thread.start()
    # the first push is under way once the process's output has been redirected for it (or once it is done)
    while sys.stdout is console and first_thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.001)
    second_thread.start()
    first_thread.join(wait_limit)
    second_thread.join(wait_limit)
    world.console_after = sys.stdout
    world.console_before = console
    sys.stdout = console  # the rest of the run keeps its output whatever the SUT did
    world.side_by_side = outcomes
    assert not first_thread.is_alive() and not second_thread.is_alive(), "a creation did not finish (hang)"


def assert_side_by_side_created(world: World) -> None:
    for label, (name, dataset, outcome) in world.side_by_side.items():
        if isinstance(outcome, BaseException):
            raise AssertionError(f"the {label} creation failed: {type(outcome).__name__}: {outcome}")
        problems = creation_problems(world, outcome, name, len(world.reference.files(dataset)))
        latest = latest_top_hash(world.s3(), world.settings.packages_bucket, name)
        if latest != outcome.top_hash:
            problems.append(f"the registry's latest revision is {latest}, the SUT reported {outcome.top_hash}")
        assert not problems, f"the {label} creation: {', '.join(problems)}"


def assert_console_untouched(world: World) -> None:
    if world.console_after is not world.console_before:
        raise AssertionError(
            f"after two package creations side by side the process's standard output is "
            f"{type(world.console_after).__name__} object at {id(world.console_after):#x}, not the console it was "
            f"({type(world.console_before).__name__}): everything printed later is lost"
        )


def read_once(world: World) -> None:
    """One session reads the package, as someone would before changing it."""
    package = pk.current(world)
    world.ops.browse_content(package.name, world.registry, "")


# -- the checks behind steps/concurrency_steps.py ---------------------------------------------------------
def assert_users_afterwards(world: World, labels) -> None:
    """Then listing the catalog users afterwards includes "{labels:Label}"."""
    from quilt_e2e.domain import admin as adm

    world = world
    names = users_listed_now(world)
    wanted = [adm.user_name(world, label) for label in pk.split_list(labels)]
    missing = [name for name in wanted if name not in names]
    assert not missing, f"the users {missing} are not listed: {sorted(names)}"


def assert_tables_afterwards(world: World, which, labels) -> None:
    """Then listing the tables of the {which} bucket afterwards shows "{labels:Label}" as created."""
    listing = tab.ops(world).list_tabulator_tables(tab.bucket_named(world, which))
    ours = tab.run_tables(world, listing)
    assert_same_names("tables of this run", pk.split_list(labels), ours)
    sent = {**getattr(world, "tables_before", {}), **world.configs_sent}  # the Given's tables and ours
    for label in pk.split_list(labels):
        assert ours[label] == sent[label], f"table {label} is listed with another configuration"
