"""Set prediction loss of query-based VIS: Hungarian matching of queries to instances.

Each item (a whole clip for the reference model, one frame for the per-frame baseline) has
N query predictions (class logits over K categories + no-object, mask logits over P
pixels) and G target instances (class in 0..K-1, soft mask over the same P pixels).  Queries
are matched one-to-one to instances minimising ``class + BCE + dice`` costs
(``scipy.optimize.linear_sum_assignment``); matched queries learn their instance's class
and mask, the others learn "no object" (down-weighted).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from scipy.optimize import linear_sum_assignment


@dataclass(frozen=True)
class LossWeights:
    """Weights of the class, mask BCE and mask dice terms (cost and loss alike), of the
    no-object class in the classification loss, and of the per-pixel category loss
    (:func:`semantic_loss`, a training aid for models that output ``pred_semantic``)."""

    cls: float = 2.0
    bce: float = 5.0
    dice: float = 5.0
    no_object: float = 0.1
    semantic: float = 0.0


def pairwise_bce(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """(N, G) mean binary cross-entropy of every prediction (N, P) with every target (G, P)."""
    pixels = logits.shape[1]
    positive = F.softplus(-logits) @ targets.T
    negative = F.softplus(logits) @ (1 - targets).T
    return (positive + negative) / pixels


def pairwise_dice(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """(N, G) dice loss ``1 - (2|p.t| + 1) / (|p| + |t| + 1)`` of every pair."""
    p = logits.sigmoid()
    return 1 - (2 * p @ targets.T + 1) / (p.sum(1)[:, None] + targets.sum(1)[None, :] + 1)


@torch.no_grad()
def hungarian_match(
    logits: torch.Tensor, masks: torch.Tensor, classes: torch.Tensor, targets: torch.Tensor,
    weights: LossWeights = LossWeights(),
) -> tuple[np.ndarray, np.ndarray]:
    """Query rows and target columns of the minimum-cost one-to-one assignment."""
    if classes.numel() == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    cost = (
        -weights.cls * logits.softmax(-1)[:, classes]
        + weights.bce * pairwise_bce(masks, targets)
        + weights.dice * pairwise_dice(masks, targets)
    )
    rows, cols = linear_sum_assignment(cost.float().cpu().numpy())
    return rows, cols


def set_loss(
    logits: torch.Tensor, masks: torch.Tensor, targets: list[tuple[torch.Tensor, torch.Tensor]],
    weights: LossWeights = LossWeights(),
) -> dict[str, torch.Tensor]:
    """Loss of a batch of items: ``logits`` (I, N, K+1), ``masks`` (I, N, P) and per item
    ``(classes (G,), masks (G, P) in [0, 1])``; returns the terms and their weighted ``total``."""
    items, _, k1 = logits.shape
    class_target = torch.full(logits.shape[:2], k1 - 1, dtype=torch.long, device=logits.device)
    matched_pred, matched_true = [], []
    for i, (classes, target_masks) in enumerate(targets):
        rows, cols = hungarian_match(logits[i], masks[i], classes, target_masks, weights)
        class_target[i, rows] = classes[cols]
        matched_pred.append(masks[i, rows])
        matched_true.append(target_masks[cols])
    class_weight = torch.ones(k1, device=logits.device)
    class_weight[-1] = weights.no_object
    cls = F.cross_entropy(logits.reshape(-1, k1), class_target.reshape(-1), weight=class_weight)
    pred = torch.cat(matched_pred)
    true = torch.cat(matched_true)
    if len(pred):
        bce = F.binary_cross_entropy_with_logits(pred, true)
        p = pred.sigmoid()
        dice = (1 - (2 * (p * true).sum(1) + 1) / (p.sum(1) + true.sum(1) + 1)).mean()
    else:
        bce = dice = logits.sum() * 0
    total = weights.cls * cls + weights.bce * bce + weights.dice * dice
    matched = class_target < k1 - 1
    accuracy = (logits[..., :-1].argmax(-1) == class_target)[matched].float().mean() if matched.any() else cls * 0
    return {"total": total, "cls": cls.detach(), "bce": bce.detach(), "dice": dice.detach(),
            "accuracy": accuracy.detach()}


def semantic_loss(logits: torch.Tensor, targets: list[tuple[torch.Tensor, torch.Tensor]]) -> torch.Tensor:
    """Cross-entropy of per-pixel category ``logits`` (B, K, T, h, w) on the pixels covered
    by an instance; per clip ``(classes (G,), soft masks (G, T, h, w))``."""
    labels = torch.full((logits.shape[0], *logits.shape[2:]), -100, dtype=torch.long, device=logits.device)
    for i, (classes, masks) in enumerate(targets):
        if len(classes):
            covered = masks.sum(0) > 0.5
            labels[i][covered] = classes[masks.argmax(0)][covered]
    if not (labels >= 0).any():
        return logits.sum() * 0
    return F.cross_entropy(logits, labels, ignore_index=-100)
