"""The published output contracts: JSON Schemas of the speed record and the run summary.

They are generated from the pydantic models in `results.schema` (the one place that says what a result
holds), printed by `vlmhyperbench schema speed|run`, and committed under `docs/schemas/`, where a test
keeps them equal to what the models generate. Other tools validate our files with them
(`check-jsonschema --schemafile docs/schemas/run.schema.json summary.json`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from vlmhyperbench.errors import UsageError

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_FILES = {"speed": "speed.schema.json", "run": "run.schema.json"}


def schema_names() -> list[str]:
    return list(SCHEMA_FILES)


def json_schema(name: str) -> dict[str, Any]:
    """The JSON Schema of one result kind (`speed` or `run`), named and versioned."""
    from pydantic import BaseModel

    from vlmhyperbench.results.schema import RUN_SCHEMA, SCHEMA_VERSION, SPEED_SCHEMA, RunSummary, SpeedRecord

    models: dict[str, tuple[type[BaseModel], str]] = {
        "speed": (SpeedRecord, SPEED_SCHEMA),
        "run": (RunSummary, RUN_SCHEMA),
    }
    if name not in models:
        raise UsageError(f"Unknown schema {name!r}. Available: {', '.join(models)}")
    model, schema_id = models[name]
    generated = model.model_json_schema(by_alias=True, mode="serialization")
    return {"$schema": SCHEMA_DIALECT, "$id": f"{schema_id}/{SCHEMA_VERSION}", **generated}


def render(name: str) -> str:
    """The schema as the committed file holds it."""
    return json.dumps(json_schema(name), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def write_schema_files(folder: Path) -> list[Path]:
    """Write every schema into `folder` (docs/schemas/ in the repository)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, file in SCHEMA_FILES.items():
        (folder / file).write_text(render(name), encoding="utf-8")
        written.append(folder / file)
    return written
