"""The /graphql endpoint's engine: schema.graphql, executed with graphql-core against the resolvers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from graphql import (
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    build_schema,
    execute,
    parse,
    validate,
)

from quilt_e2e.catalog.resolvers import admin as admin_api
from quilt_e2e.catalog.resolvers import browsing, buckets, packages
from quilt_e2e.catalog.resolvers.common import RequestContext

SCHEMA_PATH = Path(__file__).with_name("schema.graphql")


def _serialize_datetime(value):
    return value.isoformat() if isinstance(value, datetime) else value


def load_schema() -> GraphQLSchema:
    schema = build_schema(SCHEMA_PATH.read_text())
    datetime_scalar = schema.type_map["Datetime"]
    # graphql-core 3.2 calls `serialize`, 3.3 `coerce_output_value`
    datetime_scalar.serialize = datetime_scalar.coerce_output_value = _serialize_datetime
    return schema


def resolve_type(value, info, abstract_type):
    """Union members are dicts carrying `__typename`, or nodes with a `typename` attribute."""
    return value["__typename"] if isinstance(value, dict) else value.typename


class QueryRoot:
    me = staticmethod(admin_api.me)
    bucketConfigs = staticmethod(buckets.bucket_configs)
    bucketConfig = staticmethod(buckets.bucket_config)
    searchPackages = staticmethod(packages.search_packages)
    roles = staticmethod(admin_api.roles)
    admin = staticmethod(admin_api.admin_queries)

    @staticmethod
    def package(info, bucket: str, name: str):
        return packages.find_package(info.context, bucket, name)


class MutationRoot:
    packageConstruct = staticmethod(packages.package_construct)
    packagePromote = staticmethod(packages.package_promote)
    packageRevisionDelete = staticmethod(packages.package_revision_delete)
    browsingSessionCreate = staticmethod(browsing.browsing_session_create)
    bucketSetTabulatorTable = staticmethod(buckets.set_tabulator_table)
    bucketRenameTabulatorTable = staticmethod(buckets.rename_tabulator_table)
    admin = staticmethod(admin_api.admin_mutations)


@dataclass(frozen=True)
class GraphQLResponse:
    status: int
    body: dict
    operation: str  # for the request log


def operation_label(document) -> str:
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            return definition.name.value if definition.name else f"anonymous {definition.operation.value}"
    return "?"


def chosen_operation(document, name: str | None) -> OperationDefinitionNode:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    named = [op for op in operations if name and op.name and op.name.value == name]
    return (named or operations)[0]


class GraphQLApi:
    def __init__(self):
        self.schema = load_schema()

    def run(self, payload, context: RequestContext) -> GraphQLResponse:
        """Execute one request body. Unparsable or invalid documents get 400, like most GraphQL servers."""
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            return GraphQLResponse(400, {"errors": [{"message": "Expected a JSON body with a 'query' string"}]}, "?")
        try:
            document = parse(payload["query"])
        except GraphQLError as error:
            return GraphQLResponse(400, {"errors": [error.formatted]}, "?")
        label = operation_label(document)
        errors = validate(self.schema, document)
        if errors:
            return GraphQLResponse(400, {"errors": [error.formatted for error in errors]}, label)
        operation = chosen_operation(document, payload.get("operationName"))
        root = MutationRoot if operation.operation.value == "mutation" else QueryRoot
        result = execute(
            self.schema,
            document,
            root_value=root,
            context_value=context,
            variable_values=payload.get("variables") or None,
            operation_name=payload.get("operationName"),
            type_resolver=resolve_type,
        )
        body = {"data": result.data}
        if result.errors:
            body["errors"] = [error.formatted for error in result.errors]
        return GraphQLResponse(200, body, label)
