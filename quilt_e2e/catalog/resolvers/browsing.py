"""Browsing sessions: short-lived access to one package revision's files through /browse/."""

from __future__ import annotations

from quilt_e2e.catalog.resolvers.common import RequestContext, invalid_input, operation_error, readable_bucket
from quilt_e2e.catalog.state import MAX_SESSION_TTL, SCOPE


def browsing_session_create(info, scope: str, ttl: int = 180):
    context: RequestContext = info.context
    match = SCOPE.match(scope)
    if not match:
        return invalid_input("scope", "Expected s3://<bucket>#package=<name>&hash=<top hash>", "InvalidScope")
    if not 1 <= ttl <= MAX_SESSION_TTL:
        return invalid_input("ttl", f"ttl must be between 1 and {MAX_SESSION_TTL} seconds", "InvalidTtl")
    bucket, name = match["bucket"], match["name"]
    catalog = context.catalog
    revision = catalog.registry.resolve(bucket, name, match["hash"]) if readable_bucket(context, bucket) else None
    if revision is None:
        return operation_error(f"Package revision not found: {scope}", "PackageRevisionNotFound")
    owner = context.user.name if context.user else ""
    session = catalog.sessions.create(bucket, name, revision.top_hash, ttl, owner)
    return {"__typename": "BrowsingSession", "id": session.id, "expires": session.expires}
