"""Clip sources of the VIS task: the synthetic VIS world and YouTube-VIS 2019 / 2021.

Every source has what the runner's pair protocols need (``clip``, ``label``, ``clip_id``,
``fingerprint``, ``len``; ``true_pair`` on the synthetic world) and, for the metric,
``sample(i)``: the clip with its annotated instances (a :class:`VisClip`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from benchmark.api.model_spec import InputSpec
from benchmark.api.taskspec import DatasetSpec
from benchmark.data.clips import require_data_root
from tasks.synthetic.source import WorldSource
from tasks.vis.samples import VisClip, VisInstance

SYNTHETIC = "synthetic-vis"


class VisWorldSource(WorldSource):
    """A split of the synthetic VIS world (default options: 16 frames of 64x64), with the
    annotated instances of each clip for the metric."""

    has_annotations = True

    def __init__(self, split: str, limit: int | None = None, **world_options):
        super().__init__(SYNTHETIC, split, limit=limit, **world_options)

    def categories(self) -> dict[int, str]:
        """{category id (1-based): name}."""
        return {k + 1: name for k, name in enumerate(self.class_names)}

    def category_groups(self) -> dict[str, tuple[int, ...]]:
        """Category ids (1-based) of each kind of category: ``appearance`` (defined by
        shape) and ``motion`` (defined by how the object moves); each kind's AP and each
        category's are reported (:func:`tasks.vis.spec.ap_groups`)."""
        return self.world.category_groups()

    def sample(self, index: int) -> VisClip:
        frames, instances = self.world.render_instances(self.spec(index))
        return VisClip(
            self.clip_id(index), frames,
            [VisInstance(i.instance_id, i.category_id, i.masks) for i in instances],
        )


class YouTubeVisSource:
    """A split of YouTube-VIS read from ``root``, clips of the model's frames and size."""

    def __init__(self, name: str, split: str, root: Path, spec: InputSpec, limit: int | None = None):
        from tasks.vis.youtube_vis import YouTubeVIS

        self.name = name
        self.split = split
        self.dataset = YouTubeVIS(root, split, num_frames=spec.frames, size=spec.size, limit=limit)
        self.class_names = [self.dataset.categories[k] for k in sorted(self.dataset.categories)]

    @property
    def has_annotations(self) -> bool:
        return self.dataset.has_annotations

    def __len__(self) -> int:
        return len(self.dataset)

    def categories(self) -> dict[int, str]:
        """{category id: name} as in the annotation file."""
        return dict(self.dataset.categories)

    def category_groups(self) -> dict[str, tuple[int, ...]]:
        """No kinds of category (only the overall AP is reported)."""
        return {}

    def clip(self, index: int) -> np.ndarray:
        return self.dataset.load_frames(index)

    def label(self, index: int) -> int:
        """0-based category of the first annotated track (0 when there is none)."""
        tracks = self.dataset.tracks[self.dataset.videos[index].video_id]
        return tracks[0].category_id - 1 if tracks else 0

    def clip_id(self, index: int) -> str:
        return self.dataset.clip_id(index)

    def sample(self, index: int) -> VisClip:
        return self.dataset.load(index)

    def fingerprint(self) -> str:
        return self.dataset.fingerprint()


def open_source(dataset: DatasetSpec, split: str, data_root: Path | None, spec: InputSpec,
                limit: int | None = None) -> VisWorldSource | YouTubeVisSource:
    """Split ``split`` of VIS dataset ``dataset``: rendered for the synthetic world, read
    from ``data_root`` for YouTube-VIS."""
    if dataset.synthetic:
        return VisWorldSource(split, limit=limit)
    root = require_data_root(
        dataset.name, data_root, "the folder holding <split>.json or <split>/instances.json and JPEGImages"
    )
    return YouTubeVisSource(dataset.name, split, root, spec, limit=limit)
