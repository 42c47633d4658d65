"""Users and roles of the stand-in catalog, and what each role may do with each bucket."""

from __future__ import annotations

import re
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

READ = "READ"
READ_WRITE = "READ_WRITE"
ACCOUNT_ID = "123456789012"


@dataclass(frozen=True)
class Role:
    name: str
    level: str  # what the role may do with every configured bucket
    managed: bool = True
    id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def arn(self) -> str:
        prefix = "quilt-standin-" if self.managed else ""
        return f"arn:aws:iam::{ACCOUNT_ID}:role/{prefix}{self.name}"

    @property
    def typename(self) -> str:
        return "ManagedRole" if self.managed else "UnmanagedRole"


@dataclass(frozen=True)
class Policy:
    """An IAM policy the catalog manages; a managed role's bucket access comes from its policies."""

    title: str
    level: str  # what the policy allows on every configured bucket
    managed: bool = True
    id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def arn(self) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", self.title.lower()).strip("-")
        return f"arn:aws:iam::{ACCOUNT_ID}:policy/quilt-standin-{slug}"


@dataclass
class User:
    name: str
    email: str
    role: str | None
    extra_roles: list[str] = field(default_factory=list)
    is_admin: bool = False
    is_active: bool = True
    is_sso_only: bool = False
    is_service: bool = False
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    date_joined: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    last_login: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    def visible_extra_roles(self) -> list[str]:
        """Extra roles as the API shows them: the active role is not repeated among them."""
        return [name for name in self.extra_roles if name != self.role]


DEFAULT_ROLES = (
    Role("admin", READ_WRITE),
    Role("user", READ_WRITE),
    Role("viewer", READ),
    Role("service", READ_WRITE, managed=False),
    Role("power-user", READ_WRITE),
    Role("analyst", READ),
    Role("editor", READ_WRITE),
)

DEFAULT_POLICIES = (
    Policy("Read all buckets", READ),
    Policy("Read and write all buckets", READ_WRITE),
)

DEFAULT_USERS = (
    User("test-admin", "admin@test.com", "admin", is_admin=True),
    User("test-user", "user@test.com", "user"),
    User("test-readonly", "readonly@test.com", "viewer"),
    User("test-service", "service@test.com", "service", is_service=True),
)

_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,63}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def valid_username(name: str) -> bool:
    return bool(_USERNAME.match(name))


def valid_email(email: str) -> bool:
    return bool(_EMAIL.match(email))


class Directory:
    """The user and role tables. Callers hold `lock` around read-modify-write sequences."""

    def __init__(self):
        self.lock = threading.RLock()
        self.roles: dict[str, Role] = {role.name: role for role in DEFAULT_ROLES}
        self.policies: dict[str, Policy] = {policy.title: policy for policy in DEFAULT_POLICIES}
        self.users: dict[str, User] = {}
        for template in DEFAULT_USERS:
            self.add(User(template.name, template.email, template.role, list(template.extra_roles),
                          is_admin=template.is_admin, is_service=template.is_service))

    def add(self, user: User) -> User:
        with self.lock:
            self.users[user.name] = user
        return user

    def get(self, name: str) -> User | None:
        with self.lock:
            return self.users.get(name)

    def by_email(self, email: str) -> User | None:
        with self.lock:
            return next((user for user in self.users.values() if user.email.lower() == email.lower()), None)

    def update(self, name: str, **changes) -> User | None:
        """Change fields of a user in place (what the SUT's own changes do); None if there is no such user."""
        with self.lock:
            user = self.users.get(name)
            if user is not None:
                for key, value in changes.items():
                    setattr(user, key, value)
            return user

    def remove(self, name: str) -> None:
        with self.lock:
            self.users.pop(name, None)

    def policies_of(self, role: Role) -> list[Policy]:
        """A managed role's policies: the one granting its access level (unmanaged roles have none)."""
        if not role.managed:
            return []
        return [policy for policy in self.policies.values() if policy.level == role.level]

    def roles_of(self, policy: Policy) -> list[Role]:
        """The managed roles a policy is attached to."""
        return [role for role in self.roles.values() if policy in self.policies_of(role)]

    def level(self, user: User | None) -> str | None:
        """What the user's active role may do with any configured bucket (None: nothing)."""
        if user is None or user.role is None:
            return None
        role = self.roles.get(user.role)
        return role.level if role else None

    def can_read(self, user: User | None) -> bool:
        return self.level(user) in (READ, READ_WRITE)

    def can_write(self, user: User | None) -> bool:
        return self.level(user) == READ_WRITE
