"""Parameter types shared by the step modules; importing this module registers them with behave."""

from __future__ import annotations

import parse
from behave import register_type


@parse.with_pattern(r'[^"]*')
def quoted_text(text: str) -> str:
    """Quoted text that may be empty, e.g. an empty list of file names: "" ."""
    return text


@parse.with_pattern(r'[^"]+')
def quoted_name(text: str) -> str:
    """A non-empty quoted name or list: "alice", "analyst, viewer"."""
    return text


register_type(Text=quoted_text, Label=quoted_name)
