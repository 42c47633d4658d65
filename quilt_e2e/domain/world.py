"""Per-scenario state shared by the step modules, and the one place that calls QuiltOps."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from quilt_e2e.config import Settings
from quilt_e2e.domain.reference import ReferenceData

_PACKAGE_SERIAL = itertools.count(1)


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


@dataclass
class Attempt:
    """The outcome of a call a scenario expects may fail: exactly one of result / error is meaningful."""

    call: SutCall
    result: Any = None

    @property
    def error(self) -> BaseException | None:
        return self.call.error


@dataclass
class Measurement:
    """A figure the spec puts a threshold on, kept for the report: a time in seconds unless `unit` says
    otherwise (memory in "MB"). `spec` is the spec's row (e.g. "17.3"); `enforced` whether the scenario
    fails when the figure is over (see quilt_e2e/domain/performance.py)."""

    name: str
    value: float
    threshold: float
    unit: str = "s"
    spec: str = ""
    enforced: bool = True

    @property
    def seconds(self) -> float:
        return self.value

    @property
    def within(self) -> bool:
        return self.value <= self.threshold

    def describe(self) -> str:
        verdict = "within" if self.within else "OVER"
        row = f" {self.spec}" if self.spec else ""
        return f"{self.name}: {self.value:.3f} {self.unit} ({verdict} the spec's{row} {self.threshold:g} {self.unit})"

    def as_dict(self) -> dict:
        return {
            "name": self.name, "value": round(self.value, 3), "unit": self.unit, "limit": self.threshold,
            "spec": self.spec, "verdict": "within" if self.within else "OVER", "enforced": self.enforced,
        }


@dataclass
class PackageRef:
    name: str
    revisions: list[str] = field(default_factory=list)  # top hashes, oldest first

    @property
    def latest(self) -> str:
        return self.revisions[-1]


class World:
    def __init__(self, settings: Settings, reference: ReferenceData, stack,
                 prepare_identity: Callable[[World], None] | None = None):
        self.settings = settings
        # runs before QuiltOps is first built (multiuser QuiltOps needs a catalog identity): session.ensure_identity
        self.prepare_identity = prepare_identity
        self.reference = reference
        self.stack = stack
        self.calls: list[SutCall] = []
        self.attempt_: Attempt | None = None
        self.packages: dict[str, PackageRef] = {}
        self.result: Any = None
        self.services: dict[str, Any] = {}  # SUT services built on this scenario's QuiltOps
        self.registry_before: set[str] | None = None
        self.measurements: list[Measurement] = []
        self.user: str | None = None  # the catalog identity the scenario acts as ("" = explicitly none)
        self.cleanups: list = []  # undo actions run after the scenario
        self._ops = None

    # -- the SUT -------------------------------------------------------------------------------
    @property
    def ops(self):
        """A QuiltOps instance for this scenario, built by the real factory from the environment."""
        if self._ops is None:
            from quilt_mcp.ops.factory import QuiltOpsFactory

            if self.prepare_identity is not None:
                self.prepare_identity(self)
            self._ops = self.call_with(QuiltOpsFactory, "create")
        return self._ops

    def forget_ops(self) -> None:
        """The next call builds QuiltOps again (the identity it acts as has changed)."""
        self._ops = None

    def call(self, operation: str, *args, **kwargs) -> Any:
        """Call `ops.<operation>`; a SUT exception propagates unchanged (the step fails)."""
        return self.call_with(self.ops, operation, *args, **kwargs)

    def call_with(self, target: Any, operation: str, *args, **kwargs) -> Any:
        record = SutCall(f"{getattr(target, '__name__', type(target).__name__)}.{operation}", args, kwargs)
        self.calls.append(record)
        started = time.perf_counter()
        try:
            record.result = getattr(target, operation)(*args, **kwargs)
            return record.result
        except BaseException as exc:
            record.error = exc
            raise
        finally:
            record.seconds = time.perf_counter() - started

    def attempt(self, operation: str, *args, target: Any = None, **kwargs) -> Attempt:
        """Call an operation the scenario expects may be refused; its outcome is asserted by a Then step."""
        try:
            if target is None:
                result = self.call(operation, *args, **kwargs)
            else:
                result = self.call_with(target, operation, *args, **kwargs)
        except Exception:
            self.attempt_ = Attempt(self.calls[-1])
        else:
            self.attempt_ = Attempt(self.calls[-1], result)
        return self.attempt_

    def close(self) -> None:
        while self.cleanups:
            self.cleanups.pop()()

    def last_call(self, operation: str) -> SutCall:
        for call in reversed(self.calls):
            if call.operation.endswith(f".{operation}"):
                return call
        raise AssertionError(f"test defect: no {operation} call in this scenario")

    def measure(self, operation: str, threshold: float, enforced: bool) -> Measurement:
        measurement = Measurement(operation, self.last_call(operation).seconds, threshold, enforced=enforced)
        self.measurements.append(measurement)
        return measurement

    @property
    def last_attempt(self) -> Attempt:
        assert self.attempt_ is not None, "test defect: no attempted call to check (use a 'When I try to ...' step)"
        return self.attempt_

    # -- naming and verification helpers ---------------------------------------------------------
    @property
    def registry(self) -> str:
        return self.settings.registry

    def run_package_name(self, label: str) -> str:
        """Packages a run creates live under the run id namespace, so cleanup can find them all."""
        return f"{self.settings.run_id}/{label}"

    def new_package_name(self, label: str) -> str:
        """A run-namespaced name no other scenario of this run uses (labels repeat across scenarios)."""
        return self.run_package_name(f"{label}-{next(_PACKAGE_SERIAL)}")

    def s3(self):
        """A boto3 S3 client independent of the SUT, for verification."""
        return self.stack.client("s3")
