"""Whether a process still exists, for the owners of run markers, stack servers and containers."""

from __future__ import annotations

import os


def process_exists(pid: int) -> bool:
    """True if a process with this pid exists on this machine (also one we may not signal)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
