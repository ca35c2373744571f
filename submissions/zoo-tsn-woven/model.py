"""Zoo submission: TSN trained on synthetic-motion-woven (docs/zoo.md)."""

from tasks.action_recognition.zoo import TSN


def build(num_classes: int = 14):
    return TSN(num_classes=num_classes)
