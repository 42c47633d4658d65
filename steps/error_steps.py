"""What a refused call's error tells its reader (the generic checks are in common_steps)."""

from behave import then

from quilt_e2e.domain import errors


@then("the error explains itself in a readable message")
def step_readable(context):
    problems = errors.readability_problems(context.world.last_attempt.error)
    assert not problems, "; ".join(problems)


@then('the error tells me to run "{command}"')
def step_next_step(context, command):
    problems = errors.next_step_problems(context.world.last_attempt.error, command)
    assert not problems, "; ".join(problems)


@then("the error message names the address I asked for")
def step_message_address(context):
    message = str(context.world.last_attempt.error)
    assert context.other_catalog_url in message, f"the message does not name {context.other_catalog_url}: {message!r}"
