"""Reference VIS submission: query-based, the clip encoded as a whole ((2+1)D CNN) and each
of 8 queries decoded against all frames, so a query is one track; trained on synthetic-vis.

Returns ``{"pred_logits": (B, 8, 9), "pred_masks": (B, 8, T, H/2, W/2)}`` (tasks/vis/predictions.py).
"""

from tasks.vis.models import QueryVIS


def build(num_classes: int = 8, num_queries: int = 8, temporal: bool = True):
    return QueryVIS(num_classes=num_classes, num_queries=num_queries, temporal=temporal)
