"""Packages: lookup, revisions, directory browsing, search, construct, promote, revision delete."""

from __future__ import annotations

import re

from quilt_e2e.catalog import search
from quilt_e2e.catalog.registry import EntryError, NewEntry, Pointer, Revision
from quilt_e2e.catalog.resolvers.common import (
    RequestContext,
    invalid_input,
    operation_error,
    readable_bucket,
    write_forbidden,
)

PACKAGE_NAME = re.compile(r"^[\w-]+/[\w-]+$")  # quilt3.util.PACKAGE_NAME_FORMAT


# ---- read side ----------------------------------------------------------------------------------


class FileNode:
    typename = "PackageFile"

    def __init__(self, row):
        self.path, self.size, self.physicalKey = row.logical_key, float(row.size), row.physical_key
        self.metadata = row.meta


class DirNode:
    typename = "PackageDir"

    def __init__(self, revision: Revision, path: str):
        self._revision, self.path, self.metadata = revision, path, None
        self._rows = [row for row in revision.manifest.rows if row.logical_key.startswith(path)]
        self.size = float(sum(row.size for row in self._rows))

    @property
    def exists(self) -> bool:
        return self.path == "" or bool(self._rows)

    def children(self, info):
        subdirs, files = set(), []
        for row in self._rows:
            rest = row.logical_key[len(self.path):]
            if "/" in rest:
                subdirs.add(self.path + rest.split("/", 1)[0] + "/")
            else:
                files.append(FileNode(row))
        dirs = [DirNode(self._revision, path) for path in sorted(subdirs)]
        return dirs + sorted(files, key=lambda node: node.path)


def normalized_dir_path(path: str) -> str:
    path = path.strip("/")
    return f"{path}/" if path else ""


class RevisionNode:
    def __init__(self, revision: Revision):
        self._revision = revision
        manifest = revision.manifest
        self.hash, self.modified, self.message = revision.top_hash, revision.modified, manifest.message
        self.metadata, self.userMeta = manifest.header, manifest.user_meta
        self.workflow = manifest.header.get("workflow")
        self.totalEntries, self.totalBytes = len(manifest.rows), float(manifest.total_bytes)

    def dir(self, info, path: str):
        node = DirNode(self._revision, normalized_dir_path(path))
        return node if node.exists else None

    def file(self, info, path: str):
        path = path.lstrip("/")
        row = next((row for row in self._revision.manifest.rows if row.logical_key == path), None)
        return FileNode(row) if row else None

    def contentsFlatMap(self, info, max: int | None = None):
        rows = self._revision.manifest.rows
        if max is not None and len(rows) > max:
            return None
        return {
            row.logical_key: {"physicalKey": row.physical_key, "size": row.size, "hash": row.hash, "meta": row.meta}
            for row in rows
        }


class RevisionListNode:
    def __init__(self, package: PackageNode):
        self._package = package

    def total(self, info):
        return len(self._package.all_revisions())

    def page(self, info, number: int = 1, perPage: int = 10):
        start = max(number - 1, 0) * perPage
        return [RevisionNode(r) for r in self._package.all_revisions()[start:start + perPage]]


class PackageNode:
    def __init__(self, context: RequestContext, bucket: str, name: str, pointers: list[Pointer]):
        self._registry = context.catalog.registry
        self.bucket, self.name, self.pointers = bucket, name, pointers
        self._revisions: list[Revision] | None = None

    def all_revisions(self) -> list[Revision]:
        if self._revisions is None:
            self._revisions = self._registry.revisions(self.bucket, self.name, self.pointers)
        return self._revisions

    def modified(self, info):
        latest = self._registry.resolve(self.bucket, self.name, "latest", self.pointers)
        return latest.modified if latest else self.pointers[0].last_modified

    def revisions(self, info):
        return RevisionListNode(self)

    def revision(self, info, hashOrTag: str = "latest"):
        revision = self._registry.resolve(self.bucket, self.name, hashOrTag, self.pointers)
        return RevisionNode(revision) if revision else None


def find_package(context: RequestContext, bucket: str, name: str) -> PackageNode | None:
    """The package, or None when it does not exist or the user may not read the bucket (as upstream)."""
    if not readable_bucket(context, bucket):
        return None
    pointers = context.catalog.registry.pointers(bucket, name)
    return PackageNode(context, bucket, name, pointers) if pointers else None


# ---- search -------------------------------------------------------------------------------------


