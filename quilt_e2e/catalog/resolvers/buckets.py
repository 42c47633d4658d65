"""Bucket configs and their tabulator tables (table edits are admin-only, as upstream)."""

from __future__ import annotations

from quilt_e2e.catalog.resolvers.common import (
    RequestContext,
    bucket_dict,
    invalid_input,
    readable_bucket,
    require_admin,
)
from quilt_e2e.catalog.state import TABLE_NAME, tabulator_config_problem


def bucket_configs(info):
    context: RequestContext = info.context
    return [bucket_dict(name, context.catalog) for name in context.catalog.buckets if readable_bucket(context, name)]


def bucket_config(info, name: str):
    context: RequestContext = info.context
    return bucket_dict(name, context.catalog) if readable_bucket(context, name) else None


def set_tabulator_table(info, bucketName: str, tableName: str, config: str | None = None):
    """Create, replace, or (config null) remove a table; removing an absent table is a no-op."""
    context = require_admin(info)
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
    context = require_admin(info)
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
