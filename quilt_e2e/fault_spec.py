"""Which fault the embedded stack injects on purpose (`-D fault=KIND[:ARG]`): parsed and validated here,
with the settings, so a wrong value stops the run before anything starts."""

from __future__ import annotations

import re
from dataclasses import dataclass

# kind → (what its argument is, an example); the behaviour of each is in quilt_e2e/stack/faults.py
FAULT_KINDS = {
    "s3-5xx": ("share of S3 operations answered 500 InternalError on every attempt (0 < rate <= 1)", "s3-5xx:0.2"),
    "slowdown": ("share of S3 operations answered 503 SlowDown on their first attempt (0 < rate <= 1)", "slowdown:0.3"),
    "catalog-down": ("no argument: the catalog answers 503 to every request", "catalog-down"),
    "token-expiry": ("lifetime of the access tokens the catalog mints, in seconds (e.g. 5s)", "token-expiry:5s"),
}
_RATE_KINDS = ("s3-5xx", "slowdown")


class FaultSpecError(ValueError):
    """The fault setting is malformed; the message says what is valid."""


@dataclass(frozen=True)
class FaultSpec:
    kind: str
    rate: float = 0.0  # s3-5xx, slowdown
    seconds: int = 0  # token-expiry

    def __str__(self) -> str:
        if self.kind in _RATE_KINDS:
            return f"{self.kind}:{self.rate:g}"
        if self.kind == "token-expiry":
            return f"{self.kind}:{self.seconds}s"
        return self.kind


def _usage() -> str:
    return "; ".join(f"{example} ({meaning})" for meaning, example in FAULT_KINDS.values())


def parse_fault(text: str) -> FaultSpec | None:
    """'' or 'none' → None; otherwise a FaultSpec, or FaultSpecError naming every valid form."""
    text = text.strip().lower()
    if text in ("", "none"):
        return None
    kind, _, arg = text.partition(":")
    if kind not in FAULT_KINDS:
        raise FaultSpecError(f"unknown fault '{text}': use one of {_usage()}")
    if kind in _RATE_KINDS:
        try:
            rate = float(arg)
        except ValueError:
            rate = -1.0
        if not 0 < rate <= 1:
            raise FaultSpecError(f"fault '{text}' needs a rate between 0 and 1, e.g. -D fault={FAULT_KINDS[kind][1]}")
        return FaultSpec(kind, rate=rate)
    if kind == "token-expiry":
        match = re.fullmatch(r"(\d+)s?", arg)
        if match is None or int(match.group(1)) < 1:
            raise FaultSpecError(f"fault '{text}' needs a lifetime of at least 1 s, e.g. -D fault=token-expiry:5s")
        return FaultSpec(kind, seconds=int(match.group(1)))
    if arg:
        raise FaultSpecError(f"fault '{kind}' takes no argument: -D fault={kind}")
    return FaultSpec(kind)
