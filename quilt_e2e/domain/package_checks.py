"""Checks of what the package members of QuiltOps return, each against an expectation computed without the
SUT: the request the scenario made, the registry read back with boto3, the reference data, or the catalog
stand-in's state. Failure messages are stable enough to serve as known-defect signatures."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

from quilt_e2e.domain import packages as pk
from quilt_e2e.domain.expectations import assert_same_names, diagnose_diff, fail_unless
from quilt_e2e.domain.registry import (
    latest_top_hash,
    manifest_exists,
    parse_iso,
    read_manifest,
    revision_time,
    split_physical_key,
)
from quilt_e2e.domain.world import World
from quilt_e2e.stack.baseline import BASELINES, baseline_package_name


# -- Package_Creation_Result (assert_creation_result: in packages.py, which the other modules share) ---------
def assert_new_revision(world: World) -> None:
    """The update made a revision of its own, and the registry lists it as latest."""
    package = pk.current(world)
    fail_unless(len(package.revisions) >= 2 and package.revisions[-1] != package.revisions[-2],
                f"the update did not make a new revision: {package.revisions}")
    pointer = latest_top_hash(world.s3(), world.settings.packages_bucket, package.name)
    fail_unless(
        pointer == package.latest, f"registry's latest revision is {pointer}, the SUT reported {package.latest}"
    )


def assert_update_result(world: World) -> None:
    pk.assert_creation_result(world, with_file_count=False)
    assert_new_revision(world)


def assert_in_s3_registry(world: World) -> None:
    """The result names an S3 registry, and that registry's latest revision of the package is the one reported."""
    result = world.result
    fail_unless(result.success is True, f"creation did not report success: {result!r}")
    fail_unless(result.registry.startswith("s3://"), f"registry {result.registry!r} is not an S3 registry")
    bucket = result.registry[len("s3://"):].split("/")[0]
    pointer = latest_top_hash(world.s3(), bucket, result.package_name)
    fail_unless(pointer == result.top_hash, f"{bucket}'s latest revision is {pointer}, reported {result.top_hash}")


def assert_catalog_link(world: World) -> None:
    """catalog_url is the package's page in the catalog the session works with: <catalog>/b/<bucket>/packages/<name>."""
    catalog = world.stack.catalog
    fail_unless(catalog is not None, "test defect: this stack has no catalog")
    wanted = pk.request(world)
    expected = f"{catalog.url.rstrip('/')}/b/{world.settings.packages_bucket}/packages/{wanted.name}"
    actual = world.result.catalog_url
    fail_unless(actual == expected, f"catalog_url {actual!r} is not the catalog's page of the package {expected!r}")


def assert_commit_message(world: World, message: str) -> None:
    header = pk.revision_header(world, pk.current(world).latest)
    fail_unless(header.get("message") == message,
                f"the revision's commit message is {header.get('message')!r}, expected {message!r}")


def assert_no_metadata(world: World) -> None:
    package = pk.current(world)
    header = pk.revision_header(world, package.latest)
    fail_unless(header.get("user_meta") in (None, {}), f"the manifest carries metadata {header.get('user_meta')!r}")
    metadata = world.ops.get_package_metadata(package.name, world.registry)
    fail_unless(metadata == {}, f"get_package_metadata returned {metadata!r} for a package without metadata")


def assert_copies_in_registry(world: World, package: pk.PackageRef | None = None) -> None:
    """Every file of the (current) package's latest revision is a copy at <package name>/<logical key> in the
    registry bucket whose bytes are the reference file's."""
    package = package or pk.current(world)
    s3, bucket, name = world.s3(), world.settings.packages_bucket, package.name
    entries = pk.revision_entries(world, package.latest)
    fail_unless(bool(entries), "the revision holds no files")
    for logical_key, entry in entries.items():
        location = split_physical_key(entry.physical_key)
        fail_unless((location.bucket, location.key) == (bucket, f"{name}/{logical_key}"),
                    f"{logical_key} is not a copy in the registry bucket: {entry.physical_key}")
        extra = {"VersionId": location.version} if location.version else {}
        body = s3.get_object(Bucket=bucket, Key=location.key, **extra)["Body"].read()
        source = pk.source_key(world, entry)
        fail_unless(world.reference.holds_bytes(source, body),
                    f"the copy of {logical_key} does not hold the bytes of {source}")


