"""Per-frame VIS baseline: the reference network without temporal modelling (2D convolutions,
each frame encoded and decoded alone, per-frame matching in training); tracks link each
frame's queries by embedding similarity (MinVIS-style), a track's class is the mean of its
frames' class probabilities.  Trained on synthetic-vis.

Returns ``{"pred_logits", "pred_masks", "frame_logits"}`` (tasks/vis/predictions.py).
"""

from tasks.vis.models import QueryVIS


def build(num_classes: int = 8, num_queries: int = 8, temporal: bool = False):
    return QueryVIS(num_classes=num_classes, num_queries=num_queries, temporal=temporal)
