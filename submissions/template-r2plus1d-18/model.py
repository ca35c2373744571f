"""R(2+1)D-18: torchvision.models.video builder, randomly initialised (a template)."""

from torch import nn
from torchvision.models.video import r2plus1d_18


def build(num_classes: int = 400, **overrides) -> nn.Module:
    """ResNet-18 with (2+1)D factorised convolutions.

    ``overrides`` go to ``torchvision.models.video.r2plus1d_18``.
    """
    return r2plus1d_18(weights=None, num_classes=num_classes, **overrides)
