"""Real action-recognition datasets read in their published layouts.

``DATASETS.get(name)`` gives the reader class (imported lazily); every reader is a
:class:`~tasks.action_recognition.datasets.base.VideoClipDataset`::

    ds = DATASETS.get("diving48")(root, "test", num_frames=8, size=112)
    loader = DataLoader(ds, batch_size=8, num_workers=4, collate_fn=collate_clips)
"""

from __future__ import annotations

from benchmark.registry import Registry
from tasks.action_recognition.datasets.base import ClipRecord, VideoClipDataset, collate_clips

DATASETS: Registry[type[VideoClipDataset]] = Registry("dataset")
DATASETS.register("diving48", "tasks.action_recognition.datasets.diving48:Diving48")
DATASETS.register("ssv2", "tasks.action_recognition.datasets.ssv2:SomethingSomethingV2")
DATASETS.register("kinetics400", "tasks.action_recognition.datasets.kinetics:Kinetics400")
DATASETS.register("activitynet", "tasks.action_recognition.datasets.activitynet:ActivityNet")

__all__ = ["DATASETS", "ClipRecord", "VideoClipDataset", "collate_clips"]
