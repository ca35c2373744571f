"""A split of a synthetic world as a clip source, with true factor pairs (METHOD.md §1).

Shared by every task's synthetic datasets; the fingerprint identifies the sample list.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict

import numpy as np


class WorldSource:
    """A split of a synthetic world; supports true factor pairs (METHOD.md §1)."""

    def __init__(self, name: str, split: str, limit: int | None = None, **world_options):
        from tasks.synthetic import get_world

        self.name = name
        self.split = split
        self.world = get_world(name, **world_options)
        self.num_classes = self.world.num_classes
        self.class_names = list(self.world.class_names)
        self._size = self.world.split_size(split)
        if limit is not None:
            self._size = min(self._size, limit)

    def __len__(self) -> int:
        return self._size

    def spec(self, index: int):
        return self.world.spec(self.split, index)

    def clip(self, index: int) -> np.ndarray:
        return self.world.render(self.spec(index))

    def label(self, index: int) -> int:
        return int(self.world.label(self.spec(index)))

    def clip_id(self, index: int) -> str:
        return f"{self.name}/{self.split}/{index}"

    def true_pair(self, index: int, factor: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """(clip, partner): partner shares the dynamics (factor 0) or the appearance (1)."""
        spec = self.spec(index)
        if factor == 0:
            partner = self.world.with_new_appearance(spec, seed)
        else:
            partner = self.world.with_new_dynamics(spec, seed)
        return self.world.render(spec), self.world.render(partner)

    def fingerprint(self) -> str:
        header = f"{self.name}|{self.split}|{self.world.frames}|{self.world.size}"
        revision = self.world.revision
        if revision:  # worlds never revised keep their original fingerprints
            header += f"|revision {revision}"
        digest = hashlib.sha256(header.encode())
        for index in range(len(self)):
            spec = self.spec(index)
            digest.update(json.dumps(asdict(spec), sort_keys=True).encode())
        return digest.hexdigest()
