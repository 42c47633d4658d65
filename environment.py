"""Behave hooks: bring the stack up, isolate each scenario, apply the known-defect rule, tear down.

The logic lives in quilt_e2e.run; these hooks only translate behave's events.
"""

from __future__ import annotations

import atexit
import signal
import sys

from behave.model_core import Status

from quilt_e2e.domain.reference import ReferenceData
from quilt_e2e.domain.world import World
from quilt_e2e.run import RunSetupError, SuiteRun, fail_setup


def _all_scenario_tags(context) -> list[set[str]]:
    tag_sets = []
    for feature in context._runner.features:
        for scenario in feature.walk_scenarios():
            tag_sets.append(set(scenario.effective_tags))
    return tag_sets


def _interrupt(signum, frame):
    # SIGTERM behaves like Ctrl-C: behave aborts, after_all still runs and tears the stack down.
    raise KeyboardInterrupt(f"signal {signum}")


def before_all(context):
    tag_expression = str(getattr(context.config, "tag_expression", "") or "")
    try:
        run = SuiteRun.prepare(context.config.userdata, _all_scenario_tags(context), tag_expression)
        context.suite_run = run
        signal.signal(signal.SIGTERM, _interrupt)
        atexit.register(run.finish)
        stack = run.start_stack()
    except RunSetupError as exc:
        fail_setup(str(exc))
    total = stack.startup_seconds.get("total", 0.0)
    phases = ", ".join(f"{k} {v:.2f}s" for k, v in stack.startup_seconds.items() if k != "total")
    print(f"quilt-e2e: {stack.kind} stack up in {total:.2f}s ({phases}); run id {run.settings.run_id}", file=sys.stderr)
    context.reference = ReferenceData(stack.data_dir, run.settings.data_bucket)


def before_scenario(context, scenario):
    run: SuiteRun = context.suite_run
    if not run.runs_scenario(scenario.effective_tags):
        scenario.skip(f"not a @{run.settings.backend} scenario")
        return
    context.world = World(run.settings, context.reference, run.stack)


def after_step(context, step):
    if step.status not in (Status.failed, Status.error):
        return
    run: SuiteRun = context.suite_run
    failure_text = step.error_message or str(step.exception or "")
    verdict = run.judge_failed_step(context.scenario.effective_tags, failure_text)
    run.record(context.scenario.name, verdict, failure_text)
    if verdict.outcome.value == "known_defect":
        # Reported as the known defect, not as a failure: the step is marked skipped with the reason,
        # and the rest of the scenario is skipped. The original error stays in the message.
        step.status = Status.skipped
        step.error_message = f"{verdict.message()}\n{failure_text}"
        context.scenario.skip(verdict.message())
    else:
        _print_diagnostics(context)


def after_scenario(context, scenario):
    run: SuiteRun = context.suite_run
    if scenario.status == Status.passed:
        verdict = run.judge_passed_scenario(scenario.effective_tags)
        run.record(scenario.name, verdict)
        if verdict.fails_run:
            raise AssertionError(verdict.message())


def after_all(context):
    run: SuiteRun | None = getattr(context, "suite_run", None)
    if run is None:
        return
    # sys.__stderr__: behave captures the hook's own streams
    for line in run.finish():
        print(f"quilt-e2e: {line}", file=sys.__stderr__)


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
            print(f"  {request}")
