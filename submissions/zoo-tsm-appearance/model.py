"""Zoo submission: TSM trained on synthetic-appearance (docs/zoo.md)."""

from tasks.action_recognition.zoo import TSM


def build(num_classes: int = 12):
    return TSM(num_classes=num_classes)
