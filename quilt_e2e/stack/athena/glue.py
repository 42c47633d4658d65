"""The Glue catalog as the engine reads it, and local copies of the tables' S3 data files."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import shutil
import tempfile
import threading
import uuid
import weakref

from botocore.exceptions import ClientError

from quilt_e2e.stack.athena.aws import parse_s3_url


@dataclasses.dataclass
class GlueTable:
    database: str
    name: str
    columns: list[dict]
    partition_keys: list[dict]
    location: str
    serde: str
    input_format: str
    serde_parameters: dict
    parameters: dict
    table_type: str

    @classmethod
    def from_glue(cls, database: str, table: dict) -> GlueTable:
        descriptor = table.get("StorageDescriptor") or {}
        serde_info = descriptor.get("SerdeInfo") or {}
        return cls(
            database=database,
            name=table["Name"],
            columns=descriptor.get("Columns") or [],
            partition_keys=table.get("PartitionKeys") or [],
            location=descriptor.get("Location") or "",
            serde=serde_info.get("SerializationLibrary") or "",
            input_format=descriptor.get("InputFormat") or "",
            serde_parameters=serde_info.get("Parameters") or {},
            parameters=table.get("Parameters") or {},
            table_type=table.get("TableType") or "",
        )

    @property
    def all_columns(self) -> list[dict]:
        return self.columns + self.partition_keys

    @property
    def data_format(self) -> str:
        """parquet | json | csv | orc | avro | unknown, from the SerDe, input format and classification."""
        hints = " ".join([self.serde, self.input_format, self.parameters.get("classification", "")]).lower()
        for fmt, needles in (
            ("parquet", ("parquet",)),
            ("json", ("json",)),
            ("orc", ("orc",)),
            ("avro", ("avro",)),
            ("csv", ("csv", "lazysimpleserde", "textinputformat", "regexserde")),
        ):
            if any(needle in hints for needle in needles):
                return fmt
        return "unknown"


class GlueCatalog:
    """Reads moto's Glue on demand (no caching: tests create tables and query right away)."""

    def __init__(self, glue_client):
        self._glue = glue_client

    def database_names(self) -> list[str]:
        names = []
        for page in self._glue.get_paginator("get_databases").paginate():
            names.extend(database["Name"] for database in page["DatabaseList"])
        return sorted(names)

    def tables(self, database: str) -> list[GlueTable]:
        tables = []
        for page in self._glue.get_paginator("get_tables").paginate(DatabaseName=database):
            tables.extend(GlueTable.from_glue(database, table) for table in page["TableList"])
        return sorted(tables, key=lambda table: table.name)

    def table(self, database: str, name: str) -> GlueTable | None:
        try:
            return GlueTable.from_glue(database, self._glue.get_table(DatabaseName=database, Name=name)["Table"])
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "EntityNotFoundException":
                return None
            raise

    def partition_values(self, table: GlueTable) -> list[list[str]]:
        values = []
        paginator = self._glue.get_paginator("get_partitions")
        for page in paginator.paginate(DatabaseName=table.database, TableName=table.name):
            values.extend(partition["Values"] for partition in page["Partitions"])
        return sorted(values)



@dataclasses.dataclass(frozen=True)
class DataFile:
    path: str
    size: int


class S3FileCache:
    """Local copies of S3 objects. A changed ETag means a new download; the old copy is dropped."""

    def __init__(self):
        self._root: str | None = None
        self._copies: dict[tuple[str, str], tuple[str, str, str]] = {}  # (bucket, key) -> (etag, path, folder)
        self._lock = threading.Lock()
        self._finalizer: weakref.finalize | None = None

    def _root_dir(self) -> str:
        with self._lock:
            if self._root is None:
                self._root = tempfile.mkdtemp(prefix="athena-engine-")
                self._finalizer = weakref.finalize(self, shutil.rmtree, self._root, True)
            return self._root

    def table_files(self, s3, location: str) -> list[DataFile]:
        """Local copies of the data files under a table location (Hive skips _hidden and .hidden files)."""
        bucket, prefix = parse_s3_url(location)
        prefix = prefix.rstrip("/") + "/" if prefix.strip("/") else ""
        files = []
        try:
            pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
            for page in pages:
                for item in page.get("Contents", []):
                    relative = item["Key"][len(prefix) :]
                    if item["Key"].endswith("/") or item["Size"] == 0 or _is_hidden(relative):
                        continue
                    files.append(DataFile(self._local_copy(s3, bucket, item["Key"], item["ETag"]), item["Size"]))
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "NoSuchBucket":
                raise
        return files

    def _local_copy(self, s3, bucket: str, key: str, etag: str) -> str:
        with self._lock:
            known = self._copies.get((bucket, key))
        if known and known[0] == etag and os.path.exists(known[1]):
            return known[1]
        folder = os.path.join(self._root_dir(), hashlib.sha1(f"{bucket}\0{key}\0{etag}".encode()).hexdigest()[:20])
        # Keep the key's folders: DuckDB reads Hive partition values (k=v/) from the path.
        safe_key = "/".join(part if part not in ("", ".", "..") else "_" for part in key.split("/"))
        path = os.path.join(folder, bucket, safe_key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        partial = f"{path}.{uuid.uuid4().hex}.part"
        with open(partial, "wb") as out:
            shutil.copyfileobj(s3.get_object(Bucket=bucket, Key=key)["Body"], out)
        os.replace(partial, path)
        with self._lock:
            previous = self._copies.get((bucket, key))
            self._copies[(bucket, key)] = (etag, path, folder)
        if previous and previous[2] != folder:
            shutil.rmtree(previous[2], ignore_errors=True)
        return path

    def with_s3_urls(self, message: str) -> str:
        """`message` with local copies named by their S3 URLs (errors name the files DuckDB read)."""
        if self._root is None:
            return message
        return re.sub(re.escape(self._root) + r"/[0-9a-f]{20}/", "s3://", message)

    def close(self) -> None:
        if self._finalizer is not None:
            self._finalizer()


def _is_hidden(relative_key: str) -> bool:
    return any(part.startswith(("_", ".")) for part in relative_key.split("/") if part)