def assert_error_names_request(world: World, file_count: int) -> None:
    """A failed create/update's BackendError context names the package, the registry and the files given."""
    error = world.last_attempt.error
    context = getattr(error, "context", None) or {}
    expected = {"package_name": pk.request(world).name, "registry": world.registry, "file_count": file_count}
    actual = {key: context.get(key) for key in expected}
    fail_unless(actual == expected, f"error context {context!r} does not name {expected!r}")


def assert_error_names_path(world: World, path: str) -> None:
    """A failed read's BackendError context names the package, the registry and the path."""
    context = getattr(world.last_attempt.error, "context", None) or {}
    expected = {"package_name": pk.current(world).name, "registry": world.registry, "path": path}
    actual = {key: context.get(key) for key in expected}
    fail_unless(actual == expected, f"error context {context!r} does not name {expected!r}")


def assert_revisions_unchanged(world: World) -> None:
    """The refused call wrote nothing: the package has exactly the pointers it had before."""
    package = pk.current(world)
    latest = latest_top_hash(world.s3(), world.settings.packages_bucket, package.name)
    fail_unless(latest == package.latest, f"the package's latest revision moved to {latest}")
    stamped = pk.package_pointer_tags(world, package.name) - {"latest"}
    before = getattr(world, "pointers_before", None)
    if before is not None:
        fail_unless(stamped == before, f"revision pointers changed: {sorted(before)} -> {sorted(stamped)}")


# -- deleting --------------------------------------------------------------------------------------------------
def assert_no_pointers(world: World) -> None:
    left = pk.package_pointer_tags(world, pk.current(world).name)
    fail_unless(not left, f"revision pointers left behind: {sorted(left)}")


# -- Package_Info ------------------------------------------------------------------------------------------------
def expected_info(world: World, name: str, top_hash: str) -> dict:
    """The Package_Info fields of one revision of a package, from its manifest and pointers."""
    bucket = world.settings.packages_bucket
    header, _ = read_manifest(world.s3(), bucket, top_hash)
    meta = header.get("user_meta") if isinstance(header.get("user_meta"), dict) else {}
    description = meta.get("description")
    return {
        "name": name,
        "description": None if description is None else str(description),
        "tags": [str(tag) for tag in meta.get("tags") or []],
        "modified": revision_time(world.s3(), bucket, name, top_hash),
        "registry": world.registry,
        "bucket": bucket,
        "top_hash": top_hash,
    }


def assert_info_fields(info, expected: dict, fields=("name", "description", "tags", "modified", "registry",
                                                   "bucket", "top_hash")) -> None:
    problems = []
    for field in fields:
        if field == "modified":
            try:
                actual = parse_iso(info.modified_date)
            except (TypeError, ValueError):
                actual = info.modified_date
        else:
            actual = getattr(info, field)
        if actual != expected[field]:
            problems.append(f"{field} {actual!r} != {expected[field]!r}")
    fail_unless(not problems, f"{expected['name']}: " + "; ".join(problems))


def assert_info_is_latest(world: World, fields) -> None:
    package = pk.current(world)
    assert_info_fields(world.result, expected_info(world, package.name, package.latest), fields)


# -- Content_Info ------------------------------------------------------------------------------------------------
def assert_entries_described(world: World) -> None:
    """Every listed entry: no date and no download link (browse gives neither); a file has the metadata its
    manifest entry carries (none may read as None or {}); a directory has no size and no metadata."""
    entries = pk.revision_entries(world, pk.current(world).latest)
    for item in world.result:
        fail_unless(item.modified_date is None, f"{item.path}: modified_date {item.modified_date!r}")
        fail_unless(item.download_url is None, f"{item.path}: download_url {item.download_url!r}")
        if item.type == "directory":
            fail_unless(item.size is None and item.meta in (None, {}), f"{item.path}: directory with {item!r}")
            continue
        fail_unless(item.type == "file", f"{item.path}: type {item.type!r}")
        fail_unless(item.path in entries, f"{item.path} is not a file of the package")
        expected = entries[item.path].user_meta
        if expected:
            fail_unless(item.meta == expected, f"{item.path}: meta {item.meta!r}, the file carries {expected!r}")
        else:
            fail_unless(item.meta in (None, {}), f"{item.path}: meta {item.meta!r} for a file without metadata")


