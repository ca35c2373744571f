"""The common interface of the action-recognition dataset readers.

A reader parses its annotation files into :class:`ClipRecord` s once, at construction;
videos are decoded lazily in :meth:`VideoClipDataset.load`. A bad video never kills a
DataLoader: ``__getitem__`` turns its DataError into an error item that
:func:`collate_clips` keeps out of the batch tensor and reports separately.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from torch.utils.data import Dataset

from benchmark.data.video import center_crop, read_clip, resize_short_side
from benchmark.errors import DataError


@dataclass(frozen=True)
class ClipRecord:
    """One labelled clip: a whole video file or a segment of one."""

    clip_id: str  # unique within the dataset split
    path: Path
    label: int
    start: float | None = None  # segment start inside the file, in ``unit``; None = file start
    end: float | None = None  # segment end (exclusive), in ``unit``; None = file end
    unit: str = "frame"  # "frame" (frame indices) or "sec" (seconds)


class VideoClipDataset(Dataset):
    """A labelled video dataset read from its published layout under ``root``.

    Args:
        root: the dataset folder, laid out as published (see each reader's docstring).
        split: a canonical split name or an alias (``val`` etc.); unknown: DataError.
        num_frames: frames per clip (T).
        sampling_rate: stride between sampled frames; None samples ``num_frames``
            uniformly over the whole segment (see ``benchmark.data.video.sample_indices``).
        size: resize the short side to ``size`` and centre-crop ``size x size``;
            None keeps the decoded size.
        limit: keep only the first ``limit`` records, in annotation-file order.

    Subclasses set ``name``, ``splits`` (canonical split names) and ``split_aliases``,
    and implement :meth:`_read_annotations`.
    """

    name: ClassVar[str] = ""
    splits: ClassVar[tuple[str, ...]] = ()
    split_aliases: ClassVar[dict[str, str]] = {}

    def __init__(
        self,
        root: str | Path,
        split: str,
        num_frames: int = 8,
        sampling_rate: int | None = None,
        size: int | None = None,
        limit: int | None = None,
    ) -> None:
        self.root = Path(root)
        self.split = self._canonical_split(split)
        if num_frames <= 0:
            raise ValueError(f"num_frames must be positive, got {num_frames}")
        if sampling_rate is not None and sampling_rate <= 0:
            raise ValueError(f"sampling_rate must be positive or None, got {sampling_rate}")
        if size is not None and size <= 0:
            raise ValueError(f"size must be positive or None, got {size}")
        self.num_frames = num_frames
        self.sampling_rate = sampling_rate
        self.size = size
        if not self.root.is_dir():
            raise DataError(f"{self.name}: the data root {self.root} is not a directory.")
        class_names, records = self._read_annotations()
        self.class_names: list[str] = list(class_names)
        self.records: list[ClipRecord] = list(records if limit is None else records[:limit])
        ids = [r.clip_id for r in self.records]
        if len(set(ids)) != len(ids):
            dup = next(i for i in ids if ids.count(i) > 1)
            raise DataError(f"{self.name} {self.split}: clip id {dup!r} occurs twice.")

    # -- to implement -------------------------------------------------------------------

    def _read_annotations(self) -> tuple[list[str], list[ClipRecord]]:
        """Parse the annotation files of ``self.split``: (class names, records)."""
        raise NotImplementedError

    # -- interface ----------------------------------------------------------------------

    @classmethod
    def _canonical_split(cls, split: str) -> str:
        canonical = cls.split_aliases.get(split, split)
        if canonical not in cls.splits:
            known = ", ".join(sorted(set(cls.splits) | set(cls.split_aliases)))
            raise DataError(f"{cls.name}: unknown split {split!r}. Known splits: {known}.")
        return canonical

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def __len__(self) -> int:
        return len(self.records)

    def load(self, index: int) -> np.ndarray:
        """The clip at ``index`` as ``(T, H, W, 3)`` uint8; DataError names clip and path."""
        record = self.records[index]
        frames = read_clip(
            record.path,
            record.clip_id,
            self.num_frames,
            self.sampling_rate,
            record.start,
            record.end,
            record.unit,
        )
        if self.size is not None:
            frames = center_crop(resize_short_side(frames, self.size), self.size)
        return frames

    def __getitem__(self, index: int) -> dict[str, Any]:
        record = self.records[index]
        item: dict[str, Any] = {"label": record.label, "clip_id": record.clip_id, "index": index}
        try:
            item["clip"] = torch.from_numpy(self.load(index))
        except DataError as err:
            item["clip"] = None
            item["error"] = str(err)
        return item

    def fingerprint(self) -> str:
        """sha256 hex of the sorted (clip_id, label, start, end) list: the dataset identity."""
        rows = sorted([r.clip_id, r.label, r.start, r.end] for r in self.records)
        blob = json.dumps(rows, separators=(",", ":"), ensure_ascii=True)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def missing_videos(self) -> list[ClipRecord]:
        """Records whose video file does not exist (a cheap check before a long run)."""
        return [r for r in self.records if not r.path.is_file()]

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(root={str(self.root)!r}, split={self.split!r}, "
            f"clips={len(self)}, classes={self.num_classes})"
        )


def collate_clips(batch: list[dict[str, Any]]) -> dict[str, Any]:
    """Stack the good items of a batch; bad items go to ``errors`` instead.

    Returns ``{"clip": uint8 (B, T, H, W, 3) tensor or None when no item is good,
    "label": int64 (B,), "clip_id": list[str], "index": int64 (B,),
    "errors": [{"clip_id", "index", "label", "error"}, ...]}``.
    """
    good = [item for item in batch if item.get("clip") is not None]
    errors = [
        {key: item.get(key) for key in ("clip_id", "index", "label", "error")}
        for item in batch
        if item.get("clip") is None
    ]
    shapes = {tuple(item["clip"].shape) for item in good}
    if len(shapes) > 1:
        raise DataError(
            f"clips in one batch have different shapes {sorted(shapes)}; "
            "set the dataset's size (short side + centre crop) to batch them."
        )
    return {
        "clip": torch.stack([item["clip"] for item in good]) if good else None,
        "label": torch.tensor([item["label"] for item in good], dtype=torch.int64),
        "clip_id": [item["clip_id"] for item in good],
        "index": torch.tensor([item["index"] for item in good], dtype=torch.int64),
        "errors": errors,
    }
