"""Reader of YouTube-VIS 2019 / 2021 in their published layout.

Annotation file (the first one that exists)::

    <root>/<split>.json                    (2019 style; also what export_youtube_vis writes)
    <root>/<split>/instances.json          (2021 style)
    <root>/annotations/instances_<split>.json

Frames: ``<image root>/<file_name>`` for each ``videos[i].file_names`` entry, with the
image root ``<root>/<split>/JPEGImages`` or ``<root>/JPEGImages``.

JSON: ``{"videos": [{"id", "file_names", "height", "width", "length"?}],
"annotations"?: [{"id", "video_id", "category_id", "segmentations", "iscrowd"?, ...}],
"categories": [{"id", "name"}]}``.  ``segmentations`` has one entry per frame: null, an
RLE (``counts`` compressed string or uncompressed list) or a polygon list.  The valid and
test splits ship without ``annotations`` (their ground truth is held by the challenge
server): they read fine, with no instances.  ``bboxes`` and ``areas`` are not used.

>>> ds = YouTubeVIS(root, "train", num_frames=8, size=64)
>>> clip = ds.load(0)          # VisClip: frames (8, 64, 64, 3), instances with masks (8, 64, 64)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from benchmark.errors import DataError
from tasks.vis import rle
from tasks.vis.samples import (
    VisClip,
    VisInstance,
    resize_frames,
    resize_masks,
    target_size,
    uniform_indices,
)


@dataclass(frozen=True)
class VideoRecord:
    """One entry of ``videos``."""

    video_id: int
    file_names: tuple[str, ...]
    height: int
    width: int

    @property
    def name(self) -> str:
        """The video's folder (the directory part of its first file name)."""
        return str(Path(self.file_names[0]).parent)


@dataclass(frozen=True)
class TrackRecord:
    """One entry of ``annotations``: a track over all frames of its video."""

    annotation_id: int
    video_id: int
    category_id: int
    segmentations: tuple
    iscrowd: bool


def annotation_file(root: Path, split: str) -> Path:
    """The annotation JSON of ``split`` under ``root`` (see the module docstring)."""
    candidates = [
        root / f"{split}.json",
        root / split / "instances.json",
        root / "annotations" / f"instances_{split}.json",
    ]
    for path in candidates:
        if path.is_file():
            return path
    raise DataError(
        f"YouTube-VIS split {split!r}: no annotation file under {root}; looked for "
        + ", ".join(str(p) for p in candidates)
    )


def image_root(root: Path, split: str, first_file: str | None) -> Path:
    """The frames folder: the candidate holding the first video's first frame, else the
    first candidate that exists."""
    candidates = [root / split / "JPEGImages", root / "JPEGImages"]
    if first_file is not None:
        for folder in candidates:
            if (folder / first_file).is_file():
                return folder
    for folder in candidates:
        if folder.is_dir():
            return folder
    raise DataError(
        f"YouTube-VIS split {split!r}: no frames folder; looked for "
        + ", ".join(str(p) for p in candidates)
    )


