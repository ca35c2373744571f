"""Action-recognition metrics: top-k accuracy, clean and under temporal perturbation."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch


def topk_correct(logits: torch.Tensor, labels: torch.Tensor, k: int) -> int:
    """How many rows have their label among the ``k`` highest logits."""
    k = min(k, logits.shape[1])
    top = logits.topk(k, dim=1).indices
    return int((top == labels.view(-1, 1)).any(dim=1).sum())


def _reverse(clip: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return clip[::-1].copy()


def _repeat_frame(clip: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    middle = clip[clip.shape[0] // 2]
    return np.repeat(middle[None], clip.shape[0], axis=0)


# Perturbations of the frames the model sees (METHOD.md §5).  "shuffled" is applied after
# temporal subsampling (per pathway), so it is marked with a shuffle seed, not a function.
PERTURBATIONS: dict[str, Callable[[np.ndarray, np.random.Generator], np.ndarray] | None] = {
    "clean": None,
    "shuffled": None,
    "reversed": _reverse,
    "repeated": _repeat_frame,
}


class AccuracyMeter:
    """Accumulates top-1 and top-5 counts."""

    def __init__(self) -> None:
        self.total = 0
        self.top1 = 0
        self.top5 = 0

    def update(self, logits: torch.Tensor, labels: torch.Tensor) -> None:
        self.total += labels.numel()
        self.top1 += topk_correct(logits, labels, 1)
        self.top5 += topk_correct(logits, labels, 5)

    def compute(self) -> dict[str, float]:
        if self.total == 0:
            return {}
        return {"top1": self.top1 / self.total, "top5": self.top5 / self.total}


def relative_drop(clean: float, perturbed: float) -> float | None:
    """``(perturbed - clean) / clean`` (negative = accuracy lost); None when clean is 0."""
    return None if clean == 0 else (perturbed - clean) / clean
