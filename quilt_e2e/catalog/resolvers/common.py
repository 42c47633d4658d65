"""Shapes shared by the resolvers: union error results, users, roles, buckets, and access guards."""

from __future__ import annotations

from dataclasses import dataclass

from graphql import GraphQLError

from quilt_e2e.catalog.directory import Policy, Role, User
from quilt_e2e.catalog.state import Catalog

FORBIDDEN = "Forbidden"  # the message of the real registry's GraphQL error for a non-admin


@dataclass
class RequestContext:
    catalog: Catalog
    user: User | None  # None: no Authorization header

    @property
    def is_admin(self) -> bool:
        return self.user is not None and self.user.is_admin


def require_admin(info) -> RequestContext:
    context: RequestContext = info.context
    if not context.is_admin:
        raise GraphQLError(FORBIDDEN)
    return context


def invalid_input(path: str | None, message: str, name: str = "InvalidInput", context=None) -> dict:
    error = {"path": path, "message": message, "name": name, "context": context}
    return {"__typename": "InvalidInput", "errors": [error]}


def operation_error(message: str, name: str = "OperationError", context=None) -> dict:
    return {"__typename": "OperationError", "message": message, "name": name, "context": context}


def write_forbidden() -> dict:
    """What a user whose role may only read gets from a package mutation."""
    return operation_error(FORBIDDEN, name=FORBIDDEN)


def role_dict(role: Role, catalog: Catalog) -> dict:
    result = {"__typename": role.typename, "id": role.id, "name": role.name, "arn": role.arn}
    if role.managed:
        result["permissions"] = [
            {"bucket": bucket_dict(name, catalog), "level": role.level} for name in catalog.buckets
        ]
        # resolved only when selected (a policy lists its roles, which list their policies, ...)
        result["policies"] = lambda info: [policy_dict(p, catalog) for p in catalog.directory.policies_of(role)]
    return result


def policy_dict(policy: Policy, catalog: Catalog) -> dict:
    return {
        "__typename": "Policy",
        "id": policy.id,
        "title": policy.title,
        "arn": policy.arn,
        "managed": policy.managed,
        "permissions": [{"bucket": bucket_dict(name, catalog), "level": policy.level} for name in catalog.buckets],
        "roles": lambda info: [role_dict(r, catalog) for r in catalog.directory.roles_of(policy)],
    }


def user_dict(user: User, catalog: Catalog) -> dict:
    roles = catalog.directory.roles
    return {
        "__typename": "User",
        "name": user.name,
        "email": user.email,
        "dateJoined": user.date_joined,
        "lastLogin": user.last_login,
        "isActive": user.is_active,
        "isAdmin": user.is_admin,
        "isSsoOnly": user.is_sso_only,
        "isService": user.is_service,
        "role": role_dict(roles[user.role], catalog) if user.role in roles else None,
        "extraRoles": [role_dict(roles[name], catalog) for name in user.visible_extra_roles() if name in roles],
    }


def bucket_dict(name: str, catalog: Catalog) -> dict:
    return {
        "__typename": "BucketConfig",
        "name": name,
        "title": name,
        "iconUrl": None,
        "description": f"Bucket {name}",
        "linkedData": None,
        "overviewUrl": None,
        "tags": [],
        "relevanceScore": 0,
        "lastIndexed": None,
        "browsable": True,
        "tabulatorTables": catalog.tabulator.tables(name),
    }


def readable_bucket(context: RequestContext, bucket: str) -> bool:
    return context.catalog.has_bucket(bucket) and context.catalog.directory.can_read(context.user)
