"""Setting process environment variables and putting them back: the sandbox, scenarios that change the SUT's
settings, and the project's tests all do it through this one helper."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager


class EnvChanges:
    """Variables set on os.environ (a None value unsets one); `restore` puts back what each was before its
    first change here, and only those: variables changed by anything else are left alone."""

    def __init__(self) -> None:
        self._before: dict[str, str | None] = {}

    def set(self, values: Mapping[str, str | None]) -> None:
        for key, value in values.items():
            self._before.setdefault(key, os.environ.get(key))
            _put(key, value)

    def restore(self) -> None:
        for key, value in self._before.items():
            _put(key, value)
        self._before.clear()


@contextmanager
def changed_env(values: Mapping[str, str | None]) -> Iterator[EnvChanges]:
    """`values` set (None: unset) for the duration of the block, the previous values back afterwards."""
    changes = EnvChanges()
    try:
        changes.set(values)
        yield changes
    finally:
        changes.restore()


def _put(key: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(key, None)
    else:
        os.environ[key] = value
