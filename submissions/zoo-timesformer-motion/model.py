"""Zoo submission: TimeSformer trained on synthetic-motion (docs/zoo.md)."""

from tasks.action_recognition.zoo import TimeSformer


def build(num_classes: int = 14):
    return TimeSformer(num_classes=num_classes)