def assert_single_file_listing(world: World, path: str) -> None:
    entries = pk.revision_entries(world, pk.current(world).latest)
    listing = [(item.path, item.type, item.size) for item in world.result]
    fail_unless(listing == [(path, "file", entries[path].size)],
                f"listing {listing} is not just the file {path} of {entries[path].size} bytes")
    assert_entries_described(world)


# -- download links ----------------------------------------------------------------------------------------------
def link_expiry(url: str) -> datetime:
    """When a presigned S3 URL stops working (SigV2 `Expires`, or SigV4 `X-Amz-Date` + `X-Amz-Expires`)."""
    query = parse_qs(urlparse(url).query)
    if "Expires" in query:
        return datetime.fromtimestamp(int(query["Expires"][0]), UTC)
    if "X-Amz-Date" in query and "X-Amz-Expires" in query:
        signed = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        return datetime.fromtimestamp(signed.timestamp() + int(query["X-Amz-Expires"][0]), UTC)
    raise AssertionError(f"the link carries no expiry: {url.split('?')[0]}")


def assert_link_expiry(world: World) -> None:
    """A link expires in the future, when the catalog's browsing session on the revision ends (the Platform
    backend gets links through one); without a session, within the hour a presigned URL lasts by default."""
    expires = link_expiry(world.result)
    now = datetime.now(UTC)
    fail_unless(expires > now, f"the link expired at {expires.isoformat()}")
    package = pk.current(world)
    catalog = world.stack.catalog
    sessions = catalog.catalog.sessions.for_revision(world.settings.packages_bucket, package.name, package.latest) \
        if catalog is not None else []
    if sessions:
        ends = [session.expires for session in sessions]
        fail_unless(any(abs((expires - end).total_seconds()) <= 2 for end in ends),
                    f"the link expires at {expires.isoformat()}, the browsing session at "
                    f"{', '.join(e.isoformat() for e in ends)}")
    else:
        fail_unless((expires - now).total_seconds() <= 3600, f"the link lasts until {expires.isoformat()}")


def assert_download(world: World, key: str, url: str | None = None) -> None:
    """The link (the last result unless given) serves the reference bytes of `key`."""
    import requests

    response = requests.get(url or world.result, timeout=30)
    fail_unless(response.status_code == 200, f"download answered HTTP {response.status_code}")
    fail_unless(world.reference.holds_bytes(key, response.content), "downloaded bytes differ from reference")


# -- search --------------------------------------------------------------------------------------------------------
def assert_search_shows(world: World, name: str) -> None:
    """Every result for `name` shows the revision it names as the registry has it."""
    hits = [info for info in world.result if info.name == name]
    fail_unless(bool(hits), f"search found no {name}: {[info.name for info in world.result]}")
    for info in hits:
        fail_unless(manifest_exists(world.s3(), world.settings.packages_bucket, info.top_hash or "-"),
                    f"{name}: top hash {info.top_hash!r} is no revision in the registry")
        assert_info_fields(info, expected_info(world, name, info.top_hash))
    latest = latest_top_hash(world.s3(), world.settings.packages_bucket, name)
    fail_unless(any(info.top_hash == latest for info in hits), f"{name}: no result at its latest revision {latest}")


def assert_search_once_at_latest(world: World, name: str) -> None:
    hits = [info.top_hash for info in world.result if info.name == name]
    latest = latest_top_hash(world.s3(), world.settings.packages_bucket, name)
    fail_unless(hits == [latest], f"search shows {name} at revisions {hits}, expected once at {latest}")


