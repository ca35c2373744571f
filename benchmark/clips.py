"""Loading clips and pairs in DataLoader workers, with bad clips reported, never dropped silently."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
from torch.utils.data import DataLoader, Dataset

from benchmark.errors import BenchmarkError, DataError
from benchmark.pairs import PairSpec


class ClipDataset(Dataset):
    """Items of a clip source: ``(clip, label, clip_id)``; a bad clip becomes an error item."""

    def __init__(self, source, indices: Sequence[int]):
        self.source = source
        self.indices = list(indices)

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, k: int) -> dict:
        index = self.indices[k]
        clip_id = self.source.clip_id(index)
        try:
            return {"clip": self.source.clip(index), "label": self.source.label(index), "id": clip_id}
        except BenchmarkError as error:
            return {"error": str(error), "id": clip_id}


class PairDataset(Dataset):
    """Planned pairs turned into clips by a pair protocol; a bad clip becomes an error item."""

    def __init__(self, source, plan: Sequence[PairSpec], protocol):
        self.source = source
        self.plan = list(plan)
        self.protocol = protocol

    def __len__(self) -> int:
        return len(self.plan)

    def __getitem__(self, k: int) -> dict:
        spec = self.plan[k]
        try:
            pair = self.protocol(self.source, spec)
        except DataError as error:
            return {"error": str(error), "id": self.source.clip_id(spec.item), "spec": spec}
        return {"a": pair.a, "b": pair.b, "shuffle_b": pair.shuffle_b, "spec": spec}


def require_data_root(dataset: str, data_root, hint: str = "see README 'Running on real data'") -> Path:
    """The existing folder ``data_root`` of a real dataset, or a DataError saying what to do."""
    if data_root is None:
        raise DataError(
            f"Dataset {dataset!r} is a real dataset: point --data-root at your copy of it ({hint})."
        )
    root = Path(data_root)
    if not root.is_dir():
        raise DataError(f"--data-root {root}: no such directory.")
    return root


def _as_list(batch: list[dict]) -> list[dict]:
    return batch


def _loader(dataset: Dataset, batch_size: int, workers: int) -> DataLoader:
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=False,
        num_workers=workers,
        collate_fn=_as_list,
        persistent_workers=False,
    )


def split_bad(items: list[dict], on_bad_video: str, skipped: list[str] | None) -> list[dict]:
    """Keep the good items; record bad ones in ``skipped`` or raise, per ``on_bad_video``."""
    good = []
    for item in items:
        if "error" not in item:
            good.append(item)
            continue
        if on_bad_video == "fail":
            raise DataError(
                f"{item['error']} (use --on-bad-video skip to skip bad videos and continue; "
                "they are counted and listed in the result file)"
            )
        if skipped is not None:
            skipped.append(item["id"])
    return good


def iterate_clips(
    dataset: ClipDataset, batch_size: int, workers: int, on_bad_video: str, skipped: list[str] | None
) -> Iterator[tuple[list[np.ndarray], list[int], list[str]]]:
    """Batches of good clips ``(clips, labels, ids)``."""
    for items in _loader(dataset, batch_size, workers):
        good = split_bad(items, on_bad_video, skipped)
        if good:
            yield [i["clip"] for i in good], [i["label"] for i in good], [i["id"] for i in good]


def iterate_pairs(
    dataset: PairDataset, batch_size: int, workers: int, on_bad_video: str, skipped: list[str] | None
) -> Iterable[tuple[list[dict], int]]:
    """Batches of good pair items, with the number of planned pairs each batch covered."""
    for items in _loader(dataset, batch_size, workers):
        yield split_bad(items, on_bad_video, skipped), len(items)
