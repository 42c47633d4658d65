"""Package and object search over the registry, standing in for the catalog's Elasticsearch.

Matching is deliberately simple: a query is split into terms, and every term must occur (case-insensitive,
`*` and `?` as wildcards) in the package name, commit message, user metadata or a logical key; an empty
query or `*` matches everything. Lucene's escapes are honoured: a backslash makes the next character literal,
so an escaped `\\*` is a star, not a wildcard (quilt-mcp escapes query syntax but keeps `*` and `?`). That is
enough for the scenarios, not a model of ES relevance.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime

from quilt_e2e.catalog.registry import Registry, Revision


@dataclass(frozen=True)
class Term:
    """One query term: its literal text (lower case) and, when it has unescaped wildcards, a pattern."""

    text: str
    pattern: re.Pattern | None = None

    def matches(self, text: str) -> bool:
        text = text.lower()
        if self.pattern is None:
            return self.text in text
        return bool(self.pattern.fullmatch(text)) or any(self.pattern.fullmatch(word) for word in text.split())


def _split(query: str) -> list[list[tuple[str, bool]]]:
    """Terms as lists of (character, escaped), split at unescaped blanks; double quotes group, unescaped."""
    terms, current, quoted, chars = [], [], False, iter(query)
    for char in chars:
        if char == "\\":
            current.append((next(chars, "\\"), True))
        elif char == '"':
            quoted = not quoted
        elif char.isspace() and not quoted:
            if current:
                terms.append(current)
            current = []
        else:
            current.append((char, False))
    if current:
        terms.append(current)
    return terms


def _term(chars: list[tuple[str, bool]]) -> Term:
    text = "".join(char for char, _ in chars).lower()
    if not any(char in "*?" and not escaped for char, escaped in chars):
        return Term(text)
    regex = "".join(
        (".*" if char == "*" else ".") if char in "*?" and not escaped else re.escape(char.lower())
        for char, escaped in chars
    )
    return Term(text, re.compile(regex, re.DOTALL))


def query_terms(query: str | None) -> list[Term]:
    if not query or query.strip() in ("", "*"):
        return []
    terms = [_term(chars) for chars in _split(query)]
    return [term for term in terms if term.text.upper() not in ("AND", "OR")]


def matches(terms: list[Term], texts: list[str]) -> bool:
    return all(any(term.matches(text) for text in texts) for term in terms)


@dataclass(frozen=True)
class PackageHit:
    revision: Revision
    pointer: str
    score: float = 1.0

    def as_graphql(self) -> dict:
        revision, manifest = self.revision, self.revision.manifest
        return {
            "id": f"{revision.bucket}/{revision.name}@{revision.top_hash}",
            "score": self.score,
            "bucket": revision.bucket,
            "name": revision.name,
            "pointer": self.pointer,
            "hash": revision.top_hash,
            "size": float(manifest.total_bytes),
            "modified": revision.modified,
            "totalEntriesCount": len(manifest.rows),
            "comment": manifest.message,
            # a JSON *string* in the schema; clients parse it
            "meta": json.dumps(manifest.user_meta) if manifest.user_meta is not None else None,
            "workflow": manifest.header.get("workflow"),
        }


def revision_texts(revision: Revision) -> list[str]:
    manifest = revision.manifest
    return [revision.name, manifest.message or "", json.dumps(manifest.user_meta or {})] + [
        row.logical_key for row in manifest.rows
    ]


def search_packages(registry: Registry, buckets: list[str], query: str | None, latest_only: bool) -> list[PackageHit]:
    """Every package revision (or only each package's latest) in the buckets that matches the query."""
    terms = query_terms(query)
    hits = []
    for bucket in buckets:
        for name, pointers in registry.pointers_by_package(bucket).items():
            revisions = registry.revisions(bucket, name, pointers)
            if latest_only:
                revisions = revisions[:1]
            hits.extend(PackageHit(r, r.pointer) for r in revisions if matches(terms, revision_texts(r)))
    return hits


ORDERINGS = {
    "NEWEST": (lambda hit: hit.revision.modified, True),
    "OLDEST": (lambda hit: hit.revision.modified, False),
    "LEX_ASC": (lambda hit: (hit.revision.name, hit.revision.modified), False),
    "LEX_DESC": (lambda hit: (hit.revision.name, hit.revision.modified), True),
    "BEST_MATCH": (lambda hit: (hit.score, hit.revision.modified), True),
}


def ordered(hits: list[PackageHit], order: str) -> list[PackageHit]:
    key, reverse = ORDERINGS[order]
    return sorted(hits, key=key, reverse=reverse)


# ---- the ES-style REST search (/api/search) -----------------------------------------------------


def query_from_dsl(body: dict) -> str | None:
    """The query string inside an ES request body (query_string / simple_query_string / match...)."""
    found: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if (key in ("query_string", "simple_query_string", "multi_match") and isinstance(value, dict)
                        and isinstance(value.get("query"), str)):
                    found.append(value["query"])
                    continue
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(body.get("query", {}))
    return found[0] if found else None


def required_fields_from_dsl(body: dict) -> list[str]:
    """Fields an ES request body requires a document to have (its `{"exists": {"field": F}}` clauses).

    quilt-mcp's package search asks for `exists: ptr_name` so that only package (pointer) documents come
    back, not the entry documents of the same `<bucket>_packages` index.
    """
    found: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "exists" and isinstance(value, dict) and isinstance(value.get("field"), str):
                    found.append(value["field"])
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(body.get("query", {}))
    return found


def has_fields(hit: dict, fields: list[str]) -> bool:
    source = hit.get("_source", {})
    return all(source.get(name) is not None for name in fields)


def iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def object_hits(registry: Registry, bucket: str, terms: list[str]) -> list[dict]:
    hits = []
    for obj in registry.list_objects(bucket):
        key = obj["Key"]
        if not matches(terms, [key]):
            continue
        ext = "." + key.rsplit(".", 1)[1] if "." in key.rsplit("/", 1)[-1] else ""
        source = {"key": key, "size": obj["Size"], "last_modified": iso(obj["LastModified"]), "ext": ext,
                  "content_type": "", "etag": obj.get("ETag", "").strip('"')}
        hits.append({"_index": bucket, "_id": f"{bucket}/{key}", "_score": 1.0, "_source": source})
    return hits


def package_hits(registry: Registry, bucket: str, terms: list[str]) -> list[dict]:
    """Latest-revision manifest documents, plus one entry document per matching logical key (every one, for an
    empty query: the index holds both kinds, and only an `exists` filter on a pointer field keeps entries out)."""
    hits = []
    for name, pointers in registry.pointers_by_package(bucket).items():
        revision = registry.resolve(bucket, name, "latest", pointers)
        if revision is None:
            continue
        manifest, index = revision.manifest, f"{bucket}_packages"
        meta = manifest.user_meta if isinstance(manifest.user_meta, dict) else {}
        if matches(terms, revision_texts(revision)[:3]):
            source = {
                "ptr_name": name, "ptr_tag": "latest", "ptr_last_modified": iso(revision.modified),
                "top_hash": revision.top_hash, "comment": manifest.message, "metadata": json.dumps(meta),
                "description": meta.get("description"), "tags": meta.get("tags", []),
            }
            hits.append({"_index": index, "_id": f"ptr:{name}", "_score": 1.0, "_source": source})
        for row in manifest.rows:
            if matches(terms, [row.logical_key]):  # an empty query matches every document, as match_all does
                source = {
                    "entry_pk": f"{name}@{revision.top_hash}", "entry_lk": row.logical_key,
                    "entry_size": row.size, "entry_hash": row.hash.get("value"),
                    "entry_metadata": {"last_modified": iso(revision.modified)},
                }
                hits.append({"_index": index, "_id": f"entry:{name}:{row.logical_key}", "_score": 1.0,
                             "_source": source})
    return hits
