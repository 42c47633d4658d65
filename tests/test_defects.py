"""The known-defect rule: DefectRegistry.judge, registry loading, the real registry, and the rule through behave."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from quilt_e2e.defects import (
    REQUIRED_FIELDS,
    TAG_PREFIX,
    DefectRegistry,
    DefectRegistryError,
    KnownDefect,
    Outcome,
    Verdict,
)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
FEATURES = PROJECT_ROOT / "features"
REAL_REGISTRY = FEATURES / "known_defects.yaml"

ENTRIES = [
    {
        "id": "T-001",
        "title": "widget explodes",
        "sut_version": "sut 1.0",
        "backends": ["local"],
        "scenarios": ["Widgets work"],
        "signature": r"widget exploded: code \d+",
    },
    {
        "id": "T-002",
        "title": "gadget breaks on both backends",
        "sut_version": "sut 1.0",
        "backends": ["local", "multiuser"],
        "scenarios": ["Gadgets work"],
        "signature": "gadget broke",
    },
    {
        "id": "T-003",
        "title": "multiuser-only problem",
        "sut_version": "sut 1.0",
        "backends": ["multiuser"],
        "scenarios": ["Catalog things work"],
        "signature": "catalog said no",
    },
]


def write_registry(path: Path, entries) -> Path:
    path.write_text(yaml.safe_dump(entries, sort_keys=False))
    return path


@pytest.fixture
def registry(tmp_path) -> DefectRegistry:
    return DefectRegistry.load(write_registry(tmp_path / "defects.yaml", ENTRIES))


# ---- the rule ---------------------------------------------------------------------------------


def test_tagged_failure_with_registered_signature_is_the_known_defect(registry):
    verdict = registry.judge(
        {"local", "defect.T-001"}, "local", failed=True, failure_text="boom: widget exploded: code 42!"
    )

    assert verdict.outcome is Outcome.KNOWN_DEFECT
    assert verdict.defect is registry.get("T-001")
    assert not verdict.fails_run
    assert "KNOWN DEFECT T-001" in verdict.message() and "widget explodes" in verdict.message()


def test_tagged_failure_with_another_message_fails(registry):
    verdict = registry.judge({"local", "defect.T-001"}, "local", failed=True, failure_text="widget exploded: code abc")

    assert verdict.outcome is Outcome.FAILED
    assert verdict.fails_run


def test_tagged_failure_without_text_fails(registry):
    assert registry.judge({"defect.T-001"}, "local", failed=True, failure_text="").outcome is Outcome.FAILED
    assert registry.judge({"defect.T-001"}, "local", failed=True, failure_text=None).outcome is Outcome.FAILED


def test_tagged_pass_is_an_unexpected_pass_and_fails_the_run(registry):
    verdict = registry.judge({"local", "defect.T-001"}, "local", failed=False)

    assert verdict.outcome is Outcome.UNEXPECTED_PASS
    assert verdict.defect is registry.get("T-001")
    assert verdict.fails_run
    message = verdict.message()
    assert message.startswith("UNEXPECTED PASS") and "T-001" in message
    assert f"@{TAG_PREFIX}T-001" in message  # tells the reader which tag to remove


def test_untagged_outcomes(registry):
    passed = registry.judge({"local", "severity.critical"}, "local", failed=False)
    failed = registry.judge({"local"}, "local", failed=True, failure_text="widget exploded: code 42")

    assert passed.outcome is Outcome.PASSED and not passed.fails_run
    assert failed.outcome is Outcome.FAILED and failed.fails_run  # a signature alone is not enough: the tag is


def test_a_defect_of_another_backend_is_ignored(registry):
    tags = {"multiuser", "local", "defect.T-001"}  # T-001 affects local only

    failing = registry.judge(tags, "multiuser", failed=True, failure_text="widget exploded: code 42")
    passing = registry.judge(tags, "multiuser", failed=False)

    assert failing.outcome is Outcome.FAILED
    assert passing.outcome is Outcome.PASSED  # the scenario must pass there, and passing is no surprise


def test_multi_backend_defect_applies_on_each_listed_backend(registry):
    for backend in ("local", "multiuser"):
        verdict = registry.judge({"defect.T-002"}, backend, failed=True, failure_text="the gadget broke")
        assert verdict.outcome is Outcome.KNOWN_DEFECT, backend


def test_with_two_tags_the_matching_defect_is_reported(registry):
    tags = ["defect.T-001", "defect.T-002"]

    verdict = registry.judge(tags, "local", failed=True, failure_text="gadget broke")

    assert verdict.outcome is Outcome.KNOWN_DEFECT
    assert verdict.defect.id == "T-002"


def test_unknown_defect_tag_is_a_readable_error(registry):
    with pytest.raises(DefectRegistryError) as exc:
        registry.judge({"local", "defect.T-999"}, "local", failed=False)

    message = str(exc.value)
    assert "@defect.T-999" in message
    assert "known_defects.yaml" in message
    for known in ("T-001", "T-002", "T-003"):
        assert known in message


def test_unknown_defect_tag_raises_even_on_an_unaffected_backend(registry):
    with pytest.raises(DefectRegistryError):
        registry.for_tags({"defect.NOPE"}, "multiuser")


def test_verdict_messages_of_plain_outcomes():
    assert Verdict(Outcome.PASSED).message() == "passed"
    assert Verdict(Outcome.FAILED).message() == "failed"


# ---- loading ------------------------------------------------------------------------------------


def test_load_builds_known_defects(registry):
    assert len(registry) == len(ENTRIES)
    t1 = registry.get("T-001")
    assert isinstance(t1, KnownDefect)
    assert t1.backends == ("local",) and t1.scenarios == ("Widgets work",)
    assert t1.signature.pattern == ENTRIES[0]["signature"]
    assert {d.id for d in registry} == {e["id"] for e in ENTRIES}


@pytest.mark.parametrize("missing", REQUIRED_FIELDS)
def test_missing_field_is_named(tmp_path, missing):
    entries = [dict(ENTRIES[0]), {k: v for k, v in ENTRIES[1].items() if k != missing}]

    with pytest.raises(DefectRegistryError) as exc:
        DefectRegistry.load(write_registry(tmp_path / "r.yaml", entries))

    message = str(exc.value)
    assert "entry 2" in message and missing in message and "r.yaml" in message


def test_non_mapping_entry_is_an_error(tmp_path):
    with pytest.raises(DefectRegistryError) as exc:
        DefectRegistry.load(write_registry(tmp_path / "r.yaml", ["just a string"]))
    assert "entry 1" in str(exc.value)


def test_bad_regex_is_named(tmp_path):
    entries = [dict(ENTRIES[0], signature="unbalanced (paren")]

    with pytest.raises(DefectRegistryError) as exc:
        DefectRegistry.load(write_registry(tmp_path / "r.yaml", entries))

    assert "T-001" in str(exc.value) and "regex" in str(exc.value)


def test_duplicate_id_is_an_error(tmp_path):
    entries = [ENTRIES[0], dict(ENTRIES[1], id="T-001")]

    with pytest.raises(DefectRegistryError) as exc:
        DefectRegistry.load(write_registry(tmp_path / "r.yaml", entries))

    assert "T-001" in str(exc.value) and "twice" in str(exc.value)


def test_not_a_list_and_unreadable_files(tmp_path):
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("id: T-001\n")
    broken = tmp_path / "broken.yaml"
    broken.write_text("- id: [unclosed\n")

    with pytest.raises(DefectRegistryError, match="expected a list"):
        DefectRegistry.load(mapping)
    with pytest.raises(DefectRegistryError, match="cannot read"):
        DefectRegistry.load(broken)
    with pytest.raises(DefectRegistryError, match="cannot read"):
        DefectRegistry.load(tmp_path / "absent.yaml")


def test_empty_file_is_an_empty_registry(tmp_path):
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing yet\n")
    assert len(DefectRegistry.load(empty)) == 0


# Weak spots of the loader: each lets a registry typo change the rule silently. See the report.
def test_empty_signature_is_rejected(tmp_path):
    with pytest.raises(DefectRegistryError):
        DefectRegistry.load(write_registry(tmp_path / "r.yaml", [dict(ENTRIES[0], signature="")]))


def test_backends_given_as_a_string_is_rejected_or_understood(tmp_path):
    path = write_registry(tmp_path / "r.yaml", [dict(ENTRIES[0], backends="local")])
    try:
        registry = DefectRegistry.load(path)
    except DefectRegistryError:
        return
    assert registry.get("T-001").affects("local")


def test_null_signature_is_a_registry_error(tmp_path):
    with pytest.raises(DefectRegistryError):
        DefectRegistry.load(write_registry(tmp_path / "r.yaml", [dict(ENTRIES[0], signature=None)]))


# ---- the real registry and the feature files ------------------------------------------------

_TAG_RE = re.compile(r"@" + re.escape(TAG_PREFIX) + r"([A-Za-z0-9_-]+)")
_SCENARIO_RE = re.compile(r"^\s*(Scenario Outline|Scenario Template|Scenario|Example):\s*(.+?)\s*$")
_EXAMPLES_RE = re.compile(r"^\s*(Examples|Scenarios):")


def feature_defect_tags() -> dict[str, set[str]]:
    """defect id -> the feature files that use it (plain text search)."""
    used: dict[str, set[str]] = {}
    for feature in sorted(FEATURES.glob("*.feature")):
        for line in feature.read_text().splitlines():
            if line.lstrip().startswith("#"):
                continue
            for defect_id in _TAG_RE.findall(line):
                used.setdefault(defect_id, set()).add(feature.name)
    return used


def feature_scenarios() -> dict[str, set[str]]:
    """scenario title -> defect ids tagged on it or on one of its Examples blocks (plain text parse)."""
    scenarios: dict[str, set[str]] = {}
    pending: set[str] = set()
    current: str | None = None
    for feature in sorted(FEATURES.glob("*.feature")):
        for line in feature.read_text().splitlines():
            stripped = line.strip()
            if stripped.startswith("@"):
                pending |= set(_TAG_RE.findall(stripped))
                continue
            match = _SCENARIO_RE.match(line)
            if match:
                current = match.group(2)
                scenarios.setdefault(current, set()).update(pending)
                pending = set()
            elif _EXAMPLES_RE.match(line) and current is not None:
                scenarios[current].update(pending)
                pending = set()
            elif stripped.startswith("Feature:"):
                pending, current = set(), None
    return scenarios


@pytest.fixture(scope="module")
def real_registry() -> DefectRegistry:
    return DefectRegistry.load(REAL_REGISTRY)


def test_real_registry_loads_with_complete_entries(real_registry):
    raw = yaml.safe_load(REAL_REGISTRY.read_text())
    assert len(real_registry) == len(raw) > 0
    for defect in real_registry:
        assert defect.signature.pattern.strip(), f"{defect.id} has an empty signature"
        assert not defect.signature.search(""), f"{defect.id} signature matches an empty failure"
        assert defect.title.strip() and defect.sut_version.strip()
        assert defect.backends and set(defect.backends) <= {"local", "multiuser"}, defect.id
        assert defect.scenarios and all(isinstance(s, str) and s for s in defect.scenarios), defect.id


def test_every_feature_defect_tag_is_registered(real_registry):
    used = feature_defect_tags()
    assert used, "no @defect. tags found in features/*.feature"
    registered = {d.id for d in real_registry}
    unregistered = {i: sorted(f) for i, f in used.items() if i not in registered}
    assert not unregistered, f"@defect tags without a registry entry: {unregistered}"


def test_every_registered_defect_is_used_by_a_feature(real_registry):
    used = feature_defect_tags()
    unused = sorted(d.id for d in real_registry if d.id not in used)
    assert not unused, f"registered defects no feature is tagged with: {unused}"


def test_registered_scenarios_exist_and_carry_the_tag(real_registry):
    scenarios = feature_scenarios()
    problems = []
    for defect in real_registry:
        for name in defect.scenarios:
            # an outline's Examples block may be named in parentheses: "Title (examples name)"
            title = name if name in scenarios else re.sub(r"\s*\([^)]*\)\s*$", "", name)
            if title not in scenarios:
                problems.append(f"{defect.id}: no scenario titled {name!r}")
            elif defect.id not in scenarios[title]:
                problems.append(f"{defect.id}: scenario {title!r} lacks @{TAG_PREFIX}{defect.id}")
    assert not problems, "\n".join(problems)


# ---- the rule through behave --------------------------------------------------------------------

TMP_REGISTRY = [
    {
        "id": "T-100",
        "title": "the widget explodes",
        "sut_version": "sut 9.9",
        "backends": ["local"],
        "scenarios": ["The widget works"],
        "signature": r"widget exploded: code \d+",
    }
]

# The production after_step/after_scenario/after_all hooks (quilt_e2e.hooks) are used as they are;
# only before_all (no stack) and before_scenario (no World) are replaced.
TMP_ENVIRONMENT = """
from pathlib import Path

