"""Reading annotation files with errors that name the file, the entry and the field."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from benchmark.errors import DataError


def annotation_error(path: Path, what: str) -> DataError:
    """A DataError about the annotation file ``path``."""
    return DataError(f"Annotation file {path}: {what}.")


def first_existing(candidates: Iterable[Path], *, kind: str = "any") -> Path | None:
    """The first candidate that exists (``kind``: "any", "file" or "dir"), else None."""
    for path in candidates:
        if (kind == "file" and path.is_file()) or (kind == "dir" and path.is_dir()):
            return path
        if kind == "any" and path.exists():
            return path
    return None


def find_file(candidates: list[Path], what: str) -> Path:
    """The first existing file among ``candidates``; DataError listing them all otherwise."""
    found = first_existing(candidates, kind="file")
    if found is None:
        tried = ", ".join(str(p) for p in candidates)
        raise DataError(f"The {what} is missing: looked for {tried}.")
    return found


def load_json(path: Path) -> Any:
    """Parse a JSON file; DataError names the file when it is missing or malformed."""
    if not path.is_file():
        raise DataError(f"Annotation file {path} does not exist.")
    try:
        with path.open("r", encoding="utf-8") as handle:
            return json.load(handle)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise DataError(f"Annotation file {path} is not valid JSON: {err}.") from err


def expect_type(value: Any, types: type | tuple[type, ...], path: Path, where: str) -> Any:
    """``value`` if it has one of ``types``, else DataError naming file and place."""
    if isinstance(value, bool) or not isinstance(value, types):
        names = (
            types.__name__ if isinstance(types, type) else " or ".join(t.__name__ for t in types)
        )
        raise DataError(
            f"Annotation file {path}: {where} should be {names}, got {type(value).__name__} "
            f"{value!r:.80}."
        )
    return value


def field(entry: Any, name: str, types: type | tuple[type, ...], path: Path, where: str) -> Any:
    """``entry[name]`` checked against ``types``; DataError names file, entry and field."""
    if not isinstance(entry, dict):
        raise DataError(f"Annotation file {path}: {where} should be an object, got {entry!r:.80}.")
    if name not in entry:
        raise DataError(f"Annotation file {path}: {where} is missing the field {name!r}.")
    return expect_type(entry[name], types, path, f"field {name!r} of {where}")


def read_csv_rows(path: Path, required: Iterable[str]) -> list[dict[str, str]]:
    """The rows of a CSV file with a header; DataError names a missing column or value."""
    if not path.is_file():
        raise DataError(f"Annotation file {path} does not exist.")
    required = list(required)
    with path.open("r", encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header = [name.strip() for name in reader.fieldnames or []]
        missing = [name for name in required if name not in header]
        if missing:
            raise DataError(
                f"Annotation file {path}: the CSV header {header} lacks the column(s) {missing}."
            )
        rows = []
        for line, row in enumerate(reader, start=2):
            row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
            empty = [name for name in required if not row.get(name)]
            if empty:
                raise DataError(f"Annotation file {path}: line {line} has no value for {empty}.")
            rows.append(row)
    return rows
