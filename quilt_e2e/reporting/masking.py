"""Masks secrets (JWTs, AWS keys, passwords, bearer tokens) in anything a run writes or prints."""

from __future__ import annotations

import re
from typing import Any

MASK = "****"

# Values that look like secrets wherever they appear.
_PATTERNS = [
    re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"),  # JWT
    re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"),  # AWS access key id
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}"),  # bearer token
    re.compile(r"(?i)(X-Amz-Security-Token=|X-Amz-Signature=|Signature=)[^&\s\"']+"),  # presigned URL secrets
]
# Keys whose values are secrets whatever they look like.
_SECRET_KEY = re.compile(
    r"(?i)^(authorization|password|passwd|secret|token|access_token|refresh_token|id_token|jwt|api_key|apikey|"
    r"aws_secret_access_key|aws_session_token|secret_access_key|session_token|secretaccesskey|sessiontoken|"
    r"secretkey|cookie|set-cookie|x-api-key|x-quilt-e2e-control|control_key)$"
)
_KEY_VALUE = re.compile(
    r"(?i)(\b(?:aws_secret_access_key|aws_session_token|password|secret|token|access_token|refresh_token|"
    r"api_key|authorization|control_key|x-quilt-e2e-control)\b\s*[=:]\s*['\"]?)([^'\"\s,;&}]+)"
)


def mask_text(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + MASK, text)
    return _KEY_VALUE.sub(lambda m: m.group(1) + MASK, text)


def mask(value: Any) -> Any:
    """A copy of `value` with secrets masked: strings by pattern, dict values by key name."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: (MASK if isinstance(k, str) and _SECRET_KEY.match(k) and v else mask(v)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(mask(v) for v in value)
    return value


class MaskingStream:
    """A text stream that masks secrets in everything written through it (behave's console output)."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text):
        return self._stream.write(mask_text(text) if isinstance(text, str) else text)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def __getattr__(self, name):
        return getattr(self._stream, name)


def mask_formatter_streams(formatters) -> None:
    """Route every text formatter's output through MaskingStream (tracebacks can carry tokens)."""
    for formatter in formatters:
        stream = getattr(formatter, "stream", None)
        if stream is not None and not isinstance(stream, MaskingStream) and hasattr(stream, "write"):
            formatter.stream = MaskingStream(stream)
            opener = getattr(formatter, "stream_opener", None)
            if opener is not None and opener.stream is stream:  # behave checks they stay the same
                opener.stream = formatter.stream
