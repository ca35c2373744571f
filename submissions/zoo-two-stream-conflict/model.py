"""Zoo submission: TwoStream trained on synthetic-conflict (docs/zoo.md)."""

from tasks.action_recognition.zoo import TwoStream


def build(num_classes: int = 12):
    return TwoStream(num_classes=num_classes)
