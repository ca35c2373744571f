"""What a task declares (no torch, no task code): its datasets, metrics and options.

Everything the harness, the validator and the leaderboard need to know about a task is
read from its :class:`TaskSpec`, so ``benchmark/`` never names a task or a dataset.  A
spec lives in ``tasks/<task>/spec.py`` and imports nothing heavy, so the leaderboard can
read it without importing torch or any submission code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from benchmark.api.options import TaskOptions
from benchmark.errors import BenchmarkError

Bias = Literal["dynamic", "static", "mixed"]
Unit = Literal["clip", "sequence", "video"]


@dataclass(frozen=True)
class DatasetSpec:
    """One dataset of a task.

    ``synthetic``: rendered by the suite (true pairs exist, no ``--data-root``, CI can
    reproduce results on it); ``pair_split`` / ``eval_split``: the splits pairs and the
    metric are measured on; ``bias``: which information the labels reward (dynamically
    biased datasets lead the leaderboard); ``unit``: what the metric counts;
    ``eval_limit``: how many units the metric is computed on when ``--eval-clips`` is not
    given (None: the whole split).
    """

    name: str
    synthetic: bool
    pair_split: str
    eval_split: str
    bias: Bias
    unit: Unit
    eval_limit: int | None = None
    description: str = ""

    @property
    def default_protocol(self) -> str:
        """Ground-truth pairs on synthetic worlds, stylised pairs on real video."""
        return "true" if self.synthetic else "stylize"


@dataclass(frozen=True)
class MetricSpec:
    """One task metric: ``main`` ranks the leaderboard; ``proportion``: a fraction of the
    evaluated units (a Wilson interval applies); ``perturbations``: the temporal
    perturbations it is also reported under (``<name>_<perturbation>`` and
    ``<name>_<perturbation>_rel_drop``); ``bounds``: the range every value (clean or
    perturbed) lies in, which ``validate`` enforces."""

    name: str
    main: bool = False
    proportion: bool = False
    higher_is_better: bool = True
    perturbations: tuple[str, ...] = ()
    bounds: tuple[float, float] = (0.0, 1.0)


@dataclass(frozen=True)
class TaskSpec:
    """A task's complete declaration; :meth:`check` says what is missing or inconsistent."""

    name: str
    description: str
    datasets: tuple[DatasetSpec, ...]
    metrics: tuple[MetricSpec, ...]
    options: type[TaskOptions] = TaskOptions
    extra_metrics: tuple[str, ...] = field(default=())  # reported, not ranked (e.g. j_recall)

    # ------------------------------------------------------------------ lookups
    def dataset(self, name: str) -> DatasetSpec:
        """The dataset called ``name``; an unknown name lists the task's datasets."""
        for dataset in self.datasets:
            if dataset.name == name:
                return dataset
        raise BenchmarkError(
            f"Dataset {name!r} is not known to task {self.name!r}. Known datasets: "
            f"{', '.join(self.dataset_names())}."
        )

    def dataset_names(self) -> list[str]:
        return [d.name for d in self.datasets]

    @property
    def main_metric(self) -> MetricSpec:
        return next(m for m in self.metrics if m.main)

    def metric(self, name: str) -> MetricSpec | None:
        """The declared metric ``name`` (``None`` for a derived or unknown key)."""
        return next((m for m in self.metrics if m.name == name), None)

    @property
    def perturbations(self) -> tuple[str, ...]:
        """Every temporal perturbation a metric is reported under, in declaration order."""
        seen: list[str] = []
        for metric in self.metrics:
            seen += [p for p in metric.perturbations if p not in seen]
        return tuple(seen)

    def metric_bounds(self, key: str) -> tuple[float, float] | None:
        """The range of a result's ``metrics[key]``: a declared metric's bounds, also under a
        perturbation; None for a relative drop or an unknown key."""
        for m in self.metrics:
            if key == m.name or key in (f"{m.name}_{p}" for p in m.perturbations):
                return m.bounds
        return None

    def metric_keys(self) -> list[str]:
        """Every key a result's ``metrics`` may hold for this task."""
        keys = [m.name for m in self.metrics] + list(self.extra_metrics)
        for m in self.metrics:
            for p in m.perturbations:
                keys += [f"{m.name}_{p}", f"{m.name}_{p}_rel_drop"]
        return keys

    # ------------------------------------------------------------------ self-check
    def check(self) -> list[str]:
        """Problems of the declaration itself (empty when complete and consistent)."""
        problems = []
        where = f"task {self.name!r}"
        if not self.datasets:
            problems.append(f"{where}: declares no datasets")
        names = self.dataset_names()
        if len(set(names)) != len(names):
            problems.append(f"{where}: dataset names repeat: {names}")
        mains = [m.name for m in self.metrics if m.main]
        if len(mains) != 1:
            problems.append(f"{where}: needs exactly one main metric, has {mains or 'none'}")
        metric_names = [m.name for m in self.metrics]
        if len(set(metric_names)) != len(metric_names):
            problems.append(f"{where}: metric names repeat: {metric_names}")
        if not (isinstance(self.options, type) and issubclass(self.options, TaskOptions)):
            problems.append(f"{where}: options must be a TaskOptions dataclass")
        else:
            try:
                self.options.declared()
                self.options()
            except (TypeError, ValueError) as error:
                problems.append(f"{where}: options {self.options.__name__}: {error}")
        return problems
