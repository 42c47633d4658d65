"""The domain layer's driver of the SUT: calls are recorded as before, only real members can be reached,
and an attempt keeps only what the SUT raised."""

from __future__ import annotations

import pytest

from quilt_e2e.config import Settings
from quilt_e2e.domain.driver import Driver, unwrap
from quilt_e2e.domain.world import World


class Service:
    """Stands in for a SUT object: a method, a failing method, a property and a failing property."""

    region = "eu-west-1"

    def list_things(self, bucket, *, limit=10):
        return [bucket] * limit

    def refuse(self, name):
        raise ValueError(f"no such thing: {name}")

    @property
    def client(self):
        return "a client"

    @property
    def broken_client(self):
        raise RuntimeError("no credentials")


@pytest.fixture
def world():
    return World(Settings(), reference=None, stack=None)


def test_a_call_is_recorded_with_operation_arguments_result_and_time(world):
    assert world.drive(Service()).list_things("b", limit=2) == ["b", "b"]
    (call,) = world.calls
    assert (call.operation, call.args, call.kwargs, call.result, call.error) == (
        "Service.list_things", ("b",), {"limit": 2}, ["b", "b"], None)
    assert call.describe().startswith("Service.list_things('b', limit=2) returned in ")


def test_an_error_propagates_unchanged_and_is_recorded(world):
    with pytest.raises(ValueError, match="no such thing: x"):
        world.drive(Service()).refuse("x")
    assert world.calls[-1].describe().startswith("Service.refuse('x') raised ValueError: no such thing: x in ")


def test_a_misspelt_member_fails_loudly_and_records_nothing(world):
    with pytest.raises(AttributeError, match="Service has no member 'list_thing'"):
        world.drive(Service()).list_thing("b")
    assert world.calls == []


def test_the_driver_cannot_be_given_attributes(world):
    with pytest.raises(AttributeError):
        world.drive(Service()).list_things = None


def test_a_property_read_is_recorded_a_plain_attribute_is_not(world):
    driver = world.drive(Service())
    assert driver.client == "a client"
    assert driver.region == "eu-west-1"
    assert [call.operation for call in world.calls] == ["Service.client"]


def test_an_attempt_keeps_the_sut_error(world):
    attempt = world.attempt(lambda: world.drive(Service()).refuse("y"))
    assert isinstance(attempt.error, ValueError) and attempt.call is world.calls[-1]
    assert world.last_attempt is attempt


def test_an_attempt_keeps_a_failing_property_read(world):
    attempt = world.attempt(lambda: world.drive(Service()).broken_client)
    assert isinstance(attempt.error, RuntimeError) and attempt.call.operation == "Service.broken_client"


def test_an_attempt_keeps_the_result_of_a_call_that_returned(world):
    attempt = world.attempt(lambda: world.drive(Service()).list_things("b", limit=1))
    assert attempt.error is None and attempt.result == ["b"]


def test_an_attempt_does_not_swallow_a_misspelt_member(world):
    with pytest.raises(AttributeError, match="no member 'refuses'"):
        world.attempt(lambda: world.drive(Service()).refuses("y"))


def test_an_attempt_does_not_swallow_a_test_defect(world):
    def broken():
        world.drive(Service()).list_things("b")
        raise KeyError("test code")

    with pytest.raises(KeyError):
        world.attempt(broken)


def test_an_attempt_that_calls_nothing_is_a_test_defect(world):
    with pytest.raises(AssertionError, match="called nothing in the SUT"):
        world.attempt(lambda: None)


def test_a_class_is_named_by_itself_and_drivers_do_not_nest(world):
    driver = world.drive(world.drive(Service))
    assert isinstance(unwrap(driver), type) and unwrap(driver) is Service
    assert repr(driver) == "<driver of Service>"
    driver.list_things(Service(), "b", limit=0)
    assert world.calls[-1].operation == "Service.list_things"


def test_after_hears_each_call_that_returned(world):
    heard = []
    driver = Driver(Service(), world.calls.append, after=lambda record: heard.append(record.operation))
    driver.list_things("b")
    with pytest.raises(ValueError):
        driver.refuse("z")
    assert heard == ["Service.list_things"]
