"""The `vlmhyperbench` command line: one module per command, one place that turns errors into exit codes.

Commands parse their options, call one library function and render its result. They import their heavy
modules inside the function body, so `--help`, `doctor` and `sync` work in an environment without torch.
"""

from vlmhyperbench.cli.app import app, main

__all__ = ["app", "main"]
