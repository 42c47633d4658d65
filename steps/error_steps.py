"""What a refused call's error tells its reader (the generic checks are in common_steps)."""

from behave import then

from quilt_e2e.domain import errors


@then("the error explains itself in a readable message")
def step_readable(context):
    errors.assert_readable(context.world)


@then('the error tells me to run "{command}"')
def step_next_step(context, command):
    errors.assert_next_step(context.world, command)


@then("the error message names the address I asked for")
def step_message_address(context):
    errors.assert_message_names(context.world, context.other_catalog_url)
