"""Zoo submission: TSM trained on synthetic-motion-woven (docs/zoo.md)."""

from tasks.action_recognition.zoo import TSM


def build(num_classes: int = 14, widths: tuple[int, ...] = ()):
    return TSM(num_classes=num_classes, widths=tuple(widths))
