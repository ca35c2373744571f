"""Zoo submission: LateFusion trained on synthetic-motion-woven (docs/zoo.md)."""

from tasks.action_recognition.zoo import LateFusion


def build(num_classes: int = 14):
    return LateFusion(num_classes=num_classes)
