"""Builders shared by the model-family templates (``submissions/template-*``).

Every builder returns the family's own ``nn.Module`` with randomly initialised weights and
unchanged parameter names, so a checkpoint of the original model loads into it strictly
(``weights:`` in the manifest).  Three small additions make real families probe-able on
any input through the ordinary hook path, none of which adds a parameter or a buffer:

- :func:`create_pytorchvideo_resnet50`: C2D / I3D / Slow (SlowOnly) / Fast (FastOnly) R50
  from ``pytorchvideo.models.resnet.create_resnet`` with the kernel layout of each recipe and a
  *global* head pool (the recipes' fixed pool windows cover the whole final map at the
  native input size, so the logits are identical there, and other sizes still run);
- :class:`TemporalSegmentNetwork`: a timm 2D backbone applied to every frame with the
  class scores averaged over time (TSN-style consensus).
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import nn

ResNetKind = Literal["c2d", "i3d", "slow", "fast"]

# Temporal kernel of conv_a in each bottleneck, per stage res2..res5; a list alternates
# over the blocks of the stage (SlowFast model zoo / "Non-local" I3D layout).
_CONV_A_KERNELS: dict[str, tuple] = {
    "c2d": ((1, 1, 1), (1, 1, 1), (1, 1, 1), (1, 1, 1)),
    "i3d": (
        (3, 1, 1),
        [(3, 1, 1), (1, 1, 1)],
        [(3, 1, 1), (1, 1, 1)],
        [(1, 1, 1), (3, 1, 1)],
    ),
    "slow": ((1, 1, 1), (1, 1, 1), (3, 1, 1), (3, 1, 1)),
    # SlowFast's fast pathway: temporal convolutions in every stage.
    "fast": ((3, 1, 1), (3, 1, 1), (3, 1, 1), (3, 1, 1)),
}
_STEM_KERNELS: dict[str, tuple[int, int, int]] = {
    "c2d": (1, 7, 7),
    "i3d": (5, 7, 7),
    "slow": (1, 7, 7),
    "fast": (5, 7, 7),
}
# Stem width: the fast pathway has 1/8 of the slow pathway's channels (SlowFast's beta).
_STEM_WIDTH: dict[str, int] = {"fast": 8}

# Module paths of the stages of a pytorchvideo ResNet.  C2D and I3D max-pool time by 2
# after res2; pytorchvideo inserts that pool as its own block, which shifts res3..res5.
RESNET_LAYERS: dict[str, dict[str, str]] = {
    "c2d": {"stem": "blocks.0", "res2": "blocks.1", "res3": "blocks.3", "res4": "blocks.4", "res5": "blocks.5"},
    "i3d": {"stem": "blocks.0", "res2": "blocks.1", "res3": "blocks.3", "res4": "blocks.4", "res5": "blocks.5"},
    "slow": {"stem": "blocks.0", "res2": "blocks.1", "res3": "blocks.2", "res4": "blocks.3", "res5": "blocks.4"},
    "fast": {"stem": "blocks.0", "res2": "blocks.1", "res3": "blocks.2", "res4": "blocks.3", "res5": "blocks.4"},
}


def create_pytorchvideo_resnet50(kind: ResNetKind, num_classes: int = 400, **overrides) -> nn.Module:
    """A pytorchvideo ResNet-50 video model in the C2D, I3D, Slow (SlowOnly) or Fast
    (FastOnly: SlowFast's fast pathway alone, 1/8 of the channels) layout.

    ``overrides`` go to ``create_resnet`` unchanged (e.g. ``dropout_rate``).
    """
    from pytorchvideo.models.resnet import create_resnet

    if kind not in _CONV_A_KERNELS:
        raise ValueError(f"unknown ResNet kind {kind!r}; choose one of {sorted(_CONV_A_KERNELS)}")
    options: dict = dict(
        model_depth=50,
        model_num_class=num_classes,
        stem_conv_kernel_size=_STEM_KERNELS[kind],
        stage_conv_a_kernel_size=_CONV_A_KERNELS[kind],
        stem_dim_out=_STEM_WIDTH.get(kind, 64),
        stage1_pool=None if kind in ("slow", "fast") else nn.MaxPool3d,
        stage1_pool_kernel_size=(2, 1, 1),
        head_pool=nn.AdaptiveAvgPool3d,
        head_output_size=(1, 1, 1),
    )
    options.update(overrides)
    return create_resnet(**options)


class TemporalSegmentNetwork(nn.Module):
    """A timm image model applied to every frame; class scores averaged over the frames.

    Input (B, 3, T, H, W).  Frames are folded into the batch as (B*T, 3, H, W),
    clip-major, so every backbone layer outputs (B*T, ...) and the probe averages it back
    over time.  Layer paths are the backbone's own, prefixed with ``backbone.``; a timm
    checkpoint loads after adding that prefix to its keys.
    """

    def __init__(self, backbone_name: str, num_classes: int = 400, pretrained: bool = False, **timm_kwargs):
        super().__init__()
        import timm

        self.backbone = timm.create_model(
            backbone_name, pretrained=pretrained, num_classes=num_classes, **timm_kwargs
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, t, h, w = x.shape
        frames = x.transpose(1, 2).reshape(b * t, c, h, w)
        return self.backbone(frames).reshape(b, t, -1).mean(1)
