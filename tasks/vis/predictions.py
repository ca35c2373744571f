"""From a VIS model's outputs to tracks in the YouTube-VIS results format.

The output contract (what a VIS submission's ``forward`` returns)::

    {"pred_logits": (B, N, K + 1)  class logits of N track queries, last = no object,
     "pred_masks":  (B, N, T, h, w) mask logits of each query on each input frame}

Category index k is the dataset's category id k + 1.  Per clip, the ``top_k`` best
(query, category) pairs become tracks: masks = logits > 0 after bilinear upsampling to the
clip's size, score = class probability x mean mask probability inside the mask.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from benchmark.errors import BenchmarkError
from tasks.vis import rle

TOP_K = 10


@dataclass(frozen=True, eq=False)
class TrackPrediction:
    """One predicted track: 1-based category, score, masks (T, H, W) bool."""

    category_id: int
    score: float
    masks: np.ndarray


def check_outputs(outputs) -> tuple[torch.Tensor, torch.Tensor]:
    """``(pred_logits, pred_masks)`` of a model output, or a clear error about the contract."""
    if not isinstance(outputs, dict) or not {"pred_logits", "pred_masks"} <= set(outputs):
        raise BenchmarkError(
            "A VIS model must return a dict with 'pred_logits' (B, N, K+1) and 'pred_masks' "
            f"(B, N, T, h, w); got {type(outputs).__name__}"
            + (f" with keys {sorted(outputs)}" if isinstance(outputs, dict) else "")
            + ". See tasks/vis/predictions.py."
        )
    logits, masks = outputs["pred_logits"], outputs["pred_masks"]
    if logits.ndim != 3 or masks.ndim != 5 or logits.shape[:2] != masks.shape[:2]:
        raise BenchmarkError(
            f"VIS model outputs have shapes pred_logits {tuple(logits.shape)} and pred_masks "
            f"{tuple(masks.shape)}; expected (B, N, K+1) and (B, N, T, h, w)."
        )
    return logits, masks


def clip_tracks(logits: torch.Tensor, masks: torch.Tensor, height: int, width: int, top_k: int = TOP_K) -> list[TrackPrediction]:
    """Tracks of one clip from ``logits`` (N, K+1) and mask logits ``masks`` (N, T, h, w)."""
    probs = logits.float().softmax(-1)[:, :-1]
    categories = probs.shape[1]
    scores, flat = probs.flatten().topk(min(top_k, probs.numel()))
    queries = flat // categories
    upsampled = F.interpolate(masks[queries].float(), size=(height, width), mode="bilinear", align_corners=False)
    binary = upsampled > 0
    confidence = (upsampled.sigmoid() * binary).flatten(1).sum(1) / binary.flatten(1).sum(1).clamp_min(1)
    return [
        TrackPrediction(int(c) + 1, float(s * m), b.cpu().numpy())
        for c, s, m, b in zip(flat % categories, scores, confidence, binary, strict=True)
    ]


def results_entries(video_id: int, tracks: list[TrackPrediction]) -> list[dict]:
    """YouTube-VIS results entries of one video (RLE per frame, null when empty)."""
    return [
        {"video_id": video_id, "category_id": t.category_id, "score": t.score,
         "segmentations": [rle.encode(m) for m in t.masks]}
        for t in tracks
    ]
