"""Video Swin-T: torchvision.models.video builder, randomly initialised (a template)."""

from torch import nn
from torchvision.models.video import swin3d_t


def build(num_classes: int = 400, **overrides) -> nn.Module:
    """Swin3D-T; ``overrides`` go to ``torchvision.models.video.swin3d_t``. Its stages output
    channels-last (B, T, H, W, C): the manifest probes them with ``pool: channels_last``."""
    return swin3d_t(weights=None, num_classes=num_classes, **overrides)
