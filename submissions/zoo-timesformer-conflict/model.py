"""Zoo submission: TimeSformer trained on synthetic-conflict (docs/zoo.md)."""

from tasks.action_recognition.zoo import TimeSformer


def build(num_classes: int = 12):
    return TimeSformer(num_classes=num_classes)
