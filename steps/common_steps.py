"""Steps shared by every feature: the outcome of a call the scenario expected to be refused."""

import parse
from behave import register_type, then

from quilt_e2e.domain.expectations import assert_context_names, assert_refused


@parse.with_pattern(r'[^"]*')
def parse_quoted_text(text):
    """Quoted text that may be empty, e.g. an empty list of file names: "" ."""
    return text


register_type(Text=parse_quoted_text)


@then("the call is refused with a {kind} error")
@then("the call is refused with an {kind} error")
def step_refused(context, kind):
    context.world.refusal = assert_refused(context.world.last_attempt, kind)


@then('the error names the field "{field}"')
def step_error_field(context, field):
    assert_context_names(context.world.last_attempt.error, field)
