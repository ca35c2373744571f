"""A small name -> object registry with lazy ``"module:attr"`` entries (no import cycles)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from benchmark.errors import BenchmarkError

T = TypeVar("T")


class Registry(Generic[T]):
    """Maps names to objects; an entry may be a ``"package.module:attribute"`` string,
    imported on first use so that registering never imports heavy or cyclic code."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, T | str] = {}

    def register(self, name: str, obj: T | str | None = None):
        """Register ``obj`` under ``name``; without ``obj``, works as a decorator."""
        if obj is None:

            def decorator(target: T) -> T:
                self._add(name, target)
                return target

            return decorator
        self._add(name, obj)
        return obj

    def _add(self, name: str, obj: T | str) -> None:
        if name in self._entries:
            raise ValueError(f"{self.kind} {name!r} is registered twice")
        self._entries[name] = obj

    def get(self, name: str) -> T:
        """The object registered as ``name``; an unknown name lists the known ones."""
        if name not in self._entries:
            known = ", ".join(sorted(self._entries)) or "none"
            raise BenchmarkError(f"Unknown {self.kind} {name!r}. Known {self.kind}s: {known}.")
        entry = self._entries[name]
        if isinstance(entry, str):
            module_name, _, attr = entry.partition(":")
            entry = getattr(importlib.import_module(module_name), attr)
            self._entries[name] = entry
        return entry  # type: ignore[return-value]

    def names(self) -> list[str]:
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())


def lazy(ref: str) -> Callable[[], object]:
    """A zero-argument callable importing ``"module:attr"`` when called."""

    def load() -> object:
        module_name, _, attr = ref.partition(":")
        return getattr(importlib.import_module(module_name), attr)

    return load