def assert_search_names_registry(world: World) -> None:
    """Every package of the registry is found, and nothing else; another run's packages (a run beside this one
    on a shared stack, which may push or remove them meanwhile) are not this run's to count."""
    ours = [info.name for info in world.result if not world.of_another_run(info.name)]
    assert_same_names("packages found", {n for n in pk.registry_packages(world) if not world.of_another_run(n)}, ours)


# -- revising ------------------------------------------------------------------------------------------------------
def assert_added_keys(world: World) -> None:
    """The files an update added sit where create/update document it (path in the bucket with auto-organize,
    file name without), and point at (or copy) their source."""
    wanted = pk.request(world)
    entries = pk.revision_entries(world, pk.current(world).latest)
    for uri in wanted.added:
        key = pk.logical_key(uri, wanted.auto_organize)
        fail_unless(key in entries, f"{pk.data_key(uri)} is not in the revision at {key!r}: {sorted(entries)[:10]}")
        fail_unless(pk.source_key(world, entries[key]) == pk.data_key(uri),
                    f"{key} holds {entries[key].physical_key}, not {uri}")


def assert_all_referenced(world: World) -> None:
    """No file of the latest revision was copied: each entry points at its source in the data bucket."""
    wanted = pk.request(world)
    for key, entry in pk.revision_entries(world, pk.current(world).latest).items():
        location = split_physical_key(entry.physical_key)
        fail_unless(location.bucket == world.settings.data_bucket and location.key == wanted.sources.get(key),
                    f"{key} is not a reference to its source {wanted.sources.get(key)}: {entry.physical_key}")


def assert_entry_metadata_kept(world: World) -> None:
    """Files that were in the package before the update still carry their own metadata."""
    package = pk.current(world)
    before = pk.revision_entries(world, package.revisions[-2])
    after = pk.revision_entries(world, package.latest)
    lost = {key: (entry.user_meta, after[key].user_meta if key in after else "<gone>")
            for key, entry in before.items()
            if entry.user_meta and (key not in after or after[key].user_meta != entry.user_meta)}
    fail_unless(not lost, f"files lost their metadata in the update (before, after): {lost}")


# -- the other backend's view --------------------------------------------------------------------------------------
def assert_files_of_latest(world: World, files: dict[str, int | None]) -> None:
    """`files` (path → size, as seen through the other backend) are exactly the latest revision's files."""
    entries = pk.revision_entries(world, pk.current(world).latest)
    expected = {key: entry.size for key, entry in entries.items()}
    assert_same_names("files seen through the other backend", expected, files)
    sizes = {key: (size, expected[key]) for key, size in files.items() if size != expected[key]}
    fail_unless(not sizes, f"sizes differ (seen, written): {sizes}")


def assert_other_backend_view(world: World, view: dict, key: str) -> None:
    """The other backend finds the current package once at its latest revision, lists exactly its files with
    their sizes, shows its information as the registry has it, and links to bytes equal to the reference."""
    package = pk.current(world)
    hits = [info.top_hash for info in view["search"] if info.name == package.name]
    fail_unless(hits == [package.latest], f"search shows {package.name} at {hits}, expected once at {package.latest}")
    assert_files_of_latest(world, view["files"])
    assert_info_fields(view["info"], expected_info(world, package.name, package.latest))
    assert_download(world, key, view["link"])


# -- the checks behind steps/package_read_steps.py ---------------------------------------------------------
def assert_info_metadata(world: World, description, tags) -> None:
    """Then the information shows description "{description}" and tags "{tags}"."""
    info = world.result
    assert info.description == description, f"description {info.description!r}"
    assert list(info.tags) == pk.split_list(tags), f"tags {info.tags!r}"


def assert_info_no_metadata(world: World) -> None:
    """Then the information shows no description and no tags."""
    info = world.result
    assert info.description is None, f"description {info.description!r} for a package without one"
    assert info.tags == [], f"tags {info.tags!r} for a package without any"


