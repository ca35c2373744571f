"""Clip sources of the action-recognition task: synthetic worlds and real datasets.

Every source is one split of a dataset declared in :mod:`tasks.action_recognition.spec`,
yields uint8 clips (T, H, W, 3) with labels, and has a fingerprint of its sample list.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from benchmark.api.model_spec import InputSpec
from benchmark.api.taskspec import DatasetSpec
from benchmark.data.clips import require_data_root
from tasks.synthetic.source import WorldSource


class DatasetSource:
    """A split of a real dataset read in its published layout (``--data-root``)."""

    def __init__(self, name: str, split: str, root: Path, spec: InputSpec, limit: int | None = None):
        from tasks.action_recognition.datasets import DATASETS

        self.name = name
        self.split = split
        self.dataset = DATASETS.get(name)(
            root, split, num_frames=spec.frames, sampling_rate=spec.sampling_rate, size=spec.size, limit=limit
        )
        self.num_classes = self.dataset.num_classes
        self.class_names = list(self.dataset.class_names)
        self.num_frames = spec.frames

    def __len__(self) -> int:
        return len(self.dataset)

    def prestyle_ref(self, index: int) -> tuple[str, None]:
        """The video's folder in a pre-stylised copy (its file name without extension);
        no fixed frames: ``num_frames`` are spread over the copy's frames."""
        return self.dataset.records[index].path.stem, None

    def clip(self, index: int) -> np.ndarray:
        return self.dataset.load(index)

    def label(self, index: int) -> int:
        return int(self.dataset.records[index].label)

    def clip_id(self, index: int) -> str:
        return self.dataset.records[index].clip_id

    def fingerprint(self) -> str:
        return self.dataset.fingerprint()


def open_source(
    dataset: DatasetSpec, split: str, data_root: Path | None, spec: InputSpec, limit: int | None = None
) -> WorldSource | DatasetSource:
    """Split ``split`` of ``dataset``: rendered for a synthetic world, read from
    ``data_root`` for a real dataset."""
    if dataset.synthetic:
        return WorldSource(dataset.name, split, limit=limit)
    root = require_data_root(dataset.name, data_root)
    return DatasetSource(dataset.name, split, root, spec, limit=limit)
