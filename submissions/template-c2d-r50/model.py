"""C2D R50 8x8: pytorchvideo ResNet-50 builder, randomly initialised (a template)."""

from torch import nn

from tasks.action_recognition.families import create_pytorchvideo_resnet50


def build(num_classes: int = 400, **overrides) -> nn.Module:
    """C2D R50 8x8; ``overrides`` go to ``pytorchvideo.models.resnet.create_resnet``."""
    return create_pytorchvideo_resnet50("c2d", num_classes, **overrides)
