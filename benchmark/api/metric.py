"""The base of every task metric: declared state with its reduction (torchmetrics' shape).

A metric declares its state in ``__init__`` with :meth:`Metric.add_state` (a default and
how two partial states combine), accumulates with ``update`` and reports with
``compute``.  Because the state and its reduction are declared, partial metrics merge
exactly (:meth:`Metric.merge`), save and load with a checkpoint, and under ``torchrun``
every rank scores its share of the evaluation units and :meth:`Metric.sync` combines them
in rank order, so the result equals a single process.

:class:`PerturbedMetrics` holds one metric per temporal perturbation ("clean" first) and
flattens them into the result's keys (``top1``, ``top1_shuffled``,
``top1_shuffled_rel_drop`` ...), as the task's :class:`~benchmark.api.taskspec.TaskSpec`
declares.
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, Literal

from benchmark.api.intervals import Estimate
from benchmark.api.taskspec import TaskSpec

Reduction = Literal["sum", "extend", "union"]
CLEAN = "clean"


def relative_drop(clean: float, perturbed: float) -> float | None:
    """``(perturbed - clean) / clean`` (negative = lost); None when ``clean`` is 0."""
    return None if clean == 0 else (perturbed - clean) / clean


def _reduce(kind: Reduction, mine: Any, theirs: Any) -> Any:
    if kind == "sum":
        return mine + theirs
    if kind == "extend":
        return [*mine, *theirs]
    if kind == "union":
        overlap = set(mine) & set(theirs)
        if overlap:
            raise ValueError(f"merging metric states that both hold {sorted(overlap)[:3]}")
        return {**mine, **theirs}
    raise ValueError(f"unknown reduction {kind!r}")


class Metric(ABC):
    """Declared state + ``update`` / ``compute`` / ``merge`` / ``reset``.

    Reductions: ``"sum"`` (counts), ``"extend"`` (lists, concatenated in rank order) and
    ``"union"`` (dicts keyed by evaluation unit; keys never repeat across ranks).  A metric
    may also hold other metrics (:meth:`add_metric`); merging, saving, resetting and
    syncing then recurse into them.
    """

    def __init__(self) -> None:
        self._reductions: dict[str, Reduction] = {}
        self._defaults: dict[str, Any] = {}
        self._children: dict[str, Metric] = {}

    def add_state(self, name: str, default: Any, reduce: Reduction) -> None:
        """Declare state ``name`` with its initial value and reduction."""
        self._reductions[name] = reduce
        self._defaults[name] = copy.deepcopy(default)
        setattr(self, name, copy.deepcopy(default))

    def add_metric(self, name: str, metric: Metric) -> Metric:
        """Hold ``metric`` as part of this one (its state is part of this state)."""
        self._children[name] = metric
        return metric

    @abstractmethod
    def update(self, *args: Any, **kwargs: Any) -> None:
        """Accumulate a batch (or one unit)."""

    @abstractmethod
    def compute(self) -> dict[str, float]:
        """The metric values; absent (never NaN or zero) when they cannot be computed."""

    @property
    @abstractmethod
    def count(self) -> int:
        """How many evaluation units (clips, sequences, videos) have been scored."""

    def intervals(self, seed: int = 0, replicates: int = 200) -> dict[str, Estimate]:
        """95 % intervals of some computed values (none by default)."""
        return {}

    def merge(self, other: Metric) -> Metric:
        """Combine ``other``'s state into this one (in place); returns self."""
        if (type(other) is not type(self) or other._reductions != self._reductions
                or set(other._children) != set(self._children)):
            raise ValueError(f"cannot merge {type(other).__name__} into {type(self).__name__}")
        return self.load_state_dict(self._merged(self.state_dict(), other.state_dict()))

    def _merged(self, mine: dict[str, Any], theirs: dict[str, Any]) -> dict[str, Any]:
        """Two states combined by the declared reductions (children recursively)."""
        out = {name: _reduce(kind, mine[name], theirs[name]) for name, kind in self._reductions.items()}
        return out | {name: child._merged(mine[name], theirs[name]) for name, child in self._children.items()}

    def reset(self) -> None:
        for name, default in self._defaults.items():
            setattr(self, name, copy.deepcopy(default))
        for child in self._children.values():
            child.reset()

    def state_dict(self) -> dict[str, Any]:
        """The declared state (plain Python values, for checkpoints and all-gather)."""
        state = {name: copy.deepcopy(getattr(self, name)) for name in self._reductions}
        return state | {name: child.state_dict() for name, child in self._children.items()}

    def load_state_dict(self, state: dict[str, Any]) -> Metric:
        expected = set(self._reductions) | set(self._children)
        if set(state) != expected:
            raise ValueError(f"state has {sorted(state)}, expected {sorted(expected)}")
        for name in self._reductions:
            setattr(self, name, copy.deepcopy(state[name]))
        for name, child in self._children.items():
            child.load_state_dict(state[name])
        return self

    def sync(self) -> Metric:
        """Under ``torch.distributed``: every rank's state merged in rank order (in place)."""
        import torch.distributed as dist

        if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
            return self
        states: list[Any] = [None] * dist.get_world_size()
        dist.all_gather_object(states, self.state_dict())
        merged = states[0]
        for state in states[1:]:
            merged = self._merged(merged, state)
        return self.load_state_dict(merged)


class PerturbedMetrics(Metric):
    """One metric per perturbation: ``"clean"`` plus every perturbation the task declares.

    ``compute`` gives the clean values as they are, and for each metric the spec reports
    under perturbation ``p``: ``<name>_<p>`` and ``<name>_<p>_rel_drop`` (absent when the
    clean value is 0); ``intervals`` are the clean metric's."""

    def __init__(self, spec: TaskSpec, factory: Callable[[], Metric]) -> None:
        super().__init__()
        self.spec = spec
        for name in (CLEAN, *spec.perturbations):
            self.add_metric(name, factory())

    def __getitem__(self, perturbation: str) -> Metric:
        return self._children[perturbation]

    def update(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("update a perturbation's metric: metrics[name].update(...)")

    @property
    def count(self) -> int:
        return self[CLEAN].count

    def compute(self) -> dict[str, float]:
        clean = self[CLEAN].compute()
        out = dict(clean)
        for metric in self.spec.metrics:
            for perturbation in metric.perturbations:
                value = self[perturbation].compute().get(metric.name)
                if value is None:
                    continue
                out[f"{metric.name}_{perturbation}"] = value
                drop = relative_drop(clean[metric.name], value) if metric.name in clean else None
                if drop is not None:
                    out[f"{metric.name}_{perturbation}_rel_drop"] = drop
        return out

    def intervals(self, seed: int = 0, replicates: int = 200) -> dict[str, Estimate]:
        return self[CLEAN].intervals(seed, replicates)
