"""The driver of the SUT: a recorded proxy of a QuiltOps object (its `admin` operations, the Athena
service, the factory), so the domain layer writes SUT calls as ordinary method calls and every call is
still kept for the failure report.

Only a real member of the SUT object can be reached through the proxy: a misspelt name raises
AttributeError naming it. A method call is recorded when it is made; a property read (the Athena service's
clients) is recorded when it runs; reading a member that is itself one of the SUT's operation objects
(`ops.admin`, `service.backend`) only hands out a proxy of it.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class SutCall:
    """One QuiltOps call, kept for the failure report."""

    operation: str
    args: tuple
    kwargs: dict
    seconds: float = 0.0
    error: BaseException | None = None
    result: Any = None

    def describe(self) -> str:
        """One line for reports; secrets in arguments or errors are masked."""
        from quilt_e2e.reporting.masking import mask_text

        params = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        outcome = f"raised {type(self.error).__name__}: {self.error}" if self.error else "returned"
        return mask_text(f"{self.operation}({', '.join(params)}) {outcome} in {self.seconds:.3f}s")


Keep = Callable[[SutCall], None]  # where a driver puts its records (World.calls.append)
AfterCall = Callable[[SutCall], None]  # told of each call that returned (a domain module keeps its result)


def label_of(target: Any) -> str:
    """How a record names the object called: the class for a class (the factory), else its type."""
    return getattr(target, "__name__", type(target).__name__)


def _operation_types() -> tuple[type, ...]:
    from quilt_mcp.ops.admin_ops import AdminOps
    from quilt_mcp.ops.quilt_ops import QuiltOps
    from quilt_mcp.services.athena_service import AthenaQueryService

    return QuiltOps, AdminOps, AthenaQueryService


class Driver:
    """A recorded proxy of one SUT object. `keep` receives each record; `after` (optional) each record of
    a call that returned."""

    __slots__ = ("_after", "_keep", "_target")

    def __init__(self, target: Any, keep: Keep, after: AfterCall | None = None):
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_keep", keep)
        object.__setattr__(self, "_after", after)

    def __repr__(self) -> str:
        return f"<driver of {label_of(object.__getattribute__(self, '_target'))}>"

    def __getattr__(self, name: str) -> Any:
        target = object.__getattribute__(self, "_target")
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            static = inspect.getattr_static(target, name)
        except AttributeError:
            raise AttributeError(f"{label_of(target)} has no member {name!r}") from None
        operation = f"{label_of(target)}.{name}"
        if isinstance(static, property):
            return self._read(operation, lambda: getattr(target, name))
        member = getattr(target, name)
        if callable(member):
            return RecordedCall(operation, member, object.__getattribute__(self, "_keep"),
                                object.__getattribute__(self, "_after"))
        return self._handed_out(member)

    def _read(self, operation: str, read: Callable[[], Any]) -> Any:
        record = SutCall(operation, (), {})
        started = time.perf_counter()
        try:
            record.result = read()
        except BaseException as exc:
            record.error = exc
            record.seconds = time.perf_counter() - started
            object.__getattribute__(self, "_keep")(record)
            raise
        record.seconds = time.perf_counter() - started
        if isinstance(record.result, _operation_types()):
            return self._handed_out(record.result)
        object.__getattribute__(self, "_keep")(record)
        return record.result

    def _handed_out(self, value: Any) -> Any:
        if isinstance(value, _operation_types()):
            return Driver(value, object.__getattribute__(self, "_keep"), object.__getattribute__(self, "_after"))
        return value


class RecordedCall:
    """A method of the SUT object; calling it records the call (arguments, time, result or exception)."""

    __slots__ = ("_after", "_keep", "_member", "operation")

    def __init__(self, operation: str, member: Callable, keep: Keep, after: AfterCall | None):
        self.operation = operation
        self._member = member
        self._keep = keep
        self._after = after

    def __repr__(self) -> str:
        return f"<recorded {self.operation}>"

    def __call__(self, *args, **kwargs) -> Any:
        record = SutCall(self.operation, args, kwargs)
        self._keep(record)
        started = time.perf_counter()
        try:
            record.result = self._member(*args, **kwargs)
        except BaseException as exc:
            record.error = exc
            raise
        finally:
            record.seconds = time.perf_counter() - started
        if self._after is not None:
            self._after(record)
        return record.result


def unwrap(value: Any) -> Any:
    """The SUT object behind a driver (for type and identity checks, and to hand it to another SUT class)."""
    return object.__getattribute__(value, "_target") if isinstance(value, Driver) else value
