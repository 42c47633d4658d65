"""A Quilt registry in S3 (moto), read and written the way quilt3 lays it out.

    .quilt/packages/<top_hash>                      manifest (JSON lines: header, then entries)
    .quilt/named_packages/<ns>/<pkg>/<timestamp>    one pointer per revision, holding the top hash
    .quilt/named_packages/<ns>/<pkg>/latest         the newest revision

Manifests are written with quilt3's own Package class so that the top hash is quilt3's.
"""

from __future__ import annotations

import io
import json
import re
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from botocore.exceptions import ClientError

MANIFESTS = ".quilt/packages/"
POINTERS = ".quilt/named_packages/"
LATEST = "latest"
FULL_HASH = re.compile(r"^[0-9a-f]{64}$")


class EntryError(ValueError):
    """An entry of a push that cannot be used; `index` says which one (for InvalidInput paths)."""

    def __init__(self, index: int, field_name: str, message: str):
        super().__init__(message)
        self.index, self.field_name = index, field_name


@dataclass(frozen=True)
class Pointer:
    tag: str  # a timestamp, or "latest"
    key: str
    etag: str
    last_modified: datetime

    @property
    def modified(self) -> datetime:
        """A revision's time is its pointer's name (epoch seconds), as quilt3 lists them."""
        if self.tag.isdigit():
            return datetime.fromtimestamp(int(self.tag), UTC)
        return self.last_modified


@dataclass(frozen=True)
class ManifestRow:
    logical_key: str
    physical_key: str
    size: int
    hash: dict
    meta: dict


@dataclass(frozen=True)
class Manifest:
    header: dict
    rows: tuple[ManifestRow, ...]

    @property
    def message(self) -> str | None:
        return self.header.get("message")

    @property
    def user_meta(self):
        return self.header.get("user_meta")

    @property
    def total_bytes(self) -> int:
        return sum(row.size for row in self.rows)


@dataclass(frozen=True)
class Revision:
    bucket: str
    name: str
    top_hash: str
    modified: datetime
    manifest: Manifest
    pointer: str = LATEST


@dataclass
class NewEntry:
    logical_key: str
    physical_key: str
    size: int | None = None
    hash: dict | None = None
    meta: dict | None = None


def parse_manifest(body: bytes) -> Manifest:
    lines = [json.loads(line) for line in body.decode().splitlines() if line.strip()]
    rows = tuple(
        ManifestRow(
            logical_key=row["logical_key"],
            physical_key=row["physical_keys"][0],
            size=row.get("size") or 0,
            hash=row.get("hash") or {},
            meta=row.get("meta") or {},
        )
        for row in lines[1:]
        if row.get("physical_keys")  # rows without one carry directory metadata only
    )
    return Manifest(header=lines[0] if lines else {}, rows=rows)


def split_s3_url(url: str) -> tuple[str, str, str | None]:
    """(bucket, key, version id) of s3://bucket/key[?versionId=...]."""
    from urllib.parse import parse_qs, unquote, urlparse

    parsed = urlparse(url)
    if parsed.scheme != "s3" or not parsed.netloc or not parsed.path.strip("/"):
        raise ValueError(f"not an S3 object URL: {url}")
    version = parse_qs(parsed.query).get("versionId", [None])[0]
    return parsed.netloc, unquote(parsed.path.lstrip("/")), version


