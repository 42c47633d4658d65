"""Test set-up written without HTTP round trips: objects stored straight in the in-process moto server read
back through S3 like PUT objects (versions, default encryption), and revision pointers counted from a listing."""

from __future__ import annotations

from conftest import s3_with

from quilt_e2e.domain import registry as reg

BUCKET = "setup-writes-registry"


def test_objects_stored_in_moto_read_back_like_put_objects(server):
    s3 = s3_with(server, (BUCKET,), {}, BUCKET)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(Bucket=BUCKET, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    objects = {f"ns/pointers/{i}": f"hash-{i}".encode() for i in range(50)}
    server.put_objects(BUCKET, objects)
    server.put_objects(BUCKET, {"ns/pointers/0": b"hash-0-again"})

    listed = {o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
              for o in page.get("Contents", [])}
    assert listed == set(objects)
    head = s3.head_object(Bucket=BUCKET, Key="ns/pointers/7")
    assert head["ContentLength"] == len(b"hash-7") and head["ServerSideEncryption"] == "AES256"
    assert s3.get_object(Bucket=BUCKET, Key="ns/pointers/0")["Body"].read() == b"hash-0-again"
    versions = s3.list_object_versions(Bucket=BUCKET, Prefix="ns/pointers/0")["Versions"]
    assert len([v for v in versions if v["Key"] == "ns/pointers/0"]) == 2


def test_pointer_tags_are_the_listed_pointers_and_pointers_reads_each(server):
    s3 = s3_with(server, (BUCKET + "-tags",), {
        ".quilt/named_packages/ns/pkg/1700000000": b"aaa",
        ".quilt/named_packages/ns/pkg/latest": b"bbb\n",
        ".quilt/named_packages/ns/pkg-other/latest": b"ccc",
        ".quilt/named_packages/ns/pkg/sub/1": b"ddd",  # a deeper key is not a pointer of ns/pkg
    }, BUCKET + "-tags")
    assert reg.pointer_tags(s3, BUCKET + "-tags", "ns/pkg") == {"1700000000", "latest"}
    assert reg.pointers(s3, BUCKET + "-tags", "ns/pkg") == {"1700000000": "aaa", "latest": "bbb"}
    assert reg.pointer_tags(s3, BUCKET + "-tags", "ns/absent") == set()
