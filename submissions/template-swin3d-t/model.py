"""Video Swin-T: torchvision.models.video builder, randomly initialised (a template)."""

from torch import nn
from torchvision.models.video import swin3d_t

from tasks.action_recognition.families import add_channels_first_taps


def build(num_classes: int = 400, **overrides) -> nn.Module:
    """Swin3D-T; ``overrides`` go to ``torchvision.models.video.swin3d_t``.

    Its stages output channels-last (B, T, H, W, C); parameter-free ``taps.*`` modules
    re-emit them channels-first for the probe (the state dict is unchanged).
    """
    model = swin3d_t(weights=None, num_classes=num_classes, **overrides)
    stages = {"stem": "patch_embed", "stage1": "features.0", "stage2": "features.2",
              "stage3": "features.4", "stage4": "features.6"}
    return add_channels_first_taps(model, stages)
