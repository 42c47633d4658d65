"""The behave hooks. environment.py re-exports these; the logic of a run lives in quilt_e2e.run."""

from __future__ import annotations

import atexit
import signal
import sys

from behave.model_core import Status

from quilt_e2e.defects import Outcome
from quilt_e2e.domain import session
from quilt_e2e.domain.reference import ReferenceData
from quilt_e2e.domain.world import World
from quilt_e2e.reporting import allure as report
from quilt_e2e.reporting.evidence import evidence_for
from quilt_e2e.reporting.masking import mask, mask_formatter_streams, mask_text
from quilt_e2e.run import RESULTS_DIR, RunSetupError, SuiteRun, fail_setup
from quilt_e2e.stack import faults


def _all_scenario_tags(context) -> list[set[str]]:
    return [set(s.effective_tags) for f in context._runner.features for s in f.walk_scenarios()]


def _interrupt(signum, frame):
    # SIGTERM behaves like Ctrl-C: behave aborts, after_all still runs and tears the stack down.
    raise KeyboardInterrupt(f"signal {signum}")


def before_all(context):
    tag_expression = getattr(context.config, "tag_expression", None)
    selects = tag_expression.check if tag_expression is not None and str(tag_expression).strip() else None
    all_tags = _all_scenario_tags(context)
    try:
        run = SuiteRun.prepare(context.config.userdata, all_tags, selects)
        context.suite_run = run
        if selects is None:
            # no --tags: run (and report) just this backend's scenarios, not the other's as skipped
            from behave.tag_expression import make_tag_expression

            context.config.tag_expression = make_tag_expression(f"@{run.settings.backend}")
        signal.signal(signal.SIGTERM, _interrupt)
        atexit.register(run.finish)
        stack = run.start_stack()
    except RunSetupError as exc:
        fail_setup(str(exc))
    total = stack.startup_seconds.get("total", 0.0)
    phases = ", ".join(f"{k} {v:.2f}s" for k, v in stack.startup_seconds.items() if k != "total")
    print(f"quilt-e2e: {stack.kind} stack up in {total:.2f}s ({phases}); run id {run.settings.run_id}", file=sys.stderr)
    for line in run.start_lines:
        print(f"quilt-e2e: {line}", file=sys.stderr)
    other = run.unrunnable_selected(all_tags, selects)
    if other:
        backend = run.settings.backend
        print(f"quilt-e2e: {other} selected scenario(s) do not run on the {backend} backend and are skipped; "
              f"select them with --tags=@{'multiuser' if backend == 'local' else 'local'}", file=sys.stderr)
    context.reference = ReferenceData(stack.data_dir, run.settings.data_bucket)
    # one results folder per backend, so a local and a multiuser run both land in the report
    context.allure = report.AllureRun.for_runner(context._runner, RESULTS_DIR / run.settings.backend)
    context.allure.prepare(report.environment_properties(run.settings, stack, context.reference.manifest))
    mask_formatter_streams(context._runner.formatters)


def _allure(context) -> report.AllureRun | None:
    """The run's Allure reporting, if it is set up (the project's own hook tests run without it)."""
    return getattr(context, "allure", None)


def before_scenario(context, scenario):
    run: SuiteRun = context.suite_run
    if _allure(context):
        defect_ids = [t.split(".", 1)[1] for t in scenario.effective_tags if t.startswith("defect.")]
        _allure(context).annotate(scenario, run.settings.backend, run.settings.stack, defect_ids)
    if not run.runs_scenario(scenario.effective_tags):
        scenario.skip(run.skip_reason(scenario.effective_tags))
        return
    _coverage_context(run.settings.backend, scenario)
    if run.stack.sandbox is not None:
        run.stack.sandbox.reset_quilt_session()  # no login carries over from another scenario
    context.world = World(run.settings, context.reference, run.stack, prepare_identity=session.ensure_identity)
    faults = run.stack.faults
    context.fault_mark = faults.mark() if faults is not None else None
    if faults is not None and _allure(context):
        _allure(context).add_parameter(scenario, "fault", run.settings.fault)


def _coverage_context(backend: str, scenario) -> None:
    """Under coverage.py (`quilt-e2e coverage`), attribute the SUT lines a scenario runs to `mode|file:line`
    (the location `behave FILE:LINE` accepts, an outline's example row included): the mutation job's map."""
    coverage = sys.modules.get("coverage")
    current = coverage.Coverage.current() if coverage is not None else None
    if current is not None:
        current.switch_context(f"{backend}|{scenario.location}")


