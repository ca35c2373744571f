"""The blink task's adapter: a clip task whose metric is the accuracy over clips."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import torch

from benchmark.api.intervals import Estimate, wilson_estimate
from benchmark.api.metric import Metric
from benchmark.api.task import ClipTask
from benchmark.api.tasks import get_world
from tests.toy_task.spec import SPEC


class BlinkSource:
    """A split of the blink world, with true factor pairs."""

    def __init__(self, name: str, split: str, limit: int | None = None) -> None:
        self.name, self.split = name, split
        self.world = get_world(name)
        self._size = min(self.world.split_size(split), limit if limit is not None else 10**9)

    def __len__(self) -> int:
        return self._size

    def clip(self, index: int) -> np.ndarray:
        return self.world.render(self.world.spec(self.split, index))

    def label(self, index: int) -> int:
        return self.world.label(self.world.spec(self.split, index))

    def clip_id(self, index: int) -> str:
        return f"{self.name}/{self.split}/{index}"

    def true_pair(self, index: int, factor: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """(clip, partner): the partner shares the dynamics (factor 0) or the appearance (1)."""
        spec = self.world.spec(self.split, index)
        partner = self.world.with_new_appearance(spec, seed) if factor == 0 else self.world.with_new_dynamics(spec, seed)
        return self.world.render(spec), self.world.render(partner)

    def fingerprint(self) -> str:
        digest = hashlib.sha256(f"{self.name}|{self.split}|{len(self)}".encode())
        for index in range(len(self)):
            digest.update(repr(self.world.spec(self.split, index)).encode())
        return digest.hexdigest()


class Accuracy(Metric):
    def __init__(self) -> None:
        super().__init__()
        self.add_state("total", 0, "sum")
        self.add_state("correct", 0, "sum")

    def update(self, logits: torch.Tensor, labels: torch.Tensor) -> None:
        self.total += labels.numel()
        self.correct += int((logits.argmax(1) == labels).sum())

    @property
    def count(self) -> int:
        return self.total

    def compute(self) -> dict[str, float]:
        return {"accuracy": self.correct / self.total} if self.total else {}

    def intervals(self, seed: int = 0, replicates: int = 200) -> dict[str, Estimate]:
        return {k: wilson_estimate(v, self.total) for k, v in self.compute().items()}


class BlinkTask(ClipTask):
    spec = SPEC

    def open_source(self, dataset, split, data_root, input, options, limit=None):
        return BlinkSource(dataset.name, split, limit)

    def new_metric(self, source, options):
        return Accuracy()

    def evaluate(self, model, source, units: Sequence[int], metric, input, options, skipped):
        for start in range(0, len(units), options.batch_size):
            batch = list(units[start:start + options.batch_size])
            clips = [source.clip(i) for i in batch]
            with torch.no_grad():
                logits = model(self.model_input(clips, input, [None] * len(clips)))
            metric.update(logits, torch.tensor([source.label(i) for i in batch]))
