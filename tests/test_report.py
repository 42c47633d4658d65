"""`quilt-e2e report`: its one-line errors, and the real thing: a behave run, the Allure report built from
it, opened in headless Chromium.

The end-to-end test needs Node.js with `npm ci` done (allure-commandline in ./node_modules), Java and
Debian's chromium (/usr/bin/chromium, driven by the `playwright` package; never `playwright install`).
It is skipped, with the reason, only when Node, Java or Chromium is absent; a missing `npm ci` fails it.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest

from quilt_e2e import cli
from quilt_e2e.reporting import report

ROOT = Path(__file__).resolve().parents[1]
FEATURE = "features/authentication.feature"  # small, and has known-defect scenarios (@defect.QMCP-0xx)
CHROMIUM = os.environ.get("QUILT_E2E_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium dials out at start-up and this closed network refuses it.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACT = ROOT / "reports" / "artifacts" / "allure-overview.png"
STATUS_NAMES = {"passed": "Passed", "failed": "Failed", "broken": "Broken", "skipped": "Skipped", "unknown": "Unknown"}
# Allure 2's own categories for results that match none of categories.json
DEFAULT_CATEGORIES = {"failed": "Product defects", "broken": "Test defects"}
KNOWN_DEFECTS_CATEGORY = "Known SUT defects"


# -- CLI errors: one line on stderr, exit 2, no traceback ------------------------------------------------
def _fake_tools() -> report.Tools:
    return report.Tools(node="/usr/bin/node", allure=Path("/nonexistent/allure"), java="/usr/bin/java", version="0")


def _run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(["report", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _assert_one_error_line(code: int, err: str, *phrases: str) -> None:
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("quilt-e2e report: error: ")
    assert "Traceback" not in err
    for phrase in phrases:
        assert phrase in lines[0]


def test_missing_results_dir(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(report, "find_tools", lambda node_modules=None: _fake_tools())
    missing = tmp_path / "no-such-results"
    code, _, err = _run_cli(capsys, "--results", str(missing), "--output", str(tmp_path / "out"))
    _assert_one_error_line(code, err, str(missing), "does not exist", "run `behave` first")


def test_empty_results_dir(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(report, "find_tools", lambda node_modules=None: _fake_tools())
    results = tmp_path / "results"
    results.mkdir()
    (results / "categories.json").write_text("[]")  # a results dir with no *-result.json is still empty
    code, _, err = _run_cli(capsys, "--results", str(results), "--output", str(tmp_path / "out"))
    _assert_one_error_line(code, err, "no *-result.json", "run `behave` first")


@pytest.mark.parametrize("how", ["option", "env"])
def test_allure_not_installed(tmp_path, capsys, monkeypatch, how):
    monkeypatch.setattr(report, "find_node", lambda: "/usr/bin/node")
    nowhere = tmp_path / "no-node_modules"
    args = ["--results", str(tmp_path / "results"), "--output", str(tmp_path / "out")]
    if how == "option":
        args += ["--node-modules", str(nowhere)]
    else:
        monkeypatch.setenv(report.NODE_MODULES_ENV, str(nowhere))
    code, _, err = _run_cli(capsys, *args)
    _assert_one_error_line(code, err, "Allure is not installed", "run `npm ci`")


def test_node_missing(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(report, "find_node", lambda: None)
    code, _, err = _run_cli(capsys, "--results", str(tmp_path), "--output", str(tmp_path / "out"))
    _assert_one_error_line(code, err, "Node.js not found", "npm ci")


def test_java_missing(tmp_path, capsys, monkeypatch):
    node_modules = tmp_path / "node_modules"
    for launcher in ("bin/allure", "dist/bin/allure"):
        path = node_modules / "allure-commandline" / launcher
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
    monkeypatch.setattr(report, "find_node", lambda: "/usr/bin/node")
    monkeypatch.setattr(report, "find_java", lambda: None)
    code, _, err = _run_cli(capsys, "--results", str(tmp_path), "--output", str(tmp_path / "out"),
                            "--node-modules", str(node_modules))
    _assert_one_error_line(code, err, "Java not found", "default-jre-headless")


def test_console_script_error_has_no_traceback(tmp_path):
    """The installed entry point itself: exit status 2, one line."""
    done = subprocess.run(
        [sys.executable, "-m", "quilt_e2e.cli", "report", "--results", str(tmp_path / "none"),
         "--output", str(tmp_path / "out"), "--node-modules", str(tmp_path / "none")],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_refuses_to_clean_a_directory_that_is_not_a_report(tmp_path):
    results, output = tmp_path / "results", tmp_path / "precious"
    results.mkdir()
    output.mkdir()
    (output / "notes.txt").write_text("keep me")
    with pytest.raises(report.ReportError, match="refusing to replace"):
        report.check_output_dir(results, output)
    with pytest.raises(report.ReportError, match="would contain the results"):
        report.check_output_dir(results, tmp_path)


# -- counting, history, executor (no Allure needed) -------------------------------------------------------
def _write_result(results: Path, name: str, status: str, history_id: str, start: int) -> None:
    payload = {"name": name, "status": status, "historyId": history_id, "start": start, "uuid": f"{name}-{start}"}
    (results / f"{name}-{start}-result.json").write_text(json.dumps(payload))


def test_counts_take_the_latest_result_per_test(tmp_path):
    _write_result(tmp_path, "a", "failed", "h-a", 1)
    _write_result(tmp_path, "a", "passed", "h-a", 2)  # a retry of a: Allure shows the latest
    _write_result(tmp_path, "b", "skipped", "h-b", 1)
    counts = report.count_statuses(tmp_path)
    assert (counts["passed"], counts["failed"], counts["skipped"], counts["broken"]) == (1, 0, 1, 0)
    assert report.summary_line(counts) == "2 scenarios: 1 passed, 0 failed, 0 broken, 1 skipped"


def test_history_and_build_order_carry_over(tmp_path):
    results, output = tmp_path / "results", tmp_path / "report"
    results.mkdir()
    assert report.next_build_order(output) == 1
    assert report.carry_history(results, output) is False
    (output / "history").mkdir(parents=True)
    (output / "history" / "history-trend.json").write_text(json.dumps([{"buildOrder": 6, "data": {}}]))
    assert report.next_build_order(output) == 7  # no counter file: from the trend
    (output / report.BUILD_COUNTER).write_text(json.dumps({"buildOrder": 9}))
    assert report.next_build_order(output) == 10
    assert report.carry_history(results, output) is True
    assert (results / "history" / "history-trend.json").exists()
    report.write_executor(results, 10)
    assert json.loads((results / "executor.json").read_text())["buildOrder"] == 10
    (results / "executor.json").write_text(json.dumps({"name": "jenkins", "buildOrder": 3}))
    report.write_executor(results, 11)  # someone else's executor.json is kept
    assert json.loads((results / "executor.json").read_text())["name"] == "jenkins"


# -- end to end: behave -> quilt-e2e report -> headless Chromium -----------------------------------------
def _requirements_or_skip() -> None:
    missing = []
    if report.find_node() is None:
        missing.append("Node.js (node)")
    if report.find_java() is None:
        missing.append("Java (apt-get install -y default-jre-headless)")
    if not os.access(CHROMIUM, os.X_OK):
        missing.append(f"Chromium at {CHROMIUM} (apt-get install -y chromium)")
    if missing:
        pytest.skip("the Allure report test needs " + ", ".join(missing))


@pytest.fixture(scope="module")
def real_run(tmp_path_factory):
    """A real behave run of a small feature, written as Allure results into a temporary directory."""
    _requirements_or_skip()
    results = tmp_path_factory.mktemp("allure") / "results"
    command = [
        sys.executable, "-m", "behave", "--show-skipped",
        "--format", "allure_behave.formatter:AllureFormatter", "-o", str(results), FEATURE,
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, f"behave failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert list(results.glob("*-result.json")), f"behave wrote no Allure results to {results}"
    return results


def _results(results: Path) -> list[dict]:
    return [json.loads(path.read_text()) for path in sorted(results.glob("*-result.json"))]


def _is_known_defect(result: dict) -> bool:
    tags = [label["value"] for label in result.get("labels", []) if label.get("name") == "tag"]
    return any(tag.startswith("defect.") for tag in tags)


def _allure_categories(result: dict, categories: list[dict]) -> list[str]:
    """The categories Allure 2 files a result under (its CategoriesPlugin rules: every category whose
    statuses and full-match regexes fit; none fitting -> its defaults for failed and broken)."""
    status = result.get("status")
    details = result.get("statusDetails") or {}

    def fits(text: str | None, pattern: str | None) -> bool:
        if pattern is None:
            return True
        return text is not None and re.fullmatch(pattern, text, re.DOTALL) is not None

    names = [
        category["name"]
        for category in categories
        if (not category.get("matchedStatuses") or status in category["matchedStatuses"])
        and fits(details.get("message"), category.get("messageRegex"))
        and fits(details.get("trace"), category.get("traceRegex"))
    ]
    if not names and status in DEFAULT_CATEGORIES:
        names = [DEFAULT_CATEGORIES[status]]
    return names


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture()
def serve():
    servers = []

    def _serve(directory: Path) -> str:
        server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(directory))
        )
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/index.html"

    yield _serve
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture()
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(
            "the `playwright` package is missing: .venv/bin/pip install -e '.[dev]' (never `playwright install`)"
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def _overview_counts(page) -> tuple[int, dict[str, int]]:
    """What the Overview's summary widget displays: the total, and per status the count in the tooltip of
    the status's arc of the donut ("4 tests (50%) / Skipped")."""
    summary = page.locator('.widget[data-id="summary"]')
    summary.locator(".chart__arc").first.wait_for(timeout=20_000)
    total = int(summary.locator(".splash__title").inner_text().strip())
    shown: dict[str, int] = {}
    for status in STATUS_NAMES:
        arcs = summary.locator(f".chart__arc_status_{status}")
        if arcs.count() == 0:
            shown[status] = 0
            continue
        arcs.first.dispatch_event("mouseenter")
        tooltip = page.locator(".tooltip").last
        tooltip.wait_for(timeout=5_000)
        text = tooltip.inner_text()
        match = re.match(r"\s*(\d+) tests?\b", text)
        assert match and STATUS_NAMES[status] in text, f"unexpected tooltip for {status}: {text!r}"
        shown[status] = int(match.group(1))
        arcs.first.dispatch_event("mouseleave")
    return total, shown


