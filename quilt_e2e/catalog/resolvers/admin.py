"""Identity (`me`), roles, and the admin API: users, SSO config, tabulator open query."""

from __future__ import annotations

from datetime import UTC, datetime

from quilt_e2e.catalog.directory import User, valid_email, valid_username
from quilt_e2e.catalog.resolvers.common import (
    RequestContext,
    invalid_input,
    operation_error,
    require_admin,
    role_dict,
    user_dict,
)
from quilt_e2e.catalog.state import Catalog, SsoConfig, yaml_mapping


def me(info):
    context: RequestContext = info.context
    user, catalog = context.user, context.catalog
    if user is None:
        return None
    roles = [role_dict(catalog.directory.roles[name], catalog)
             for name in [user.role, *user.visible_extra_roles()] if name in catalog.directory.roles]
    return {"name": user.name, "email": user.email, "isAdmin": user.is_admin,
            "role": roles[0] if roles else None, "roles": roles}


def roles(info):
    catalog = require_admin(info).catalog
    return [role_dict(role, catalog) for role in catalog.directory.roles.values()]


def admin_queries(info):
    return AdminQueries(require_admin(info).catalog)


def admin_mutations(info):
    return AdminMutations(require_admin(info))


class AdminQueries:
    def __init__(self, catalog: Catalog):
        self._catalog = catalog

    def user(self, info):
        return UserQueries(self._catalog)

    def ssoConfig(self, info):
        return sso_dict(self._catalog.sso_config, self._catalog)

    def tabulatorOpenQuery(self, info):
        return self._catalog.open_query


class UserQueries:
    def __init__(self, catalog: Catalog):
        self._catalog = catalog

    def list(self, info):
        with self._catalog.directory.lock:
            users = sorted(self._catalog.directory.users.values(), key=lambda u: u.name)
        return [user_dict(user, self._catalog) for user in users]

    def get(self, info, name: str):
        user = self._catalog.directory.get(name)
        return user_dict(user, self._catalog) if user else None


def sso_dict(config: SsoConfig | None, catalog: Catalog) -> dict | None:
    if config is None:
        return None
    return {"__typename": "SsoConfig", "text": config.text, "timestamp": config.timestamp,
            "uploader": user_dict(config.uploader, catalog)}


class AdminMutations:
    def __init__(self, context: RequestContext):
        self._context = context
        self._catalog = context.catalog

    def user(self, info):
        return UserMutations(self._catalog, self._context.user)

    def setSsoConfig(self, info, config: str | None = None):
        """Null removes the config (and returns null); text must be a YAML mapping whose roles exist."""
        catalog = self._catalog
        if config is None:
            catalog.sso_config = None
            return None
        parsed, problem = yaml_mapping(config)
        if problem:
            return invalid_input("config", problem, "InvalidConfig")
        missing = unknown_roles(catalog, sso_role_names(parsed))
        if missing:
            return invalid_input("config", f"Role not found: {', '.join(missing)}", "RoleDoesNotExist")
        catalog.sso_config = SsoConfig(config, datetime.now(UTC), self._context.user)
        return sso_dict(catalog.sso_config, catalog)

    def setTabulatorOpenQuery(self, info, enabled: bool):
        self._catalog.open_query = enabled
        return {"tabulatorOpenQuery": enabled}


def unknown_roles(catalog: Catalog, names) -> list[str]:
    return [name for name in names or [] if name not in catalog.directory.roles]


def sso_role_names(config: dict) -> list[str]:
    """The roles an SSO config hands out: its default role and the roles of every mapping."""
    names = [config["default_role"]] if isinstance(config.get("default_role"), str) else []
    for mapping in config.get("mappings") or []:
        if isinstance(mapping, dict):
            names += [name for name in mapping.get("roles") or [] if isinstance(name, str)]
    return list(dict.fromkeys(names))


