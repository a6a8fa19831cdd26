"""Child processes that run none of vlmhyperbench's code, started outside coverage's tracing.

coverage's `patch = subprocess` (pyproject) measures every Python process a test starts: it puts its
configuration in COVERAGE_PROCESS_CONFIG, and a .pth file in the venv starts the tracer wherever that
variable is set. A `transformers serve`, the compiler checks torch.compile runs in its own subprocesses or
a bash runbook's many model loads measure nothing of ours (or nothing another test does not already
measure), and on Python 3.12 the tracer roughly doubles a torch process's CPU (a tiny preset's `run`: 7.3
CPU-seconds plain, 14.4 traced). Our own CLI in a subprocess stays traced: that is the coverage it is for.
"""

from __future__ import annotations

import os

COVERAGE_VARIABLE = "COVERAGE_PROCESS_CONFIG"
# a command-line prefix for servers started from a command string (`--launch`, launch_server)
UNTRACED_PREFIX = f"env -u {COVERAGE_VARIABLE}"


def untraced_env() -> dict[str, str]:
    """This process's environment without coverage's subprocess configuration."""
    return {k: v for k, v in os.environ.items() if k != COVERAGE_VARIABLE}
