"""A YAML file's error as one line: run configs and prompt collections are read with YAML's safe loader,
and a file that asks for code to run (a `!!python/...` tag) is told so rather than shown a parser trace."""

from __future__ import annotations

import yaml


def yaml_problem(exc: yaml.YAMLError) -> str:
    """A YAML error on one line, with its line number: a `!!python/...` tag (code the file wants run) is
    refused by the safe loader, and said so."""
    mark = getattr(exc, "problem_mark", None)
    where = f"line {mark.line + 1}: " if mark is not None else ""
    problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
    if "!!python" in problem or "tag:yaml.org,2002:python" in problem:
        return f"{where}{problem}: refused, the file is read as plain data (YAML's safe loader)"
    return f"not valid YAML: {where}{problem}"
