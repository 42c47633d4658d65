"""One behave run: settings, stack, defect rule, per-scenario world, cleanup. environment.py delegates here."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from quilt_e2e.config import ConfigError, Settings, load_settings
from quilt_e2e.defects import DefectRegistry, DefectRegistryError, Outcome, Verdict
from quilt_e2e.stack import PROJECT_ROOT, Stack, StackError, create_stack

DEFECT_REGISTRY = PROJECT_ROOT / "features" / "known_defects.yaml"
# Everything a run writes for people to read; QUILT_E2E_REPORTS_DIR moves it (the project's tests do).
REPORTS_DIR = Path(os.environ.get("QUILT_E2E_REPORTS_DIR") or PROJECT_ROOT / "reports")
RESULTS_DIR = REPORTS_DIR / "allure-results"


class RunSetupError(Exception):
    """The run cannot start; the message is one line that says what to do."""


@dataclass
class RunLedger:
    known_defects: list[dict] = field(default_factory=list)
    unexpected_passes: list[str] = field(default_factory=list)


class SuiteRun:
    def __init__(self, settings: Settings, registry: DefectRegistry):
        self.settings = settings
        self.defects = registry
        self.stack: Stack | None = None
        self.started_at = dt.datetime.now(dt.timezone.utc)
        self.ledger = RunLedger()
        self._finished = False

    # -- run ---------------------------------------------------------------------------------------
    @classmethod
    def prepare(cls, userdata, scenario_tag_sets: Iterable[Iterable[str]], tag_expression: str = "") -> "SuiteRun":
        """Validate settings and every defect tag before anything is started."""
        try:
            userdata = dict(userdata)
            if "backend" not in userdata and "multiuser" in tag_expression and "local" not in tag_expression:
                userdata["backend"] = "multiuser"
            settings = load_settings(userdata)
            registry = DefectRegistry.load(DEFECT_REGISTRY)
            for tags in scenario_tag_sets:
                registry.for_tags(tags, settings.backend)  # raises on an unknown defect id
        except (ConfigError, DefectRegistryError) as exc:
            raise RunSetupError(str(exc)) from None
        return cls(settings, registry)

    def start_stack(self) -> Stack:
        try:
            self.stack = create_stack(self.settings).start()
        except (StackError, ConfigError) as exc:
            raise RunSetupError(str(exc)) from None
        self._write_report("startup.json", {"stack": self.stack.kind, "seconds": self.stack.startup_seconds})
        return self.stack

    def finish(self) -> list[str]:
        """Clean up and stop; returns summary lines for the console. Runs once: after_all calls it, and
        atexit calls it again only as a fallback when after_all never ran."""
        if self._finished:
            return []
        self._finished = True
        lines = []
        if self.stack is not None:
            try:
                from quilt_e2e.cleanup import clean_run

                report = clean_run(self.stack.client("s3"), self.settings, self.started_at)
                lines.append(report.summary())
            except Exception as exc:  # cleanup must not mask the run's own result, but must be visible
                lines.append(f"cleanup FAILED: {type(exc).__name__}: {exc}")
            finally:
                self.stack.stop()
                self.stack = None
        for entry in self.ledger.known_defects:
            lines.append(f"known defect {entry['defect']}: {entry['scenario']}")
        for scenario in self.ledger.unexpected_passes:
            lines.append(f"UNEXPECTED PASS (known-defect tag but passed): {scenario}")
        self._write_report("known-defects.json", self.ledger.known_defects)
        return lines

    # -- scenarios -------------------------------------------------------------------------------
    def runs_scenario(self, tags: Iterable[str]) -> bool:
        return self.settings.backend in set(tags)

    def judge_failed_step(self, tags: Iterable[str], failure_text: str) -> Verdict:
        return self.defects.judge(tags, self.settings.backend, failed=True, failure_text=failure_text)

    def judge_passed_scenario(self, tags: Iterable[str]) -> Verdict:
        return self.defects.judge(tags, self.settings.backend, failed=False)

    def record(self, scenario_name: str, verdict: Verdict, failure_text: str = "") -> None:
        if verdict.outcome is Outcome.KNOWN_DEFECT:
            assert verdict.defect is not None
            self.ledger.known_defects.append(
                {"defect": verdict.defect.id, "scenario": scenario_name, "failure": failure_text[:2000]}
            )
        elif verdict.outcome is Outcome.UNEXPECTED_PASS:
            self.ledger.unexpected_passes.append(scenario_name)

    def _write_report(self, name: str, payload) -> None:
        REPORTS_DIR.mkdir(parents=True, exist_ok=True)
        (REPORTS_DIR / name).write_text(json.dumps(payload, indent=2, default=str) + "\n")


def fail_setup(message: str) -> None:
    """Stop behave with one readable line and exit code 2.

    Called only before anything runs (the stack cleans up after itself when its start fails), so there is
    nothing to tear down; exiting here spares the user behave's hook-error noise ("ABORTED: By user").
    """
    print(f"quilt-e2e: {message}", file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(2)
