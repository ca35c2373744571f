"""The clip specification shared by all worlds."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ClipSpec:
    """Everything needed to render one clip: an appearance seed and class, a dynamics seed
    and class, and (VIS world) the number of objects. Hashable and picklable."""

    appearance_seed: int
    dynamics_seed: int
    appearance_class: int
    motion_class: int
    n_objects: int = 1
