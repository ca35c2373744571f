"""Typed task options: declared by a task, set on the CLI as ``--task-option KEY=VALUE``.

A task declares its options as a frozen dataclass subclassing :class:`TaskOptions`, each
field made with :func:`option` (its CLI key, help text, and whether it changes a number)::

    @dataclass(frozen=True)
    class AvosOptions(TaskOptions):
        flow_method: Literal["farneback", "dis"] = option(
            "farneback", key="flow.method", help="optical flow algorithm")

Values are parsed and checked when the command line is read (type, choices), listed by
``python -m benchmark list``, and every option that changes a number is written into the
result file and the resume checkpoint's key (:meth:`TaskOptions.recorded`).  No
environment variable may change a number.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from benchmark.errors import BenchmarkError

Scalar = str | int | float | bool | None


def option(default: Any, *, key: str, help: str, recorded: bool = True) -> Any:
    """A task-option field: ``key`` is its CLI name (``--task-option key=value``); options
    with ``recorded=False`` (e.g. a cache folder) change no number and are not recorded."""
    return dataclasses.field(default=default, metadata={"key": key, "help": help, "recorded": recorded})


@dataclass(frozen=True)
class OptionInfo:
    """One declared option, as listed by ``python -m benchmark list``."""

    key: str
    field: str
    kind: str  # "str", "int", "float", "bool", "path" or "choice"
    choices: tuple[str, ...]
    optional: bool
    default: Scalar
    help: str
    recorded: bool

    def describe(self) -> str:
        kind = "|".join(self.choices) if self.choices else self.kind
        default = "none" if self.default is None else repr(self.default)
        return f"{self.key}={kind}  default {default}: {self.help}"


def _kind(annotation: Any) -> tuple[str, tuple[str, ...], bool]:
    """(kind, choices, optional) of a field's type annotation."""
    optional = False
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and type(None) in args:
        optional = True
        rest = [a for a in args if a is not type(None)]
        if len(rest) != 1:
            raise TypeError(f"unsupported option type {annotation!r}")
        annotation = rest[0]
    if typing.get_origin(annotation) is Literal:
        return "choice", tuple(str(a) for a in typing.get_args(annotation)), optional
    for kind, python_type in (("bool", bool), ("int", int), ("float", float), ("path", Path), ("str", str)):
        if annotation is python_type:
            return kind, (), optional
    raise TypeError(f"unsupported option type {annotation!r}")


def _convert(info: OptionInfo, text: str) -> Any:
    if info.optional and text.lower() in ("", "none", "default"):
        return None
    if info.kind == "choice":
        if text not in info.choices:
            raise ValueError(f"must be one of {', '.join(info.choices)}")
        return text
    if info.kind == "bool":
        lowered = text.lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ValueError("must be true or false")
    if info.kind == "int":
        return int(text)
    if info.kind == "float":
        return float(text)
    if info.kind == "path":
        return Path(text)
    return text


@dataclass(frozen=True)
class TaskOptions:
    """Base class of a task's options (a task without options uses it as is)."""

    @classmethod
    def declared(cls) -> list[OptionInfo]:
        """Every option of this class, in declaration order."""
        hints = typing.get_type_hints(cls)
        infos = []
        for f in dataclasses.fields(cls):
            if "key" not in f.metadata:
                raise TypeError(f"{cls.__name__}.{f.name}: declare task options with option(...)")
            kind, choices, optional = _kind(hints[f.name])
            default = f.default if not isinstance(f.default, Path) else str(f.default)
            infos.append(OptionInfo(f.metadata["key"], f.name, kind, choices, optional, default,
                                    f.metadata["help"], f.metadata["recorded"]))
        return infos

    @classmethod
    def parse(cls, assignments: list[str] | None, task: str = "") -> TaskOptions:
        """Options from ``KEY=VALUE`` strings (``--task-option``); a clear error for an
        unknown key, a malformed assignment or a bad value."""
        by_key = {info.key: info for info in cls.declared()}
        values: dict[str, Any] = {}
        for text in assignments or []:
            key, sep, raw = text.partition("=")
            key = key.strip()
            if not sep:
                raise BenchmarkError(f"--task-option {text!r}: expected KEY=VALUE.")
            if key not in by_key:
                known = ", ".join(by_key) or "none"
                raise BenchmarkError(
                    f"--task-option {key}: not an option of task {task!r}. Its options: {known} "
                    "(python -m benchmark list shows them)."
                )
            info = by_key[key]
            try:
                values[info.field] = _convert(info, raw.strip())
            except ValueError as error:
                raise BenchmarkError(f"--task-option {key}={raw}: {error}.") from None
        return cls(**values)

    def recorded(self) -> dict[str, Scalar]:
        """``{key: value}`` of the options that change a number (paths as strings)."""
        out: dict[str, Scalar] = {}
        for info in self.declared():
            if not info.recorded:
                continue
            value = getattr(self, info.field)
            out[info.key] = str(value) if isinstance(value, Path) else value
        return out

    def replace(self, **changes: Any) -> TaskOptions:
        """A copy with some fields changed (e.g. a dataset default filled in)."""
        return dataclasses.replace(self, **changes)
