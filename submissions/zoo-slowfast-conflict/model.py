"""Zoo submission: SlowFast trained on synthetic-conflict (docs/zoo.md)."""

from tasks.action_recognition.zoo import SlowFast


def build(num_classes: int = 12):
    return SlowFast(num_classes=num_classes)
