"""The docker stack's image inputs and labels, without an engine: what is hashed, what is refused, what is pinned."""

from __future__ import annotations

import pytest

from quilt_e2e.stack import StackError
from quilt_e2e.stack.docker import containers, engine, images


def test_dockerfile_may_start_only_from_the_projects_base():
    images.check_dockerfile(images.DOCKERFILE.read_text())  # the project's own Dockerfile passes
    images.check_dockerfile("ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\n")
    images.check_dockerfile(f"FROM {images.base_tag()}\n")
    for foreign in ("FROM debian:bookworm\n", "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nFROM python:3.11 AS x\n",
                    "from   alpine\n"):
        with pytest.raises(images.ImageBuildError, match="not the project's base image"):
            images.check_dockerfile(foreign)
    with pytest.raises(images.ImageBuildError, match="no FROM"):
        images.check_dockerfile("RUN true\n")


def test_requirements_pin_the_installed_versions_and_leave_out_what_the_server_never_imports():
    from importlib import metadata

    pinned = dict(line.split("==") for line in images.runtime_requirements())
    assert pinned["moto"] == metadata.version("moto")
    assert pinned["quilt3"] == metadata.version("quilt3")
    assert pinned["duckdb"] == metadata.version("duckdb")
    for absent in ("quilt-mcp", "behave", "allure-behave", "pytest", "playwright", "quilt-e2e"):
        assert absent not in pinned
    # the SUT's own dependencies come in only when the server needs them too
    everything = dict(line.split("==") for line in images.runtime_requirements(leave_out=()))
    assert "quilt-mcp" in everything and len(everything) > len(pinned)


def test_stack_tag_changes_with_every_input(tmp_path):
    for package in images.SOURCE_PACKAGES:
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("x = 1\n")
    (tmp_path / "quilt_e2e" / "__pycache__").mkdir()
    (tmp_path / "quilt_e2e" / "__pycache__" / "a.pyc").write_bytes(b"junk")
    reqs, base, dockerfile = ["moto==5"], "quilt-e2e/base:1", "FROM ${BASE_IMAGE}\n"
    tag = images.stack_tag(reqs, base, dockerfile, root=tmp_path)
    assert tag.startswith(images.STACK_REPO + ":")
    assert images.stack_tag(reqs, base, dockerfile, root=tmp_path) == tag  # deterministic
    (tmp_path / "quilt_e2e" / "__pycache__" / "a.pyc").write_bytes(b"other junk")
    assert images.stack_tag(reqs, base, dockerfile, root=tmp_path) == tag  # bytecode is not an input
    assert images.stack_tag(["moto==6"], base, dockerfile, root=tmp_path) != tag
    assert images.stack_tag(reqs, "quilt-e2e/base:2", dockerfile, root=tmp_path) != tag
    assert images.stack_tag(reqs, base, dockerfile + "RUN true\n", root=tmp_path) != tag
    (tmp_path / "quilt_e2e" / "stack" / "docker").mkdir(parents=True)
    (tmp_path / "quilt_e2e" / "stack" / "docker" / "stack.py").write_text("y = 1\n")
    assert images.stack_tag(reqs, base, dockerfile, root=tmp_path) == tag  # the manager is not in the image
    (tmp_path / "datagen" / "__init__.py").write_text("x = 2\n")
    assert images.stack_tag(reqs, base, dockerfile, root=tmp_path) != tag


def test_no_engine_is_one_line_that_says_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/nothing.sock")
    with pytest.raises(StackError) as raised:
        engine.connect(timeout=2)
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(f"no Docker engine answers at unix://{tmp_path}/nothing.sock")
    assert message.endswith("start dockerd or use -D stack=embedded")
    assert engine.engine_answers() is False


def test_free_ports_are_loopback_ports_nobody_holds():
    import socket

    port = containers.free_port()
    with socket.socket() as probe:
        probe.bind((containers.LOOPBACK, port))  # free: binding it works


def test_a_behave_run_on_the_docker_stack_without_an_engine_stops_with_one_line(tmp_path):
    import os
    import subprocess
    import sys

    from quilt_e2e.stack import PROJECT_ROOT

    env = {**os.environ, "DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock", "QUILT_E2E_REPORTS_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "behave", "-D", "stack=docker", "--tags=@local", "--format=null", "--no-summary",
         "features/authentication.feature"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=240,
    )
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"quilt-e2e: no Docker engine answers at unix://{tmp_path}/no-engine.sock")
    assert lines[0].endswith("start dockerd or use -D stack=embedded")
    assert "Traceback" not in done.stderr + done.stdout


def test_a_failed_step_carries_each_containers_recent_log_masked(monkeypatch):
    from types import SimpleNamespace

    from quilt_e2e import hooks
    from quilt_e2e.stack.docker.stack import DockerServices

    class FakeContainer:
        def __init__(self, name, output):
            self.name, self._output = name, output

        def logs(self, tail, timestamps):
            return self._output

    services = DockerServices(SimpleNamespace(run_id="e2e-logs-test"))
    key = services.control_key
    services.run = containers.RunContainers(client=None, run_id="e2e-logs-test", image="x")
    secret_jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0LXVzZXIifQ.c2lnbmF0dXJl"
    outputs = {"aws": f"provisioned\nheader X-Quilt-E2E-Control: {key}\n".encode(),
               "catalog": f"issued {secret_jwt} to test-user\nraw key {key}\n".encode()}
    for role, output in outputs.items():
        spec = containers.ServiceSpec(role, [], 1)
        services.run.services[role] = containers.RunningService(spec, FakeContainer(f"e2e-logs-test-{role}", output))
    stack = SimpleNamespace(recent_requests=lambda count: [], service_logs=services.logs)
    attached: dict[str, str] = {}
    monkeypatch.setattr(hooks.report, "attach_text", lambda name, text: attached.__setitem__(name, text))
    monkeypatch.setattr(hooks.report, "attach_json", lambda name, payload: None)
    context = SimpleNamespace(world=SimpleNamespace(calls=[], stack=stack))
    hooks._attach_failure(context, SimpleNamespace(exception=None))
    assert sorted(attached) == ["log of e2e-logs-test-aws", "log of e2e-logs-test-catalog"]
    assert attached["log of e2e-logs-test-aws"].startswith("provisioned")
    assert "issued **** to test-user" in attached["log of e2e-logs-test-catalog"]
    for text in attached.values():
        assert key not in text and secret_jwt not in text
