"""Allure results for every run: formatter, labels, categories, environment, attachments, known defects.

Known SUT defects are reported as *skipped* with a `KNOWN DEFECT <id>` message (so they sit in their own
category and do not colour the overview red); unexpected passes of tagged scenarios as *failed*. allure-behave
has no switch for that, so a small allure plugin adjusts each scenario's result just before it is written.
"""

from __future__ import annotations

import json
import platform
import traceback
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import allure
import allure_commons
from allure_commons.model2 import Label, Link, Parameter, Status, StatusDetails
from allure_commons.utils import md5

from quilt_e2e.reporting.masking import mask, mask_text

# What marks a failure as the stack's, or the suite's own. A failure the hooks wrapped names its category by the
# wrapper's class at the start of the message; the categories are exclusive, so each failure sits in one.
_INFRA_MARKS = ("InfrastructureProblem|StackError|Could not connect to the endpoint|Connection refused|ConnectionError"
                "|EndpointConnectionError|timed out|Timeout")
_TEST_DEFECT_MARKS = "SuiteCodeError|test defect|You can implement step definitions"
_WRAPPED_AS = r"\S*(?:{}):"  # the message starts with `module.Wrapper:`
CATEGORIES = [
    {
        "name": "Known SUT defects",
        "description": "Registered in features/known_defects.yaml; failed with the registered signature.",
        "matchedStatuses": ["skipped"],
        "messageRegex": "(?s)KNOWN DEFECT.*",
    },
    {
        "name": "Infrastructure problems",
        "description": "The stack (moto, Athena engine, catalog) was unreachable, refused, timed out or had a fault "
                       "injected (its first line says what the stack did).",
        "matchedStatuses": ["failed", "broken"],
        "messageRegex": f"(?s)(?!{_WRAPPED_AS.format('SutError|SuiteCodeError')}).*({_INFRA_MARKS}).*",
    },
    {
        "name": "Test defects",
        "description": "Undefined steps or errors raised by the suite's own code, not by the SUT.",
        "matchedStatuses": ["broken", "failed"],
        "messageRegex": f"(?s)(?!{_WRAPPED_AS.format('SutError|InfrastructureProblem')}).*({_TEST_DEFECT_MARKS}).*",
    },
    {
        "name": "SUT failures (product defects / regressions)",
        "description": "QuiltOps broke an expectation of its contract, or raised where it should not.",
        "matchedStatuses": ["failed", "broken"],
        "messageRegex": f"(?s)(?:{_WRAPPED_AS.format('SutError')}.*|(?!.*({_INFRA_MARKS}|{_TEST_DEFECT_MARKS})).*)",
    },
]

PLUGIN_NAME = "quilt-e2e-scenario-reports"
ALLURE_RESULT_FILES = (
    "*-result.json",
    "*-container.json",
    "*-attachment.*",
    "categories.json",
    "environment.properties",
)
SEVERITIES = {"blocker", "critical", "normal", "minor", "trivial"}
SUT_MODULES = ("quilt_mcp", "quilt3")
CLIENT_LIBRARIES = ("/botocore/", "/boto3/", "/s3transfer/", "/urllib3/", "/requests/", "/concurrent/futures/")
INFRA_ERRORS = ("EndpointConnectionError", "ConnectionError", "ConnectTimeout", "ReadTimeout", "Timeout", "StackError")


class SuiteCodeError(Exception):
    """Marks a failure raised by the suite's own code (reported in the 'Test defects' category)."""


class InfrastructureProblem(Exception):
    """Marks a failure caused by the stack, not by the SUT."""


class SutError(Exception):
    """Marks an exception raised by the SUT itself."""


def classify(exc: BaseException) -> type[Exception] | None:
    """Which category wrapper a step failure gets; None for an assertion (a broken expectation)."""
    if isinstance(exc, AssertionError):
        return None
    text = f"{type(exc).__name__}: {exc}"
    if any(name in text for name in INFRA_ERRORS) or "Could not connect to the endpoint" in text:
        return InfrastructureProblem
    module = type(exc).__module__ or ""
    if module.split(".")[0] in SUT_MODULES:
        return SutError
    # a library's error (botocore's ClientError, ...) is the SUT's when the SUT called the library: the innermost
    # frame outside the client libraries says who did (the suite's own verification reads S3 with boto3 too)
    frames = traceback.extract_tb(exc.__traceback__) if exc.__traceback__ else []
    caller = next((f.filename for f in reversed(frames) if not any(lib in f.filename for lib in CLIENT_LIBRARIES)), "")
    if any(f"/{module}/" in caller for module in SUT_MODULES):
        return SutError
    return SuiteCodeError


@dataclass
class ScenarioReport:
    """What our plugin adds to one scenario's Allure result (allure-behave has no dynamic labels)."""

    labels: list[tuple[str, str]] = field(default_factory=list)
    parameters: list[tuple[str, str]] = field(default_factory=list)
    issues: list[str] = field(default_factory=list)
    status: str | None = None  # an allure status to force
    message: str = ""


