"""What every QuiltOps error owes its reader (exceptions.py): a human-readable message, and its details as
a dictionary (`context`, possibly empty: the constructor makes it optional)."""

from __future__ import annotations

import re


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
