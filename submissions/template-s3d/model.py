"""S3D: torchvision.models.video builder, randomly initialised (a template)."""

from torch import nn
from torchvision.models.video import s3d


def build(num_classes: int = 400, **overrides) -> nn.Module:
    """Separable 3D Inception network.

    Its classifier pools a fixed 2x7x7 window: inputs need at least 14 frames at 224 px.

    ``overrides`` go to ``torchvision.models.video.s3d``.
    """
    return s3d(weights=None, num_classes=num_classes, **overrides)
