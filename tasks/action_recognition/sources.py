"""Clip sources of the action-recognition task: synthetic worlds and real datasets.

Every source is addressed by a dataset name (``synthetic-motion``, ``diving48`` ...) and a
split, yields uint8 clips (T, H, W, 3) with labels, and has a fingerprint of its sample list.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from benchmark.clips import require_data_root
from benchmark.manifest import InputSpec
from benchmark.registry import Registry
from tasks.synthetic.source import WorldSource

SYNTHETIC_WORLDS = ("synthetic-motion", "synthetic-appearance", "synthetic-conflict")
REAL_DATASETS = ("diving48", "ssv2", "kinetics400", "activitynet")
# The split each dataset is measured on (pairs and accuracy).
EVAL_SPLITS = {"diving48": "test", "ssv2": "validation", "kinetics400": "val", "activitynet": "validation"}


class DatasetSource:
    """A split of a real dataset read in its published layout (``--data-root``)."""

    def __init__(self, name: str, split: str, root: Path, spec: InputSpec, limit: int | None = None):
        from tasks.action_recognition.datasets import DATASETS

        self.name = name
        self.split = split
        frames = spec.frames
        self.dataset = DATASETS.get(name)(
            root, split, num_frames=frames, sampling_rate=spec.sampling_rate, size=spec.size, limit=limit
        )
        self.num_classes = self.dataset.num_classes
        self.class_names = list(self.dataset.class_names)
        self.num_frames = frames

    def __len__(self) -> int:
        return len(self.dataset)

    def video_name(self, index: int) -> str:
        """The video file name without extension (the folder name in pre-stylised copies)."""
        return self.dataset.records[index].path.stem

    def clip(self, index: int) -> np.ndarray:
        return self.dataset.load(index)

    def label(self, index: int) -> int:
        return int(self.dataset.records[index].label)

    def clip_id(self, index: int) -> str:
        return self.dataset.records[index].clip_id

    def fingerprint(self) -> str:
        return self.dataset.fingerprint()


def _open_world(name: str, split: str | None, data_root, spec: InputSpec, limit=None) -> WorldSource:
    return WorldSource(name, split or "val", limit=limit)


def _open_dataset(name: str, split: str | None, data_root, spec: InputSpec, limit=None) -> DatasetSource:
    root = require_data_root(name, data_root)
    return DatasetSource(name, split or EVAL_SPLITS[name], root, spec, limit=limit)


SOURCES: Registry = Registry("dataset")
for _world in SYNTHETIC_WORLDS:
    SOURCES.register(_world, _open_world)
for _dataset in REAL_DATASETS:
    SOURCES.register(_dataset, _open_dataset)


def open_source(
    name: str, split: str | None, data_root: Path | None, spec: InputSpec, limit: int | None = None
):
    """Open dataset ``name`` (split defaults to its evaluation split)."""
    return SOURCES.get(name)(name, split, data_root, spec, limit)
