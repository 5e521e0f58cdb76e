"""Child processes die with the build that started them."""
from __future__ import annotations

import ctypes
import signal
import sys


def die_with_parent() -> None:
    """In a child process: be killed when the parent dies, however it dies
    (Linux's parent-death signal), so a killed build leaves no worker or
    Pagefind behind writing or printing broken-pipe errors."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