def _tree_group(page, name: str):
    return page.locator(
        '.node[data-node-kind="group"]', has=page.locator(":scope > .node__title .node__name", has_text=name)
    ).first


def _expand_all(group) -> None:
    """Open a tree group and all its sub-groups (Allure groups a category by message, then lists results)."""
    group.locator(":scope > .node__title").click()
    for _ in range(5):
        closed = group.locator('.node[data-node-kind="group"]:not(:has(> .node__children))')
        if closed.count() == 0:
            return
        for _ in range(closed.count()):
            closed.nth(0).locator(":scope > .node__title").click()


def test_report_of_a_real_run_in_headless_chromium(real_run, tmp_path, browser, serve, capsys):
    results = real_run
    output = tmp_path / "report"

    # Two reports into the same dir: the second carries the first one's history (trend) and is single-file too.
    assert cli.main(["report", "--results", str(results), "--output", str(output)]) == 0
    assert cli.main(["report", "--results", str(results), "--output", str(output), "--single-file"]) == 0
    printed = capsys.readouterr().out
    assert str((output / "index.html").resolve()) in printed
    single = output / report.SINGLE_FILE_NAME
    assert single.is_file() and str(single.resolve()) in printed
    trend = json.loads((output / "history" / "history-trend.json").read_text())
    assert [point["buildOrder"] for point in trend][:2] == [2, 1]

    # Expected numbers from the result files themselves.
    raw = _results(results)
    expected = Counter(dict.fromkeys(STATUS_NAMES, 0))
    expected.update(result["status"] for result in raw)
    total = sum(expected.values())
    assert f"{total} scenarios: {expected['passed']} passed, {expected['failed']} failed, " \
           f"{expected['broken']} broken, {expected['skipped']} skipped" in printed

    known = [result for result in raw if _is_known_defect(result)]
    assert known, f"{FEATURE} should contain a known-defect scenario (@defect.*)"
    categories_file = results / "categories.json"
    categories = json.loads(categories_file.read_text()) if categories_file.exists() else []
    if any(category["name"] == KNOWN_DEFECTS_CATEGORY for category in categories):
        for result in known:  # the suite's contract: a reproduced known defect is skipped, in its category
            assert result["status"] == "skipped", result["name"]
            assert (result.get("statusDetails") or {}).get("message", "").startswith("KNOWN DEFECT QMCP-")
            assert KNOWN_DEFECTS_CATEGORY in _allure_categories(result, categories), result["name"]
    defect = known[0]
    defect_categories = _allure_categories(defect, categories)
    assert defect_categories, f"{defect['name']} ({defect['status']}) falls under no category"

    page = browser.new_page(viewport={"width": 1400, "height": 900})
    outside: list[str] = []  # the report must work offline (no analytics, no CDN)
    page.on("request", lambda request: None if request.url.startswith(("http://127.0.0.1", "data:", "blob:"))
            else outside.append(request.url))
    url = serve(output)

    # Overview: total and per-status counts as displayed.
    page.goto(url)
    shown_total, shown = _overview_counts(page)
    assert shown_total == total
    assert shown == dict(expected)
    trend_widget = page.locator('.widget[data-id="history-trend"]')
    assert trend_widget.locator(".widget__noitems").count() == 0, "the trend should show the earlier run"
    page.wait_for_timeout(300)  # let the charts' transitions settle for the screenshot
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACT), full_page=True)
    shutil.copyfile(ARTIFACT, tmp_path / ARTIFACT.name)

    # Categories: the known-defect scenario sits under each category Allure files it under.
    page.goto(url + "#categories")
    for name in defect_categories:
        group = _tree_group(page, name)
        group.wait_for(timeout=20_000)
        _expand_all(group)
        exact = re.compile(rf"^\s*{re.escape(defect['name'])}\s*$")
        leaf = group.locator("a.node__leaf .node__name", has_text=exact)
        assert leaf.count() >= 1, f"{defect['name']!r} is not shown under the category {name!r}"
        assert leaf.first.is_visible()
    page.close()
    assert not outside, f"the report requested addresses off this machine: {outside}"

    # The single file opens from disk, without a server.
    page = browser.new_page()
    page.goto(single.resolve().as_uri())
    total_single, _ = _overview_counts(page)
    assert total_single == total
    page.close()


