"""Support code of the package scenarios: the stand-in's revision lookup by hash and its search filters, browsing
sessions by revision, fixture packages written straight into a registry, and the registry reads and link checks
the package steps compare the SUT against."""

from __future__ import annotations

import io
import json
import time
from datetime import UTC, datetime

import pytest
import requests
from conftest import s3_with

from quilt_e2e.catalog import CatalogStandIn, search
from quilt_e2e.catalog.registry import NewEntry
from quilt_e2e.domain import registry as reg
from quilt_e2e.domain.package_checks import link_expiry

REGISTRY = "pkg-support-registry"
DATA = "pkg-support-data"
FILES = {"a/one.csv": b"id\n1\n", "a/two.csv": b"id\n2\n", "three.txt": b"3"}


@pytest.fixture(scope="module")
def s3(server):
    return s3_with(server, (REGISTRY, DATA), FILES, DATA)


@pytest.fixture(scope="module")
def stand_in(server, s3):
    catalog = CatalogStandIn(server.endpoint_url, REGISTRY, [DATA]).start()
    try:
        yield catalog
    finally:
        catalog.stop()


def push(stand_in, name: str, keys, message: str = "m", meta=None) -> str:
    registry = stand_in.catalog.registry
    entries = [NewEntry(key, f"s3://{DATA}/{key}") for key in keys]
    registry.complete_entries(entries)
    return registry.push(REGISTRY, name, entries, message, meta)


# -- the stand-in -------------------------------------------------------------------------------------------
def test_a_revision_whose_pointer_was_overwritten_is_still_found_by_its_full_hash(stand_in, s3):
    registry = stand_in.catalog.registry
    first = push(stand_in, "ns/same-second", ["three.txt"], "first")
    second = push(stand_in, "ns/same-second", ["three.txt", "a/one.csv"], "second")  # same epoch second, usually
    stamped = [p for p in registry.pointers(REGISTRY, "ns/same-second") if p.tag != "latest"]
    for pointer in stamped:  # force the collision: every timestamped pointer names the second revision
        s3.put_object(Bucket=REGISTRY, Key=pointer.key, Body=second.encode())
    found = registry.resolve(REGISTRY, "ns/same-second", first)
    assert found is not None and found.top_hash == first and found.manifest.message == "first"
    assert found.modified.tzinfo is not None
    assert registry.resolve(REGISTRY, "ns/same-second", "0" * 64) is None  # no such manifest
    assert registry.resolve(REGISTRY, "ns/same-second", first[:10]) is None  # prefixes only through pointers
    assert registry.resolve(REGISTRY, "ns/absent", first) is None  # the package must exist


def test_search_honours_exists_filters_of_the_query(stand_in):
    push(stand_in, "ns/filtered", ["a/one.csv", "a/two.csv"], "filtered")
    token = {"Authorization": f"Bearer {stand_in.issue_token('test-user')}"}

    def hits(body):
        params = {"index": f"{REGISTRY}_packages", "action": "freeform", "body": json.dumps(body), "size": 100}
        response = requests.get(f"{stand_in.url}/api/search", params=params, headers=token, timeout=10)
        return [hit["_source"] for hit in response.json()["hits"]["hits"]]

    query = {"query_string": {"query": "filtered"}}
    unfiltered = hits({"query": {"bool": {"must": [query]}}})
    assert any("entry_lk" in source for source in unfiltered) or any("ptr_name" in s for s in unfiltered)
    only_packages = hits({"query": {"bool": {"must": [query, {"exists": {"field": "ptr_name"}}]}}})
    assert [source["ptr_name"] for source in only_packages] == ["ns/filtered"]
    entry_query = {"query": {"bool": {"must": [{"query_string": {"query": "one.csv"}},
                                               {"exists": {"field": "ptr_name"}}]}}}
    assert all("entry_lk" not in source for source in hits(entry_query))
    everything = hits({"query": {"match_all": {}}})  # an empty query: entry documents too, as in the real index
    assert {"ns/filtered"} <= {s.get("ptr_name") for s in everything} and any("entry_lk" in s for s in everything)
    packages_only = hits({"query": {"bool": {"must": [{"match_all": {}}, {"exists": {"field": "ptr_name"}}]}}})
    assert packages_only and all("ptr_name" in source for source in packages_only)


def test_required_fields_are_read_from_anywhere_in_the_query():
    body = {"query": {"bool": {"must": [{"match_all": {}}, {"exists": {"field": "ptr_name"}}],
                               "filter": [{"exists": {"field": "top_hash"}}]}}}
    assert search.required_fields_from_dsl(body) == ["ptr_name", "top_hash"]
    assert search.required_fields_from_dsl({"query": {"match_all": {}}}) == []
    assert search.has_fields({"_source": {"ptr_name": "x", "top_hash": "h"}}, ["ptr_name", "top_hash"])
    assert not search.has_fields({"_source": {"ptr_name": None}}, ["ptr_name"])