class Registry:
    """Reads and writes packages in any configured bucket. Thread-safe: boto3 clients are."""

    def __init__(self, s3):
        self.s3 = s3
        self._cache_lock = threading.Lock()
        self._manifests: dict[tuple[str, str], Manifest] = {}  # content-addressed, so never stale
        self._pointer_hashes: dict[tuple[str, str, str], str] = {}  # (bucket, key, etag) → top hash

    # -- reading ---------------------------------------------------------------------------------
    def _list(self, bucket: str, prefix: str) -> list[dict]:
        objects = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            objects.extend(page.get("Contents", []))
        return objects

    def pointers_by_package(self, bucket: str, name_prefix: str = "") -> dict[str, list[Pointer]]:
        """Every package's pointers, newest revision first, from one listing."""
        packages: dict[str, list[Pointer]] = {}
        for obj in self._list(bucket, POINTERS + name_prefix):
            parts = obj["Key"][len(POINTERS):].split("/")
            if len(parts) != 3 or not parts[2]:
                continue
            pointer = Pointer(parts[2], obj["Key"], obj["ETag"], obj["LastModified"])
            packages.setdefault(f"{parts[0]}/{parts[1]}", []).append(pointer)
        for pointers in packages.values():
            pointers.sort(key=lambda p: (p.tag != LATEST, -int(p.tag) if p.tag.isdigit() else 0))
        return {name: pointers for name, pointers in packages.items() if any(p.tag == LATEST for p in pointers)}

    def pointers(self, bucket: str, name: str) -> list[Pointer]:
        return self.pointers_by_package(bucket, f"{name}/").get(name, [])

    def pointer_hash(self, bucket: str, pointer: Pointer) -> str | None:
        cache_key = (bucket, pointer.key, pointer.etag)
        with self._cache_lock:
            if cache_key in self._pointer_hashes:
                return self._pointer_hashes[cache_key]
        try:
            top_hash = self.s3.get_object(Bucket=bucket, Key=pointer.key)["Body"].read().decode().strip()
        except ClientError:
            return None
        with self._cache_lock:
            self._pointer_hashes[cache_key] = top_hash
        return top_hash

    def manifest(self, bucket: str, top_hash: str) -> Manifest | None:
        with self._cache_lock:
            if (bucket, top_hash) in self._manifests:
                return self._manifests[(bucket, top_hash)]
        try:
            body = self.s3.get_object(Bucket=bucket, Key=MANIFESTS + top_hash)["Body"].read()
        except ClientError:
            return None
        manifest = parse_manifest(body)
        with self._cache_lock:
            self._manifests[(bucket, top_hash)] = manifest
        return manifest

    def revisions(self, bucket: str, name: str, pointers: list[Pointer] | None = None) -> list[Revision]:
        """Every timestamped revision, newest first."""
        result = []
        for pointer in pointers if pointers is not None else self.pointers(bucket, name):
            if pointer.tag == LATEST:
                continue
            revision = self._revision_at(bucket, name, pointer)
            if revision is not None:
                result.append(revision)
        return result

    def _revision_at(self, bucket: str, name: str, pointer: Pointer) -> Revision | None:
        top_hash = self.pointer_hash(bucket, pointer)
        manifest = self.manifest(bucket, top_hash) if top_hash else None
        if manifest is None:
            return None
        return Revision(bucket, name, top_hash, pointer.modified, manifest, pointer.tag)

    def resolve(
        self, bucket: str, name: str, hash_or_tag: str, pointers: list[Pointer] | None = None
    ) -> Revision | None:
        """A revision by tag ("latest", a timestamp), full top hash or unique hash prefix; else None."""
        pointers = pointers if pointers is not None else self.pointers(bucket, name)
        by_tag = {pointer.tag: pointer for pointer in pointers}
        if hash_or_tag in by_tag:
            revision = self._revision_at(bucket, name, by_tag[hash_or_tag])
            if revision is not None and hash_or_tag == LATEST:
                # "latest" carries the time of the revision it points at
                same = [r for r in self.revisions(bucket, name, pointers) if r.top_hash == revision.top_hash]
                if same:
                    return same[0]
            return revision
        matches = [r for r in self.revisions(bucket, name, pointers) if r.top_hash.startswith(hash_or_tag)]
        if hash_or_tag and len({r.top_hash for r in matches}) == 1:
            return matches[0]
        if pointers and FULL_HASH.match(hash_or_tag):
            return self._unlisted_revision(bucket, name, hash_or_tag)
        return None

    def _unlisted_revision(self, bucket: str, name: str, top_hash: str) -> Revision | None:
        """A revision no pointer names any more, by its full top hash, as the catalog serves it from the manifest.

        quilt3 names revision pointers by epoch second, so two pushes within one second leave only the later
        pointer; the earlier revision is still in the registry (its manifest) and still addressable by hash.
        """
        manifest = self.manifest(bucket, top_hash)
        if manifest is None:
            return None
        try:
            modified = self.s3.head_object(Bucket=bucket, Key=MANIFESTS + top_hash)["LastModified"]
        except ClientError:
            return None
        return Revision(bucket, name, top_hash, modified, manifest, pointer="")

    # -- writing ---------------------------------------------------------------------------------
    def object_size_and_hash(self, bucket: str, key: str, version: str | None) -> tuple[int, dict]:
        """Size and Quilt's default (sha2-256-chunked) hash of one object, read from S3."""
        from quilt3.checksums import SHA256_CHUNKED_HASH_NAME, calculate_multipart_checksum_bytes

        extra = {"VersionId": version} if version else {}
        data = self.s3.get_object(Bucket=bucket, Key=key, **extra)["Body"].read()
        value = calculate_multipart_checksum_bytes(data, checksum_type=SHA256_CHUNKED_HASH_NAME)
        return len(data), {"type": SHA256_CHUNKED_HASH_NAME, "value": value}

    def complete_entries(self, entries: list[NewEntry]) -> None:
        """Fill in the size and hash the client did not send (quilt-mcp never sends them)."""
        for index, entry in enumerate(entries):
            try:
                bucket, key, version = split_s3_url(entry.physical_key)
            except ValueError as exc:
                raise EntryError(index, "physicalKey", str(exc)) from None
            if entry.size is not None and entry.hash is not None:
                continue
            try:
                entry.size, entry.hash = self.object_size_and_hash(bucket, key, version)
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code", "")
                raise EntryError(index, "physicalKey", f"Cannot read {entry.physical_key}: {code}") from None

    def copy_entries(self, entries: list[NewEntry], bucket: str, prefix: str) -> list[NewEntry]:
        """Copies of the entries' objects at `<prefix><logical key>` in `bucket` (what promote does)."""
        copies = []
        for entry in entries:
            src_bucket, src_key, version = split_s3_url(entry.physical_key)
            source = {"Bucket": src_bucket, "Key": src_key, **({"VersionId": version} if version else {})}
            key = f"{prefix}{entry.logical_key}"
            response = self.s3.copy_object(Bucket=bucket, Key=key, CopySource=source)
            url = f"s3://{bucket}/{key}"
            if response.get("VersionId"):
                url += f"?versionId={response['VersionId']}"
            copies.append(NewEntry(entry.logical_key, url, entry.size, entry.hash, entry.meta))
        return copies

    def push(self, bucket: str, name: str, entries: list[NewEntry], message: str | None,
             user_meta, workflow: dict | None = None) -> str:
        """Write a revision (manifest + timestamped and latest pointers); returns its top hash."""
        import quilt3
        from quilt3.packages import PackageEntry
        from quilt3.util import PhysicalKey

        package = quilt3.Package()
        for entry in entries:
            meta = {"user_meta": entry.meta} if entry.meta else {}
            package.set(entry.logical_key,
                        PackageEntry(PhysicalKey.from_url(entry.physical_key), entry.size, entry.hash, meta))
        if user_meta is not None:
            package.set_meta(user_meta)
        package._set_commit_message(message)
        if workflow is not None:
            package._workflow = workflow
        manifest = io.BytesIO()
        package.dump(manifest)
        top_hash = package.top_hash
        self.s3.put_object(Bucket=bucket, Key=MANIFESTS + top_hash, Body=manifest.getvalue())
        for tag in (str(int(time.time())), LATEST):
            self.s3.put_object(Bucket=bucket, Key=f"{POINTERS}{name}/{tag}", Body=top_hash.encode())
        return top_hash

    def delete_revision(self, bucket: str, name: str, top_hash: str) -> bool:
        """Remove the pointers to one revision; `latest` moves to the newest one left. False if none."""
        pointers = self.pointers(bucket, name)
        doomed = [p for p in pointers if p.tag != LATEST and self.pointer_hash(bucket, p) == top_hash]
        if not doomed:
            return False
        for pointer in doomed:
            self.s3.delete_object(Bucket=bucket, Key=pointer.key)
        remaining = [p for p in pointers if p.tag != LATEST and p not in doomed]
        latest_key = f"{POINTERS}{name}/{LATEST}"
        if remaining:
            newest = self.pointer_hash(bucket, remaining[0])
            self.s3.put_object(Bucket=bucket, Key=latest_key, Body=(newest or "").encode())
        else:
            self.s3.delete_object(Bucket=bucket, Key=latest_key)
        return True

    # -- plain objects ---------------------------------------------------------------------------
    def list_objects(self, bucket: str) -> list[dict]:
        """The bucket's data objects (registry internals excluded), for /api/search."""
        return [obj for obj in self._list(bucket, "") if not obj["Key"].startswith(".quilt/")]