def assert_metadata_is_file(world: World, dataset) -> None:
    """Then the metadata is exactly the metadata file of the {dataset} dataset."""
    expected = pk.metadata_file(world, dataset)
    assert world.result == expected, f"metadata differs:\n got  {world.result}\n want {expected}"


def assert_listing_folders(world: World, folders) -> None:
    """Then the listing shows the folders "{folders}" as directories without a size."""
    listing = world.result
    directories = [item for item in listing if item.type == "directory"]
    if not directories:
        sample = [item.path for item in listing[:3]]
        raise AssertionError(f"listing has no directory entries: {len(listing)} files, e.g. {sample}")
    assert_same_names("folders", pk.split_list(folders), [d.path.rstrip("/") for d in directories])
    sized = [d.path for d in directories if d.size is not None]
    assert not sized, f"directories with a size: {sized}"
    assert_entries_described(world)


def assert_listing_no_files(world: World) -> None:
    """Then the listing shows no files."""
    files = [item.path for item in world.result if item.type == "file"]
    assert not files, f"root listing shows {len(files)} files, e.g. {files[:3]}"


def assert_listing_sizes(world: World) -> None:
    """Then every listed file has its size in bytes."""
    entries = pk.revision_entries(world, pk.current(world).latest)
    for item in world.result:
        if item.type == "file":
            assert item.path in entries, f"{item.path} is not a file of the package"
            assert item.size == entries[item.path].size, f"{item.path}: size {item.size} != {entries[item.path].size}"


def assert_listing_count(world: World, count, dataset) -> None:
    """Then the listing has one entry for each of the {count:d} files of the {dataset} dataset."""
    expected = world.reference.files(dataset)
    assert len(expected) == count, f"the {dataset} dataset has {len(expected)} files, the scenario says {count}"
    listed = [item.path for item in world.result]
    assert len(listed) == count, f"the listing has {len(listed)} entries"
    assert_same_names("listed paths", expected, listed)


def assert_search_hit(world: World, name) -> None:
    """Then the results include the baseline package {name}."""
    names = [info.name for info in world.result]
    assert baseline_package_name(name) in names, f"search found {names}"


def assert_search_exactly(world: World, names) -> None:
    """Then the results name exactly the baseline packages "{names:Label}"."""
    found = [info.name for info in world.result]
    expected = [baseline_package_name(name) for name in pk.split_list(names)]
    assert sorted(found) == sorted(expected), f"search found {sorted(found)}, expected exactly {sorted(expected)}"


def assert_search_hit_current(world: World) -> None:
    """Then the results include the package."""
    names = [info.name for info in world.result]
    assert pk.current(world).name in names, f"search found {names}"


def assert_search_results_listed(world: World) -> None:
    """Then every result names a package the registry lists."""
    listed = pk.registry_packages(world)
    strays = [(info.name, info.top_hash) for info in world.result
              if info.name not in listed and not world.of_another_run(info.name)]
    assert not strays, f"results that name no package of the registry: {strays[:5]}"


def assert_search_fields(world: World) -> None:
    """Then every result names its registry, bucket and a 64-character top hash."""
    for info in world.result:
        assert info.bucket == world.settings.packages_bucket, f"{info.name}: bucket {info.bucket!r}"
        assert info.registry == world.registry, f"{info.name}: registry {info.registry!r}"
        assert pk.TOP_HASH.match(info.top_hash or ""), f"{info.name}: top hash {info.top_hash!r}"


def assert_search_tags(world: World, tags) -> None:
    """Then the results show the package with the tags "{tags}"."""
    name = pk.current(world).name
    found = [list(info.tags) for info in world.result if info.name == name]
    assert found == [pk.split_list(tags)], f"search shows {name} with tags {found}, expected {pk.split_list(tags)}"


def assert_search_empty(world: World) -> None:
    """Then the search finds nothing."""
    assert world.result == [], f"search found {[i.name for i in world.result]}"


