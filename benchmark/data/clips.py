"""Loading items in DataLoader workers, with bad items reported, never dropped silently.

One dataset class serves every loop of the harness and the tasks (pairs, clips for
accuracy, AVOS sequences, VIS samples): it maps keys to loaded values with a function
the caller gives, and turns a :class:`~benchmark.errors.BenchmarkError` (a missing or
undecodable video, a bad annotation) into an error item naming the clip, which
``--on-bad-video`` then reports (``fail``) or counts and lists in the result (``skip``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from torch.utils.data import DataLoader, Dataset

from benchmark.errors import BenchmarkError, DataError


@dataclass(frozen=True)
class Loaded:
    """One item: its key, and its value or the error that kept it from loading."""

    key: Any
    id: str
    value: Any = None
    error: str | None = None


class LoadedItems(Dataset):
    """``load(key)`` for each key; a failing key becomes an error item named ``describe(key)``."""

    def __init__(self, keys: Sequence, load: Callable[[Any], Any], describe: Callable[[Any], str]):
        self.keys = list(keys)
        self.load = load
        self.describe = describe

    def __len__(self) -> int:
        return len(self.keys)

    def __getitem__(self, k: int) -> Loaded:
        key = self.keys[k]
        try:
            return Loaded(key, self.describe(key), value=self.load(key))
        except BenchmarkError as error:
            return Loaded(key, self.describe(key), error=str(error))


def _as_list(batch: list[Loaded]) -> list[Loaded]:
    return batch


def split_bad(items: list[Loaded], on_bad_video: str, skipped: list[str] | None) -> list[Loaded]:
    """Keep the good items; record bad ones in ``skipped`` or raise, per ``on_bad_video``."""
    good = []
    for item in items:
        if item.error is None:
            good.append(item)
            continue
        if on_bad_video == "fail":
            raise DataError(
                f"{item.error} (use --on-bad-video skip to skip bad videos and continue; "
                "they are counted and listed in the result file)"
            )
        if skipped is not None:
            skipped.append(item.id)
    return good


def iterate_loaded(
    dataset: LoadedItems, batch_size: int, workers: int, on_bad_video: str, skipped: list[str] | None
) -> Iterator[tuple[list[Loaded], int]]:
    """Batches of good items, each with the number of keys the batch covered (good or bad);
    loading runs in ``workers`` DataLoader processes, overlapping the caller's work."""
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=False, num_workers=workers,
                        collate_fn=_as_list, persistent_workers=False)
    for items in loader:
        yield split_bad(items, on_bad_video, skipped), len(items)


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
