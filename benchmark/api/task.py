"""The contract between the harness and a task: :class:`Task`, and its conformance check.

A task (``tasks/<name>/adapter.py``) subclasses :class:`Task`, sets ``spec`` to its
declarative :class:`~benchmark.api.taskspec.TaskSpec` and implements the abstract methods.
The harness calls nothing else: the runner opens sources, builds pairs through the
pair protocols (which use :meth:`Task.subsample`, :meth:`Task.frames_of`,
:meth:`Task.with_frames` and :meth:`Task.static_partner`), feeds :meth:`Task.model_input`
to the model and fills the task's :class:`~benchmark.api.metric.Metric` with
:meth:`Task.evaluate`.
:func:`check_task` says what a task misses; the conformance test runs it on every
registered task.

A *source* is one split of one dataset: ``name``, ``split``, ``len``, ``clip(i)`` (the
item the model sees: a uint8 clip (T, H, W, 3), or the task's own item such as an AVOS
frame sample), ``clip_id(i)`` and ``fingerprint()`` (sha256 of its sample list).
Synthetic sources add ``true_pair(i, factor, seed)``; real-video sources may add
``prestyle_ref(i)`` (the pre-stylised video folder and frame indices of item ``i``).

*Frames* are uint8 (T, H, W, 3): a numpy array as a source loads them, or a torch tensor
on the model's device once the harness has moved or styled them
(:mod:`benchmark.pairs.batch`); :meth:`Task.with_frames` and :meth:`Task.model_input` take
either.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

import numpy as np

from benchmark.api.metric import Metric
from benchmark.api.model_spec import InputSpec
from benchmark.api.options import TaskOptions
from benchmark.api.taskspec import DatasetSpec, TaskSpec

if TYPE_CHECKING:
    from benchmark.api.transforms import Frames


@runtime_checkable
class Source(Protocol):
    """One split of one dataset, as every task's sources present it."""

    name: str
    split: str

    def __len__(self) -> int: ...
    def clip(self, index: int) -> Any: ...
    def clip_id(self, index: int) -> str: ...
    def fingerprint(self) -> str: ...


@dataclass(frozen=True)
class EvalOptions:
    """How a task computes its metric (the ``run`` flags that concern evaluation)."""

    batch_size: int = 16
    device: str = "cpu"
    workers: int = 0
    seed: int = 0
    on_bad_video: str = "fail"
    progress: bool = True


