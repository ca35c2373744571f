"""ActivityNet v1.3: 200 activity classes, untrimmed YouTube videos with segments.

Layout under ``root``::

    activity_net.v1-3.min.json   {"database": {id: {"subset", "duration",
                                  "annotations": [{"segment": [s, e], "label"}]}},
                                  "taxonomy": [...]}
    videos/v_<id>.mp4            (or videos/<id>.mp4; .mkv and .webm are accepted too)

Each annotated segment is one clip ``<id>_<k>`` (k: its index in the video's list),
sampled inside ``[s, e)`` seconds. Classes are the sorted unique annotation labels over
the whole database (the taxonomy's leaves that occur: 200 in v1.3).
"""

from __future__ import annotations

import os
from pathlib import Path

from tasks.action_recognition.datasets.annotations import (
    annotation_error,
    expect_type,
    field,
    find_file,
    load_json,
)
from tasks.action_recognition.datasets.base import ClipRecord, VideoClipDataset

ANNOTATION_FILE = "activity_net.v1-3.min.json"
VIDEO_SUFFIXES = (".mp4", ".mkv", ".webm")


def _index_videos(video_dir: Path) -> dict[str, Path]:
    """File stem -> path for the videos in ``video_dir`` (one directory listing)."""
    if not video_dir.is_dir():
        return {}
    found: dict[str, Path] = {}
    with os.scandir(video_dir) as entries:
        for entry in entries:
            stem, suffix = os.path.splitext(entry.name)
            if suffix.lower() in VIDEO_SUFFIXES and (stem not in found or suffix.lower() == ".mp4"):
                found[stem] = Path(entry.path)
    return found


def _segment(annotation: dict, path: Path, where: str) -> tuple[float, float]:
    segment = field(annotation, "segment", list, path, where)
    if len(segment) != 2 or not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in segment
    ):
        raise annotation_error(path, f"{where} has segment {segment!r}, not [start, end] seconds")
    start, end = float(segment[0]), float(segment[1])
    if start < 0 or end < start:
        raise annotation_error(path, f"{where} has an invalid segment [{start}, {end}]")
    return start, end


class ActivityNet(VideoClipDataset):
    """ActivityNet v1.3 reader; subsets ``training`` and ``validation`` (``train``, ``val``)."""

    name = "activitynet"
    splits = ("training", "validation")
    split_aliases = {"train": "training", "val": "validation"}

    def _read_annotations(self) -> tuple[list[str], list[ClipRecord]]:
        path = find_file(
            [self.root / ANNOTATION_FILE, self.root / "annotations" / ANNOTATION_FILE],
            "ActivityNet annotation file",
        )
        data = expect_type(load_json(path), dict, path, "the top level")
        database = field(data, "database", dict, path, "the top level")
        clips: list[tuple[str, str, str, float, float]] = []  # (clip id, video, label, s, e)
        labels: set[str] = set()
        for vid, info in database.items():
            where = f"database entry {vid!r}"
            subset = field(info, "subset", str, path, where)
            annotations = info.get("annotations", []) if isinstance(info, dict) else []
            annotations = expect_type(annotations, list, path, f"'annotations' of {where}")
            for k, annotation in enumerate(annotations):
                at = f"annotation {k} of {where}"
                label = field(annotation, "label", str, path, at)
                start, end = _segment(annotation, path, at)
                labels.add(label)
                if subset == self.split:
                    clips.append((f"{vid}_{k}", vid, label, start, end))
        class_names = sorted(labels)
        index = {name: i for i, name in enumerate(class_names)}
        video_dir = self.root / "videos"
        videos = _index_videos(video_dir)
        records = []
        for clip_id, vid, label, start, end in clips:
            video = videos.get(f"v_{vid}") or videos.get(vid) or video_dir / f"v_{vid}.mp4"
            records.append(ClipRecord(clip_id, video, index[label], start, end, "sec"))
        return class_names, records
