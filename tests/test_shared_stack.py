"""The shared stack's parts: the state file, attach errors, the stand-in's control API and its client,
`quilt-e2e stack status|down`, and how `quilt-e2e run` plans workers and merges their results."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from conftest import s3_with

from quilt_e2e import parallel
from quilt_e2e.catalog import CatalogStandIn
from quilt_e2e.catalog.control import ControlError
from quilt_e2e.catalog.control_client import StandInClient, health
from quilt_e2e.catalog.directory import User
from quilt_e2e.catalog.state import SsoConfig
from quilt_e2e.stack import PROJECT_ROOT, state_file

BIN = Path(sys.executable).parent
REGISTRY = "control-api-registry"
DATA = "control-api-data"
KEY = "a-control-key-for-tests"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(tmp_path: Path, **extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUILT_E2E_")}
    return {**env, "QUILT_E2E_REPORTS_DIR": str(tmp_path / "reports"), **extra}


# -- the state file -----------------------------------------------------------------------------------
def test_state_file_round_trip_is_private(tmp_path):
    path = tmp_path / "stack" / "state.json"
    state_file.write(path, {"pid": 123, "control_key": "secret", "aws_endpoint": "http://127.0.0.1:1"})
    assert state_file.read(path)["aws_endpoint"] == "http://127.0.0.1:1"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not list(path.parent.glob("*.tmp"))


@pytest.mark.parametrize("content, words", [
    (None, "no stack server state"),
    ("{not json", "unreadable stack state file"),
    ('{"endpoints": 1}', "is not a stack server state file"),
])
def test_state_file_problems_are_one_line_saying_what_to_do(tmp_path, content, words):
    path = tmp_path / "state.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(state_file.StateFileError) as caught:
        state_file.read(path)
    assert words in str(caught.value) and "quilt-e2e stack up" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_state_file_is_removed_only_by_its_own_server(tmp_path):
    path = tmp_path / "state.json"
    state_file.write(path, {"pid": 41})
    state_file.remove_if_owned(path, 42)
    assert path.exists()
    state_file.remove_if_owned(path, 41)
    assert not path.exists()


# -- attaching to an absent or dead stack -------------------------------------------------------------------
def _behave_shared(tmp_path, **env) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "behave"), "-D", "stack=shared", "features/cleanup.feature"], cwd=PROJECT_ROOT,
                          env=_env(tmp_path, **env), capture_output=True, text=True, timeout=120)


def test_attaching_without_a_stack_server_says_to_start_one(tmp_path):
    done = _behave_shared(tmp_path)
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.startswith("quilt-e2e:")]
    assert len(lines) == 1 and "quilt-e2e stack up" in lines[0], done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_attaching_to_a_dead_stack_server_says_to_start_one(tmp_path):
    dead = f"http://127.0.0.1:{_free_port()}"
    path = tmp_path / "reports" / "stack" / "state.json"
    state_file.write(path, {"pid": 999999, "aws_endpoint": dead, "catalog_url": dead, "control_key": "k",
                            "settings": {}})
    done = _behave_shared(tmp_path)
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.startswith("quilt-e2e:")]
    assert len(lines) == 1 and "is down" in lines[0] and "quilt-e2e stack up" in lines[0], done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_attaching_with_other_buckets_than_the_server_is_refused(tmp_path):
    path = tmp_path / "reports" / "stack" / "state.json"
    state_file.write(path, {"pid": 1, "aws_endpoint": "http://127.0.0.1:9", "catalog_url": "http://127.0.0.1:9",
                            "control_key": "k", "settings": {"data_bucket": "another-data-bucket"}})
    done = _behave_shared(tmp_path)
    assert done.returncode == 2
    assert "data_bucket=quilt-mcp-test-data (server: another-data-bucket)" in done.stderr, done.stderr


# -- the control API against a real stand-in ---------------------------------------------------------------
@pytest.fixture(scope="module")
def remote(server):
    s3_with(server, (REGISTRY, DATA), {}, DATA)
    stand_in = CatalogStandIn(server.endpoint_url, REGISTRY, [DATA], control_key=KEY).start()
    try:
        yield stand_in, StandInClient(stand_in.url, KEY)
    finally:
        stand_in.stop()


def test_control_client_reads_and_changes_users(remote):
    stand_in, client = remote
    directory = client.catalog.directory
    assert sorted(directory.users) == sorted(stand_in.catalog.directory.users)
    assert directory.roles["viewer"] == stand_in.catalog.directory.roles["viewer"]
    for name in ("test-readonly", "test-user"):
        record = directory.get(name)
        assert directory.level(record) == stand_in.catalog.directory.level(stand_in.catalog.directory.get(name))
        assert directory.can_write(record) is stand_in.catalog.directory.can_write(record)
    joined = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    directory.add(User("ctl-someone", "someone@test.com", "viewer", ["user"], date_joined=joined, last_login=joined))
    assert stand_in.catalog.directory.get("ctl-someone").extra_roles == ["user"]
    assert directory.get("ctl-someone").date_joined == joined
    directory.update("ctl-someone", is_active=False)
    assert stand_in.catalog.directory.get("ctl-someone").is_active is False
    directory.remove("ctl-someone")
    assert directory.get("ctl-someone") is None and stand_in.catalog.directory.get("ctl-someone") is None


def test_control_client_reads_and_changes_catalog_settings(remote):
    stand_in, client = remote
    client.catalog.open_query = True
    assert stand_in.catalog.open_query is True and client.catalog.open_query is True
    client.catalog.open_query = False
    assert stand_in.catalog.open_query is False
    uploader = stand_in.catalog.directory.get("test-admin")
    config = SsoConfig("version: '1.0'\n", datetime(2025, 11, 3, tzinfo=UTC), uploader)
    client.catalog.sso_config = config
    assert stand_in.catalog.sso_config == config and client.catalog.sso_config == config
    client.catalog.sso_config = None
    assert stand_in.catalog.sso_config is None
    client.catalog.tabulator.put(DATA, "ctl-table", "schema: []\n")
    assert stand_in.catalog.tabulator.get(DATA, "ctl-table") == "schema: []\n"
    client.catalog.tabulator.rename(DATA, "ctl-table", "ctl-renamed")
    assert [t["name"] for t in client.catalog.tabulator.tables(DATA)] == ["ctl-renamed"]
    client.catalog.tabulator.put(DATA, "ctl-renamed", None)
    assert client.catalog.tabulator.get(DATA, "ctl-renamed") is None
    assert client.catalog.buckets == stand_in.catalog.buckets
    assert client.config_json() == stand_in.config_json()
    assert client.visible_buckets("test-readonly") == stand_in.visible_buckets("test-readonly")
    assert client.aws_role_arn("test-user") == stand_in.aws_role_arn("test-user")


def test_control_client_tokens_are_the_stand_ins_own(remote):
    stand_in, client = remote
    token = client.issue_token("test-user")
    me = requests.post(f"{stand_in.url}/graphql", json={"query": "{ me { name } }"},
                       headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert me.json()["data"]["me"]["name"] == "test-user"
    expired = client.issue_token("test-user", expires_in=-60)
    assert requests.post(f"{stand_in.url}/graphql", json={"query": "{ me { name } }"},
                         headers={"Authorization": f"Bearer {expired}"}, timeout=10).status_code == 401
    refresh = client.issue_refresh_token("test-admin")
    answer = requests.post(f"{stand_in.url}/api/token", data={"refresh_token": refresh}, timeout=10)
    assert answer.status_code == 200 and answer.json()["access_token"]
    with pytest.raises(KeyError):
        client.issue_token("nobody-at-all")


def test_control_calls_are_not_catalog_traffic_and_the_log_is_numbered(remote):
    stand_in, client = remote
    requests.get(f"{stand_in.url}/config.json", timeout=10)
    client.catalog.directory.get("test-user")
    entries = client.request_log.entries
    assert entries[-1]["path"] == "/config.json"
    assert not any(e["path"].startswith("/__e2e/") for e in entries)
    assert [e["seq"] for e in entries] == sorted({e["seq"] for e in entries})


def test_each_run_reaches_the_stand_in_through_its_own_front_and_reads_only_its_own_requests(remote):
    stand_in, _ = remote
    runs = {run: StandInClient(stand_in.url, KEY, run_id=run) for run in ("e2e-front-a", "e2e-front-b")}
    try:
        for client in runs.values():
            assert client.url != stand_in.url and client.stand_in_url == stand_in.url
            served = requests.get(f"{client.url}/config.json", timeout=10).json()
            assert served == client.config_json() and served["registryUrl"] == client.url
            urls = [v for v in served.values() if isinstance(v, str) and v.startswith("http")]
            assert urls and all(v.startswith(client.url + "/") or v == client.url for v in urls), served
            answer = requests.post(f"{client.url}/graphql", json={"query": "{ me { name } }"}, timeout=10)
            assert answer.status_code == 200 and answer.json()["data"]["me"] is None  # anonymous, as directly
        direct = requests.get(f"{stand_in.url}/config.json", timeout=10).json()
        assert direct == stand_in.config_json() and direct["registryUrl"] == stand_in.url
        # a percent-encoded non-ASCII path arrives as the client sent it (the stand-in logs the same path)
        for url in (stand_in.url, runs["e2e-front-a"].url):
            assert requests.get(f"{url}/browse/no-session/caf%C3%A9.csv", timeout=10).status_code == 404
        everything = stand_in.recent_requests(8)
        assert everything[-1]["path"] == everything[-2]["path"] and "run" not in everything[-2]
        for run, client in runs.items():
            mine = client.request_log.entries
            assert {e["run"] for e in mine} == {run}, mine
            expected = [("GET", "/config.json"), ("POST", "/graphql")]
            expected += [("GET", everything[-1]["path"])] if run == "e2e-front-a" else []
            assert [(e["method"], e["path"]) for e in mine] == expected
            assert client.recent_requests(1) == mine[-1:]
    finally:
        for client in runs.values():
            client.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{runs['e2e-front-a'].url}/config.json", timeout=5)


def test_a_run_front_answers_502_when_the_stand_in_behind_it_is_gone(server):
    s3_with(server, (REGISTRY, DATA), {}, DATA)
    stand_in = CatalogStandIn(server.endpoint_url, REGISTRY, [DATA], control_key=KEY).start()
    client = StandInClient(stand_in.url, KEY, run_id="e2e-front-gone")
    try:
        assert requests.get(f"{client.url}/config.json", timeout=10).status_code == 200
        stand_in.stop()
        assert requests.get(f"{client.url}/config.json", timeout=10).status_code == 502  # as a load balancer does
    finally:
        client.stop()
        stand_in.stop()


def test_control_api_needs_the_key_but_health_does_not(remote):
    stand_in, _ = remote
    assert health(stand_in.url) == {"ok": True, "service": "catalog", "url": stand_in.url}
    assert requests.post(f"{stand_in.url}/__e2e/rpc/users", json={}, timeout=10).status_code == 403
    with pytest.raises(ControlError, match="HTTP 403"):
        StandInClient(stand_in.url, "wrong-key")
    in_process = CatalogStandIn(stand_in.s3_endpoint_url, REGISTRY, [DATA]).start()  # no key: health only
    try:
        assert health(in_process.url) is not None
        assert requests.post(f"{in_process.url}/__e2e/rpc/users", json={}, headers={"X-Quilt-E2E-Control": ""},
                             timeout=10).status_code == 403
    finally:
        in_process.stop()


def test_a_dead_stand_in_is_one_line_saying_what_to_do():
    with pytest.raises(ControlError, match=r"does not answer.*quilt-e2e stack status"):
        StandInClient(f"http://127.0.0.1:{_free_port()}", KEY)


# -- quilt-e2e stack status / down, and usage errors ---------------------------------------------------------
def _cli(tmp_path, *args) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "quilt-e2e"), *args], cwd=PROJECT_ROOT, env=_env(tmp_path),
                          capture_output=True, text=True, timeout=60)


def test_stack_status_is_1_without_a_server_and_down_has_nothing_to_stop(tmp_path):
    done = _cli(tmp_path, "stack", "status")
    assert done.returncode == 1 and "down" in done.stdout and "quilt-e2e stack up" in done.stdout
    done = _cli(tmp_path, "stack", "down")
    assert done.returncode == 0 and "no stack server is up" in done.stdout


def test_stack_status_is_1_when_the_state_file_names_a_dead_server(tmp_path):
    dead = f"http://127.0.0.1:{_free_port()}"
    path = tmp_path / "reports" / "stack" / "state.json"
    state_file.write(path, {"pid": 999999, "aws_endpoint": dead, "catalog_url": dead, "control_key": "k"})
    done = _cli(tmp_path, "stack", "status")
    assert done.returncode == 1 and "NOT answering" in done.stdout
    assert "control_key" not in done.stdout and "\"k\"" not in done.stdout
    done = _cli(tmp_path, "stack", "down")
    assert done.returncode == 0 and not path.exists()


@pytest.mark.parametrize("args, words", [
    (["run", "--jobs", "0"], "--jobs must be 1 or more"),
    (["run", "--tags", "@no-such-tag-anywhere"], "select no scenario"),
    (["run", "--", "features/none.feature"], "no feature file features/none.feature"),
])
def test_run_usage_errors_are_one_line(tmp_path, args, words):
    done = _cli(tmp_path, *args)
    assert done.returncode == 2 and words in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_serve_usage_errors_are_one_line(tmp_path):
    done = subprocess.run([sys.executable, "-m", "quilt_e2e.stack.serve", "--services", "catalog"], cwd=PROJECT_ROOT,
                          env=_env(tmp_path), capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--aws-endpoint" in done.stderr and "Traceback" not in done.stderr


# -- planning and merging ---------------------------------------------------------------------------------
def test_plan_keeps_catalog_wide_features_together_and_balances_the_rest():
    units = [parallel.Unit(f"features/{name}", name, name, seconds) for name, seconds in (
        ("admin.feature", 50), ("tabulator.feature", 40), ("a.feature", 60), ("b.feature", 50),
        ("c.feature", 30), ("d.feature", 20))]
    workers = parallel.plan(units, 2)
    first = {u.file for u in workers[0].units}
    assert {"admin.feature", "tabulator.feature"} <= first
    assert abs(workers[0].load - workers[1].load) <= 30
    assert sorted(u.file for w in workers for u in w.units) == sorted(u.file for u in units)
    assert len(parallel.plan(units[:1], 4)) == 1  # no idle workers are started


def test_merge_results_gathers_every_worker_and_drops_stale_results(tmp_path):
    reports = tmp_path / "reports"
    stale = reports / "allure-results" / "local" / "old-result.json"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}")
    folders = []
    for index in range(2):
        folder = tmp_path / f"w{index}"
        results = folder / "allure-results" / "local"
        results.mkdir(parents=True)
        (results / f"r{index}-result.json").write_text(json.dumps({"name": f"s{index}"}))
        (results / "environment.properties").write_text("stack=shared\n")
        (folder / "known-defects.json").write_text(json.dumps([{"defect": f"QMCP-{index}", "scenario": "x"}]))
        (folder / "performance.json").write_text(json.dumps({"local": {
            "backend": "local", "run_id": f"run-{index}", "over_limit": index,
            "figures": [{"name": f"figure-{index}", "verdict": "OVER" if index else "within"}]}}))
        folders.append(folder)
    parallel.merge_results(folders, reports)
    merged = sorted(p.name for p in (reports / "allure-results" / "local").iterdir())
    assert merged == ["environment.properties", "r0-result.json", "r1-result.json"]
    assert [d["defect"] for d in json.loads((reports / "known-defects.json").read_text())] == ["QMCP-0", "QMCP-1"]
    local = json.loads((reports / "performance.json").read_text())["local"]
    assert [f["name"] for f in local["figures"]] == ["figure-0", "figure-1"]
    assert local["over_limit"] == 1 and local["run_id"] == "run-0,run-1"


def test_summary_adds_up_the_workers(tmp_path):
    logs = []
    worker_lines = ("3 scenarios passed, 1 failed, 2 skipped", "4 scenarios passed, 0 failed, 1 skipped")
    for index, line in enumerate(worker_lines):
        path = tmp_path / f"{index}.log"
        path.write_text(f"...\n1 feature passed, 0 failed, 0 skipped\n{line}\n9 steps passed\n")
        logs.append(path)
    assert parallel.summarize(logs) == "7 scenarios passed, 1 failed, 3 skipped"


def test_the_plan_is_weighted_by_the_committed_durations_until_this_machine_measured_its_own(tmp_path, monkeypatch):
    monkeypatch.setenv("QUILT_E2E_REPORTS_DIR", str(tmp_path))
    baseline = tmp_path / "baseline.json"
    large = "local | Data packages: Creating a large package stays within the spec's time"
    baseline.write_text(json.dumps({"local | Data packages": 100.0, "local | Concurrent use": 50.0, large: 30.0}))
    monkeypatch.setattr(parallel, "BASELINE_DURATIONS", baseline)
    files = [parallel.FEATURES_DIR / "packages.feature", parallel.FEATURES_DIR / "concurrency.feature"]
    units = {u.feature: u.seconds for u in parallel.discover(files, ["@local"], "features", "local")}
    assert units == {"Data packages": 100.0, "Concurrent use": 50.0}
    measured = tmp_path / "parallel" / parallel.DURATIONS_FILE
    measured.parent.mkdir(parents=True)
    measured.write_text(json.dumps({"local | Data packages": 7.5}))
    units = {u.feature: u.seconds for u in parallel.discover(files, ["@local"], "features", "local")}
    assert units == {"Data packages": 7.5, "Concurrent use": 50.0}
    split = parallel.discover(files[:1], ["@local"], "scenarios", "local")
    large = [u for u in split if u.scenario == "Creating a large package stays within the spec's time"]
    assert len(large) == 1 and large[0].seconds == 30.0  # measured on its own
    others = [u.seconds for u in split if u is not large[0]]
    assert len(others) > 10 and {round(s, 6) for s in others} == {round(7.5 / len(split), 6)}  # the feature's share


def test_a_scenarios_full_name_is_the_one_allure_gives_it():
    from behave.parser import parse_file

    feature = parse_file(str(parallel.FEATURES_DIR / "tabulator.feature"))
    rows = [s for s in feature.walk_scenarios() if s.name.startswith("A table named ")]
    assert [parallel.full_name(feature, s) for s in rows][:2] == [
        "Tabulator tables: A table named with capital letters is not created",
        "Tabulator tables: A table named with a space is not created"]


@pytest.mark.parametrize("tags, args, env, backend", [
    (["@local"], [], {}, "local"),
    (["@multiuser"], [], {}, "multiuser"),
    (["@multiuser and not @performance"], [], {}, "multiuser"),
    (["@local or @multiuser"], [], {}, "local"),
    (["@local"], ["-D", "backend=multiuser"], {}, "multiuser"),
    (["@concurrency"], [], {"QUILT_E2E_BACKEND": "multiuser"}, "multiuser"),
])
def test_the_planned_backend_is_the_one_the_hooks_will_choose(monkeypatch, tags, args, env, backend):
    monkeypatch.delenv("QUILT_E2E_BACKEND", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert parallel.planned_backend(tags, args) == backend


def test_durations_are_saved_per_backend_and_feature(tmp_path):
    folder = tmp_path / "w0"
    for backend, start in (("local", 1000), ("multiuser", 5000)):
        results = folder / "allure-results" / backend
        results.mkdir(parents=True)
        for index, seconds in enumerate((2.0, 3.5)):
            (results / f"{backend}{index}-result.json").write_text(json.dumps({
                "fullName": "Data packages: s", "labels": [{"name": "feature", "value": "Data packages"}],
                "start": start, "stop": start + int(seconds * 1000)}))
    reports = tmp_path / "reports"
    parallel._save_durations([folder], reports)
    saved = json.loads((reports / "parallel" / parallel.DURATIONS_FILE).read_text())
    assert saved == {"local | Data packages": 5.5, "multiuser | Data packages": 5.5,
                     "local | Data packages: s": 2.75, "multiuser | Data packages: s": 2.75}


def test_split_by_scenario_gives_every_selected_scenario_to_exactly_one_worker_by_name(tmp_path, monkeypatch):
    """behave --dry-run with each worker's arguments: together they select each scenario (outline rows included)
    exactly once, catalog-wide ones all on the first worker."""
    monkeypatch.setenv("QUILT_E2E_REPORTS_DIR", str(tmp_path))
    files = [parallel.FEATURES_DIR / name for name in ("tabulator.feature", "packages.feature", "cleanup.feature")]
    units = parallel.discover(files, ["@local"], "scenarios", "local")
    workers = parallel.plan(units, 2)
    assert len(workers) == 2 and {u.file for u in workers[0].units} >= {"tabulator.feature"}
    assert not [u for u in workers[1].units if u.file == "tabulator.feature"]
    selected = []
    for worker in workers:
        done = subprocess.run([sys.executable, "-m", "behave", "--dry-run", "--tags=@local", "--format=plain",
                               "--no-summary", "--no-skipped", *parallel.worker_targets(worker)], cwd=PROJECT_ROOT,
                              env=_env(tmp_path), capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        names = [line.split(":", 1)[1].strip() for line in done.stdout.splitlines()
                 if line.startswith(("  Scenario:", "  Scenario Outline:"))]
        assert sorted(names) == sorted(u.scenario.strip() for u in worker.units)
        selected += names
    assert len(selected) == len(units) == len(set(selected))