# -- the checks behind steps/package_revise_steps.py ---------------------------------------------------------
def assert_diff(world: World, added, modified, deleted) -> None:
    """Then the diff lists added "{added:Text}", modified "{modified:Text}" and deleted "{deleted:Text}"."""
    expected = {"added": pk.split_list(added), "modified": pk.split_list(modified), "deleted": pk.split_list(deleted)}
    problem = diagnose_diff(expected, world.result)
    assert problem is None, problem


def assert_deleted(world: World) -> None:
    """Then the deletion is confirmed."""
    assert world.result is True, f"delete_package returned {world.result!r}"


def assert_nothing_deleted(world: World) -> None:
    """Then the deletion reports that nothing was deleted."""
    assert world.result is False, f"delete_package returned {world.result!r} with nothing to delete"


def assert_not_listed(world: World) -> None:
    """Then the registry no longer lists the package."""
    name = pk.current(world).name
    assert name not in pk.registry_packages(world), f"{name} is still in the registry"


def assert_still_listed(world: World) -> None:
    """Then the registry still lists the package."""
    package = pk.current(world)
    assert package.name in pk.registry_packages(world), f"{package.name} is gone from the registry"
    pointers = pk.package_pointers(world, package.name)
    assert pointers.get("latest") == package.latest, f"{package.name}'s pointers changed: {pointers}"


def assert_reference_kept(world: World, dataset) -> None:
    """Then the {dataset} reference data is still in the data bucket."""
    s3 = world.s3()
    for relpath in world.reference.files(dataset):
        key = world.reference.key(dataset, relpath)
        body = s3.get_object(Bucket=world.settings.data_bucket, Key=key)["Body"].read()
        assert world.reference.holds_bytes(key, body), f"{key} changed"


def assert_baselines_kept(world: World) -> None:
    """Then every baseline package is still in the registry."""
    listed = pk.registry_packages(world)
    missing = [baseline_package_name(b.name) for b in BASELINES if baseline_package_name(b.name) not in listed]
    assert not missing, f"baseline packages missing: {missing}"


def assert_other_metadata(world: World, description, tags) -> None:
    """Then it shows description "{description}" and tags "{tags}"."""
    metadata = world.other_ops.get_package_metadata(pk.current(world).name, world.registry)
    assert metadata.get("description") == description, f"description {metadata.get('description')!r}"
    assert metadata.get("tags") == pk.split_list(tags), f"tags {metadata.get('tags')!r}"


# -- the checks behind steps/package_steps.py ---------------------------------------------------------
def assert_registry_holds_new(world: World, dataset) -> None:
    """Then the registry holds the new package with exactly the files of the {dataset} dataset."""
    package = pk.current(world)
    pointers = pk.package_pointers(world, package.name)
    assert "latest" in pointers, f"the registry holds no package {package.name}"
    package.revisions.append(pointers["latest"])
    pk.assert_holds_dataset(world, dataset)


def assert_call_succeeds(world: World) -> None:
    """Then the call succeeds with the new revision."""
    attempt = world.last_attempt
    if attempt.error is not None:
        raise AssertionError(f"the call failed: {type(attempt.error).__name__}: {attempt.error}")
    world.result = attempt.result
    pk.assert_created(world)


def assert_keys_are_paths(world: World) -> None:
    """Then every file in the package sits at its path in the data bucket."""
    entries = pk.revision_entries(world, pk.current(world).latest)
    for logical_key, entry in entries.items():
        source = pk.reference_key_of(world, entry.physical_key)
        assert logical_key == source, f"{logical_key!r} should sit at {source!r}"


def assert_keys_are_names(world: World) -> None:
    """Then every file in the package sits at the package root under its own name."""
    entries = pk.revision_entries(world, pk.current(world).latest)
    for logical_key, entry in entries.items():
        name = pk.reference_key_of(world, entry.physical_key).rsplit("/", 1)[-1]
        assert logical_key == name, f"{logical_key!r} should be {name!r}"


def assert_no_new_package(world: World) -> None:
    """Then the registry holds no new package."""
    new = {name for name in pk.registry_packages(world) - (world.registry_before or set())
           if not world.of_another_run(name)}
    assert not new, f"packages appeared despite the refusal: {sorted(new)}"
