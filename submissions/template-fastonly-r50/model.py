"""FastOnly R50: SlowFast's fast pathway alone (pytorchvideo ResNet-50 builder, 1/8 of the
channels, temporal convolutions in every stage), randomly initialised (a template)."""

from torch import nn

from tasks.action_recognition.families import create_pytorchvideo_resnet50


def build(num_classes: int = 400, **overrides) -> nn.Module:
    """FastOnly R50; ``overrides`` go to ``pytorchvideo.models.resnet.create_resnet``."""
    return create_pytorchvideo_resnet50("fast", num_classes, **overrides)
