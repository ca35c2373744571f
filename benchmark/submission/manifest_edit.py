"""Changing top-level fields of a ``submission.yaml`` while keeping the rest of the text.

A manifest is written by people: comments, field order and flow style matter to them.
:func:`set_fields` replaces a top-level entry (its key line and the indented lines under
it) in place, appends a new one at the end, or removes one; every other line stays as it
was.  The result is parsed again and must hold exactly the values asked for, else the
whole document is rewritten with ``yaml.safe_dump`` (comments lost; the caller is told).
"""

from __future__ import annotations

import json
import re

import yaml

#: A field's new value, or None to remove the field.
Fields = dict[str, object]


def _flow(value: object) -> str:
    """``value`` as one line of YAML flow style (strings quoted as JSON, which YAML reads)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {_flow(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_flow(item) for item in value) + "]"
    if isinstance(value, str):
        plain = (re.fullmatch(r"[A-Za-z_][A-Za-z0-9_./-]*", value) and not re.fullmatch(r"[0-9a-f]{64}", value)
                 and yaml.safe_load(value) == value)  # digests quoted, as manifests write them
        return value if plain else json.dumps(value, ensure_ascii=False)
    return json.dumps(value)


def _entry_spans(lines: list[str]) -> dict[str, tuple[int, int]]:
    """Top-level key -> (first line, end line) of its entry: the key line and the lines
    after it that are indented or continue a block (blank lines inside a block included)."""
    starts = [(i, m.group(1)) for i, line in enumerate(lines)
              if (m := re.match(r"^([A-Za-z_][A-Za-z0-9_]*)\s*:", line))]
    spans = {}
    for k, (start, key) in enumerate(starts):
        end = start + 1
        limit = starts[k + 1][0] if k + 1 < len(starts) else len(lines)
        while end < limit and (lines[end].startswith((" ", "\t")) or
                               (not lines[end].strip() and end + 1 < limit and lines[end + 1].startswith((" ", "\t")))):
            end += 1
        spans[key] = (start, end)
    return spans


def edit_text(text: str, fields: Fields) -> str:
    """``text`` with each of ``fields`` set (one flow-style line) or removed (None)."""
    lines = text.splitlines()
    spans = _entry_spans(lines)
    replaced: dict[int, list[str]] = {}
    removed: set[int] = set()
    appended = []
    for key, value in fields.items():
        new = [] if value is None else [f"{key}: {_flow(value)}"]
        if key in spans:
            start, end = spans[key]
            replaced[start] = new
            removed.update(range(start + 1, end))
        elif new:
            appended += new
    out = []
    for i, line in enumerate(lines):
        if i in replaced:
            out += replaced[i]
        elif i not in removed:
            out.append(line)
    return "\n".join(out + appended) + "\n"


def set_fields(text: str, fields: Fields) -> tuple[str, bool]:
    """The manifest ``text`` with ``fields`` changed, and whether the original text (its
    comments and layout) could be kept."""
    edited = edit_text(text, fields)
    try:
        data = yaml.safe_load(edited)
    except yaml.YAMLError:
        data = None
    if isinstance(data, dict) and all(data.get(k) == v if v is not None else k not in data
                                      for k, v in _plain(fields).items()):
        return edited, True
    data = yaml.safe_load(text) or {}
    for key, value in fields.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True), False


def _plain(fields: Fields) -> Fields:
    """The values as YAML reads them back (tuples become lists)."""
    return json.loads(json.dumps(fields))
