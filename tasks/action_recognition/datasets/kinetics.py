"""Kinetics-400: 400 human action classes from YouTube, 10-second trimmed clips.

Layout under ``root``: the annotation CSVs (header ``label,youtube_id,time_start,
time_end,split``) as ``annotations/{train,validate,test}.csv`` or ``{train,val,validate,
test}.csv``; videos ``<split>/<label>/<youtube_id>_<start:06d>_<end:06d>.mp4`` (the
split folder may be ``val`` or ``validate``; a label folder may use ``_`` for spaces; a
split folder with no label folders is read as flat). The video files are already
trimmed, so a record covers its whole file.

Classes are the sorted unique labels of the annotation CSVs that carry labels (the same
400 in train and validate), so indices agree across splits.
"""

from __future__ import annotations

from pathlib import Path

from benchmark.errors import DataError
from tasks.action_recognition.datasets.annotations import (
    annotation_error,
    find_file,
    first_existing,
    read_csv_rows,
)
from tasks.action_recognition.datasets.base import ClipRecord, VideoClipDataset

CSV_NAMES = {
    "train": ("train.csv",),
    "val": ("validate.csv", "val.csv", "validation.csv"),
    "test": ("test.csv",),
}
SPLIT_DIRS = {
    "train": ("train",),
    "val": ("val", "validate", "validation", "valid"),
    "test": ("test",),
}
COLUMNS = ("label", "youtube_id", "time_start", "time_end")


def clip_name(youtube_id: str, time_start: float, time_end: float) -> str:
    """The published file stem ``<youtube_id>_<start:06d>_<end:06d>``."""
    return f"{youtube_id}_{int(time_start):06d}_{int(time_end):06d}"


def _csv_candidates(root: Path, split: str) -> list[Path]:
    return [d / name for d in (root / "annotations", root) for name in CSV_NAMES[split]]


def _label_dir_names(label: str) -> list[str]:
    plain = label.replace('"', "")
    return list(dict.fromkeys([label, plain, plain.replace(" ", "_")]))


def _resolve_label_dirs(split_dir: Path, labels: list[str]) -> dict[str, Path]:
    """Each label's video folder; all ``split_dir`` itself when no label folder exists."""
    found = {
        label: first_existing([split_dir / name for name in _label_dir_names(label)], kind="dir")
        for label in labels
    }
    if split_dir.is_dir() and not any(found.values()):
        return {label: split_dir for label in labels}
    return {label: found[label] or split_dir / label for label in labels}


class Kinetics400(VideoClipDataset):
    """Kinetics-400 reader; splits ``train``, ``val`` (alias ``validate``) and ``test``."""

    name = "kinetics400"
    splits = ("train", "val", "test")
    split_aliases = {"validate": "val", "validation": "val"}

    def _read_annotations(self) -> tuple[list[str], list[ClipRecord]]:
        split_csv = find_file(_csv_candidates(self.root, self.split), f"Kinetics {self.split} CSV")
        rows = read_csv_rows(split_csv, COLUMNS)
        labels = {row["label"] for row in rows}
        for split in self.splits:  # the union keeps indices equal across splits
            other = first_existing(_csv_candidates(self.root, split), kind="file")
            if other is not None and other != split_csv:
                try:
                    labels.update(row["label"] for row in read_csv_rows(other, ["label"]))
                except DataError:  # an unlabelled test CSV adds no classes
                    pass
        class_names = sorted(labels)
        index = {name: i for i, name in enumerate(class_names)}
        split_dir = (
            first_existing([self.root / d for d in SPLIT_DIRS[self.split]], kind="dir")
            or self.root / SPLIT_DIRS[self.split][0]
        )
        label_dirs = _resolve_label_dirs(split_dir, sorted({row["label"] for row in rows}))
        records = []
        for line, row in enumerate(rows, start=2):
            try:
                start, end = float(row["time_start"]), float(row["time_end"])
            except ValueError:
                raise annotation_error(
                    split_csv,
                    f"line {line} has non-numeric time_start/time_end "
                    f"{row['time_start']!r}, {row['time_end']!r}",
                ) from None
            stem = clip_name(row["youtube_id"], start, end)
            path = label_dirs[row["label"]] / f"{stem}.mp4"
            records.append(ClipRecord(stem, path, index[row["label"]]))
        return class_names, records
