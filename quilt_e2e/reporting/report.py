"""`quilt-e2e report`: the HTML report of a run, built with the Allure 2 command line.

Allure comes from the npm package `allure-commandline` pinned in the project's package.json (installed with
`npm ci` into ./node_modules); it runs on Node.js and Java. Trends across runs use Allure 2's documented
mechanism: the previous report's `history/` folder is copied into the results before generating, and an
`executor.json` carries an incrementing build order (kept in the report dir) so every run is one point of
the trend.

Every problem a user can fix (no Node, no Allure, no Java, no results) is a ReportError with one line that
says what to do; the CLI prints it without a traceback.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

DEFAULT_RESULTS = Path("reports/allure-results")
DEFAULT_OUTPUT = Path("reports/allure-report")
NODE_MODULES_ENV = "QUILT_E2E_NODE_MODULES"
REPORT_NAME = "QuiltOps end-to-end"
EXECUTOR_NAME = "quilt-e2e"
BUILD_COUNTER = "quilt-e2e-build.json"  # in the report dir; survives `--clean` because we rewrite it after
SINGLE_FILE_NAME = "quilt-e2e-report.html"  # in the report dir, next to index.html
STATUSES = ("passed", "failed", "broken", "skipped", "unknown")
REPORT_MARKERS = ("index.html", "widgets", "history", "data", BUILD_COUNTER)  # what makes a dir an Allure report
ALLURE_TIMEOUT_SECONDS = 600


class ReportError(Exception):
    """A problem the user can fix; the message is one line saying what to do."""


def project_root() -> Path:
    """The checkout this package lives in (quilt_e2e/reporting/report.py -> project root)."""
    return Path(__file__).resolve().parents[2]


def default_node_modules() -> Path:
    """$QUILT_E2E_NODE_MODULES, else ./node_modules if present, else the project root's node_modules."""
    configured = os.environ.get(NODE_MODULES_ENV)
    if configured:
        return Path(configured)
    local = Path.cwd() / "node_modules"
    if (local / "allure-commandline").is_dir():
        return local
    return project_root() / "node_modules"


# -- tools ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Tools:
    node: str
    allure: Path  # allure-commandline's bin/allure (a Node script)
    java: str
    version: str  # allure-commandline version installed


def find_node() -> str | None:
    return shutil.which("node")