import quilt_e2e.run
from quilt_e2e.config import load_settings
from quilt_e2e.defects import DefectRegistry
from quilt_e2e.run import SuiteRun

HERE = Path(__file__).resolve().parent
quilt_e2e.run.REPORTS_DIR = HERE / "reports"  # SuiteRun.finish writes here, not into the project

from quilt_e2e.hooks import after_all, after_scenario, after_step  # noqa: F401


def before_all(context):
    settings = load_settings({}, env={})
    context.suite_run = SuiteRun(settings, DefectRegistry.load(HERE / "known_defects.yaml"))


def before_scenario(context, scenario):
    run = context.suite_run
    if not run.runs_scenario(scenario.effective_tags):
        scenario.skip("not a @%s scenario" % run.settings.backend)
"""

TMP_STEPS = """
from behave import step


@step('the widget fails with "{message}"')
def fails(context, message):
    raise AssertionError(message)


@step("the widget works")
def works(context):
    pass


@step('the widget works unless it is "{name}"')
def works_unless(context, name):
    if name == "bad":
        raise AssertionError("widget exploded: code 7")
"""


def run_behave(tmp_path: Path, feature: str) -> tuple[int, str, Path]:
    (tmp_path / "features").mkdir(exist_ok=True)
    (tmp_path / "steps").mkdir(exist_ok=True)
    (tmp_path / "environment.py").write_text(TMP_ENVIRONMENT)
    (tmp_path / "steps" / "widget_steps.py").write_text(TMP_STEPS)
    write_registry(tmp_path / "known_defects.yaml", TMP_REGISTRY)
    (tmp_path / "features" / "widget.feature").write_text(textwrap.dedent(feature))
    (tmp_path / "behave.ini").write_text("[behave]\npaths = features\n")
    proc = subprocess.run(
        [sys.executable, "-m", "behave", "--no-color", "--format", "plain", "--no-capture", "features"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return proc.returncode, proc.stdout + proc.stderr, tmp_path / "reports"


def test_behave_known_defect_does_not_fail_the_run(tmp_path):
    code, output, reports = run_behave(
        tmp_path,
        """
        Feature: Widgets
          @local @defect.T-100
          Scenario: The widget works
            Given the widget fails with "widget exploded: code 42"
            Then the widget works
        """,
    )

    assert code == 0, output
    assert "KNOWN DEFECT T-100" in output
    assert "known defect T-100: The widget works" in output  # the after_all summary line
    ledger = json.loads((reports / "known-defects.json").read_text())
    assert [(e["defect"], e["scenario"]) for e in ledger] == [("T-100", "The widget works")]
    assert "widget exploded: code 42" in ledger[0]["failure"]


def test_behave_other_failure_of_a_tagged_scenario_fails_the_run(tmp_path):
    code, output, reports = run_behave(
        tmp_path,
        """
        Feature: Widgets
          @local @defect.T-100
          Scenario: The widget works
            Given the widget fails with "the widget melted"
        """,
    )

    assert code != 0, output
    assert "the widget melted" in output
    assert "KNOWN DEFECT" not in output
    assert json.loads((reports / "known-defects.json").read_text()) == []


def test_behave_unexpected_pass_fails_the_run(tmp_path):
    code, output, _ = run_behave(
        tmp_path,
        """
        Feature: Widgets
          @local @defect.T-100
          Scenario: The widget works
            Given the widget works
        """,
    )

    assert code != 0, output
    assert "UNEXPECTED PASS" in output
    assert "T-100" in output


def test_behave_untagged_failure_with_the_signature_fails_the_run(tmp_path):
    code, output, _ = run_behave(
        tmp_path,
        """
        Feature: Widgets
          @local
          Scenario: The widget works
            Given the widget fails with "widget exploded: code 42"
        """,
    )

    assert code != 0, output
    assert "KNOWN DEFECT" not in output


def test_behave_defect_tag_on_an_examples_block_applies_to_its_rows_only(tmp_path):
    # the pattern features/packages.feature uses for QMCP-015
    code, output, reports = run_behave(
        tmp_path,
        """
        Feature: Widgets
          @local
          Scenario Outline: Named widgets work
            Given the widget works unless it is "<name>"

            Examples: good names
              | name |
              | good |

            @defect.T-100
            Examples: bad names
              | name |
              | bad  |
        """,
    )

    assert code == 0, output
    ledger = json.loads((reports / "known-defects.json").read_text())
    assert [e["defect"] for e in ledger] == ["T-100"]
    assert "UNEXPECTED PASS" not in output
