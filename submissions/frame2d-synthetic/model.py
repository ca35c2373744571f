"""Reference submission: 2D ResNet applied per frame, averaged over time (order-invariant); trained on synthetic-motion."""

from tasks.action_recognition.models import FrameOnly2D


def build(num_classes: int = 14):
    return FrameOnly2D(num_classes=num_classes)