def test_search_terms_honour_lucene_escapes_and_wildcards():
    def found(query, text):
        return search.matches(search.query_terms(query), [text])

    assert found(r"e2e\-run\/single\-file", "e2e-run/single-file-fixture")  # escaped characters are literal
    assert found(r"*versioned\-data\-v?", "test-user/versioned-data-v1")  # unescaped * and ? are wildcards
    assert not found(r"\*versioned\-data\-v\?", "test-user/versioned-data-v1")  # escaped, they are not
    assert found(r"\*star", "a *star is born")
    assert found("SIMPLE", "test-user/simple-csv") and not found("simple other", "test-user/simple-csv")
    assert [t.text for t in search.query_terms('"two words" x AND y OR z')] == ["two words", "x", "y", "z"]
    assert search.query_terms("*") == [] and search.query_terms("  ") == [] and search.query_terms(None) == []


def test_browsing_sessions_are_found_by_revision(stand_in):
    sessions = stand_in.catalog.sessions
    live = sessions.create(REGISTRY, "ns/x", "a" * 64, 60, "test-user")
    sessions.create(REGISTRY, "ns/x", "b" * 64, 60, "test-user")
    sessions.create(REGISTRY, "ns/x", "a" * 64, -1, "test-user")  # already expired
    assert sessions.for_revision(REGISTRY, "ns/x", "a" * 64) == [live]
    assert sessions.for_revision(REGISTRY, "ns/y", "a" * 64) == []


# -- fixture packages and registry reads -----------------------------------------------------------------------
def test_write_package_lays_out_a_revision_quilt3_reads(s3, unique_settings, tmp_path):
    import quilt3

    from quilt_e2e.stack.baseline import write_package
    from quilt_e2e.stack.registry_layout import latest_pointer

    settings = unique_settings("pkgfix")
    for bucket in (settings.data_bucket, settings.packages_bucket):
        s3.create_bucket(Bucket=bucket)
    (tmp_path / "ds").mkdir()
    (tmp_path / "ds" / "f.csv").write_bytes(b"x,y\n1,2\n")
    s3.put_object(Bucket=settings.data_bucket, Key="ds/f.csv", Body=b"x,y\n1,2\n")
    from datagen.checksums import sha256_bytes

    checksums = {"ds/f.csv": sha256_bytes(b"x,y\n1,2\n")}
    stamp = int(time.time()) - 120
    top_hash = write_package(settings, tmp_path, s3, "ns/fixture", {"f.csv": "ds/f.csv"}, {"description": "d"},
                             checksums, entry_meta={"f.csv": {"k": 1}}, message="msg", timestamp=stamp)
    assert reg.pointers(s3, settings.packages_bucket, "ns/fixture") == {str(stamp): top_hash, "latest": top_hash}
    assert latest_pointer(s3, settings.packages_bucket, "ns/fixture") == top_hash
    assert latest_pointer(s3, settings.packages_bucket, "ns/no-such-package") is None
    assert reg.revision_time(s3, settings.packages_bucket, "ns/fixture", top_hash) == \
        datetime.fromtimestamp(stamp, UTC)
    header, entries = reg.read_manifest(s3, settings.packages_bucket, top_hash)
    assert header["message"] == "msg" and header["user_meta"] == {"description": "d"}
    assert entries["f.csv"].user_meta == {"k": 1} and entries["f.csv"].size == 8
    assert reg.manifest_exists(s3, settings.packages_bucket, top_hash)
    assert not reg.manifest_exists(s3, settings.packages_bucket, "0" * 64)
    body = s3.get_object(Bucket=settings.packages_bucket, Key=f".quilt/packages/{top_hash}")["Body"].read()
    package = quilt3.Package.load(io.BytesIO(body))  # what quilt3 reads back
    assert package["f.csv"].meta == {"k": 1} and package.top_hash == top_hash
    with pytest.raises(AssertionError, match="no timestamped pointer"):
        reg.revision_time(s3, settings.packages_bucket, "ns/fixture", "f" * 64)


def test_physical_keys_and_dates_are_parsed_as_quilt_writes_them():
    location = reg.split_physical_key("s3://bucket/a%20b/c.csv?versionId=v1")
    assert (location.bucket, location.key, location.version) == ("bucket", "a b/c.csv", "v1")
    assert reg.split_physical_key("s3://bucket/k").version is None
    with pytest.raises(AssertionError):
        reg.split_physical_key("https://bucket/k")
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert reg.parse_iso("2026-01-02T03:04:05Z") == moment
    assert reg.parse_iso("2026-01-02T03:04:05+00:00") == moment
    assert reg.parse_iso("2026-01-02T03:04:05") == moment


def test_link_expiry_reads_both_presigning_styles():
    assert link_expiry("http://h/b/k?AWSAccessKeyId=x&Signature=y&Expires=1796308358") == \
        datetime.fromtimestamp(1796308358, UTC)
    v4 = "http://h/b/k?X-Amz-Date=20260102T030405Z&X-Amz-Expires=60&X-Amz-Signature=s"
    assert link_expiry(v4) == datetime(2026, 1, 2, 3, 5, 5, tzinfo=UTC)
    with pytest.raises(AssertionError, match="no expiry"):
        link_expiry("http://h/b/k")
