"""Assertions with messages a QA engineer can read, and stable enough to serve as defect signatures."""

from __future__ import annotations

from collections.abc import Iterable

from quilt_e2e.domain.world import Attempt

ERROR_KINDS = {
    "validation": "ValidationError",
    "not found": "NotFoundError",
    "authentication": "AuthenticationError",
    "backend": "BackendError",
    "permission": "PermissionError",
}


def fail_unless(condition: bool, message: str) -> None:
    """An assertion that survives `python -O`, with the message a known-defect signature can match."""
    if not condition:
        raise AssertionError(message)


def error_class_name(kind: str) -> str:
    try:
        return ERROR_KINDS[kind]
    except KeyError:
        raise AssertionError(
            f"test defect: unknown error kind '{kind}' (use one of {', '.join(ERROR_KINDS)})"
        ) from None


def assert_refused(attempt: Attempt, kind: str) -> BaseException:
    """The attempted call raised the QuiltOps exception named by `kind`."""
    import quilt_mcp.ops.exceptions as sut_exceptions

    expected_name = error_class_name(kind)
    expected_type = getattr(sut_exceptions, expected_name)
    if attempt.error is None:
        raise AssertionError(
            f"expected {expected_name}, but the call succeeded: {attempt.call.describe()} -> {attempt.result!r:.300}"
        )
    if not isinstance(attempt.error, expected_type):
        raise AssertionError(f"expected {expected_name}, got {type(attempt.error).__name__}: {attempt.error}")
    return attempt.error


def assert_context_names(error: BaseException, field: str, value: str | None = None) -> None:
    context = getattr(error, "context", None) or {}
    if context.get("field") != field:
        raise AssertionError(f"error context does not name field '{field}': {context!r}")
    if value is not None and "value" in context and context["value"] != value:
        raise AssertionError(f"error context names value {context['value']!r}, expected {value!r}")


def assert_context_has(error: BaseException, key: str, value: str) -> None:
    """The error's context (QuiltOps exceptions carry one) holds `key` with exactly this text value."""
    context = getattr(error, "context", None) or {}
    if key not in context:
        raise AssertionError(f"error context has no {key!r}: {context!r}")
    if str(context[key]) != value:
        raise AssertionError(f"error context gives {key} as {context[key]!r}, expected {value!r}")


def assert_context_keys(error: BaseException, keys: str) -> None:
    """The error's context has every key of the comma-separated list (values not checked)."""
    context = getattr(error, "context", None) or {}
    missing = [k.strip() for k in keys.split(",") if k.strip() and k.strip() not in context]
    if missing:
        raise AssertionError(f"error context lacks {missing}: {context!r}")


def assert_message_says(error: BaseException, text: str) -> None:
    """The error's message contains `text` (case-insensitive): what a user reads must say what went wrong."""
    message = str(error)
    if text.lower() not in message.lower():
        raise AssertionError(f"error message does not say {text!r}: {message!r}")


def assert_pydantic_accepts(interface: type, instance: object) -> None:
    """A tool signature may declare an optional `interface` parameter (quilt-mcp's tools do): pydantic accepts
    `instance` unchanged, and None."""
    import pydantic

    adapter = pydantic.TypeAdapter(interface)
    validated = adapter.validate_python(instance)
    assert validated is instance, f"pydantic turned the {interface.__name__} into {validated!r}"
    assert adapter.validate_python(None) is None, f"pydantic does not accept None for {interface.__name__}"


def assert_same_names(what: str, expected: Iterable[str], actual: Iterable[str]) -> None:
    expected_set, actual_set = set(expected), set(actual)
    if expected_set != actual_set:
        missing = sorted(expected_set - actual_set)
        extra = sorted(actual_set - expected_set)
        raise AssertionError(f"{what} differ: missing {missing[:10]}, unexpected {extra[:10]}")


def diagnose_diff(expected: dict[str, list[str]], actual: dict) -> str | None:
    """None when the diff is right, else a message; a swapped deleted/modified pair is named as such."""
    keys = ("added", "modified", "deleted")
    got = {k: sorted(actual.get(k, [])) for k in keys}
    want = {k: sorted(expected[k]) for k in keys}
    if got == want and set(actual) == set(keys):
        return None
    parts = [f"{k} expected {want[k]} got {got[k]}" for k in keys if want[k] != got[k]]
    if set(actual) != set(keys):
        parts.append(f"keys are {sorted(actual)}")
    swapped = (
        got["added"] == want["added"] and got["deleted"] == want["modified"] and got["modified"] == want["deleted"]
    )
    if swapped:
        parts.insert(0, "'deleted' and 'modified' are swapped")
    return "diff differs: " + "; ".join(parts)


def assert_served_by(ops, backend: str) -> None:
    """The QuiltOps object is the named backend ("Quilt3" or "Platform") and not the other one."""
    from quilt_mcp.backends.platform_backend import Platform_Backend
    from quilt_mcp.backends.quilt3_backend import Quilt3_Backend
    from quilt_mcp.ops.quilt_ops import QuiltOps

    expected = {"Quilt3": Quilt3_Backend, "Platform": Platform_Backend}[backend]
    other = Platform_Backend if expected is Quilt3_Backend else Quilt3_Backend
    assert isinstance(ops, QuiltOps), f"{type(ops)} is not a QuiltOps"
    assert isinstance(ops, expected) and not isinstance(ops, other), (
        f"expected the {backend} backend, got {type(ops).__name__}")
