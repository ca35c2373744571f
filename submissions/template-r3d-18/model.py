"""R3D-18: torchvision.models.video builder, randomly initialised (a template)."""

from torch import nn
from torchvision.models.video import r3d_18


def build(num_classes: int = 400, **overrides) -> nn.Module:
    """3D ResNet-18.

    ``overrides`` go to ``torchvision.models.video.r3d_18``.
    """
    return r3d_18(weights=None, num_classes=num_classes, **overrides)
