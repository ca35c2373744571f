"""Zoo submission: R2Plus1D trained on synthetic-motion (docs/zoo.md)."""

from tasks.action_recognition.zoo import R2Plus1D


def build(num_classes: int = 14):
    return R2Plus1D(num_classes=num_classes)