def test_allure_failure_is_summarised_by_its_cause():
    trace = """Exception in thread "main" java.lang.RuntimeException: boom
\tat io.qameta.allure.X.y(X.java:1)
Caused by: java.nio.file.NoSuchFileException: /r/abc-result.json
\tat sun.nio.fs.Z(Z.java:2)
\t... 13 more"""
    assert report._java_failure(trace) == "Caused by: java.nio.file.NoSuchFileException: /r/abc-result.json"
    assert report._java_failure("Exception in thread \"main\" java.lang.OutOfMemoryError\n\tat a.b(C.java:1)") \
        == "Exception in thread \"main\" java.lang.OutOfMemoryError"
    assert report._java_failure("") == "(no output)"


def test_a_failed_generation_keeps_the_previous_report(tmp_path, capsys, monkeypatch):
    fake_node = tmp_path / "node"
    fake_node.write_text("#!/bin/sh\necho 'Caused by: java.lang.IllegalStateException: broken results' >&2\nexit 1\n")
    fake_node.chmod(0o755)
    monkeypatch.setattr(report, "find_tools", lambda node_modules=None: report.Tools(
        node=str(fake_node), allure=Path("allure"), java="/usr/bin/java", version="0"))
    results, output = tmp_path / "results", tmp_path / "report"
    results.mkdir()
    _write_result(results, "a", "passed", "h-a", 1)
    (output / "history").mkdir(parents=True)
    (output / "index.html").write_text("previous report")
    code, _, err = _run_cli(capsys, "--results", str(results), "--output", str(output))
    _assert_one_error_line(code, err, "allure generate failed (exit 1)", "IllegalStateException: broken results")
    assert (output / "index.html").read_text() == "previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["node", "report", "results"]  # no staging dir left
