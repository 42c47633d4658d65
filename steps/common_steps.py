"""Steps shared by every feature: the outcome of a call the scenario expected to be refused."""

from behave import then

import quilt_e2e.step_types  # noqa: F401  (registers Text/Label)
from quilt_e2e.domain.expectations import assert_context_names, assert_refused


@then("the call is refused with a {kind} error")
@then("the call is refused with an {kind} error")
def step_refused(context, kind):
    context.world.refusal = assert_refused(context.world.last_attempt, kind)


@then('the error names the field "{field}"')
def step_error_field(context, field):
    assert_context_names(context.world.last_attempt.error, field)
