"""The task registry: each task's light declaration and its adapter, by lazy reference.

A task registers two ``"module:attr"`` references: its :class:`~benchmark.api.taskspec.TaskSpec`
(``tasks/<task>/spec.py``, imports nothing heavy, so the validator and the leaderboard
can read it without torch) and its :class:`~benchmark.api.task.Task` adapter (imported only
when something runs).  This file is the only place in ``benchmark/`` that names tasks.
"""

from __future__ import annotations

from dataclasses import dataclass

from benchmark.api.taskspec import DatasetSpec, TaskSpec
from benchmark.errors import BenchmarkError
from benchmark.registry import Registry


@dataclass(frozen=True)
class TaskEntry:
    spec: str  # "module:attr" of the TaskSpec
    adapter: str  # "module:attr" of the Task subclass


TASKS: Registry[TaskEntry] = Registry("task")
TASKS.register("action_recognition", TaskEntry("tasks.action_recognition.spec:SPEC",
                                               "tasks.action_recognition.adapter:ActionRecognitionTask"))
TASKS.register("avos", TaskEntry("tasks.avos.spec:SPEC", "tasks.avos.adapter:AvosTask"))
TASKS.register("vis", TaskEntry("tasks.vis.spec:SPEC", "tasks.vis.adapter:VisTask"))

_SPECS = Registry[TaskSpec]("task spec")
_ADAPTERS = Registry[type]("task adapter")
for _name in TASKS:
    _SPECS.register(_name, TASKS.get(_name).spec)
    _ADAPTERS.register(_name, TASKS.get(_name).adapter)


def task_names() -> list[str]:
    return TASKS.names()


def get_spec(name: str) -> TaskSpec:
    """The declaration of task ``name`` (no torch imported)."""
    return _SPECS.get(name)


def get_task(name: str):
    """An instance of the task adapter registered as ``name``."""
    return _ADAPTERS.get(name)()


def find_dataset(task: str, dataset: str) -> DatasetSpec | None:
    """The dataset ``dataset`` of task ``task``, or None when either is unknown."""
    if task not in TASKS:
        return None
    try:
        return get_spec(task).dataset(dataset)
    except BenchmarkError:
        return None
