"""Which scenarios a run runs: the backend tag, behave's active tags for the stack and data profile, and the
backend a tag expression selects."""

from __future__ import annotations

import pytest
from behave.tag_expression import make_tag_expression

from quilt_e2e.defects import DefectRegistry
from quilt_e2e.run import SuiteRun, selected_backend

EMBEDDED = "use.with_stack=embedded"
FULL = "use.with_data_profile=full"


@pytest.mark.parametrize("stack, profile, tags, reason", [
    ("embedded", "small", {"local"}, None),
    ("embedded", "small", {"multiuser"}, "not a @local scenario"),
    ("embedded", "small", {"local", EMBEDDED}, None),
    ("aws", "small", {"local", EMBEDDED}, "active tag(s) @use.with_stack=embedded do not match this run"),
    ("aws", "small", {"local", "not.with_stack=aws"}, "active tag(s) @not.with_stack=aws do not match this run"),
    ("aws", "small", {"local"}, None),
    ("embedded", "small", {"local", FULL}, "active tag(s) @use.with_data_profile=full do not match this run"),
    ("embedded", "full", {"local", FULL}, None),
])
def test_scenarios_run_where_their_backend_and_active_tags_match(unique_settings, stack, profile, tags, reason):
    extra = {"catalog_url": "https://c.example"} if stack == "aws" else {}
    settings = unique_settings("sel", stack=stack, backend="local", data_profile=profile, **extra)
    run = SuiteRun(settings, DefectRegistry([]))
    verdict = run.skip_reason(tags)
    if reason is None:
        assert verdict is None
    else:
        assert verdict.startswith(reason)
        if reason.startswith("active"):
            assert f"stack={stack}, data_profile={profile}" in verdict and "-D" in verdict
    assert run.runs_scenario(tags) is (reason is None)


SCENARIOS = [{"local", "multiuser"}, {"local"}, {"multiuser"}, {"multiuser", "admin"}, {"local", "admin"}]


@pytest.mark.parametrize("expression, backend", [
    ("@local", None),
    ("@multiuser", "multiuser"),
    ("not @local", "multiuser"),
    ("@multiuser and @admin", "multiuser"),
    ("@local and @multiuser", None),
    ("@multiuser and not @admin", "multiuser"),
    ("@local or @multiuser", None),
    ("@admin", None),
])
def test_the_backend_is_the_one_the_selected_scenarios_ask_for(expression, backend):
    selects = make_tag_expression(expression).check
    assert selected_backend([tags for tags in SCENARIOS if selects(tags)], selects) == backend


def test_prepare_takes_the_selected_backend_unless_one_is_configured(monkeypatch):
    monkeypatch.delenv("QUILT_E2E_BACKEND", raising=False)
    selects = make_tag_expression("@multiuser").check
    assert SuiteRun.prepare({}, SCENARIOS, selects).settings.backend == "multiuser"
    assert SuiteRun.prepare({"backend": "local"}, SCENARIOS, selects).settings.backend == "local"
    assert SuiteRun.prepare({}, SCENARIOS, None).settings.backend == "local"


def test_selected_scenarios_the_backend_cannot_run_are_counted(unique_settings):
    run = SuiteRun(unique_settings("sel", backend="local"), DefectRegistry([]))
    selects = make_tag_expression("@local or @multiuser").check
    assert run.unrunnable_selected(SCENARIOS, selects) == 2
    assert run.unrunnable_selected(SCENARIOS, make_tag_expression("@local").check) == 0
