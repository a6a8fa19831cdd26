"""One exception root for everything vlmhyperbench refuses, and the one map from errors to exit codes.

Library code raises a subclass of `VlmHyperBenchError` whose message is the whole story (file, row, field,
what to change). The CLI catches the root in one place (`vlmhyperbench.cli.app.main`), prints the message
on one line and exits with the class's `exit_code`; no command catches a tuple of its own. A new kind of
error picks the category below that says what the user has to do about it.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Every exit status the `vlmhyperbench` command uses, and what it means to a script."""

    OK = 0
    FAILED = 1  # the command ran and found a problem: a regression, a failed check, a crashed measurement
    USAGE = 2  # the input is wrong (option, config, dataset, model spec, result file): fix it and rerun
    TORCH_MISSING = 3  # the environment was synced without a backend extra
    INTERRUPTED = 130  # Ctrl-C: what was finished is kept


class VlmHyperBenchError(Exception):
    """Root of every error vlmhyperbench raises on purpose; its message is meant for the user as is."""

    exit_code: ExitCode = ExitCode.USAGE


class UsageError(VlmHyperBenchError, ValueError):
    """An option or setting that cannot work (a bad value, an unknown name, a conflicting combination)."""


class DataError(VlmHyperBenchError, ValueError):
    """A missing or malformed input file (dataset, answers, prompts, config); names file, row and field."""


class ModelLoadError(VlmHyperBenchError, ValueError):
    """A model or engine that cannot be loaded or reached with the given spec and options."""


class ResultError(VlmHyperBenchError):
    """A stored result that is missing, unreadable or not comparable; names file, benchmark and cell."""


class RunStateError(VlmHyperBenchError):
    """A run folder that cannot be started or continued as asked (exists, settings changed, in use)."""


class EnvironmentProblem(VlmHyperBenchError):
    """The installed environment cannot do what was asked (no torch, a tool missing on PATH)."""


class CheckFailed(VlmHyperBenchError):
    """The command ran to the end and its verdict is "no": a failed doctor or data check."""

    exit_code = ExitCode.FAILED


class RegressionFound(CheckFailed):
    """A comparison found a significant regression beyond the threshold (the CI gate's "no")."""


class MeasurementFailed(VlmHyperBenchError):
    """A measurement crashed part-way; what was finished before it is kept and the message says where."""

    exit_code = ExitCode.FAILED


__all__ = [
    "CheckFailed",
    "DataError",
    "EnvironmentProblem",
    "ExitCode",
    "MeasurementFailed",
    "ModelLoadError",
    "RegressionFound",
    "ResultError",
    "RunStateError",
    "UsageError",
    "VlmHyperBenchError",
]
