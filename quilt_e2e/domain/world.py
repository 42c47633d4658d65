"""Per-scenario state shared by the step modules, and the one place that calls QuiltOps (through recorded
drivers, quilt_e2e/domain/driver.py)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from quilt_e2e.config import Settings, generated_run_prefix
from quilt_e2e.domain.driver import AfterCall, Driver, SutCall, unwrap
from quilt_e2e.domain.reference import ReferenceData

_PACKAGE_SERIAL = itertools.count(1)


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
        self.users_before_listing: dict[str, Any] = {}  # the catalog's user records just before a listing
        self.measurements: list[Measurement] = []
        self.user: str | None = None  # the catalog identity the scenario acts as ("" = explicitly none)
        self.cleanups: list = []  # undo actions run after the scenario
        self._ops = None

    # -- the SUT -------------------------------------------------------------------------------
    @property
    def sut(self):
        """This scenario's QuiltOps object itself, built by the real factory from the environment. Calls go
        through `ops`; this is for type and identity checks and to hand QuiltOps to another SUT class."""
        if self._ops is None:
            from quilt_mcp.ops.factory import QuiltOpsFactory

            if self.prepare_identity is not None:
                self.prepare_identity(self)
            self._ops = self.drive(QuiltOpsFactory).create()
        return self._ops

    @property
    def ops(self) -> Driver:
        """This scenario's QuiltOps, every call recorded: `world.ops.browse_content(...)`."""
        return self.drive(self.sut)

    def drive(self, target: Any, after: AfterCall | None = None) -> Driver:
        """A recorded proxy of any SUT object (another QuiltOps, the factory, the Athena service)."""
        return Driver(unwrap(target), self.calls.append, after)

    def forget_ops(self) -> None:
        """The next call builds QuiltOps again (the identity it acts as has changed)."""
        self._ops = None

    def attempt(self, action: Callable[[], Any]) -> Attempt:
        """Run an action the scenario expects may be refused, e.g. `lambda: world.ops.list_buckets()`; its
        outcome is asserted by a Then step. Only an exception the SUT raised is kept: any other (a misspelt
        member, a test defect) fails the step."""
        first = len(self.calls)
        try:
            result = action()
        except Exception as exc:
            raised = [call for call in self.calls[first:] if call.error is exc]
            if not raised:
                raise
            self.attempt_ = Attempt(raised[-1])
        else:
            if len(self.calls) == first:
                raise AssertionError("test defect: the attempted action called nothing in the SUT")
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

    def run_user_name(self, label: str) -> str:
        """Catalog users a run creates carry the run id, so cleanup can find them all."""
        return f"{self.settings.run_id}-{label}"

    def run_email(self, email: str) -> str:
        """An email address made unique to the run: the run id is prefixed to its local part."""
        return f"{self.settings.run_id}.{email}"

    def of_another_run(self, name: str) -> bool:
        """A package namespace, catalog user or email another run made (a run beside this one on a shared
        stack): not this run's to find, miss or check."""
        prefix = generated_run_prefix(name)
        return prefix is not None and prefix != self.settings.run_id

    def run_package_name(self, label: str) -> str:
        """Packages a run creates live under the run id namespace, so cleanup can find them all."""
        return f"{self.settings.run_id}/{label}"

    def new_package_name(self, label: str) -> str:
        """A run-namespaced name no other scenario of this run uses (labels repeat across scenarios)."""
        return self.run_package_name(f"{label}-{next(_PACKAGE_SERIAL)}")

    def s3(self):
        """A boto3 S3 client independent of the SUT, for verification."""
        return self.stack.client("s3")