class Task(ABC):
    """What the harness needs from a task (see the module docstring)."""

    spec: ClassVar[TaskSpec]
    #: True when an item is nothing but its frames (a clip), so a pre-stylised copy
    #: replaces it without loading the original; False when it holds more (AVOS: flow).
    item_is_frames: ClassVar[bool] = True

    # ------------------------------------------------------------------ data
    @abstractmethod
    def open_source(
        self, dataset: DatasetSpec, split: str, data_root: Path | None, input: InputSpec,
        options: TaskOptions, limit: int | None = None,
    ) -> Source:
        """Split ``split`` of ``dataset`` with items ready for a model taking ``input``;
        ``limit`` keeps the first evaluation units (clips, sequences, videos)."""

    def resolve_options(self, options: TaskOptions, dataset: DatasetSpec) -> TaskOptions:
        """The options with dataset-dependent defaults filled in (as recorded in results)."""
        return options

    # ------------------------------------------------------------------ pairs
    def frames_of(self, item: Any) -> Frames:
        """The uint8 frames (T, H, W, 3) of an item that a style is applied to."""
        return item

    def with_frames(self, item: Any, frames: Frames) -> Any:
        """The item with its frames replaced (styled, moved to the model's device, or read
        from a pre-stylised copy; ``item`` is None for a pre-stylised copy when
        :attr:`item_is_frames`)."""
        return frames

    def subsample(self, item: Any, input: InputSpec) -> Any:
        """The item cut to the frames :meth:`model_input` uses (temporal subsampling), so
        that a style renders only what the model sees; :meth:`model_input` gives the same
        tensor for both."""
        from benchmark.api.transforms import temporal_subsample

        return self.with_frames(item, temporal_subsample(self.frames_of(item), input.frames))

    @abstractmethod
    def static_partner(self, item: Any, rng: np.random.Generator) -> tuple[Any, int | None]:
        """The second item of a static pair built from ``item`` on real video (same
        appearance, other dynamics) and a frame-shuffle seed applied after temporal
        subsampling (None for none) - docs/METHOD.md §1.  It must keep
        :meth:`frames_of` unchanged (a static pair's second clip is styled like the first:
        styling and the static partner commute)."""

    # ------------------------------------------------------------------ model input
    @abstractmethod
    def model_input(self, items: Sequence[Any], input: InputSpec, shuffle_seeds: Sequence[int | None]) -> Any:
        """The model input (a tensor or a list of tensors) for a batch of items, computed
        on the device their frames are on."""

    # ------------------------------------------------------------------ metric
    def eval_units(self, source: Source) -> int:
        """How many evaluation units (what the metric counts) the source holds."""
        return len(source)

    @abstractmethod
    def new_metric(self, source: Source, options: TaskOptions) -> Metric:
        """An empty metric for ``source`` (usually a :class:`~benchmark.api.metric.PerturbedMetrics`)."""

    @abstractmethod
    def evaluate(
        self, model: Any, source: Source, units: Sequence[int], metric: Metric,
        input: InputSpec, options: EvalOptions, skipped: list[str],
    ) -> None:
        """Score the model on evaluation units ``units`` of ``source`` into ``metric``
        (clean and under each declared perturbation); bad units go to ``skipped`` or raise,
        per ``options.on_bad_video``."""

    def score(
        self, model: Any, source: Source, input: InputSpec, options: EvalOptions | None = None,
        task_options: TaskOptions | None = None, skipped: list[str] | None = None,
    ) -> dict[str, float]:
        """The metric values of ``model`` on every evaluation unit of ``source`` (one
        process; for training scripts, notebooks and tests)."""
        task_options = task_options or self.spec.options()
        metric = self.new_metric(source, task_options)
        units = list(range(self.eval_units(source)))
        self.evaluate(model, source, units, metric, input, options or EvalOptions(), skipped if skipped is not None else [])
        return metric.compute()


class ClipTask(Task):
    """A task whose items are uint8 clips (T, H, W, 3): a style changes every frame, the
    static partner is the clip with its frames permuted after temporal subsampling, and
    the model input comes from the shared clip transforms."""

    def with_frames(self, item: Any, frames: Frames) -> Frames:
        from benchmark.api.transforms import center_square

        return center_square(frames)  # a pre-stylised copy is not square

    def static_partner(self, item: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, int]:
        """The same clip, its frames to be permuted after temporal subsampling."""
        return item.copy(), int(rng.integers(2**31 - 1))

    def model_input(self, items: Sequence[Frames], input: InputSpec, shuffle_seeds: Sequence[int | None]):
        from benchmark.api.transforms import clips_to_input

        return clips_to_input(items, input, shuffle_seeds)


def check_task(task: type) -> list[str]:
    """What keeps ``task`` from fulfilling the contract (empty when it conforms)."""
    name = getattr(task, "__name__", repr(task))
    if not (isinstance(task, type) and issubclass(task, Task)):
        return [f"{name}: a task adapter must subclass benchmark.api.task.Task"]
    problems = []
    missing = sorted(getattr(task, "__abstractmethods__", ()))
    if missing:
        problems.append(f"{name}: does not implement {', '.join(missing)}")
    spec = getattr(task, "spec", None)
    if not isinstance(spec, TaskSpec):
        problems.append(f"{name}: 'spec' must be a TaskSpec declaring datasets, metrics and options")
    else:
        problems += spec.check()
    for method in ("open_source", "model_input", "new_metric", "evaluate", "static_partner"):
        own = inspect.signature(getattr(task, method))
        wanted = inspect.signature(getattr(Task, method))
        if list(own.parameters) != list(wanted.parameters):
            problems.append(f"{name}.{method}{own}: parameters differ from Task.{method}{wanted}")
    return problems
