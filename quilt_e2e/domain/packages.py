"""Package actions the package steps delegate to: creating, revising, reading and deleting through the SUT,
and writing fixture packages straight into the registry (never through the SUT, so a SUT defect cannot hide
in a scenario's setup). The checks of what came back are in package_checks.py."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from urllib.parse import urlparse

from quilt_e2e.domain.expectations import assert_same_names, fail_unless
from quilt_e2e.domain.registry import latest_top_hash, manifest_exists, pointer_tags, pointers, read_manifest
from quilt_e2e.domain.world import PackageRef, World
from quilt_e2e.stack.baseline import baseline_package_name
from quilt_e2e.stack.registry_layout import named_packages

TOP_HASH = re.compile(r"^[0-9a-f]{64}$")
DEFAULT_CREATE_MESSAGE = "Package created via QuiltOps"  # the SUT's documented defaults
DEFAULT_UPDATE_MESSAGE = "Package updated via QuiltOps"
OMITTED = object()  # a keyword the call leaves out, so the SUT's default applies


def split_list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def metadata_with(description: str | None = None, tags: str | None = None) -> dict:
    metadata: dict = {}
    if description is not None:
        metadata["description"] = description
    if tags is not None:
        metadata["tags"] = split_list(tags)
    return metadata


@dataclass
class Request:
    """What a create or update call was asked to do: the oracle its result and the registry are checked against."""

    operation: str  # create_package_revision | update_package_revision
    name: str
    registry: str  # the s3:// registry the package is expected in
    uris: list[str]
    added: list[str] = field(default_factory=list)  # the URIs that are files (an update skips the others)
    copy: bool = False
    auto_organize: bool = True
    message: str = DEFAULT_CREATE_MESSAGE
    sources: dict[str, str] = field(default_factory=dict)  # logical key → reference key the revision should hold


def data_key(uri: str) -> str:
    """The key of s3://bucket/key."""
    return uri[len("s3://"):].split("/", 1)[1]


def logical_key(uri: str, auto_organize: bool) -> str:
    """Where a file lands in the package, as create/update document it: its path in the bucket with
    auto-organize, its file name without."""
    key = data_key(uri)
    return key if auto_organize else key.rsplit("/", 1)[-1]


def request(world: World) -> Request:
    assert getattr(world, "package_request", None) is not None, "test defect: no package was created or updated yet"
    return world.package_request


def s3_registry(world: World) -> str:
    return f"s3://{world.settings.packages_bucket}"


# -- creating ---------------------------------------------------------------------------------------------
def assert_dataset_in_bucket(world: World, dataset: str) -> None:
    """Every file of the dataset is an object at its key: one listing, not one HEAD per file (100 for some)."""
    s3, bucket = world.s3(), world.settings.data_bucket
    stored = {obj["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{dataset}/")
              for obj in page.get("Contents", [])}
    missing = [key for key in (world.reference.key(dataset, relpath) for relpath in world.reference.files(dataset))
               if key not in stored]
    assert not missing, f"{len(missing)} file(s) of the {dataset} dataset are not in s3://{bucket}: {missing[:5]}"


def create_from_dataset(
    world: World,
    dataset: str,
    *,
    subdir: str = "",
    metadata=OMITTED,
    auto_organize=OMITTED,
    copy=OMITTED,
    message=OMITTED,
    registry=None,
    extra_uris: tuple[str, ...] = (),
    name: str | None = None,
) -> PackageRef:
    """Create a run-namespaced package from a dataset through the SUT; remember it as the current package.

    Keywords left OMITTED are not passed, so the SUT's defaults apply. `registry` None passes the suite's
    registry; OMITTED leaves it out; any other value is passed as given.
    """
    name = name or world.new_package_name(dataset)
    uris = world.reference.uris(dataset, subdir) + list(extra_uris)
    given = {"metadata": metadata, "auto_organize": auto_organize, "copy": copy, "message": message}
    kwargs = {key: value for key, value in given.items() if value is not OMITTED}
    if registry is not OMITTED:
        kwargs["registry"] = world.registry if registry is None else registry
    return _create(world, name, uris, kwargs)


