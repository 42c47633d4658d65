"""What every QuiltOps error owes its reader (exceptions.py): a human-readable message, and its details as
a dictionary (`context`, possibly empty: the constructor makes it optional)."""

from __future__ import annotations

import re

from quilt_e2e.domain.world import World


def readability_problems(error: BaseException) -> list[str]:
    message = str(error)
    problems = []
    if len(message.split()) < 3:
        problems.append(f"the message is not a sentence: {message!r}")
    if "Traceback (most recent call last)" in message:
        problems.append("the message carries a traceback")
    if re.fullmatch(r"\s*[{\[].*[}\]]\s*", message, re.DOTALL):
        problems.append(f"the message is raw data, not text: {message[:200]!r}")
    if not isinstance(getattr(error, "context", None), dict):
        problems.append(f"the error's details are not a dictionary: {getattr(error, 'context', None)!r}")
    return problems


def next_step_problems(error: BaseException, step: str) -> list[str]:
    """The message tells the reader what to do (`step`, e.g. a command)."""
    return [] if step.lower() in str(error).lower() else [f"the message gives no next step ({step!r}): {error}"]


# -- the checks behind steps/error_steps.py ---------------------------------------------------------
def assert_readable(world: World) -> None:
    """Then the error explains itself in a readable message."""
    problems = readability_problems(world.last_attempt.error)
    assert not problems, "; ".join(problems)


def assert_next_step(world: World, command) -> None:
    """Then the error tells me to run "{command}"."""
    problems = next_step_problems(world.last_attempt.error, command)
    assert not problems, "; ".join(problems)


def assert_message_names(world: World, url: str) -> None:
    """The refusal's message names the address the scenario asked for."""
    message = str(world.last_attempt.error)
    assert url in message, f"the message does not name {url}: {message!r}"
