"""Something-Something v2: 174 template classes of hand-object interactions.

Layout under ``root`` (the official release)::

    labels/labels.json        {"Pushing something from left to right": "86", ...}
    labels/train.json         [{"id", "label", "template", "placeholders"}, ...]
    labels/validation.json
    20bn-something-something-v2/<id>.webm   (or videos/<id>.webm, or <id>.webm)

An entry's class is its ``template`` with the ``[`` ``]`` brackets removed, looked up in
``labels.json``.
"""

from __future__ import annotations

from pathlib import Path

from tasks.action_recognition.datasets.annotations import (
    annotation_error,
    expect_type,
    field,
    first_existing,
    load_json,
)
from tasks.action_recognition.datasets.base import ClipRecord, VideoClipDataset

VIDEO_DIRS = ("20bn-something-something-v2", "videos")


def template_key(template: str) -> str:
    """The labels.json key of an entry's template: the brackets removed."""
    return template.replace("[", "").replace("]", "")


def read_label_map(path: Path) -> list[str]:
    """Class names of ``labels.json`` in index order; indices must be 0..N-1."""
    mapping = expect_type(load_json(path), dict, path, "the top level")
    by_index: dict[int, str] = {}
    for name, value in mapping.items():
        try:
            index = int(value)
        except (TypeError, ValueError):
            raise annotation_error(
                path, f"entry {name!r} has index {value!r}, not an integer"
            ) from None
        if index in by_index:
            raise annotation_error(
                path, f"index {index} is given to {by_index[index]!r} and {name!r}"
            )
        by_index[index] = name
    if sorted(by_index) != list(range(len(by_index))):
        raise annotation_error(path, f"class indices are not 0..{len(by_index) - 1}")
    return [by_index[i] for i in range(len(by_index))]


class SomethingSomethingV2(VideoClipDataset):
    """Something-Something v2 reader; splits ``train`` and ``validation`` (alias ``val``)."""

    name = "ssv2"
    splits = ("train", "validation")
    split_aliases = {"val": "validation", "valid": "validation"}

    def _read_annotations(self) -> tuple[list[str], list[ClipRecord]]:
        class_names = read_label_map(self.root / "labels" / "labels.json")
        index = {name: i for i, name in enumerate(class_names)}
        split_path = self.root / "labels" / f"{self.split}.json"
        candidates = [self.root / d for d in VIDEO_DIRS]
        video_dir = first_existing(candidates, kind="dir") or self.root
        entries = expect_type(load_json(split_path), list, split_path, "the top level")
        records = []
        for k, entry in enumerate(entries):
            vid = str(field(entry, "id", (str, int), split_path, f"entry {k}"))
            where = f"entry {k} (id {vid!r})"
            template = field(entry, "template", str, split_path, where)
            key = template_key(template)
            if key not in index:
                raise annotation_error(
                    split_path,
                    f"{where} has template {template!r}; {key!r} is not a class of "
                    f"{self.root / 'labels' / 'labels.json'}",
                )
            records.append(ClipRecord(vid, video_dir / f"{vid}.webm", index[key]))
        return class_names, records