def _create(world: World, name: str, uris: list[str], kwargs: dict) -> PackageRef:
    """create_package_revision(name, uris, **kwargs) through the SUT, with the request it is checked against."""
    organize = kwargs.get("auto_organize", True)
    world.package_request = Request(
        "create_package_revision", name, s3_registry(world), uris, uris,
        copy=bool(kwargs.get("copy", False)), auto_organize=organize,
        message=kwargs.get("message", DEFAULT_CREATE_MESSAGE),
        sources={logical_key(uri, organize): data_key(uri) for uri in uris},
    )
    package = PackageRef(name, [])
    world.packages["current"] = package
    world.result = world.ops.create_package_revision(name, uris, **kwargs)
    package.revisions.append(world.result.top_hash)
    return package


def create_copies_from_dataset(world: World, dataset: str) -> PackageRef:
    """With copies, and a commit message naming the package. A revision's manifest is stored under its top hash,
    which leaves the files' locations out: another package of the same files and message (a parallel run's, or
    one of this run's without copies) would share that manifest and rewrite where its files are (QMCP-094)."""
    name = world.new_package_name(dataset)
    return create_from_dataset(world, dataset, copy=True, message=f"Copies of the {dataset} dataset for {name}",
                               name=name)


def repackage_without_copies(world: World) -> PackageRef:
    """Package the current package's files again under a new name, without copies, with the same commit message;
    the earlier package stays known as "first"."""
    world.packages["first"], earlier = current(world), request(world)
    return _create(world, world.new_package_name("repackaged"), earlier.uris,
                   {"message": earlier.message, "registry": world.registry})


def try_create_from_dataset(world: World, dataset: str, **kwargs) -> None:
    """A creation the scenario expects may fail; the package is remembered as the current one all the same."""
    name = world.new_package_name(dataset)
    uris = world.reference.uris(dataset)
    world.packages["current"] = PackageRef(name, [])
    world.package_request = Request("create_package_revision", name, s3_registry(world), uris, uris,
                                    sources={logical_key(uri, True): data_key(uri) for uri in uris})
    world.attempt(lambda: world.ops.create_package_revision(name, uris, **kwargs))


def try_create(world: World, name, uris, **kwargs) -> None:
    """A creation the scenario expects to be refused; the registry's packages are noted first."""
    world.registry_before = registry_packages(world)
    world.package_request = Request("create_package_revision", name, s3_registry(world),
                                    list(uris) if isinstance(uris, list) else [uris])
    world.attempt(lambda: world.ops.create_package_revision(name, uris, **{"registry": world.registry, **kwargs}))


def missing_file_uri(world: World) -> str:
    return f"s3://{world.settings.data_bucket}/{world.settings.run_id}/no-such-file.csv"


# -- fixtures written straight into the registry ------------------------------------------------------------
def entry_metadata(world: World, dataset: str, relpath: str) -> dict:
    """The metadata a fixture gives one of its files: where it comes from and its checksum."""
    return {"source": f"{dataset}/{relpath}", "sha256": world.reference.sha256(dataset, relpath), "reviewed": True}


def write_fixture(world: World, label: str, dataset: str, *, annotated: bool = False, metadata: dict | None = None,
                  message: str | None = None, timestamp: int | None = None, name: str | None = None,
                  folders: bool = False) -> str:
    """Write one revision of a run-namespaced package with quilt3 itself (not the SUT); returns its top hash.
    Its files sit at the package root, or with `folders` at their path in the data bucket."""
    from quilt_e2e.stack.baseline import write_package

    name = name or world.run_package_name(label)
    files = {world.reference.key(dataset, relpath) if folders else relpath: world.reference.key(dataset, relpath)
             for relpath in world.reference.files(dataset)}
    entry_meta = {key: entry_metadata(world, dataset, source.split("/", 1)[1]) for key, source in files.items()} \
        if annotated else None
    return write_package(
        world.settings, world.reference.data_dir, world.s3(), name, files, metadata,
        world.reference.checksums, entry_meta=entry_meta, message=message, timestamp=timestamp,
    )


