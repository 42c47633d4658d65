"""What a run may ignore of a neighbour on a shared stack, and no more: names another run made, and a
shared user's sign-in during a listing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from quilt_e2e.catalog.directory import User
from quilt_e2e.config import generated_run_prefix, load_settings
from quilt_e2e.domain.admin_checks import last_login_problem
from quilt_e2e.domain.world import World

OWN = "e2e-20261204-101112-abcd"


@pytest.mark.parametrize(("name", "prefix"), [
    (OWN, OWN),
    (f"{OWN}/pkg", OWN),
    (f"{OWN}-w1", f"{OWN}-w1"),
    (f"{OWN}-w1-listed-kinds", f"{OWN}-w1"),
    (f"{OWN}-widget", OWN),  # a label starting with w, not a worker
    (f"{OWN}.alice@test.com", OWN),
    (f"{OWN}x", None),
    ("e2e-2026120-101112-abcd-x", None),
    ("test-user", None),
    ("e2e-baseline/simple-csv", None),
])
def test_the_generated_run_id_a_name_starts_with(name, prefix):
    assert generated_run_prefix(name) == prefix


@pytest.mark.parametrize(("name", "another"), [
    (f"{OWN}-alice", False),
    (OWN, False),
    (f"{OWN}-w0-alice", True),
    ("e2e-20261204-101113-ef01-alice", True),
    ("e2e-20261204-101113-ef01", True),
    ("test-user", False),
    ("e2e-baseline", False),
])
def test_only_names_of_another_generated_run_are_anothers(name, another):
    world = World(load_settings({"run_id": OWN}, env={}), reference=None, stack=None)
    assert world.of_another_run(name) is another


def _user(last_login: datetime) -> User:
    return User("test-user", "test-user@test.com", "user", last_login=last_login)


T0 = datetime(2026, 12, 4, 10, 0, 0, tzinfo=UTC)
T1 = T0 + timedelta(seconds=3)


@pytest.mark.parametrize(("value", "earlier", "ok"), [
    (T1.isoformat(), None, True),
    (T0.isoformat(), None, False),  # alone, only the record's own instant
    (T0.isoformat(), _user(T1), False),  # no sign-in in between: still exactly the record's
    (T0.isoformat(), _user(T0), True),
    ((T0 + timedelta(seconds=1)).isoformat(), _user(T0), True),  # a sign-in seen half-way
    ((T0 - timedelta(seconds=1)).isoformat(), _user(T0), False),  # before the earlier record
    ((T1 + timedelta(seconds=1)).isoformat(), _user(T0), False),  # after the record now
    ((T0 + timedelta(seconds=1)).replace(tzinfo=None).isoformat(), _user(T0), False),  # no timezone
    (None, _user(T0), False),
    ("yesterday", _user(T0), False),
])
def test_a_listed_last_login_may_be_any_instant_the_user_had_during_the_listing(value, earlier, ok):
    problem = last_login_problem(value, _user(T1), earlier)
    assert (problem is None) is ok, problem
