"""Diving48 (V2): 48 dive classes, each a (takeoff, somersault, twist, flight) tuple.

Layout under ``root`` (the official release; ``annotations/`` and ``videos/`` as in
mmaction2's preparation are accepted too)::

    Diving48_vocab.json            [[takeoff, somersault, twist, flight], ...]  (48)
    Diving48_V2_train.json         [{"vid_name", "label", "start_frame", "end_frame"}, ...]
    Diving48_V2_test.json
    rgb/<vid_name>.mp4

``start_frame``/``end_frame`` are taken as the half-open frame range inside the video,
clamped to the frames that decode (the V2 videos are already trimmed: start 0, end =
number of frames).
"""

from __future__ import annotations

from pathlib import Path

from tasks.action_recognition.datasets.annotations import (
    annotation_error,
    expect_type,
    field,
    find_file,
    first_existing,
    load_json,
)
from tasks.action_recognition.datasets.base import ClipRecord, VideoClipDataset

VOCAB_FILE = "Diving48_vocab.json"
SPLIT_FILES = {"train": "Diving48_V2_train.json", "test": "Diving48_V2_test.json"}


def read_vocab(path: Path) -> list[tuple[str, ...]]:
    """The class tuples of ``Diving48_vocab.json``, in label order."""
    vocab = expect_type(load_json(path), list, path, "the top level")
    if not vocab:
        raise annotation_error(path, "the vocabulary is empty")
    for k, entry in enumerate(vocab):
        if not (
            isinstance(entry, list) and len(entry) == 4 and all(isinstance(p, str) for p in entry)
        ):
            raise annotation_error(
                path,
                f"class {k} should be 4 strings [takeoff, somersault, twist, flight], "
                f"got {entry!r:.80}",
            )
    return [tuple(entry) for entry in vocab]


class Diving48(VideoClipDataset):
    """Diving48 V2 reader; splits ``train`` and ``test`` (alias ``val``)."""

    name = "diving48"
    splits = ("train", "test")
    split_aliases = {"val": "test", "validation": "test"}

    def _read_annotations(self) -> tuple[list[str], list[ClipRecord]]:
        anno_dirs = [self.root, self.root / "annotations"]
        vocab_path = find_file([d / VOCAB_FILE for d in anno_dirs], "Diving48 vocabulary")
        self.vocab = read_vocab(vocab_path)
        split_path = find_file(
            [d / SPLIT_FILES[self.split] for d in anno_dirs], f"Diving48 {self.split} list"
        )
        video_dir = first_existing([self.root / "rgb", self.root / "videos"], kind="dir")
        video_dir = video_dir or self.root / "rgb"
        entries = expect_type(load_json(split_path), list, split_path, "the top level")
        records = []
        for k, entry in enumerate(entries):
            vid = field(entry, "vid_name", str, split_path, f"entry {k}")
            where = f"entry {k} ({vid!r})"
            label = field(entry, "label", int, split_path, where)
            start = field(entry, "start_frame", int, split_path, where)
            end = field(entry, "end_frame", int, split_path, where)
            if not 0 <= label < len(self.vocab):
                raise annotation_error(
                    split_path,
                    f"{where} has label {label}, outside the {len(self.vocab)} classes of "
                    f"{vocab_path}",
                )
            if not 0 <= start <= end:
                raise annotation_error(
                    split_path, f"{where} has an invalid frame range [{start}, {end}]"
                )
            path = video_dir / f"{vid}.mp4"
            records.append(ClipRecord(vid, path, label, float(start), float(end), "frame"))
        return [" ".join(parts) for parts in self.vocab], records