def after_step(context, step):
    if step.status not in (Status.failed, Status.error):
        return
    run: SuiteRun = context.suite_run
    failure_text = mask_text(_failure_text(step))
    verdict = run.judge_failed_step(context.scenario.effective_tags, failure_text)
    run.record(context.scenario.name, verdict, failure_text)
    _attach_failure(context, step)
    if verdict.outcome is Outcome.KNOWN_DEFECT:
        # Reported as the known defect, not as a failure: the step is marked skipped with the reason,
        # and the rest of the scenario is skipped. The original error stays in the message.
        step.status = Status.skipped
        step.error_message = f"{verdict.message()}\n{failure_text}"
        if _allure(context):
            _allure(context).set_verdict(context.scenario, "skipped", f"{verdict.message()}\n{failure_text}")
        context.scenario.skip(verdict.message())
        return
    if _blame_fault(context, step, failure_text):
        _print_diagnostics(context)
        return
    wrapper = report.classify(step.exception) if step.exception is not None else None
    if wrapper is not None:  # name the category in the report; the step fails all the same
        wrapped = wrapper(f"{type(step.exception).__name__}: {mask_text(str(step.exception))}")
        wrapped.__cause__ = step.exception
        step.exception = wrapped
    _print_diagnostics(context)


def _fault_window(context):
    faults = context.suite_run.stack.faults if context.suite_run.stack is not None else None
    mark = getattr(context, "fault_mark", None)
    return faults.since(mark) if faults is not None and mark is not None else None


def _blame_fault(context, step, failure_text: str) -> bool:
    """Under an injected fault, name the failure's category by the fault's rule (quilt_e2e/stack/faults.py),
    its first line saying what the stack did. False when no fault played a part."""
    verdict = faults.judge(_fault_window(context), step.exception, failure_text)
    if verdict is None:
        return False
    category, line = verdict
    wrapper = report.InfrastructureProblem if category == faults.INFRASTRUCTURE else report.SutError
    original = step.exception
    detail = f"{type(original).__name__}: {mask_text(str(original))}" if original is not None else failure_text
    wrapped = wrapper(f"{line}\n{detail}")
    wrapped.__cause__ = original
    step.exception = wrapped
    return True


def after_scenario(context, scenario):
    run: SuiteRun = context.suite_run
    world: World | None = getattr(context, "world", None)
    window = _fault_window(context) if world is not None else None
    if window is not None:  # what the fault did to this scenario, whatever its outcome
        report.attach_text("injected fault", window.line())
    if world is not None:
        world.close()
        _record_measurements(context, scenario, world)
    if scenario.status == Status.passed:
        if world is not None:
            _attach_evidence(world)
        verdict = run.judge_passed_scenario(scenario.effective_tags)
        run.record(scenario.name, verdict)
        if verdict.fails_run:
            if _allure(context):
                _allure(context).set_verdict(scenario, "failed", verdict.message())
            raise AssertionError(verdict.message())


def _record_measurements(context, scenario, world: World) -> None:
    """Figures against the spec's limits go to the run's performance report whatever the scenario's outcome
    (an OVER figure fails a scenario and must still be reported); passed scenarios attach them as evidence."""
    if not world.measurements:
        return
    context.suite_run.record_measurements(scenario.name, [m.as_dict() for m in world.measurements])
    if scenario.status != Status.passed:
        for measurement in world.measurements:
            report.attach_text("performance", measurement.describe())


def after_all(context):
    run: SuiteRun | None = getattr(context, "suite_run", None)
    if run is None:
        return
    # sys.__stderr__: behave captures the hook's own streams
    for line in run.finish():
        print(f"quilt-e2e: {line}", file=sys.__stderr__)
    allure_run = _allure(context)
    if allure_run is not None:
        allure_run.close()
        print(f"quilt-e2e: Allure results in {allure_run.results_dir} (quilt-e2e report)", file=sys.__stderr__)


def _failure_text(step) -> str:
    """What the defect signatures are matched against: our assertion's message, or `Type: message` of
    an exception (behave fills step.error_message only after this hook)."""
    exc = step.exception
    if exc is None:
        return step.error_message or ""
    return str(exc) if isinstance(exc, AssertionError) else f"{type(exc).__name__}: {exc}"


# -- diagnostics -----------------------------------------------------------------------------------
def _attach_failure(context, step) -> None:
    world: World | None = getattr(context, "world", None)
    if world is not None and world.calls:
        report.attach_text("QuiltOps calls", "\n".join(call.describe() for call in world.calls))
    if step.exception is not None:
        report.attach_json("exception", report.exception_report(step.exception))
    if world is not None and world.stack is not None:
        report.attach_json("stack request log", world.stack.recent_requests(50))
        for name, text in world.stack.service_logs().items():
            report.attach_text(f"log of {name}", text)


def _attach_evidence(world: World) -> None:
    for name, kind, body in evidence_for(world.calls):
        if kind == "csv":
            report.attach_csv(name, body)
        else:
            report.attach_json(name, body)
    for measurement in world.measurements:
        report.attach_text("performance", measurement.describe())


def _print_diagnostics(context) -> None:
    world: World | None = getattr(context, "world", None)
    if world is None:
        return
    print("QuiltOps calls in this scenario:")
    for call in world.calls[-10:]:
        print(f"  {call.describe()}")
    if world.stack is not None:
        print("Recent stack requests:")
        for request in world.stack.recent_requests(15):
            print(f"  {mask(request)}")