class UserMutations:
    def __init__(self, catalog: Catalog, actor: User | None = None):
        self._catalog, self._actor = catalog, actor

    def create(self, info, input: dict):
        catalog, directory = self._catalog, self._catalog.directory
        name, email, role = input["name"], input["email"], input["role"]
        extra = list(dict.fromkeys(input.get("extraRoles") or []))
        with directory.lock:
            if not valid_username(name):
                return invalid_input("input.name", f"Invalid username: {name!r}", "InvalidUsername")
            if not valid_email(email):
                return invalid_input("input.email", f"Invalid email: {email!r}", "InvalidEmail")
            if directory.get(name):
                return invalid_input("input.name", f"Username {name!r} already exists", "UsernameExists")
            if directory.by_email(email):
                return invalid_input("input.email", f"Email {email!r} already in use", "EmailExists")
            missing = unknown_roles(catalog, [role, *extra])
            if missing:
                return invalid_input("input.role", f"Role not found: {', '.join(missing)}", "RoleDoesNotExist")
            user = directory.add(User(name, email, role, extra))
        return user_dict(user, catalog)

    def mutate(self, info, name: str):
        """Null for an unknown user, exactly like the upstream schema."""
        user = self._catalog.directory.get(name)
        return MutateUser(self._catalog, user, self._actor) if user else None


class MutateUser:
    """One user's mutations. An administrator cannot lock themselves out: deleting or deactivating their own
    account, or revoking their own administrator rights, is an OperationError."""

    def __init__(self, catalog: Catalog, user: User, actor: User | None = None):
        self._catalog, self._user, self._actor = catalog, user, actor
        self._directory = catalog.directory

    def _result(self) -> dict:
        return user_dict(self._user, self._catalog)

    def _own_account(self, what: str) -> dict | None:
        if self._actor is not None and self._actor.name == self._user.name:
            return operation_error(f"You cannot {what} your own account", "CannotModifySelf")
        return None

    def delete(self, info):
        refused = self._own_account("delete")
        if refused:
            return refused
        self._directory.remove(self._user.name)
        return {"__typename": "Ok", "_": None}

    def resetPassword(self, info):
        if self._user.is_sso_only:
            return operation_error("User has no password: SSO only", "SsoOnly")
        return {"__typename": "Ok", "_": None}

    def setEmail(self, info, email: str):
        with self._directory.lock:
            if not valid_email(email):
                return invalid_input("email", f"Invalid email: {email!r}", "InvalidEmail")
            owner = self._directory.by_email(email)
            if owner and owner is not self._user:
                return invalid_input("email", f"Email {email!r} already in use", "EmailExists")
            self._user.email = email
        return self._result()

    def setAdmin(self, info, admin: bool):
        refused = None if admin else self._own_account("revoke the administrator rights of")
        if refused:
            return refused
        self._user.is_admin = admin
        return self._result()

    def setActive(self, info, active: bool):
        refused = None if active else self._own_account("deactivate")
        if refused:
            return refused
        self._user.is_active = active
        return self._result()

    def setRole(self, info, role: str, extraRoles: list[str] | None = None, append: bool = False):
        with self._directory.lock:
            missing = unknown_roles(self._catalog, [role, *(extraRoles or [])])
            if missing:
                return invalid_input("role", f"Role not found: {', '.join(missing)}", "RoleDoesNotExist")
            kept = self._user.extra_roles if append else []
            self._user.role = role
            self._user.extra_roles = list(dict.fromkeys([*kept, *(extraRoles or [])]))
        return self._result()

    def addRoles(self, info, roles: list[str]):
        with self._directory.lock:
            missing = unknown_roles(self._catalog, roles)
            if missing:
                return invalid_input("roles", f"Role not found: {', '.join(missing)}", "RoleDoesNotExist")
            self._user.extra_roles = list(dict.fromkeys([*self._user.extra_roles, *roles]))
        return self._result()

    def removeRoles(self, info, roles: list[str], fallback: str | None = None):
        with self._directory.lock:
            user = self._user
            if user.role in roles:
                if fallback is None:
                    return invalid_input("fallback", "Removing the active role needs a fallback role",
                                         "FallbackRoleRequired")
                if unknown_roles(self._catalog, [fallback]):
                    return invalid_input("fallback", f"Role not found: {fallback}", "RoleDoesNotExist")
                user.role = fallback
            user.extra_roles = [name for name in user.extra_roles if name not in roles]
        return self._result()