def _int(value, where: str, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or (minimum is not None and value < minimum):
        bound = f" >= {minimum}" if minimum is not None else ""
        raise DataError(f"{where}: expected an integer{bound}, got {value!r}")
    return value


def _list(data: dict, key: str, where: str, required: bool = True) -> list:
    if key not in data:
        if required:
            raise DataError(f"{where}: required field {key!r} is missing")
        return []
    value = data[key]
    if not isinstance(value, list):
        raise DataError(f"{where}: field {key!r} must be a list, got {type(value).__name__}")
    return value


def parse_videos(entries: list, file: Path) -> list[VideoRecord]:
    """``videos`` entries checked field by field."""
    videos, seen = [], set()
    for k, entry in enumerate(entries):
        where = f"{file}: videos[{k}]"
        if not isinstance(entry, dict):
            raise DataError(f"{where}: expected an object, got {type(entry).__name__}")
        for key in ("id", "file_names", "height", "width"):
            if key not in entry:
                raise DataError(f"{where}: required field {key!r} is missing")
        video_id = _int(entry["id"], f"{where}: field 'id'")
        where = f"{file}: video {video_id}"
        if video_id in seen:
            raise DataError(f"{where}: duplicate video id")
        seen.add(video_id)
        names = entry["file_names"]
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            raise DataError(f"{where}: field 'file_names' must be a non-empty list of strings")
        if "length" in entry and entry["length"] != len(names):
            raise DataError(
                f"{where}: field 'length' is {entry['length']!r} but 'file_names' has {len(names)} entries"
            )
        videos.append(VideoRecord(
            video_id, tuple(names),
            _int(entry["height"], f"{where}: field 'height'", 1),
            _int(entry["width"], f"{where}: field 'width'", 1),
        ))
    return videos


def parse_categories(entries: list, file: Path) -> dict[int, str]:
    """``categories`` as {id: name}."""
    categories: dict[int, str] = {}
    for k, entry in enumerate(entries):
        where = f"{file}: categories[{k}]"
        if not isinstance(entry, dict) or "id" not in entry:
            raise DataError(f"{where}: expected an object with an 'id'")
        categories[_int(entry["id"], f"{where}: field 'id'")] = str(entry.get("name", entry["id"]))
    return categories


def parse_tracks(
    entries: list, file: Path, videos: dict[int, VideoRecord], categories: dict[int, str]
) -> list[TrackRecord]:
    """``annotations`` entries checked against their videos and categories."""
    tracks = []
    for k, entry in enumerate(entries):
        where = f"{file}: annotations[{k}]"
        if not isinstance(entry, dict):
            raise DataError(f"{where}: expected an object, got {type(entry).__name__}")
        for key in ("video_id", "category_id", "segmentations"):
            if key not in entry:
                raise DataError(f"{where}: required field {key!r} is missing")
        video_id = _int(entry["video_id"], f"{where}: field 'video_id'")
        if video_id not in videos:
            raise DataError(f"{where}: field 'video_id': no video with id {video_id}")
        category_id = _int(entry["category_id"], f"{where}: field 'category_id'")
        if category_id not in categories:
            raise DataError(f"{where}: field 'category_id': no category with id {category_id}")
        segs = entry["segmentations"]
        length = len(videos[video_id].file_names)
        if not isinstance(segs, list) or len(segs) != length:
            raise DataError(
                f"{where} (video {video_id}): field 'segmentations' must be a list with one entry "
                f"per frame ({length}), got {len(segs) if isinstance(segs, list) else type(segs).__name__}"
            )
        iscrowd = entry.get("iscrowd", 0)
        if iscrowd not in (0, 1, True, False):
            raise DataError(f"{where}: field 'iscrowd' must be 0 or 1, got {iscrowd!r}")
        tracks.append(TrackRecord(
            _int(entry.get("id", k + 1), f"{where}: field 'id'"), video_id, category_id,
            tuple(segs), bool(iscrowd),
        ))
    return tracks


class YouTubeVIS:
    """A split of YouTube-VIS: clips of ``num_frames`` frames sampled uniformly over each
    video (all frames when None), resized to ``size`` (int: square; (H, W); None: as stored).

    ``limit`` keeps the first videos only.  ``has_annotations`` is False for splits whose
    file carries no ``annotations`` (then every clip has no instances).
    """

    def __init__(
        self,
        root: str | Path,
        split: str,
        num_frames: int | None = None,
        size: int | tuple[int, int] | None = None,
        limit: int | None = None,
    ) -> None:
        self.root = Path(root)
        self.split = split
        self.num_frames = num_frames
        self.size = size
        self.file = annotation_file(self.root, split)
        try:
            data = json.loads(self.file.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise DataError(f"{self.file}: not a readable JSON file: {error}") from None
        if not isinstance(data, dict):
            raise DataError(f"{self.file}: expected a JSON object at the top level")
        videos = parse_videos(_list(data, "videos", str(self.file)), self.file)
        self.categories = parse_categories(_list(data, "categories", str(self.file)), self.file)
        self.has_annotations = "annotations" in data
        by_id = {v.video_id: v for v in videos}
        tracks = parse_tracks(_list(data, "annotations", str(self.file), required=False), self.file, by_id, self.categories)
        self.videos = videos[:limit] if limit is not None else videos
        self.tracks: dict[int, list[TrackRecord]] = {v.video_id: [] for v in self.videos}
        for track in tracks:
            if track.video_id in self.tracks:
                self.tracks[track.video_id].append(track)
        self.image_root = image_root(self.root, split, videos[0].file_names[0] if videos else None)

    def __len__(self) -> int:
        return len(self.videos)

    def frame_indices(self, index: int) -> np.ndarray:
        """Which of the video's annotated frames the clip uses."""
        return uniform_indices(len(self.videos[index].file_names), self.num_frames)

    def clip_id(self, index: int) -> str:
        video = self.videos[index]
        return f"{video.video_id}:{video.name}"

    def _shape(self, video: VideoRecord) -> tuple[int, int]:
        return target_size(self.size, video.height, video.width)

    def load_frames(self, index: int) -> np.ndarray:
        """(T, H, W, 3) uint8 RGB frames of clip ``index``."""
        video = self.videos[index]
        frames = []
        for t in self.frame_indices(index):
            path = self.image_root / video.file_names[t]
            try:
                with Image.open(path) as image:
                    frame = np.asarray(image.convert("RGB"))
            except OSError as error:
                raise DataError(f"{path}: video {video.video_id} ({video.name}): cannot read frame {t}: {error}") from None
            if frame.shape[:2] != (video.height, video.width):
                raise DataError(
                    f"{path}: video {video.video_id}: frame is {frame.shape[1]}x{frame.shape[0]} "
                    f"but 'width'/'height' say {video.width}x{video.height}"
                )
            frames.append(frame)
        return resize_frames(np.stack(frames), *self._shape(video))

    def load_instances(self, index: int) -> list[VisInstance]:
        """The clip's annotated tracks, masks (T, H, W) bool on the clip's frames and size."""
        video = self.videos[index]
        indices = self.frame_indices(index)
        height, width = self._shape(video)
        instances = []
        for track in self.tracks[video.video_id]:
            masks = np.stack([
                rle.decode(
                    track.segmentations[t], video.height, video.width,
                    f"{self.file}: annotation {track.annotation_id} (video {video.video_id}): segmentations[{t}]",
                )
                for t in indices
            ])
            instances.append(VisInstance(track.annotation_id, track.category_id,
                                         resize_masks(masks, height, width), track.iscrowd))
        return instances

    def load(self, index: int) -> VisClip:
        """Frames and instances of clip ``index``."""
        return VisClip(self.clip_id(index), self.load_frames(index), self.load_instances(index))

    def fingerprint(self) -> str:
        """sha256 of the sample list (video ids, frame names, sizes, tracks) and clip options."""
        digest = hashlib.sha256(f"youtube-vis|{self.split}|{self.num_frames}|{self.size}".encode())
        for video in self.videos:
            digest.update(json.dumps([video.video_id, video.file_names, video.height, video.width]).encode())
            for track in self.tracks[video.video_id]:
                digest.update(f"{track.annotation_id},{track.category_id},{int(track.iscrowd)}".encode())
        return digest.hexdigest()
