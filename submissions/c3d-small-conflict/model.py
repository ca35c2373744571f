"""3D ResNet at half width (8-64 channels), 8x32x32; trained on synthetic-conflict (docs/static_dropout.md)."""

from tasks.action_recognition.models import C3D


def build(num_classes: int = 12):
    return C3D(num_classes=num_classes, widths=(8, 16, 32, 64))
