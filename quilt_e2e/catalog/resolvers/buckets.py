"""Bucket configs and their tabulator tables.

Who may change a bucket's tables follows the registry (quilt_server/tabulator.py `check_bucket`, as the
quilt-mcp-server's registry notes quote it): an administrator, or a user whose role may write to the bucket.
Anyone else is refused. The registry raises `BucketNotAllowed` there; the stand-in answers with the
mutation's own `OperationError` union member, as it does for the other bucket-scoped mutations a role may
not perform (package push and delete). Without any login the request is refused like every admin field.
"""

from __future__ import annotations

from graphql import GraphQLError

from quilt_e2e.catalog.resolvers.common import (
    FORBIDDEN,
    RequestContext,
    bucket_dict,
    invalid_input,
    readable_bucket,
    write_forbidden,
)
from quilt_e2e.catalog.state import TABLE_NAME, tabulator_config_problem


def bucket_configs(info):
    context: RequestContext = info.context
    return [bucket_dict(name, context.catalog) for name in context.catalog.buckets if readable_bucket(context, name)]


def bucket_config(info, name: str):
    context: RequestContext = info.context
    return bucket_dict(name, context.catalog) if readable_bucket(context, name) else None


def may_change_tables(context: RequestContext) -> bool | None:
    """True for an administrator or a user whose role writes; False for a user who may only read;
    None without a login."""
    if context.user is None:
        return None
    return context.is_admin or context.catalog.directory.can_write(context.user)


def _table_editor(info) -> tuple[RequestContext, dict | None]:
    """The request's context, and the answer that refuses the change (None when it is allowed)."""
    context: RequestContext = info.context
    allowed = may_change_tables(context)
    if allowed is None:
        raise GraphQLError(FORBIDDEN)
    return context, (None if allowed else write_forbidden())


def set_tabulator_table(info, bucketName: str, tableName: str, config: str | None = None):
    """Create, replace, or (config null) remove a table; removing an absent table is a no-op."""
    context, refusal = _table_editor(info)
    if refusal is not None:
        return refusal
    catalog = context.catalog
    if not catalog.has_bucket(bucketName):
        return invalid_input("bucketName", f"Bucket '{bucketName}' not found", "BucketNotFound")
    if not TABLE_NAME.match(tableName):
        return invalid_input("tableName", f"Invalid table name: {tableName!r}", "InvalidTableName")
    if config is not None:
        problem = tabulator_config_problem(config)
        if problem:
            return invalid_input("config", problem, "InvalidConfig")
    catalog.tabulator.put(bucketName, tableName, config)
    return bucket_dict(bucketName, catalog)


def rename_tabulator_table(info, bucketName: str, tableName: str, newTableName: str):
    context, refusal = _table_editor(info)
    if refusal is not None:
        return refusal
    catalog = context.catalog
    if not catalog.has_bucket(bucketName):
        return invalid_input("bucketName", f"Bucket '{bucketName}' not found", "BucketNotFound")
    if not TABLE_NAME.match(newTableName):
        return invalid_input("newTableName", f"Invalid table name: {newTableName!r}", "InvalidTableName")
    with catalog.tabulator.lock:
        if catalog.tabulator.get(bucketName, tableName) is None:
            return invalid_input("tableName", f"Table '{tableName}' not found", "TableNotFound")
        if newTableName != tableName and catalog.tabulator.get(bucketName, newTableName) is not None:
            return invalid_input("newTableName", f"Table '{newTableName}' already exists", "TableAlreadyExists")
        catalog.tabulator.rename(bucketName, tableName, newTableName)
    return bucket_dict(bucketName, catalog)