def fixture_package(world: World, dataset: str, *, annotated: bool = False, revisions: int = 1,
                    metadata=OMITTED, message: str | None = None, folders: bool = False) -> PackageRef:
    """A run-namespaced package of a dataset written by quilt3, with `revisions` revisions a minute apart that
    differ in their metadata and message; the current package. Unless `metadata` is given (None: none at
    all), its metadata has a description and tags."""
    name = world.new_package_name(f"{dataset}-fixture")
    package = PackageRef(name, [])
    now = int(time.time())
    for index in range(revisions):
        meta = metadata if metadata is not OMITTED else {
            "description": f"{dataset} fixture", "tags": ["fixture", dataset], "revision": index + 1}
        package.revisions.append(write_fixture(
            world, "", dataset, annotated=annotated, metadata=meta, message=message or f"fixture revision {index + 1}",
            timestamp=now - 60 * (revisions - 1 - index), name=name, folders=folders,
        ))
    world.packages["current"] = package
    return package


def fixture_with_history(world: World, dataset: str, revisions: int) -> PackageRef:
    """A fixture package with `revisions` history pointers (one a second into the past each), all naming its one
    manifest: a long history, written the way quilt3 lays it out, without writing that many manifests."""
    package = fixture_package(world, dataset)
    now = int(time.time())
    keys = [f".quilt/named_packages/{package.name}/{now - 3600 - index}" for index in range(revisions - 1)]
    world.stack.put_objects(world.settings.packages_bucket, {key: package.latest.encode() for key in keys})
    stamped = package_pointer_tags(world, package.name) - {"latest"}
    assert len(stamped) == revisions, f"test defect: the fixture has {len(stamped)} revisions, not {revisions}"
    return package


def damage_manifest(world: World, package: PackageRef) -> None:
    """Make the first file of the package's latest manifest claim a size of -1 bytes (in place, as a damaged
    or hand-edited registry would hold it)."""
    s3, bucket = world.s3(), world.settings.packages_bucket
    key = f".quilt/packages/{package.latest}"
    rows = [json.loads(line) for line in s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode().splitlines()
            if line.strip()]
    rows[1]["size"] = -1
    s3.put_object(Bucket=bucket, Key=key, Body="\n".join(json.dumps(row) for row in rows).encode())


# -- revising -----------------------------------------------------------------------------------------------
def add_to_package(world: World, dataset: str, *, subdir: str = "", metadata: dict | None = None,
                   extra_uris: tuple[str, ...] = (), **options) -> None:
    """Update the current package through the SUT with a dataset's files (plus `extra_uris`, given as is)."""
    package = current(world)
    uris = world.reference.uris(dataset, subdir)
    organize = options.get("auto_organize", False)
    sources = {key: source_key(world, entry) for key, entry in revision_entries(world, package.latest).items()}
    sources.update({logical_key(uri, organize): data_key(uri) for uri in uris})
    world.package_request = Request(
        "update_package_revision", package.name, s3_registry(world), uris + list(extra_uris), uris,
        copy=options.get("copy") == "all", auto_organize=organize,
        message=options.get("message", DEFAULT_UPDATE_MESSAGE), sources=sources,
    )
    world.result = world.ops.update_package_revision(package.name, uris + list(extra_uris), world.registry,
                                                     metadata=metadata, **options)
    package.revisions.append(world.result.top_hash)


def try_update(world: World, name: str, uris, registry, **kwargs) -> None:
    world.package_request = Request("update_package_revision", name, s3_registry(world), list(uris))
    world.attempt(lambda: world.ops.update_package_revision(name, uris, registry, **kwargs))


