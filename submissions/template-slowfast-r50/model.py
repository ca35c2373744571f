"""SlowFast R50 8x8: pytorchvideo builder, randomly initialised (a template)."""

from pytorchvideo.models.slowfast import create_slowfast
from torch import nn


def build(num_classes: int = 400, **overrides) -> nn.Module:
    """SlowFast R50 (alpha 4, beta 1/8) taking [slow, fast] clips.

    ``overrides`` go to ``create_slowfast``.  The head pools globally, which equals the
    recipe's fixed (8,7,7)/(32,7,7) windows at the native 32x224 input and also runs on
    other sizes; no parameter is added or renamed.
    """
    options: dict = dict(model_depth=50, model_num_class=num_classes, head_pool=nn.AdaptiveAvgPool3d)
    options.update(overrides)
    return create_slowfast(**options)