def find_java() -> str | None:
    """The java the Allure launcher will use: $JAVA_HOME/bin/java if JAVA_HOME is set, else java on PATH."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        candidate = Path(java_home) / "bin" / "java"
        return str(candidate) if os.access(candidate, os.X_OK) else None
    return shutil.which("java")


def pinned_allure_version(root: Path | None = None) -> str | None:
    try:
        package = json.loads(((root or project_root()) / "package.json").read_text())
    except (OSError, ValueError):
        return None
    deps = {**package.get("dependencies", {}), **package.get("devDependencies", {})}
    return deps.get("allure-commandline")


def find_tools(node_modules: Path | None = None) -> Tools:
    """Node, then Allure, then Java; the first one missing raises a ReportError saying how to install it."""
    node_modules = Path(node_modules) if node_modules is not None else default_node_modules()
    node = find_node()
    if node is None:
        raise ReportError(
            "Node.js not found (no `node` on PATH); Allure is installed from npm: install Node.js and npm "
            "(Debian: apt-get install -y nodejs npm), then run `npm ci` in the project root"
        )
    package_dir = node_modules / "allure-commandline"
    launcher = package_dir / "bin" / "allure"
    if not (launcher.is_file() and (package_dir / "dist" / "bin" / "allure").is_file()):
        npm_hint = "" if shutil.which("npm") else " (npm is missing too: apt-get install -y npm)"
        raise ReportError(
            f"Allure is not installed ({package_dir} not found): run `npm ci` in the project root{npm_hint}"
        )
    try:
        version = json.loads((package_dir / "package.json").read_text()).get("version", "?")
    except (OSError, ValueError):
        version = "?"
    java = find_java()
    if java is None:
        where = (
            f"JAVA_HOME={os.environ['JAVA_HOME']} has no bin/java"
            if os.environ.get("JAVA_HOME")
            else "no `java` on PATH"
        )
        raise ReportError(
            f"Java not found ({where}); Allure needs a Java runtime 8 or newer: "
            "apt-get install -y default-jre-headless"
        )
    return Tools(node=node, allure=launcher, java=java, version=version)


# -- results -------------------------------------------------------------------------------------
def result_files(results: Path) -> list[Path]:
    results = Path(results)
    if not results.is_dir():
        raise ReportError(f"no Allure results: {results} does not exist; run `behave` first")
    files = sorted(results.glob("*-result.json")) or sorted(results.glob("*/*-result.json"))
    if not files:
        raise ReportError(f"no Allure results in {results} (no *-result.json); run `behave` first")
    return files


@contextlib.contextmanager
def merged_results(results: Path):
    """The results to report on: `results` itself, or, when each backend's run wrote its own subfolder
    (reports/allure-results/local, .../multiuser), one temporary folder holding all of them."""
    results = Path(results)
    parts = sorted(p.parent for p in results.glob("*/*-result.json"))
    if any(results.glob("*-result.json")) or not parts:
        yield results
        return
    with tempfile.TemporaryDirectory(prefix="allure-merged-") as tmp:
        merged = Path(tmp)
        environment: dict[str, list[str]] = {}
        for part in dict.fromkeys(parts):
            for item in part.iterdir():
                if item.name == "environment.properties":
                    for line in item.read_text().splitlines():
                        key, _, value = line.partition("=")
                        values = environment.setdefault(key, [])
                        if value not in values:
                            values.append(value)
                elif item.is_file():
                    shutil.copyfile(item, merged / item.name)
        lines = [f"{key}={', '.join(values)}" for key, values in environment.items()]
        (merged / "environment.properties").write_text("\n".join(lines) + "\n")
        yield merged


def load_results(results: Path) -> list[dict]:
    """The test results as Allure shows them: one per historyId (the latest run of it), like Allure's retries."""
    latest: dict[str, dict] = {}
    for path in result_files(results):
        try:
            result = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise ReportError(f"unreadable Allure result {path}: {exc}") from None
        key = result.get("historyId") or result.get("uuid") or path.name
        previous = latest.get(key)
        if previous is None or (result.get("start") or 0) >= (previous.get("start") or 0):
            latest[key] = result
    return list(latest.values())


def count_statuses(results: Path) -> Counter:
    counts: Counter = Counter(dict.fromkeys(STATUSES, 0))
    for result in load_results(results):
        status = result.get("status") or "unknown"
        counts[status if status in STATUSES else "unknown"] += 1
    return counts


def summary_line(counts: Counter) -> str:
    total = sum(counts.values())
    parts = [f"{counts[s]} {s}" for s in ("passed", "failed", "broken", "skipped")]
    if counts["unknown"]:
        parts.append(f"{counts['unknown']} unknown")
    return f"{total} scenarios: " + ", ".join(parts)


# -- history and executor -------------------------------------------------------------------------
def next_build_order(output: Path) -> int:
    """One more than the last run's; from the counter in the report dir, else from the history trend."""
    try:
        return int(json.loads((output / BUILD_COUNTER).read_text())["buildOrder"]) + 1
    except (OSError, ValueError, KeyError, TypeError):
        pass
    try:
        trend = json.loads((output / "history" / "history-trend.json").read_text())
        return max(int(item.get("buildOrder") or 0) for item in trend) + 1 if trend else 1
    except (OSError, ValueError, TypeError):
        return 1


def carry_history(results: Path, output: Path) -> bool:
    """Copy the previous report's history/ into the results (Allure 2's way of keeping trends)."""
    source = output / "history"
    target = results / "history"
    if target.exists():
        shutil.rmtree(target)
    if not source.is_dir():
        return False
    shutil.copytree(source, target)
    return True


