"""Run a server as a child process that ends with its parent (``caseplan app`` and Streamlit).

``subprocess.call`` leaves the child running, orphaned, when the parent is sent SIGTERM (a service
manager stopping it, ``kill``): the parent dies at once and nothing tells the child. Here the signals
that stop a process are passed on to the child and the parent waits for it to end.
"""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Sequence

FORWARDED = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP", "SIGQUIT") if hasattr(signal, name))


def run_child(command: Sequence[str]) -> int:
    """Run ``command`` until it ends; SIGTERM, SIGHUP and SIGQUIT sent to this process go to it too.

    Ctrl-C reaches the child by itself (the terminal signals the whole process group); the parent then
    waits for the child to finish.

    Returns
    -------
    int
        The child's exit code, or 128 + the signal's number if a signal ended it (as a shell reports).
    """
    child = subprocess.Popen(list(command))
    previous = {
        sig: signal.signal(sig, lambda signum, _frame: child.send_signal(signum)) for sig in FORWARDED
    }
    try:
        while True:
            try:
                code = child.wait()
                break
            except KeyboardInterrupt:
                child.send_signal(signal.SIGINT)  # in case it came from elsewhere than the terminal
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if child.poll() is None:  # an unexpected error in the parent: never leave the child behind
            child.kill()
            child.wait()
    return 128 - code if code < 0 else code
