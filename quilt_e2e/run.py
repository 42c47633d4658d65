"""One behave run: settings, stack, defect rule, per-scenario world, cleanup. environment.py delegates here."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from quilt_e2e.config import ConfigError, Settings, load_settings
from quilt_e2e.defects import DefectRegistry, DefectRegistryError, Outcome, Verdict
from quilt_e2e.stack import PROJECT_ROOT, Stack, StackError, create_stack

DEFECT_REGISTRY = PROJECT_ROOT / "features" / "known_defects.yaml"
BACKEND_TAGS = ("local", "multiuser")  # a scenario runs on each backend it is tagged with
# Active tags (behave's own schema, @use.with_<category>=<value> / @not.with_<category>=<value>) for the run's
# other settings, e.g. @use.with_stack=embedded for scenarios that need the catalog stand-in to misbehave on
# purpose, @use.with_data_profile=full for scenarios that only mean something with spec-sized data.
ACTIVE_TAG_CATEGORIES = ("stack", "data_profile")
# Everything a run writes for people to read; QUILT_E2E_REPORTS_DIR moves it (the project's tests do).
REPORTS_DIR = Path(os.environ.get("QUILT_E2E_REPORTS_DIR") or PROJECT_ROOT / "reports")
RESULTS_DIR = REPORTS_DIR / "allure-results"


class RunSetupError(Exception):
    """The run cannot start; the message is one line that says what to do."""


@dataclass
class RunLedger:
    known_defects: list[dict] = field(default_factory=list)
    unexpected_passes: list[str] = field(default_factory=list)
    measurements: list[dict] = field(default_factory=list)  # figures against the spec's limits, per scenario


class SuiteRun:
    def __init__(self, settings: Settings, registry: DefectRegistry):
        self.settings = settings
        self.defects = registry
        self.stack: Stack | None = None
        self.started_at = dt.datetime.now(dt.UTC)
        self.ledger = RunLedger()
        self._finished = False
        self.runs = None  # this run's marker on the stack (quilt_e2e.runs_ledger), once the stack is up
        self.start_lines: list[str] = []  # what start-up has to say beyond the stack's timing

    # -- run ---------------------------------------------------------------------------------------
    @classmethod
    def prepare(cls, userdata, scenario_tag_sets: Iterable[Iterable[str]], selects=None) -> SuiteRun:
        """Validate settings and every defect tag before anything is started.

        `selects(tags)` is the run's tag expression (None: every scenario). Without -D backend=..., the backend
        is the one the selected scenarios ask for (see `selected_backend`)."""
        try:
            userdata = dict(userdata)
            scenario_tag_sets = [set(tags) for tags in scenario_tag_sets]
            if "backend" not in userdata and selects is not None:
                backend = selected_backend([tags for tags in scenario_tag_sets if selects(tags)], selects)
                if backend is not None:
                    userdata["backend"] = backend
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
        try:
            self._join_ledger()
        except Exception as exc:  # e.g. no write access to the scratch bucket's _runs/
            self.stack.stop()
            self.stack = None
            raise RunSetupError(f"cannot keep the run's marker in s3://{self.settings.scratch_bucket}/_runs/: "
                                f"{type(exc).__name__}: {exc}") from None
        return self.stack

    def _join_ledger(self) -> None:
        """Remove what dead runs left on this stack, put this run's marker up, then arm the fault (if any)."""
        from quilt_e2e.runs_ledger import RunsLedger

        self.runs = RunsLedger(self.stack.client("s3"), self.settings)
        self.start_lines += self.runs.reap_dead()
        self.runs.register()
        self.runs.start_heartbeat()
        if self.stack.faults is not None:
            self.stack.faults.arm()
            self.start_lines.append(f"fault {self.settings.fault} injected into the stack")

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

                if self.stack.faults is not None:
                    self.stack.faults.disarm()  # cleanup runs on a healthy stack
                report = clean_run(self.stack.client("s3"), self.settings, self.started_at)
                lines.append(report.summary())
                lines += self._leave_ledger(report)
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
        lines += self._performance_report()
        return lines

    def _leave_ledger(self, report) -> list[str]:
        """Take this run's marker down, check that nothing under the run id is left, write cleanup.json."""
        from quilt_e2e.runs_ledger import leftovers

        if self.runs is not None:
            self.runs.retire()
        left = leftovers(self.stack.client("s3"), self.settings)
        self._write_report("cleanup.json", {"run_id": self.settings.run_id, "scratch_objects_deleted":
                                            report.scratch_objects_deleted, "packages_deleted": report.packages_deleted,
                                            "leftovers": left})
        return [f"cleanup LEFT {len(left)} object(s) under the run id: {', '.join(left[:5])}"] if left else []

    def record_measurements(self, scenario_name: str, figures: Iterable[dict]) -> None:
        self.ledger.measurements += [{**figure, "scenario": scenario_name} for figure in figures]

    def _performance_report(self) -> list[str]:
        """performance.json and the summary lines, when the run measured anything."""
        from quilt_e2e.reporting import performance

        if not self.ledger.measurements:
            return []
        settings = self.settings
        section = performance.section(self.ledger.measurements, backend=settings.backend, stack=settings.stack,
                                      data_profile=settings.data_profile, run_id=settings.run_id)
        path = performance.write(REPORTS_DIR, section)
        return [*performance.summary_lines(section), f"performance figures in {path}"]

    # -- scenarios -------------------------------------------------------------------------------
    def runs_scenario(self, tags: Iterable[str]) -> bool:
        return self.skip_reason(tags) is None

    def skip_reason(self, tags: Iterable[str]) -> str | None:
        """Why this run does not run a scenario with these tags (None: it does): it is not tagged with the run's
        backend, or one of its active tags does not match the run's settings."""
        from behave.tag_matcher import ActiveTagMatcher

        tags = list(tags)
        if self.settings.backend not in tags:
            return f"not a @{self.settings.backend} scenario"
        values = {category: str(getattr(self.settings, category)) for category in ACTIVE_TAG_CATEGORIES}
        matcher = ActiveTagMatcher(values)
        if matcher.should_skip_with_tags(tags):
            wanted = [t for t in tags if matcher.tag_pattern.match(t)]
            now = ", ".join(f"{k}={v}" for k, v in values.items())
            return f"active tag(s) {', '.join('@' + t for t in wanted)} do not match this run ({now}; set with -D)"
        return None

    def unrunnable_selected(self, scenario_tag_sets: Iterable[Iterable[str]], selects=None) -> int:
        """How many scenarios the tag expression selected that this run's backend cannot run."""
        return sum(
            1 for tags in scenario_tag_sets
            if (selects is None or selects(tags)) and self.settings.backend not in set(tags)
        )

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


def selected_backend(selected_tag_sets: list[set[str]], selects) -> str | None:
    """multiuser when the tag expression asks for it: it selects no scenario without the @multiuser tag
    (`--tags=@multiuser`, `--tags=@multiuser --tags=@admin`) but does without @local, or it selects only
    scenarios that run on multiuser alone (`--tags="not @local"`). None (the configured default) otherwise."""
    if not selected_tag_sets:
        return None

    def needs(tag: str) -> bool:
        return all(not selects(tags - {tag}) for tags in selected_tag_sets)

    if needs("multiuser") and not needs("local"):
        return "multiuser"
    if all("multiuser" in tags and "local" not in tags for tags in selected_tag_sets):
        return "multiuser"
    return None


def fail_setup(message: str) -> None:
    """Stop behave with one readable line and exit code 2.

    Called only before anything runs (the stack cleans up after itself when its start fails), so there is
    nothing to tear down; exiting here spares the user behave's hook-error noise ("ABORTED: By user").
    """
    print(f"quilt-e2e: {message}", file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(2)
