"""Reading files a submission or a pull request wrote: UTF-8 text of bounded size, JSON and
YAML of bounded nesting, and YAML without anchors, aliases or a key twice.

Every refusal is a ``BenchmarkError`` of the caller's kind naming the file and what is wrong,
never a ``RecursionError``, ``UnicodeDecodeError`` or an alias bomb's memory.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from benchmark.errors import BenchmarkError

MAX_BYTES = 16 * 2**20  # of one manifest or result file
MAX_DEPTH = 32  # nesting of lists and mappings


def read_text(path: Path, error: type[BenchmarkError], what: str) -> str:
    """The UTF-8 text of ``path`` (at most MAX_BYTES)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as problem:
        raise error(f"{path}: not a readable {what}: {problem.strerror or problem}.") from None
    if len(data) > MAX_BYTES:
        raise error(f"{path}: a {what} larger than {MAX_BYTES // 2**20} MiB; it cannot be one.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as problem:
        raise error(f"{path}: not UTF-8 text (byte {problem.start}: {data[problem.start:problem.start + 1]!r}); "
                    f"save the {what} as UTF-8.") from None


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            if depth <= MAX_DEPTH:
                stack.extend((v, depth + 1) for v in (item.values() if isinstance(item, dict) else item))
    return deepest


def _shallow(value: Any, path: Path, error: type[BenchmarkError], what: str) -> Any:
    if _depth(value) > MAX_DEPTH:
        raise error(f"{path}: a {what} nested deeper than {MAX_DEPTH} levels; it cannot be one.")
    return value


def load_json(path: Path, error: type[BenchmarkError], what: str) -> Any:
    """The JSON value of ``path``: UTF-8, bounded size and nesting."""
    text = read_text(path, error, what)
    try:
        value = json.loads(text)
    except RecursionError:
        raise error(f"{path}: a {what} nested deeper than {MAX_DEPTH} levels; it cannot be one.") from None
    except json.JSONDecodeError as problem:
        raise error(f"{path}: not a readable JSON {what}: {problem}.") from None
    return _shallow(value, path, error, what)


class _StrictLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` without anchors and aliases, and with every key once."""

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise yaml.constructor.ConstructorError(
                None, None, "anchors and aliases (&name, *name) are not allowed; write the value out",
                event.start_mark)
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, (list, dict)):
                continue  # the base class refuses unhashable keys with its own message
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} appears twice; keep one", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep)


def load_yaml(text: str, path: Path, error: type[BenchmarkError], what: str) -> Any:
    """The YAML value of ``text`` (read from ``path``): no anchors or aliases, no key twice,
    bounded nesting."""
    try:
        value = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader, stricter
    except RecursionError:
        raise error(f"{path}: a {what} nested deeper than {MAX_DEPTH} levels; it cannot be one.") from None
    except yaml.YAMLError as problem:
        mark = getattr(problem, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        detail = getattr(problem, "problem", None) or str(problem)
        raise error(f"{path}: not valid YAML{where}: {detail}.") from None
    return _shallow(value, path, error, what)
