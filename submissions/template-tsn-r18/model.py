"""TSN with a timm ResNet-18: a 2D image model per frame, scores averaged over time."""

from torch import nn

from tasks.action_recognition.families import TemporalSegmentNetwork


def build(num_classes: int = 400, backbone: str = "resnet18", **timm_kwargs) -> nn.Module:
    """A :class:`TemporalSegmentNetwork` over timm ``backbone`` (random initialisation)."""
    return TemporalSegmentNetwork(backbone, num_classes, pretrained=False, **timm_kwargs)
