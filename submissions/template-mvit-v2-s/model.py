"""MViTv2-S: torchvision.models.video builder, randomly initialised (a template)."""

from torch import nn
from torchvision.models.video import mvit_v2_s


def build(num_classes: int = 400, **overrides) -> nn.Module:
    """MViTv2-S: 16 blocks in four scale stages (1, 2, 11, 2 blocks).

    Relative position embeddings are sized for 16x224 (torchvision fixes that size).

    ``overrides`` go to ``torchvision.models.video.mvit_v2_s``.
    """
    return mvit_v2_s(weights=None, num_classes=num_classes, **overrides)