# -- reading ------------------------------------------------------------------------------------------------
def use_baseline(world: World, name: str) -> PackageRef:
    full_name = baseline_package_name(name)
    package = PackageRef(full_name, [latest_top_hash(world.s3(), world.settings.packages_bucket, full_name)])
    world.packages["current"] = package
    return package


def current(world: World) -> PackageRef:
    assert "current" in world.packages, "test defect: no package in this scenario yet"
    return world.packages["current"]


# The operations "I try to <operation> the package ..." names; each takes (world, package name, registry).
OPERATIONS = {
    "read the metadata of": lambda w, n, r: w.attempt(lambda: w.ops.get_package_metadata(n, r)),
    "get information on": lambda w, n, r: w.attempt(lambda: w.ops.get_package_info(n, r)),
    "browse": lambda w, n, r: w.attempt(lambda: w.ops.browse_content(n, r, "")),
    "get a download link into": lambda w, n, r: w.attempt(lambda: w.ops.get_content_url(n, r, "file1.csv")),
    "compare with itself": lambda w, n, r: w.attempt(lambda: w.ops.diff_packages(n, n, r)),
    "add a file to": lambda w, n, r: w.attempt(
        lambda: w.ops.update_package_revision(n, w.reference.uris("single-file"), r)),
    "search for": lambda w, n, r: w.attempt(lambda: w.ops.search_packages(n, r)),
}


def try_operation(world: World, operation: str, name: str, registry: str) -> None:
    OPERATIONS[operation](world, name, registry)


def revision_entries(world: World, top_hash: str) -> dict:
    return read_manifest(world.s3(), world.settings.packages_bucket, top_hash)[1]


def revision_header(world: World, top_hash: str) -> dict:
    return read_manifest(world.s3(), world.settings.packages_bucket, top_hash)[0]


def reference_key_of(world: World, physical_key: str) -> str:
    """The data-bucket key a manifest entry points to (version id dropped)."""
    parsed = urlparse(physical_key)
    if parsed.netloc != world.settings.data_bucket:
        raise AssertionError(f"entry points outside the data bucket: {physical_key}")
    return parsed.path.lstrip("/")


def metadata_file(world: World, dataset: str) -> dict:
    return json.loads(world.reference.local_path(dataset, "quilt_metadata.json").read_text())


def registry_packages(world: World) -> set[str]:
    return named_packages(world.s3(), world.settings.packages_bucket)


def package_pointers(world: World, name: str) -> dict[str, str]:
    return pointers(world.s3(), world.settings.packages_bucket, name)


def package_pointer_tags(world: World, name: str) -> set[str]:
    return pointer_tags(world.s3(), world.settings.packages_bucket, name)


# -- assertions the other step modules share (kept here: concurrency and cleanup import them) -----------------
def assert_creation_result(world: World, *, with_file_count: bool = True) -> None:
    """Every field of a create/update result but `catalog_url` (its own scenario) against the request and the
    registry; `file_count` of an update is the number of files of the revision, checked on its own."""
    from quilt_mcp.domain.package_creation import Package_Creation_Result

    result, wanted = world.result, request(world)
    fail_unless(isinstance(result, Package_Creation_Result), f"expected a Package_Creation_Result, got {result!r}")
    fail_unless(result.success is True, f"creation did not report success: {result!r}")
    fail_unless(bool(TOP_HASH.match(result.top_hash or "")), f"top hash is not a SHA-256: {result.top_hash!r}")
    fail_unless(result.package_name == wanted.name, f"package_name {result.package_name!r} != {wanted.name!r}")
    fail_unless(result.registry == wanted.registry, f"registry {result.registry!r} != {wanted.registry!r}")
    bucket = world.settings.packages_bucket
    pointer = latest_top_hash(world.s3(), bucket, wanted.name)
    fail_unless(pointer == result.top_hash,
                f"registry's latest revision is {pointer}, the SUT reported {result.top_hash}")
    fail_unless(manifest_exists(world.s3(), bucket, result.top_hash), f"no manifest {result.top_hash} in {bucket}")
    if with_file_count:
        fail_unless(result.file_count == len(wanted.added),
                    f"reported file_count {result.file_count}, but {len(wanted.added)} files were given")


