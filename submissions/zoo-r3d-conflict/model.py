"""Zoo submission: R3D trained on synthetic-conflict (docs/zoo.md)."""

from tasks.action_recognition.zoo import R3D


def build(num_classes: int = 12):
    return R3D(num_classes=num_classes)
