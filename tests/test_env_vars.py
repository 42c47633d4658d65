"""The one helper that sets process environment variables and puts them back."""

from __future__ import annotations

import os

import pytest

from quilt_e2e.stack.env_vars import EnvChanges, changed_env

SET, UNSET, OTHER = "QUILT_E2E_TEST_SET", "QUILT_E2E_TEST_UNSET", "QUILT_E2E_TEST_OTHER"


@pytest.fixture(autouse=True)
def known_environment(monkeypatch):
    monkeypatch.setenv(SET, "before")
    monkeypatch.setenv(UNSET, "present")
    monkeypatch.delenv(OTHER, raising=False)


def test_a_block_sets_and_unsets_then_restores_both():
    with changed_env({SET: "during", UNSET: None}):
        assert (os.environ[SET], UNSET in os.environ) == ("during", False)
    assert (os.environ[SET], os.environ[UNSET]) == ("before", "present")


def test_restored_after_an_exception_in_the_block():
    with pytest.raises(RuntimeError), changed_env({SET: "during"}):
        raise RuntimeError("scenario failed")
    assert os.environ[SET] == "before"


def test_the_value_before_the_first_change_wins_and_others_changes_are_kept():
    changes = EnvChanges()
    changes.set({SET: "one"})
    changes.set({SET: "two", OTHER: "new"})
    os.environ[UNSET] = "changed by someone else"
    changes.restore()
    assert os.environ[SET] == "before"
    assert OTHER not in os.environ  # it did not exist before the first change
    assert os.environ[UNSET] == "changed by someone else"  # never touched by these changes


def test_nested_blocks_unwind_in_order():
    with changed_env({SET: "outer"}):
        with changed_env({SET: "inner"}):
            assert os.environ[SET] == "inner"
        assert os.environ[SET] == "outer"
    assert os.environ[SET] == "before"
