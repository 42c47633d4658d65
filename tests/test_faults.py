"""Injected faults: the setting, what the stack does under each, and which category a failure under it gets.

The WSGI wrappers are tested on a real moto server with real boto3 clients (retries included); the end-to-end
behaviour — the Allure result's category and first line, the time a scenario takes, cleanup — by small behave
runs in a subprocess (tests/test_faults_e2e.py).
"""

from __future__ import annotations

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from quilt_e2e.config import ConfigError, load_settings
from quilt_e2e.fault_spec import parse_fault
from quilt_e2e.stack import faults
from quilt_e2e.stack.aws_server import LocalAwsServer
from quilt_e2e.stack.faults import INFRASTRUCTURE, SUITE_USER_AGENT, SUT, FaultWindow, StackFaults, judge


# -- the setting ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, normal",
    [
        ("s3-5xx:0.2", "s3-5xx:0.2"),
        ("SlowDown:1", "slowdown:1"),
        ("catalog-down", "catalog-down"),
        ("token-expiry:5s", "token-expiry:5s"),
        ("token-expiry:7", "token-expiry:7s"),
        ("none", ""),
    ],
)
def test_fault_settings_are_normalised(text, normal):
    assert load_settings({"fault": text}, env={}).fault == normal


@pytest.mark.parametrize(
    "text, says",
    [
        ("s3-5xx", "needs a rate between 0 and 1"),
        ("slowdown:1.5", "needs a rate between 0 and 1"),
        ("catalog-down:3", "takes no argument"),
        ("token-expiry:0s", "at least 1 s"),
        ("disk-full", "unknown fault"),
    ],
)
def test_a_wrong_fault_is_one_line_saying_what_is_valid(text, says):
    with pytest.raises(ConfigError) as exc:
        load_settings({"fault": text}, env={})
    assert says in str(exc.value) and "\n" not in str(exc.value)


def test_a_fault_needs_the_embedded_stack():
    with pytest.raises(ConfigError, match="needs the embedded stack"):
        load_settings({"fault": "catalog-down", "stack": "aws"}, env={})


# -- what the stack does --------------------------------------------------------------------------------------
@pytest.fixture
def faulty_server(server):  # `server` sets the fake credentials; moto's state is shared with it
    started = []

    def start(spec: str) -> tuple[StackFaults, str]:
        stack_faults = StackFaults(parse_fault(spec))
        aws = LocalAwsServer(wrap=lambda app, _: stack_faults.wrap_aws(app)).start()
        started.append(aws)
        stack_faults.arm()
        return stack_faults, aws.endpoint_url

    yield start
    for aws in started:
        aws.stop()


def clients(endpoint: str, bucket: str):
    """(a client like the SUT's, the suite's own client), the bucket created by the suite."""
    retries = {"mode": "standard", "total_max_attempts": 3}
    sut = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", config=Config(retries=retries))
    suite = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        config=Config(retries=retries, user_agent_extra=SUITE_USER_AGENT),
    )
    suite.create_bucket(Bucket=bucket)
    return sut, suite


def test_s3_5xx_fails_every_attempt_of_the_chosen_operations_and_spares_the_suite(faulty_server):
    stack_faults, endpoint = faulty_server("s3-5xx:0.5")
    sut, suite = clients(endpoint, "faults-5xx")
    mark = stack_faults.mark()
    outcomes = []
    for n in range(4):
        try:
            sut.put_object(Bucket="faults-5xx", Key=f"k{n}", Body=b"x")
            outcomes.append("ok")
        except ClientError as exc:
            outcomes.append(exc.response["Error"]["Code"])
    assert outcomes == ["ok", "InternalError", "ok", "InternalError"]  # every second operation, in order
    window = stack_faults.since(mark)
    assert (window.injected, window.seen) == (6, 8)  # 2 doomed operations × 3 attempts; 2 clean ones
    assert window.line() == "stack: S3 answered 500 InternalError to 6 of 8 requests (fault s3-5xx:0.5)"
    suite.put_object(Bucket="faults-5xx", Key="suite", Body=b"x")  # the suite's own requests are never spoiled
    assert stack_faults.since(mark) == window
    assert sorted(o["Key"] for o in suite.list_objects_v2(Bucket="faults-5xx")["Contents"]) == ["k0", "k2", "suite"]


