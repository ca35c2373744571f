"""A reference two-stream AVOS family for the fusion / cross-connection design study
(METHOD.md §7).

An appearance stream (RGB) and a motion stream (colour-coded flow) of ``len(widths)``
strided conv stages each; after every stage an optional **cross connection** passes
features between the streams and a **fusion** module merges them; a light top-down
decoder turns the fused features into one mask logit per pixel.

- ``cross``: ``none``; ``unidirectional`` (motion -> appearance, MATNet-like);
  ``reciprocal`` (both ways, RTNet-like).  With ``gated`` the transferred features are
  multiplied by a learned sigmoid gate computed from both streams.
- ``fusion``: ``concat`` (concatenate + 1x1 conv, FusionSeg-like); ``gated`` (channel
  then spatial attention on the concatenation, MATNet-like); ``convex`` (a learned gate
  g in (0, 1): ``g * a + (1 - g) * m``, RTNet-like).

Probe-able modules (METHOD.md §2): ``appearance.stage{k}`` and ``motion.stage{k}`` (each
stream's stage output, before the cross connection writes into it) and
``fusion.stage{k}`` (the fused features of stage k), k = 1..len(widths).

>>> model = TwoStreamAvos(cross="reciprocal", gated=True, fusion="gated")
>>> logits = model([rgb, flow])           # (B, 1, H, W) from two (B, 3, H, W) inputs
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

CROSS_CONNECTIONS = ("none", "unidirectional", "reciprocal")
FUSIONS = ("concat", "gated", "convex")


def conv_bn_relu(cin: int, cout: int, kernel: int = 3, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, kernel, stride=stride, padding=kernel // 2, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class Stream(nn.Module):
    """One encoder stream: ``stage1 .. stageN``, each halving the resolution."""

    def __init__(self, widths: Sequence[int], in_channels: int = 3) -> None:
        super().__init__()
        self.num_stages = len(widths)
        cin = in_channels
        for k, width in enumerate(widths, 1):
            self.add_module(f"stage{k}", nn.Sequential(conv_bn_relu(cin, width, stride=2), conv_bn_relu(width, width)))
            cin = width

    def stage(self, k: int) -> nn.Module:
        return getattr(self, f"stage{k}")


class Transfer(nn.Module):
    """Features of a source stream added to a target stream: ``t + P(s)``, or with a gate
    ``t + sigmoid(G([t, s])) * P(s)``."""

    def __init__(self, channels: int, gated: bool) -> None:
        super().__init__()
        self.project = nn.Sequential(nn.Conv2d(channels, channels, 1, bias=False), nn.BatchNorm2d(channels))
        self.gate = nn.Conv2d(2 * channels, channels, 1) if gated else None

    def forward(self, target: torch.Tensor, source: torch.Tensor) -> torch.Tensor:
        moved = self.project(source)
        if self.gate is not None:
            moved = moved * torch.sigmoid(self.gate(torch.cat([target, source], dim=1)))
        return target + moved


class CrossConnection(nn.Module):
    """The exchange between streams after one stage; returns the updated (a, m)."""

    def __init__(self, channels: int, kind: str, gated: bool) -> None:
        super().__init__()
        if kind not in CROSS_CONNECTIONS:
            raise ValueError(f"cross must be one of {CROSS_CONNECTIONS}, got {kind!r}")
        self.to_appearance = Transfer(channels, gated) if kind != "none" else None
        self.to_motion = Transfer(channels, gated) if kind == "reciprocal" else None

    def forward(self, a: torch.Tensor, m: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        new_a = self.to_appearance(a, m) if self.to_appearance is not None else a
        new_m = self.to_motion(m, a) if self.to_motion is not None else m
        return new_a, new_m


class ConcatFusion(nn.Module):
    """``relu(bn(conv1x1([a, m])))`` (FusionSeg-like)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.mix = conv_bn_relu(2 * channels, channels, kernel=1)

    def forward(self, a: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
        return self.mix(torch.cat([a, m], dim=1))


class GatedFusion(nn.Module):
    """Channel attention (squeeze-excitation) then spatial attention (7x7 conv over the
    channel mean and max) on ``[a, m]``, then a 1x1 conv (MATNet-like)."""

    def __init__(self, channels: int, reduction: int = 4) -> None:
        super().__init__()
        both = 2 * channels
        hidden = max(4, both // reduction)
        self.channel = nn.Sequential(
            nn.AdaptiveAvgPool2d(1), nn.Conv2d(both, hidden, 1), nn.ReLU(inplace=True), nn.Conv2d(hidden, both, 1)
        )
        self.spatial = nn.Conv2d(2, 1, 7, padding=3)
        self.mix = conv_bn_relu(both, channels, kernel=1)

    def forward(self, a: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
        x = torch.cat([a, m], dim=1)
        x = x * torch.sigmoid(self.channel(x))
        pooled = torch.cat([x.mean(dim=1, keepdim=True), x.amax(dim=1, keepdim=True)], dim=1)
        x = x * torch.sigmoid(self.spatial(pooled))
        return self.mix(x)


class ConvexFusion(nn.Module):
    """``g * a + (1 - g) * m`` with a per-pixel, per-channel gate ``g = sigmoid(conv([a, m]))``
    (RTNet-like)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.gate = nn.Conv2d(2 * channels, channels, 3, padding=1)

    def forward(self, a: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
        g = torch.sigmoid(self.gate(torch.cat([a, m], dim=1)))
        return g * a + (1 - g) * m


_FUSION_MODULES = {"concat": ConcatFusion, "gated": GatedFusion, "convex": ConvexFusion}


class Fusion(nn.Module):
    """``stage1 .. stageN`` fusion modules (a container, so they are addressable)."""

    def __init__(self, widths: Sequence[int], kind: str) -> None:
        super().__init__()
        if kind not in FUSIONS:
            raise ValueError(f"fusion must be one of {FUSIONS}, got {kind!r}")
        for k, width in enumerate(widths, 1):
            self.add_module(f"stage{k}", _FUSION_MODULES[kind](width))

    def stage(self, k: int) -> nn.Module:
        return getattr(self, f"stage{k}")


class Decoder(nn.Module):
    """Top-down: project every fused stage to ``channels``, upsample-and-add from the
    deepest, refine, predict one logit per pixel, upsample to the input size."""

    def __init__(self, widths: Sequence[int], channels: int = 32) -> None:
        super().__init__()
        self.lateral = nn.ModuleList(nn.Conv2d(w, channels, 1) for w in widths)
        self.refine = nn.ModuleList(conv_bn_relu(channels, channels) for _ in widths[:-1])
        self.head = nn.Conv2d(channels, 1, 3, padding=1)

    def forward(self, fused: list[torch.Tensor], size: tuple[int, int]) -> torch.Tensor:
        y = self.lateral[-1](fused[-1])
        for k in range(len(fused) - 2, -1, -1):
            skip = self.lateral[k](fused[k])
            y = F.interpolate(y, size=skip.shape[-2:], mode="bilinear", align_corners=False) + skip
            y = self.refine[k](y)
        return F.interpolate(self.head(y), size=size, mode="bilinear", align_corners=False)


class TwoStreamAvos(nn.Module):
    """The two-stream family; ``forward([rgb, flow])`` -> mask logits (B, 1, H, W)."""

    def __init__(
        self,
        cross: str = "none",
        gated: bool = False,
        fusion: str = "concat",
        widths: Sequence[int] = (16, 32, 64, 128),
        decoder_channels: int = 32,
    ) -> None:
        super().__init__()
        if not 3 <= len(widths) <= 5:
            raise ValueError(f"widths must list 3 to 5 stage widths, got {list(widths)}")
        if cross == "none" and gated:
            raise ValueError("gated=True needs cross connections (unidirectional or reciprocal)")
        self.config = {"cross": cross, "gated": gated, "fusion": fusion, "widths": list(widths)}
        self.appearance = Stream(widths)
        self.motion = Stream(widths)
        self.cross = nn.ModuleList(CrossConnection(w, cross, gated) for w in widths)
        self.fusion = Fusion(widths, fusion)
        self.decoder = Decoder(widths, decoder_channels)

    def forward(self, x: Sequence[torch.Tensor]) -> torch.Tensor:
        if not isinstance(x, (list, tuple)) or len(x) != 2:
            raise TypeError("TwoStreamAvos expects [rgb, flow], two (B, 3, H, W) tensors")
        a, m = x
        fused = []
        for k in range(1, self.appearance.num_stages + 1):
            a = self.appearance.stage(k)(a)
            m = self.motion.stage(k)(m)
            a, m = self.cross[k - 1](a, m)
            fused.append(self.fusion.stage(k)(a, m))
        return self.decoder(fused, x[0].shape[-2:])


def build(**options) -> TwoStreamAvos:
    """The submission factory: ``TwoStreamAvos(**model_args)``."""
    return TwoStreamAvos(**options)