@dataclass
class AllureRun:
    results_dir: Path
    scenarios: dict[str, ScenarioReport] = field(default_factory=dict)  # by Allure fullName

    # -- set-up ----------------------------------------------------------------------------------
    @classmethod
    def for_runner(cls, runner, default_dir: Path) -> AllureRun:
        """Results go where the user's `-f allure_behave... -o DIR` says, else to `default_dir`."""
        from allure_behave.formatter import AllureFormatter
        from behave.formatter.base import StreamOpener

        for formatter in runner.formatters:
            if isinstance(formatter, AllureFormatter):
                return cls(Path(formatter.stream_opener.name))
        runner.formatters.append(AllureFormatter(StreamOpener(filename=str(default_dir)), runner.config))
        return cls(default_dir)

    def prepare(self, environment: dict[str, str]) -> None:
        """Start from a clean results directory (trends come from the report's history), then write
        categories and environment."""
        self.results_dir.mkdir(parents=True, exist_ok=True)
        for pattern in ALLURE_RESULT_FILES:
            for stale in self.results_dir.glob(pattern):
                stale.unlink()
        (self.results_dir / "categories.json").write_text(json.dumps(CATEGORIES, indent=2) + "\n")
        lines = [f"{key}={mask_text(str(value))}" for key, value in environment.items()]
        (self.results_dir / "environment.properties").write_text("\n".join(lines) + "\n")
        allure_commons.plugin_manager.register(self, name=PLUGIN_NAME)

    def close(self) -> None:
        if allure_commons.plugin_manager.has_plugin(PLUGIN_NAME):
            allure_commons.plugin_manager.unregister(name=PLUGIN_NAME)

    # -- per scenario ----------------------------------------------------------------------------
    def _report(self, scenario) -> ScenarioReport:
        from allure_behave.utils import get_fullname

        return self.scenarios.setdefault(get_fullname(scenario), ScenarioReport())

    def annotate(self, scenario, backend: str, stack: str, defect_ids: list[str]) -> None:
        """epic = the feature file's area, story = the scenario; severity, backend/stack, defect links."""
        report = self._report(scenario)
        area = Path(scenario.feature.filename).stem.replace("_", " ").title()
        severity = next((t.split(".", 1)[1] for t in scenario.effective_tags if t.startswith("severity.")), "normal")
        report.labels = [
            ("epic", area),
            ("story", scenario.name.split(" -- ")[0]),
            ("parentSuite", f"{backend} mode"),  # the Suites tab: mode → area → scenario
            ("suite", area),
        ]
        if severity in SEVERITIES:
            report.labels.append(("severity", severity))
        report.parameters = [("backend", backend), ("stack", stack)]
        report.issues = list(defect_ids)

    def add_parameter(self, scenario, name: str, value: str) -> None:
        self._report(scenario).parameters.append((name, value))

    def set_verdict(self, scenario, status: str, message: str) -> None:
        report = self._report(scenario)
        report.status, report.message = status, mask_text(message)

    @allure_commons.hookimpl(tryfirst=True)
    def report_result(self, result):
        """Runs before the file logger writes a scenario's result."""
        report = self.scenarios.pop(result.fullName, None)
        if report is None:
            return
        # one history per backend: the same scenario run by both backends is two tests, not a retry
        result.historyId = md5(result.historyId or result.fullName, *(value for _, value in report.parameters))
        replaced = {name for name, _ in report.labels}
        result.labels = [label for label in result.labels or [] if label.name not in replaced]
        result.labels += [Label(name=name, value=value) for name, value in report.labels]
        result.parameters = (result.parameters or []) + [Parameter(name=n, value=v) for n, v in report.parameters]
        result.links = (result.links or []) + [
            Link(type="issue", url=f"features/known_defects.yaml#{defect_id}", name=defect_id)
            for defect_id in report.issues
        ]
        if report.status is None:
            return
        result.status = report.status
        # the verdict's first line is the message (Allure groups categories by it); the rest goes to the trace
        headline, _, rest = report.message.partition("\n")
        details = result.statusDetails or StatusDetails()
        details.trace = "\n\n".join(part for part in (rest, details.message, details.trace) if part)
        details.message = headline
        result.statusDetails = details
        if report.status == Status.SKIPPED:
            for step in result.steps:
                if step.status in (Status.FAILED, Status.BROKEN):
                    step.status = Status.SKIPPED


def attach_text(name: str, text: str) -> None:
    allure.attach(mask_text(text), name=name, attachment_type=allure.attachment_type.TEXT)


def attach_json(name: str, payload) -> None:
    body = json.dumps(mask(payload), indent=2, default=str)
    allure.attach(body, name=name, attachment_type=allure.attachment_type.JSON)


def attach_csv(name: str, csv_text: str) -> None:
    allure.attach(mask_text(csv_text), name=name, attachment_type=allure.attachment_type.CSV)


def exception_report(exc: BaseException) -> dict:
    return {
        "type": f"{type(exc).__module__}.{type(exc).__qualname__}",
        "message": str(exc),
        "context": getattr(exc, "context", None),
        "cause": repr(exc.__cause__) if exc.__cause__ else None,
        "traceback": "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
    }


def environment_properties(settings, stack, data_manifest: dict) -> dict[str, str]:
    def version(package: str) -> str:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return "not installed"

    return {
        "SUT.quilt-mcp": version("quilt-mcp"),
        "SUT.quilt3": version("quilt3"),
        "stack": stack.kind,
        "backend": settings.backend,
        "region": settings.region,
        "registry": settings.registry,
        "datagen.data_version": str(data_manifest.get("data_version", "?")),
        "datagen.profile": str(data_manifest.get("profile", settings.data_profile)),
        "datagen.seed": str(data_manifest.get("seed", "?")),
        "run_id": settings.run_id,
        "fault": getattr(settings, "fault", "") or "none",  # injected on purpose (-D fault=...)
        "python": platform.python_version(),
        "os": platform.platform(),
    }
