"""Action-recognition metrics: top-k accuracy, clean and under temporal perturbation."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from benchmark.api.intervals import Estimate, wilson_estimate
from benchmark.api.metric import Metric


def topk_correct(logits: torch.Tensor, labels: torch.Tensor, k: int) -> int:
    """How many rows have their label among the ``k`` highest logits."""
    k = min(k, logits.shape[1])
    top = logits.topk(k, dim=1).indices
    return int((top == labels.view(-1, 1)).any(dim=1).sum())


def reverse_frames(clip: np.ndarray) -> np.ndarray:
    """The clip played backwards."""
    return clip[::-1].copy()


def repeat_middle_frame(clip: np.ndarray) -> np.ndarray:
    """A static clip: the middle frame repeated ``T`` times."""
    middle = clip[clip.shape[0] // 2]
    return np.repeat(middle[None], clip.shape[0], axis=0)


#: Perturbations applied to the decoded clip; ``shuffled`` is a frame permutation drawn
#: after temporal subsampling (per pathway), so it travels as a shuffle seed instead.
CLIP_PERTURBATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "reversed": reverse_frames,
    "repeated": repeat_middle_frame,
}


class AccuracyMeter(Metric):
    """Top-1 and top-5 counts over the evaluated clips."""

    def __init__(self) -> None:
        super().__init__()
        self.add_state("total", 0, "sum")
        self.add_state("top1", 0, "sum")
        self.add_state("top5", 0, "sum")

    def update(self, logits: torch.Tensor, labels: torch.Tensor) -> None:
        self.total += labels.numel()
        self.top1 += topk_correct(logits, labels, 1)
        self.top5 += topk_correct(logits, labels, 5)

    @property
    def count(self) -> int:
        return self.total

    def compute(self) -> dict[str, float]:
        if self.total == 0:
            return {}
        return {"top1": self.top1 / self.total, "top5": self.top5 / self.total}

    def intervals(self, seed: int = 0, replicates: int = 200) -> dict[str, Estimate]:
        """Wilson intervals of the accuracies (binomial over clips)."""
        return {k: wilson_estimate(v, self.total) for k, v in self.compute().items()}
