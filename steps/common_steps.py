"""Steps shared by every feature: the outcome of a call the scenario expected to be refused."""

from behave import then

import quilt_e2e.step_types  # noqa: F401  (registers Text/Label)
from quilt_e2e.domain.expectations import (
    assert_context_has,
    assert_context_keys,
    assert_context_names,
    assert_message_says,
    assert_refused,
)


@then("the call is refused with a {kind} error")
@then("the call is refused with an {kind} error")
def step_refused(context, kind):
    context.world.refusal = assert_refused(context.world.last_attempt, kind)


@then('the error names the field "{field}"')
def step_error_field(context, field):
    assert_context_names(context.world.last_attempt.error, field)


@then('the error details give {key} as "{value:Text}"')
def step_error_detail(context, key, value):
    assert_context_has(context.world.last_attempt.error, key, value)


@then('the error details include "{keys:Label}"')
def step_error_keys(context, keys):
    assert_context_keys(context.world.last_attempt.error, keys)


@then('the error message says "{text:Label}"')
def step_error_message(context, text):
    assert_message_says(context.world.last_attempt.error, text)
