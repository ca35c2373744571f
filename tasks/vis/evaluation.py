"""Collect ground truth and predicted tracks clip by clip, then score them with the VIS metric.

Clips are scored on the frames the model saw (the clip's uniform temporal sample) at the
clip's resolution, so synthetic and real splits go through the same YouTube-VIS formats:
the ground truth becomes an annotation JSON, the predictions a results JSON list.
"""

from __future__ import annotations

import math

from tasks.vis import rle
from tasks.vis.metrics import evaluate
from tasks.vis.predictions import TrackPrediction, results_entries
from tasks.vis.samples import VisClip


class TrackCollector:
    """Ground truth and predictions of the clips seen so far, in the YouTube-VIS formats."""

    def __init__(self, categories: dict[int, str]):
        self.categories = [{"id": k, "name": name} for k, name in sorted(categories.items())]
        self.videos: list[dict] = []
        self.annotations: list[dict] = []
        self.results: list[dict] = []

    def __len__(self) -> int:
        return len(self.videos)

    def add(self, clip: VisClip, tracks: list[TrackPrediction]) -> None:
        """Add one clip's annotated instances and predicted tracks (same frames, same size).

        Instances not visible on any of the clip's frames are left out (nothing to find)."""
        video_id = len(self.videos) + 1
        frames, height, width = clip.frames.shape[:3]
        self.videos.append({"id": video_id, "name": clip.clip_id, "height": height, "width": width,
                            "length": frames, "file_names": [f"{clip.clip_id}/{t}" for t in range(frames)]})
        for instance in clip.instances:
            if not instance.masks.any():
                continue
            self.annotations.append({
                "id": len(self.annotations) + 1, "video_id": video_id, "category_id": instance.category_id,
                "iscrowd": int(instance.iscrowd), "segmentations": [rle.encode(m) for m in instance.masks],
            })
        self.results.extend(results_entries(video_id, tracks))

    def ground_truth(self) -> dict:
        """The annotation JSON of the collected clips."""
        return {"videos": self.videos, "annotations": self.annotations, "categories": self.categories}

    def compute(self) -> dict[str, float]:
        """AP, AP50, AP75, AR1, AR10; absent (not zero) when nothing can be scored."""
        if not self.annotations:
            return {}
        summary = evaluate(self.ground_truth(), self.results).summary()
        return {k: v for k, v in summary.items() if not math.isnan(v)}