def assert_created(world: World) -> None:
    assert_creation_result(world)


def assert_holds_dataset(world: World, dataset: str) -> None:
    entries = revision_entries(world, current(world).latest)
    expected = [world.reference.key(dataset, relpath) for relpath in world.reference.files(dataset)]
    assert_same_names("package files", expected, entries)


def assert_checksums_match(world: World) -> None:
    """Every file of the latest revision has its reference size and hash, wherever its bytes live."""
    for entry in revision_entries(world, current(world).latest).values():
        key = source_key(world, entry)
        expected = world.reference.quilt_hash(key)
        if entry.hash_type != "sha2-256-chunked" or entry.hash_value != expected:
            raise AssertionError(
                f"{entry.logical_key}: package hash {entry.hash_type}:{entry.hash_value} does not match "
                f"reference SHA-256 {world.reference.checksums.get(key)} (expected sha2-256-chunked:{expected})"
            )
        local_size = (world.reference.data_dir / key).stat().st_size
        if entry.size != local_size:
            raise AssertionError(f"{entry.logical_key}: size {entry.size} != reference {local_size}")


def source_key(world: World, entry) -> str:
    """The reference-data key a manifest entry holds: its data-bucket key, or, for a copy in the registry
    bucket, the source the scenario's create/update named for its logical key."""
    parsed = urlparse(entry.physical_key)
    if parsed.netloc == world.settings.data_bucket:
        return parsed.path.lstrip("/")
    sources = world.package_request.sources if getattr(world, "package_request", None) else {}
    if entry.logical_key in sources:
        return sources[entry.logical_key]
    raise AssertionError(f"{entry.logical_key}: cannot tell which reference file {entry.physical_key} holds")


def path_of_reference_file(world: World, key: str) -> str:
    """Where the reference file `key` ("<dataset>/<path>") sits in the current package's latest revision."""
    dataset, _, relpath = key.partition("/")
    source = world.reference.key(dataset, relpath)
    entries = revision_entries(world, current(world).latest)
    paths = [path for path, entry in entries.items() if source_key(world, entry) == source]
    assert len(paths) == 1, f"test defect: {key} is at {paths} in the package, not at exactly one path"
    return paths[0]


def dataset_keys(world: World, spec: str) -> list[str]:
    """Reference keys of "<dataset>" or "<dataset> <folder>" (e.g. "versioned-data v1")."""
    dataset, _, subdir = spec.partition(" ")
    prefix = f"{subdir}/" if subdir else ""
    return [world.reference.key(dataset, prefix + relpath) for relpath in world.reference.files(dataset, subdir)]


def assert_sources(world: World, top_hash: str, datasets: list[str]) -> None:
    """The revision's entries hold exactly the files of these datasets (referenced or copied); a dataset may be
    given with one of its folders, "versioned-data v1"."""
    entries = revision_entries(world, top_hash)
    expected = [key for spec in datasets for key in dataset_keys(world, spec)]
    assert_same_names("files held by the revision", expected, [source_key(world, e) for e in entries.values()])


def assert_file_count_matches(world: World) -> None:
    entries = revision_entries(world, world.result.top_hash)
    if world.result.file_count != len(entries):
        raise AssertionError(
            f"reported file_count {world.result.file_count}, but the new revision holds {len(entries)} files"
        )


def assert_metadata(world: World, expected: dict) -> None:
    """The package's metadata, read through the SUT, is exactly `expected`."""
    package = current(world)
    metadata = world.ops.get_package_metadata(package.name, world.registry)
    if metadata != expected:
        raise AssertionError(f"metadata is {metadata!r}, expected exactly {expected!r}")
