"""The task registry and the interface every task adapter implements.

Tasks live in the ``tasks`` package and are registered here by ``"module:attr"`` strings,
imported on first use, so ``benchmark`` never imports ``tasks`` at import time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import torch
from torch import nn

from benchmark.manifest import InputSpec
from benchmark.registry import Registry


@dataclass(frozen=True)
class EvalOptions:
    """How a task measures its metric (the ``run`` flags that concern evaluation)."""

    batch_size: int = 16
    device: str = "cpu"
    limit: int | None = None  # first clips (AVOS: sequences) of the eval source
    workers: int = 0
    seed: int = 0
    on_bad_video: str = "fail"
    progress: bool = True


DEFAULT_EVAL = EvalOptions()


class ClipSource(Protocol):
    """Indexed clips with labels: a synthetic world split or a real dataset split."""

    name: str
    split: str

    def __len__(self) -> int: ...
    def clip(self, index: int) -> np.ndarray: ...  # (T, H, W, 3) uint8
    def label(self, index: int) -> int: ...
    def clip_id(self, index: int) -> str: ...
    def fingerprint(self) -> str: ...


class TaskAdapter(Protocol):
    """What the runner needs from a task (DESIGN.md "The common interface")."""

    name: str
    default_dataset: str
    main_metric: str

    def dataset_names(self) -> list[str]: ...

    def default_protocol(self, dataset: str) -> str: ...

    def pair_protocol(self, text: str): ...  # PairSpec -> PairClips callable

    def open_source(
        self, dataset: str, split: str, data_root: Path | None, spec: InputSpec
    ) -> ClipSource: ...

    def model_input(
        self, clips: list[np.ndarray], spec: InputSpec, shuffle_seeds: list[int | None]
    ) -> torch.Tensor | list[torch.Tensor]: ...

    def evaluate(
        self,
        model: nn.Module,
        source: ClipSource,
        spec: InputSpec,
        options: EvalOptions = DEFAULT_EVAL,
        skipped: list[str] | None = None,
    ) -> dict[str, float]: ...  # bad clips are appended to ``skipped`` (or raise, per options)


TASKS: Registry[type] = Registry("task")
TASKS.register("action_recognition", "tasks.action_recognition.adapter:ActionRecognitionTask")
TASKS.register("avos", "tasks.avos.adapter:AvosTask")
TASKS.register("vis", "tasks.vis.adapter:VisTask")


def get_task(name: str) -> TaskAdapter:
    """An instance of the task adapter registered as ``name``."""
    return TASKS.get(name)()
