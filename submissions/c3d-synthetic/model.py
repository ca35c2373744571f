"""Reference submission: 3D ResNet (spatiotemporal convolutions); trained on synthetic-motion."""

from tasks.action_recognition.models import C3D


def build(num_classes: int = 14):
    return C3D(num_classes=num_classes)
