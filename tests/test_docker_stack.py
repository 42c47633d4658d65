"""The docker stack against a real Docker engine: images the project builds (no pull), a stack that comes up
healthy, the SUT creating and browsing a package through it, and nothing left behind (teardown, SIGTERM, a
killed run's leftovers). Skipped, with the reason, where no engine answers."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from quilt_e2e.stack import PROJECT_ROOT
from quilt_e2e.stack.docker import containers, engine, images


def _engine_or_reason():
    try:
        import docker

        client = docker.from_env(timeout=10)
        client.ping()
        return client, None
    except Exception as exc:  # any failure to reach an engine means: skip, saying why
        return None, f"no Docker engine answers ({type(exc).__name__}); start dockerd to run these tests"


CLIENT, NO_ENGINE = _engine_or_reason()
pytestmark = pytest.mark.skipif(CLIENT is None, reason=NO_ENGINE or "")


def _owned(run_id: str) -> list[str]:
    labels = {"label": [f"{engine.LABEL_OWNER}={engine.OWNER}", f"{engine.LABEL_RUN}={run_id}"]}
    return ([c.name for c in CLIENT.containers.list(all=True, filters=labels)]
            + [n.name for n in CLIENT.networks.list(filters=labels)])


@pytest.fixture(scope="module")
def built():
    """The images (a cold build takes minutes: CI builds them with `quilt-e2e docker build` first)."""
    if images._has_image(CLIENT, images.base_tag()) is False and not images.shutil.which("debootstrap"):
        pytest.skip("no base image and no debootstrap to build it: apt-get install -y debootstrap")
    return images.ensure_images(CLIENT)


@pytest.mark.timeout(1800)
def test_images_are_built_by_the_project_from_debian_packages_and_never_pulled(built):
    stack = CLIENT.images.get(built.stack_tag)
    base = CLIENT.images.get(built.base_tag)
    assert stack.labels[engine.LABEL_OWNER] == engine.OWNER
    assert stack.labels[engine.LABEL_INPUTS] == built.stack_tag.split(":")[1]
    assert stack.labels["org.quilt-e2e.base"] == built.base_tag
    assert base.labels[engine.LABEL_INPUTS] == built.base_tag.split(":")[1]
    # nothing came from a registry: no digests, and the oldest layer is the debootstrap'd rootfs we imported
    assert stack.attrs["RepoDigests"] == [] and base.attrs["RepoDigests"] == []
    history = stack.history()
    assert history[-1]["Comment"].startswith("Imported from")
    assert base.id in [entry["Id"] for entry in history]
    assert any("--no-index --find-links /wheelhouse" in entry["CreatedBy"] for entry in history)
    # the same inputs again: nothing is rebuilt
    again = images.ensure_images(CLIENT)
    assert again.built == [] and again.stack_tag == built.stack_tag


_PROBE = textwrap.dedent('''
    import json, signal, sys, time
    from quilt_e2e.config import load_settings
    from quilt_e2e.stack import create_stack

    def interrupt(signum, frame):
        raise KeyboardInterrupt(signum)

    signal.signal(signal.SIGTERM, interrupt)  # as the behave hooks do
    run_id, mode = sys.argv[1], sys.argv[2]
    settings = load_settings({"stack": "docker", "run_id": run_id, "backend": "local"})
    stack = create_stack(settings)
    stack.start()
    try:
        print(json.dumps({"up": stack.endpoint_url, "logs": sorted(stack.service_logs())}), flush=True)
        if mode == "wait":
            time.sleep(600)
        from quilt_e2e.domain.reference import ReferenceData
        from quilt_mcp.ops.factory import QuiltOpsFactory

        reference = ReferenceData(stack.data_dir, settings.data_bucket)
        uris = reference.uris("simple-csv")
        ops = QuiltOpsFactory.create()
        name = f"{run_id}/through-docker"
        created = ops.create_package_revision(name, uris, registry=settings.registry, message="docker test")
        listing = ops.browse_content(name, settings.registry, "")
        s3 = stack.client("s3")
        pointers = s3.list_objects_v2(Bucket=settings.packages_bucket, Prefix=f".quilt/named_packages/{name}/")
        print(json.dumps({"created": created.success, "top_hash": created.top_hash, "uris": len(uris),
                          "listed": sorted(c.path for c in listing),
                          "expected": sorted(u.rsplit("/", 1)[1] for u in uris),
                          "pointers": [o["Key"] for o in pointers.get("Contents", [])]}), flush=True)
    finally:
        stack.stop()
''')


def _probe(run_id: str, mode: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "QUILT_"))}
    return subprocess.Popen([sys.executable, "-c", _PROBE, run_id, mode], cwd=PROJECT_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.timeout(900)
def test_the_sut_creates_and_browses_a_package_through_the_containers_and_teardown_leaves_nothing(built):
    run_id = f"e2e-dockertest-{secrets.token_hex(3)}"
    probe = _probe(run_id, "sut")
    out, err = probe.communicate(timeout=800)
    assert probe.returncode == 0, err[-2000:]
    up, result = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert up["up"].startswith("http://127.0.0.1:")
    assert up["logs"] == [f"{run_id}-aws", f"{run_id}-catalog"]
    assert result["created"] is True and result["top_hash"]
    # the package is browsable, and its revision is in the registry the containers serve (read with boto3)
    assert [path.rsplit("/", 1)[-1] for path in result["listed"]] and result["uris"] > 0
    assert set(result["expected"]) <= {path.rsplit("/", 1)[-1] for path in result["listed"]}
    assert any(key.endswith("/latest") for key in result["pointers"])
    assert _owned(run_id) == []


@pytest.mark.timeout(900)
def test_sigterm_during_a_run_still_removes_every_container_and_the_network(built):
    run_id = f"e2e-dockertest-{secrets.token_hex(3)}"
    probe = _probe(run_id, "wait")
    line = probe.stdout.readline()  # the stack is up
    assert line.startswith("{"), probe.stderr.read()[-2000:]
    assert len(_owned(run_id)) == 3  # two containers and the network
    probe.send_signal(signal.SIGTERM)
    probe.wait(timeout=120)
    assert probe.returncode != 0
    assert _owned(run_id) == []


@pytest.mark.timeout(300)
def test_a_killed_runs_leftovers_are_removed_and_a_live_runs_are_not(built):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = dead.stdout.strip()
    left, live = f"e2e-dockertest-{secrets.token_hex(3)}", f"e2e-dockertest-{secrets.token_hex(3)}"
    labels = {engine.LABEL_OWNER: engine.OWNER, containers.LABEL_HOST: containers.socket.gethostname()}
    made = []
    try:
        for run_id, pid in ((left, dead_pid), (live, str(os.getpid()))):
            tags = {**labels, engine.LABEL_RUN: run_id, containers.LABEL_PID: pid}
            network = CLIENT.networks.create(f"{run_id}-net", labels=tags)
            made.append(network)
            made.append(CLIENT.containers.run(built.base_tag, ["sleep", "300"], name=f"{run_id}-aws", detach=True,
                                              labels=tags, network=network.name))
        removed = containers.remove_orphans(CLIENT)
        assert set(removed) >= {f"{left}-aws", f"{left}-net"}
        assert _owned(left) == []
        assert sorted(_owned(live)) == [f"{live}-aws", f"{live}-net"]
    finally:
        containers.remove_labelled(CLIENT, {engine.LABEL_RUN: live})
        containers.remove_labelled(CLIENT, {engine.LABEL_RUN: left})


@pytest.mark.timeout(300)
def test_a_container_that_never_gets_healthy_is_named_with_its_last_log_lines(built):
    run_id = f"e2e-dockertest-{secrets.token_hex(3)}"
    run = containers.RunContainers(CLIENT, run_id, built.stack_tag, health_timeout=3)
    try:
        run.create_network()
        port = containers.free_port()
        spec = containers.ServiceSpec("aws", ["sh", "-c", "echo getting ready; echo still not ready; sleep 60"],
                                      port, "/__e2e/health")
        running = run.start(spec, publish=(port,))
        started = time.perf_counter()
        with pytest.raises(engine.StackError) as raised:
            run.wait_healthy(running)
        assert time.perf_counter() - started < 30
        message = str(raised.value)
        assert "\n" not in message
        assert message.startswith(f"container {run_id}-aws not healthy after 3s")
        assert message.endswith("getting ready | still not ready")
        # published on loopback only
        running.container.reload()
        bindings = running.container.attrs["HostConfig"]["PortBindings"][f"{port}/tcp"]
        assert bindings == [{"HostIp": "127.0.0.1", "HostPort": str(port)}]
    finally:
        run.stop()
    assert _owned(run_id) == []


@pytest.mark.timeout(600)
def test_stack_up_kind_docker_serves_shared_runs_until_stack_down_removes_it(built, tmp_path):
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "QUILT_"))},
           "QUILT_E2E_REPORTS_DIR": str(tmp_path)}
    cli = [sys.executable, "-m", "quilt_e2e.cli", "stack"]
    up = subprocess.run([*cli, "up", "--kind", "docker"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                        timeout=500)
    state_path = tmp_path / "stack" / "state.json"
    state = json.loads(state_path.read_text()) if state_path.exists() else {}
    try:
        assert up.returncode == 0, up.stderr[-2000:]
        assert state["kind"] == "docker" and state["aws_endpoint"].startswith("http://127.0.0.1:")
        assert sorted(_owned(state["run_id"])) == sorted(state["containers"] + [f"{state['run_id']}-net"])
        assert f"export QUILT_E2E_ENDPOINT_URL={state['aws_endpoint']}" in up.stdout
        assert "control_key" not in up.stdout and state["control_key"] not in up.stdout  # never printed
        status = subprocess.run([*cli, "status"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
        assert status.returncode == 0 and "aws healthy, catalog healthy" in status.stdout
        # the command that started it has exited: the next run's orphan sweep must leave it alone
        containers.remove_orphans(CLIENT)
        assert sorted(_owned(state["run_id"])) == sorted(state["containers"] + [f"{state['run_id']}-net"])
    finally:
        down = subprocess.run([*cli, "down"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert down.returncode == 0 and f"docker stack {state['run_id']} removed" in down.stdout
    assert _owned(state["run_id"]) == [] and not state_path.exists()
