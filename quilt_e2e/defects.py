"""The known-defect rule.

A scenario tagged `@defect.<ID>` expects the correct behaviour. When it fails with the failure signature
registered for <ID> (on a backend the defect affects), the failure is reported as that known defect and
does not fail the run. A failure with any other signature still fails the run, and so does a tagged
scenario that unexpectedly passes: an upstream fix or a new regression is always noticed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import yaml

TAG_PREFIX = "defect."
REQUIRED_FIELDS = ("id", "title", "sut_version", "backends", "scenarios", "signature")


class DefectRegistryError(Exception):
    """The registry file or a scenario's defect tag is wrong."""


@dataclass(frozen=True)
class KnownDefect:
    id: str
    title: str
    sut_version: str
    backends: tuple[str, ...]
    scenarios: tuple[str, ...]
    signature: re.Pattern
    notes: str = ""

    def affects(self, backend: str) -> bool:
        return backend in self.backends

    def matches(self, failure_text: str) -> bool:
        return bool(self.signature.search(failure_text or ""))


class Outcome(Enum):
    PASSED = "passed"
    FAILED = "failed"
    KNOWN_DEFECT = "known_defect"
    UNEXPECTED_PASS = "unexpected_pass"


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    defect: KnownDefect | None = None

    @property
    def fails_run(self) -> bool:
        return self.outcome in (Outcome.FAILED, Outcome.UNEXPECTED_PASS)

    def message(self) -> str:
        if self.outcome is Outcome.KNOWN_DEFECT:
            assert self.defect
            return f"KNOWN DEFECT {self.defect.id}: {self.defect.title} ({self.defect.sut_version})"
        if self.outcome is Outcome.UNEXPECTED_PASS:
            assert self.defect
            return (
                f"UNEXPECTED PASS: tagged with known defect {self.defect.id} ({self.defect.title}) but passed; "
                f"if the SUT was fixed, remove the @{TAG_PREFIX}{self.defect.id} tag and retire the registry entry"
            )
        return self.outcome.value


class DefectRegistry:
    def __init__(self, defects: Iterable[KnownDefect]):
        self._by_id: dict[str, KnownDefect] = {}
        for defect in defects:
            if defect.id in self._by_id:
                raise DefectRegistryError(f"defect id {defect.id} is registered twice")
            self._by_id[defect.id] = defect

    @classmethod
    def load(cls, path: str | Path) -> DefectRegistry:
        path = Path(path)
        try:
            entries = yaml.safe_load(path.read_text()) or []
        except (OSError, yaml.YAMLError) as exc:
            raise DefectRegistryError(f"cannot read known-defect registry {path}: {exc}") from None
        if not isinstance(entries, list):
            raise DefectRegistryError(f"{path}: expected a list of defects")
        defects = []
        for index, entry in enumerate(entries):
            missing = [f for f in REQUIRED_FIELDS if not isinstance(entry, dict) or f not in entry]
            if missing:
                raise DefectRegistryError(f"{path}: entry {index + 1} lacks {', '.join(missing)}")
            for name in ("backends", "scenarios"):
                value = entry[name]
                if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
                    raise DefectRegistryError(f"{path}: {entry['id']} {name} must be a non-empty list of strings")
            text = entry["signature"]
            if not isinstance(text, str) or not text.strip():
                raise DefectRegistryError(f"{path}: {entry['id']} signature must be a non-empty regular expression")
            try:
                signature = re.compile(text)
            except re.error as exc:
                raise DefectRegistryError(f"{path}: {entry['id']} signature is not a regex: {exc}") from None
            if signature.search(""):
                raise DefectRegistryError(f"{path}: {entry['id']} signature matches any failure; make it specific")
            defects.append(
                KnownDefect(
                    id=str(entry["id"]),
                    title=str(entry["title"]),
                    sut_version=str(entry["sut_version"]),
                    backends=tuple(entry["backends"]),
                    scenarios=tuple(entry["scenarios"]),
                    signature=signature,
                    notes=str(entry.get("notes", "")),
                )
            )
        return cls(defects)

    def __iter__(self):
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def get(self, defect_id: str) -> KnownDefect:
        try:
            return self._by_id[defect_id]
        except KeyError:
            raise DefectRegistryError(
                f"unknown defect tag @{TAG_PREFIX}{defect_id}: register it in features/known_defects.yaml "
                f"(known: {', '.join(sorted(self._by_id)) or 'none'})"
            ) from None

    def for_tags(self, tags: Iterable[str], backend: str) -> list[KnownDefect]:
        """The registered defects named by `tags` that affect `backend` (unknown ids raise)."""
        defects = [self.get(tag[len(TAG_PREFIX):]) for tag in tags if tag.startswith(TAG_PREFIX)]
        return [d for d in defects if d.affects(backend)]

    def judge(self, tags: Iterable[str], backend: str, failed: bool, failure_text: str = "") -> Verdict:
        """Apply the known-defect rule to one scenario (or one failed step) outcome."""
        defects = self.for_tags(tags, backend)
        if failed:
            for defect in defects:
                if defect.matches(failure_text):
                    return Verdict(Outcome.KNOWN_DEFECT, defect)
            return Verdict(Outcome.FAILED)
        if defects:
            return Verdict(Outcome.UNEXPECTED_PASS, defects[0])
        return Verdict(Outcome.PASSED)
