"""AP per group of categories (e.g. the synthetic VIS world's appearance- and
motion-defined categories): the YouTube-VIS AP restricted to a group is the mean of the
per-category APs of its categories, as the overall AP is the mean over all categories."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence


def group_ap(category_ap: Mapping[int, float], groups: Mapping[str, Sequence[int]]) -> dict[str, float]:
    """``{group: mean AP of its categories}`` over the categories that have a (non-NaN)
    AP in ``category_ap``; a group with none of them is left out."""
    result = {}
    for name, ids in groups.items():
        values = [category_ap[c] for c in ids if c in category_ap and not math.isnan(category_ap[c])]
        if values:
            result[name] = sum(values) / len(values)
    return result
