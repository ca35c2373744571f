"""X3D-XS: pytorchvideo builder, randomly initialised (a template)."""

from pytorchvideo.models.x3d import create_x3d
from torch import nn


def build(num_classes: int = 400, **overrides) -> nn.Module:
    """X3D-XS (width 2.0, depth 2.2, 4x160 input); ``overrides`` go to ``create_x3d``.

    The head returns logits (no softmax) and its average pool is made global: at 4x160
    the builder's (4,5,5) window covers the whole final map, so nothing changes there,
    and other input sizes run too.  No parameter is added or renamed.
    """
    options: dict = dict(
        input_clip_length=4, input_crop_size=160, width_factor=2.0, depth_factor=2.2,
        model_num_class=num_classes, head_activation=None,
    )
    options.update(overrides)
    model = create_x3d(**options)
    model.blocks[5].pool.pool = nn.AdaptiveAvgPool3d(1)
    return model