class SearchResultSet:
    typename = "PackagesSearchResultSet"

    def __init__(self, hits: list[search.PackageHit]):
        self._hits = hits
        self.total = len(hits)

    def firstPage(self, info, size: int = 30, order: str = "BEST_MATCH"):
        page = search.ordered(self._hits, order)[: max(size, 0)]
        return {"cursor": None, "hits": [hit.as_graphql() for hit in page]}


def search_packages(info, buckets: list[str] | None = None, searchString: str | None = None, latestOnly: bool = False):
    context: RequestContext = info.context
    catalog = context.catalog
    scope = [b for b in (buckets if buckets is not None else catalog.buckets) if readable_bucket(context, b)]
    if not scope:
        return {"__typename": "EmptySearchResultSet", "_": None}
    return SearchResultSet(search.search_packages(catalog.registry, scope, searchString, latestOnly))


# ---- write side ---------------------------------------------------------------------------------


def push_params_problem(context: RequestContext, params: dict) -> dict | None:
    if not context.catalog.has_bucket(params["bucket"]):
        return invalid_input("params.bucket", f"Bucket '{params['bucket']}' is not configured", "BucketNotFound")
    if not PACKAGE_NAME.match(params["name"]):
        return invalid_input("params.name", f"Invalid package name: {params['name']}", "InvalidPackageName")
    if params.get("workflow") is not None:
        return invalid_input("params.workflow", "The bucket has no workflows config", "WorkflowNotFound")
    return None


def entries_problem(entries: list[NewEntry]) -> dict | None:
    seen = set()
    for index, entry in enumerate(entries):
        key = entry.logical_key
        if not key or key.startswith("/") or key.endswith("/") or "//" in key or key in seen:
            return invalid_input(f"src.entries[{index}].logicalKey", f"Invalid logical key: {key!r}",
                                 "InvalidLogicalKey")
        seen.add(key)
    return None


def success(context: RequestContext, bucket: str, name: str, top_hash: str) -> dict:
    package = find_package(context, bucket, name)
    revision = context.catalog.registry.resolve(bucket, name, top_hash, package.pointers)
    return {"__typename": "PackagePushSuccess", "package": package, "revision": RevisionNode(revision)}


def _entry(raw: dict) -> NewEntry:
    return NewEntry(raw["logicalKey"], raw["physicalKey"], int(raw["size"]) if raw.get("size") is not None else None,
                    raw.get("hash"), raw.get("meta"))


def package_construct(info, params: dict, src: dict):
    context: RequestContext = info.context
    problem = push_params_problem(context, params)
    if problem:
        return problem
    if not context.catalog.directory.can_write(context.user):
        return write_forbidden()
    entries = [_entry(raw) for raw in src["entries"]]
    problem = entries_problem(entries)
    if problem:
        return problem
    registry = context.catalog.registry
    try:
        registry.complete_entries(entries)
    except EntryError as exc:
        return invalid_input(f"src.entries[{exc.index}].{exc.field_name}", str(exc), "InvalidPhysicalKey")
    top_hash = registry.push(params["bucket"], params["name"], entries, params.get("message"), params.get("userMeta"))
    return success(context, params["bucket"], params["name"], top_hash)


def package_promote(info, params: dict, src: dict, destPrefix: str | None = None):
    context: RequestContext = info.context
    problem = push_params_problem(context, params)
    if problem:
        return problem
    source = find_package(context, src["bucket"], src["name"])
    revision = source and context.catalog.registry.resolve(src["bucket"], src["name"], src["hash"], source.pointers)
    if not revision:
        return invalid_input("src", "Source package revision not found", "PackageNotFound")
    if not context.catalog.directory.can_write(context.user):
        return write_forbidden()
    registry = context.catalog.registry
    entries = [NewEntry(row.logical_key, row.physical_key, row.size, row.hash, row.meta.get("user_meta"))
               for row in revision.manifest.rows]
    prefix = destPrefix if destPrefix is not None else f"{params['name']}/"
    copies = registry.copy_entries(entries, params["bucket"], prefix)
    top_hash = registry.push(params["bucket"], params["name"], copies, params.get("message"), params.get("userMeta"))
    return success(context, params["bucket"], params["name"], top_hash)


def package_revision_delete(info, bucket: str, name: str, hash: str):
    context: RequestContext = info.context
    if find_package(context, bucket, name) is None:
        return operation_error(f"Package {name} not found in {bucket}", "PackageNotFound")
    if not context.catalog.directory.can_write(context.user):
        return write_forbidden()
    if not context.catalog.registry.delete_revision(bucket, name, hash):
        return operation_error(f"Revision {hash} of {name} not found", "RevisionNotFound")
    return {"__typename": "PackageRevisionDeleteSuccess", "_": True}