def write_executor(results: Path, build_order: int) -> None:
    """executor.json, so the trend shows one point per run. One written by someone else (e.g. CI) is kept."""
    path = results / "executor.json"
    if path.exists():
        try:
            if json.loads(path.read_text()).get("name") != EXECUTOR_NAME:
                return
        except (OSError, ValueError, AttributeError):
            pass
    executor = {
        "name": EXECUTOR_NAME,
        "type": "local",
        "buildOrder": build_order,
        "buildName": f"quilt-e2e run #{build_order}",
        "reportName": REPORT_NAME,
    }
    path.write_text(json.dumps(executor, indent=2) + "\n")


def check_output_dir(results: Path, output: Path) -> None:
    """The output dir is replaced by the new report: refuse anything that is not a previous report."""
    resolved_out, resolved_results = output.resolve(), results.resolve()
    if resolved_out == resolved_results or resolved_out in resolved_results.parents:
        raise ReportError(f"--output {output} would contain the results {results}; choose another report dir")
    if output.exists():
        if not output.is_dir():
            raise ReportError(f"--output {output} is a file, not a directory")
        if any(output.iterdir()) and not any((output / marker).exists() for marker in REPORT_MARKERS):
            raise ReportError(
                f"refusing to replace {output}: it is not empty and not an Allure report; choose another --output"
            )


# -- generation -----------------------------------------------------------------------------------
def run_allure(tools: Tools, args: list[str]) -> None:
    env = dict(os.environ, ALLURE_NO_ANALYTICS="true")  # no Google Analytics in the page nor at generation
    command = [tools.node, str(tools.allure), *args]
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=ALLURE_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        raise ReportError(f"allure {args[0]} did not finish within {ALLURE_TIMEOUT_SECONDS} s") from None
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip()
        if "UnsupportedClassVersionError" in output:
            raise ReportError(f"Java at {tools.java} is too old for Allure {tools.version}: install Java 8 or newer")
        raise ReportError(f"allure {args[0]} failed (exit {done.returncode}): {_java_failure(output)}")


def _java_failure(output: str) -> str:
    """The telling line of a Java stack trace: the innermost cause, else the first exception line."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    causes = [line for line in lines if line.startswith("Caused by:")]
    if causes:
        return causes[-1]
    errors = [
        line for line in lines if not line.startswith(("at ", "...")) and ("Exception" in line or "Error" in line)
    ]
    if errors:
        return errors[0]
    return lines[-1] if lines else "(no output)"


def _replace_dir(target: Path, new: Path) -> None:
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        old.rmdir()
        target.rename(old)
    new.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@dataclass(frozen=True)
class Report:
    index: Path
    single_file: Path | None
    counts: Counter
    build_order: int
    history_carried: bool


def generate(
    results: Path = DEFAULT_RESULTS,
    output: Path = DEFAULT_OUTPUT,
    *,
    single_file: bool = False,
    node_modules: Path | None = None,
    name: str = REPORT_NAME,
) -> Report:
    results, output = Path(results), Path(output)
    tools = find_tools(node_modules)
    result_files(results)  # one clear line when there is nothing to report on
    check_output_dir(results, output)
    with merged_results(results) as source:
        return _generate(tools, source, output, single_file, name)


def _generate(tools: Tools, results: Path, output: Path, single_file: bool, name: str) -> Report:
    counts = count_statuses(results)

    build_order = next_build_order(output)
    history_carried = carry_history(results, output)
    write_executor(results, build_order)

    # Generated next to the output and swapped in only when complete: a failed generation keeps the
    # previous report and its history.
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.new-", dir=output.parent))
    try:
        run_allure(tools, ["generate", "--clean", "--name", name, "-o", str(staging), str(results)])
        (staging / BUILD_COUNTER).write_text(json.dumps({"buildOrder": build_order}) + "\n")
        _replace_dir(output, staging)
    finally:
        shutil.rmtree(staging, ignore_errors=True)

    single = None
    if single_file:
        # A second generation from the same results (history included); the report dir keeps its
        # history/ for the next run, the single file sits next to index.html.
        with tempfile.TemporaryDirectory(prefix="allure-single-") as tmp:
            run_allure(tools, ["generate", "--clean", "--single-file", "--name", name, "-o", tmp, str(results)])
            single = output / SINGLE_FILE_NAME
            shutil.copyfile(Path(tmp) / "index.html", single)

    return Report(output / "index.html", single, counts, build_order, history_carried)
