"""Zoo submission: TSN trained on synthetic-appearance (docs/zoo.md)."""

from tasks.action_recognition.zoo import TSN


def build(num_classes: int = 12):
    return TSN(num_classes=num_classes)