def test_slowdown_spoils_first_attempts_only_so_a_retrying_client_gets_through(faulty_server):
    stack_faults, endpoint = faulty_server("slowdown:1")
    sut, _ = clients(endpoint, "faults-slowdown")
    mark = stack_faults.mark()
    sut.put_object(Bucket="faults-slowdown", Key="k", Body=b"payload")
    assert sut.get_object(Bucket="faults-slowdown", Key="k")["Body"].read() == b"payload"
    window = stack_faults.since(mark)
    assert (window.injected, window.seen) == (2, 4)
    no_retries = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )
    with pytest.raises(ClientError) as exc:
        no_retries.get_object(Bucket="faults-slowdown", Key="k")
    assert exc.value.response["Error"]["Code"] == "SlowDown"


def test_a_disarmed_fault_spoils_nothing(faulty_server):
    stack_faults, endpoint = faulty_server("s3-5xx:1")
    stack_faults.disarm()
    sut, _ = clients(endpoint, "faults-disarmed")
    sut.put_object(Bucket="faults-disarmed", Key="k", Body=b"x")
    assert stack_faults.mark() == (0, 0)


def test_catalog_down_answers_503_to_everything_while_armed(server):
    from quilt_e2e.catalog import CatalogStandIn

    stack_faults = StackFaults(parse_fault("catalog-down"))
    with CatalogStandIn(server.endpoint_url, "faults-catalog-registry", wrap=stack_faults.wrap_catalog) as catalog:
        assert requests.get(f"{catalog.url}/config.json", timeout=10).status_code == 200  # not armed yet
        stack_faults.arm()
        answers = [
            requests.get(f"{catalog.url}{path}", timeout=10).status_code for path in ("/config.json", "/graphql")
        ]
        assert answers == [503, 503]
        assert (
            stack_faults.since((0, 0)).line()
            == "stack: the catalog answered 503 to 2 of 2 requests (fault catalog-down)"
        )


# -- which category ---------------------------------------------------------------------------------------------
def window(spec: str, seen: int = 10, injected: int = 3) -> FaultWindow:
    return FaultWindow(parse_fault(spec), seen, injected)


def raised_in_sut(name: str, cause: BaseException | None = None) -> Exception:
    """An exception of quilt_mcp's, raised from QuiltOps code (so its traceback has a quilt_mcp frame)."""
    from quilt_mcp.ops import exceptions

    try:
        exec(
            compile("raise error from cause", exceptions.__file__, "exec"),
            {"error": getattr(exceptions, name)("the SUT says no"), "cause": cause},
        )
    except Exception as exc:
        return exc
    raise AssertionError("not raised")


def raised_in_suite(exc: Exception) -> Exception:
    try:
        raise exc
    except Exception as caught:
        return caught


def test_judging_failures_under_each_fault():
    boom = raised_in_sut("BackendError")
    assert judge(None, boom, "boom") is None
    assert judge(window("s3-5xx:0.2", injected=0), boom, "boom") is None  # the fault did not touch the scenario
    assert judge(window("s3-5xx:0.2"), boom, "boom") == (INFRASTRUCTURE, window("s3-5xx:0.2").line())
    assert judge(window("catalog-down"), AssertionError("x"), "x")[0] == INFRASTRUCTURE
    category, line = judge(window("slowdown:0.3"), boom, "boom")
    assert category == SUT and line.startswith("SUT defect: a transient S3 SlowDown was not retried")
    # the suite's own use of the stack failing under the fault is the stack's doing
    assert judge(window("slowdown:0.3"), raised_in_suite(RuntimeError("x")), "x")[0] == INFRASTRUCTURE


def test_an_expired_token_must_surface_as_the_documented_authentication_error():
    expiry = window("token-expiry:5s", seen=4, injected=1)
    assert judge(expiry, raised_in_sut("AuthenticationError"), "x") == (INFRASTRUCTURE, expiry.line())
    wrapped = raised_in_suite(RuntimeError("x"))
    category, line = judge(expiry, raised_in_sut("BackendError", cause=raised_in_sut("AuthenticationError")), "x")
    assert category == SUT and "raised BackendError, where it documents AuthenticationError" in line
    assert judge(expiry, wrapped, "x")[0] == INFRASTRUCTURE  # the suite's own catalog login hit the short lifetime
    quiet = window("token-expiry:5s", seen=4, injected=0)
    assert judge(quiet, AssertionError("3 != 4"), "3 != 4") is None  # no refusal, nothing about auth: not the fault
    assert faults.judge(quiet, raised_in_sut("BackendError"), "BackendError: Token expired")[0] == SUT
