"""Collect ground truth and predicted tracks clip by clip, then score them with the VIS metric.

Clips are scored on the frames the model saw (the clip's uniform temporal sample) at the
clip's resolution, so synthetic and real splits go through the same YouTube-VIS formats:
the ground truth becomes an annotation JSON, the predictions a results JSON list.  Videos
are numbered from 1 in the order clips are added (annotation ids too: the official
evaluation cannot match an annotation of id 0, see :mod:`tasks.vis.metrics`); each video is
named by its clip id, which keys its bootstrap weight.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from benchmark.api.intervals import REPLICATES, Estimate
from tasks.vis import rle
from tasks.vis.metrics import VisEvaluation, evaluate
from tasks.vis.predictions import TrackPrediction, results_entries
from tasks.vis.samples import VisClip


class TrackCollector:
    """Ground truth and predictions of the clips seen so far, in the YouTube-VIS formats."""

    def __init__(self, categories: dict[int, str], groups: Mapping[str, Sequence[int]] | None = None):
        self.categories = [{"id": k, "name": name} for k, name in sorted(categories.items())]
        self.groups = dict(groups or {})  # reported key -> category ids whose mean AP it is
        self.videos: list[dict] = []
        self.annotations: list[dict] = []
        self.results: list[dict] = []
        self._evaluation: VisEvaluation | None = None

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
        self._evaluation = None

    def merge(self, other: TrackCollector) -> TrackCollector:
        """Append ``other``'s videos (renumbered after this collector's); returns self."""
        if other.categories != self.categories or other.groups != self.groups:
            raise ValueError("cannot merge track collectors of different categories")
        offset, first_annotation = len(self.videos), len(self.annotations)
        self.videos.extend({**v, "id": v["id"] + offset} for v in other.videos)
        self.annotations.extend({**a, "id": first_annotation + k + 1, "video_id": a["video_id"] + offset}
                                for k, a in enumerate(other.annotations))
        self.results.extend({**r, "video_id": r["video_id"] + offset} for r in other.results)
        self._evaluation = None
        return self

    def ground_truth(self) -> dict:
        """The annotation JSON of the collected clips."""
        return {"videos": self.videos, "annotations": self.annotations, "categories": self.categories}

    def evaluation(self) -> VisEvaluation | None:
        """The evaluation of everything collected (None without annotations); cached."""
        if not self.annotations:
            return None
        if self._evaluation is None:
            self._evaluation = evaluate(self.ground_truth(), self.results)
        return self._evaluation

    def compute(self) -> dict[str, float]:
        """The official summary (AP, AP50, AP75, APs/APm/APl, AR1, AR10, AR100, ARs/ARm/ARl)
        with the values it cannot compute (-1 there: no category with ground truth in that
        area range) left out, never zero or NaN, then the AP of each of ``groups`` that
        has ground truth; empty without annotations."""
        evaluation = self.evaluation()
        if evaluation is None:
            return {}
        summary = {k: v for k, v in evaluation.summary().items() if not math.isnan(v)}
        return summary | evaluation.group_ap(self.groups)

    def intervals(self, seed: int = 0, replicates: int = REPLICATES) -> dict[str, Estimate]:
        """95 % bootstrap intervals over videos of AP, AP50, AP75, AR1, AR10, AR100 and of
        the AP of each of ``groups``."""
        evaluation = self.evaluation()
        return {} if evaluation is None else evaluation.intervals(seed, replicates, self.groups)
