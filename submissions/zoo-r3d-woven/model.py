"""Zoo submission: R3D trained on synthetic-motion-woven (docs/zoo.md)."""

from tasks.action_recognition.zoo import R3D


def build(num_classes: int = 14):
    return R3D(num_classes=num_classes)
