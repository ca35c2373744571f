"""The task registry, populated by plug-ins: each task's light declaration, its adapter and
its synthetic worlds, found through Python entry points.

A task is a package that declares one entry point in the group :data:`ENTRY_POINT_GROUP`
(in its ``pyproject.toml``)::

    [project.entry-points."motion_bench.tasks"]
    avos = "tasks.avos.spec:PLUGIN"

naming a :class:`TaskPlugin`: its :class:`~benchmark.api.taskspec.TaskSpec` (imports nothing
heavy, so the validator and the leaderboard read it without torch), its
:class:`~benchmark.api.task.Task` adapter and its synthetic worlds as lazy
``"module:attr"`` references (imported only when something runs or renders).  The entry
points are read once, on first use; no file of ``benchmark/`` names a task, so a task may
live in any installed package (docs/adding_a_task.md).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from benchmark.api.taskspec import DatasetSpec, TaskSpec
from benchmark.errors import BenchmarkError, DataError
from benchmark.registry import Registry

#: The entry-point group a task package registers its :class:`TaskPlugin` under.
ENTRY_POINT_GROUP = "motion_bench.tasks"


@dataclass(frozen=True, kw_only=True)
class TaskPlugin:
    """What a task package hands the harness: its declaration and lazy references."""

    spec: TaskSpec
    adapter: str  # "module:attr" of the Task subclass
    #: synthetic world name -> "module:attr" of its class, in the order the task prefers
    worlds: dict[str, str] = field(default_factory=dict)


class _Installed:
    """The entry points found (read without importing anything) and the plug-ins loaded
    from them on first use, one task at a time (the leaderboard reads only the specs of
    the tasks it shows)."""

    def __init__(self) -> None:
        self.points: dict[str, EntryPoint] = {}
        for point in entry_points(group=ENTRY_POINT_GROUP):
            if point.name in self.points and self.points[point.name].value != point.value:
                raise BenchmarkError(f"task {point.name!r} is registered twice in entry-point group "
                                     f"{ENTRY_POINT_GROUP} ({self.points[point.name].value} and "
                                     f"{point.value}); uninstall one of the packages")
            self.points[point.name] = point
        self.plugins: dict[str, TaskPlugin] = {}
        self.adapters = Registry[type]("task adapter")
        self._worlds: Registry[type] | None = None
        self.world_order: list[str] = []

    def plugin(self, name: str) -> TaskPlugin:
        if name not in self.points:
            raise BenchmarkError(f"Unknown task {name!r}. Known tasks: {', '.join(sorted(self.points)) or 'none'}.")
        if name not in self.plugins:
            point = self.points[name]
            where = f"entry point {name!r} ({point.value}) of group {ENTRY_POINT_GROUP}"
            try:
                plugin = point.load()
            except Exception as exc:  # noqa: BLE001 - any import failure of a plug-in is reported by name
                raise BenchmarkError(f"{where} does not load: {type(exc).__name__}: {exc}") from None
            if not isinstance(plugin, TaskPlugin):
                raise BenchmarkError(f"{where} must name a benchmark.api.tasks.TaskPlugin, not {type(plugin).__name__}")
            if plugin.spec.name != name:
                raise BenchmarkError(f"{where}: the entry point's name must be the task's name {plugin.spec.name!r}")
            self.plugins[name] = plugin
            self.adapters.register(name, plugin.adapter)
        return self.plugins[name]

    @property
    def worlds(self) -> Registry[type]:
        """Every task's worlds (loads every plug-in)."""
        if self._worlds is None:
            worlds = Registry[type]("world")
            for name in sorted(self.points):
                for world, ref in self.plugin(name).worlds.items():
                    if world in worlds:
                        raise BenchmarkError(f"task {name!r}: world {world!r} is already registered by another task")
                    worlds.register(world, ref)
                    self.world_order.append(world)
            self._worlds = worlds
        return self._worlds

    def ordered_worlds(self) -> list[str]:
        """The worlds in the order the tasks (by name) declare them."""
        self.worlds  # noqa: B018 - loads them
        return self.world_order


_installed: _Installed | None = None


def _plugins() -> _Installed:
    global _installed
    if _installed is None:
        _installed = _Installed()
        if not _installed.points:
            _installed = None
            raise BenchmarkError(
                f"no task is installed (no entry point in group {ENTRY_POINT_GROUP}): "
                "install the suite with `pip install -e .` so that its tasks register"
            )
    return _installed


def refresh() -> None:
    """Forget the plug-ins found so far; the next lookup reads the entry points again
    (after installing a task package in a running process, e.g. in tests)."""
    global _installed
    _installed = None


def plugin_packages() -> tuple[str, ...]:
    """The top-level packages that hold task code (what the harness tripwire watches)."""
    installed = _plugins()
    refs = [point.value for point in installed.points.values()]
    for name in sorted(installed.points):
        plugin = installed.plugin(name)
        refs += [plugin.adapter, *plugin.worlds.values()]
    return tuple(dict.fromkeys(ref.split(":")[0].split(".")[0] for ref in refs))


def task_names() -> list[str]:
    """The installed tasks (read from the entry points; nothing imported)."""
    return sorted(_plugins().points)


def get_spec(name: str) -> TaskSpec:
    """The declaration of task ``name`` (no torch imported)."""
    return _plugins().plugin(name).spec


def get_task(name: str):
    """An instance of the task adapter registered as ``name``."""
    installed = _plugins()
    installed.plugin(name)
    return installed.adapters.get(name)()


def find_dataset(task: str, dataset: str) -> DatasetSpec | None:
    """The dataset ``dataset`` of task ``task``, or None when either is unknown."""
    if task not in _plugins().points:
        return None
    try:
        return get_spec(task).dataset(dataset)
    except BenchmarkError:
        return None


# --------------------------------------------------------------------------- synthetic worlds


def world_names() -> list[str]:
    """Every synthetic world the installed tasks declare."""
    return _plugins().worlds.names()


def default_world() -> str:
    """The world a command draws a sample clip from when told none: the first world
    declared by the first task (by name) that declares one."""
    order = _plugins().ordered_worlds()
    if not order:
        raise DataError("no installed task declares a synthetic world")
    return order[0]


def world_options(factory: type) -> list[str]:
    """The keyword options a world class accepts."""
    names: list[str] = []
    for cls in factory.__mro__:
        init = cls.__dict__.get("__init__")
        if init is None:
            continue
        for p in inspect.signature(init).parameters.values():
            if p.kind is p.KEYWORD_ONLY and p.name not in names:
                names.append(p.name)
    return names


def world_class(name: str) -> type:
    """The class of the world registered as ``name`` (imported now); DataError if unknown."""
    try:
        return _plugins().worlds.get(name)
    except BenchmarkError as exc:
        raise DataError(str(exc)) from None


def get_world(name: str, **options: Any):
    """Build the world registered as ``name`` with ``options`` (train, val, test, frames,
    size, seed and world-specific ones); unknown names or options raise DataError."""
    factory = world_class(name)
    known = world_options(factory)
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise DataError(
            f"world {name!r} has no option(s) {', '.join(map(repr, unknown))}; "
            f"known options: {', '.join(known)}"
        )
    return factory(**options)
