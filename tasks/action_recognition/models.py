"""Reference action-recognition models for the synthetic worlds.

Two small ResNet-style networks with the same stage names as the paper's backbones
(``stem``, ``res2`` .. ``res5``) and the same width per stage, differing only in time:

- :class:`FrameOnly2D`: 2D convolutions applied to every frame, logits averaged over time
  (an order-invariant model: it cannot see motion direction);
- :class:`C3D`: 3D convolutions over (time, height, width).

The zoo (:mod:`tasks.action_recognition.zoo`) adds eight smaller designs to
:data:`ARCHITECTURES`.
"""

from __future__ import annotations

import torch
from torch import nn

from tasks.action_recognition.zoo import ZOO

WIDTHS = (16, 32, 64, 128)


class _Block(nn.Module):
    """conv-BN-ReLU-conv-BN with a projected residual; ``dims`` = 2 or 3."""

    def __init__(self, dims: int, cin: int, cout: int, stride):
        super().__init__()
        conv = nn.Conv2d if dims == 2 else nn.Conv3d
        norm = nn.BatchNorm2d if dims == 2 else nn.BatchNorm3d
        self.body = nn.Sequential(
            conv(cin, cout, 3, stride=stride, padding=1, bias=False), norm(cout), nn.ReLU(inplace=True),
            conv(cout, cout, 3, padding=1, bias=False), norm(cout),
        )
        self.skip = nn.Sequential(conv(cin, cout, 1, stride=stride, bias=False), norm(cout))
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.body(x) + self.skip(x))


class FrameOnly2D(nn.Module):
    """A 2D ResNet applied per frame; features and logits averaged over time.

    Input (B, 3, T, H, W); frames are folded into the batch as (B*T, 3, H, W), batch-major.
    """

    def __init__(self, num_classes: int, widths: tuple[int, ...] = WIDTHS):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(3, widths[0], 5, stride=2, padding=2, bias=False),
            nn.BatchNorm2d(widths[0]), nn.ReLU(inplace=True),
        )
        self.res2 = _Block(2, widths[0], widths[0], 1)
        self.res3 = _Block(2, widths[0], widths[1], 2)
        self.res4 = _Block(2, widths[1], widths[2], 2)
        self.res5 = _Block(2, widths[2], widths[3], 2)
        self.head = nn.Linear(widths[3], num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, t, h, w = x.shape
        frames = x.transpose(1, 2).reshape(b * t, c, h, w)
        y = self.res5(self.res4(self.res3(self.res2(self.stem(frames)))))
        y = y.mean(dim=(2, 3)).reshape(b, t, -1).mean(1)
        return self.head(y)


class C3D(nn.Module):
    """A 3D ResNet: spatiotemporal convolutions, time downsampled in the last two stages."""

    def __init__(self, num_classes: int, widths: tuple[int, ...] = WIDTHS):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv3d(3, widths[0], (3, 5, 5), stride=(1, 2, 2), padding=(1, 2, 2), bias=False),
            nn.BatchNorm3d(widths[0]), nn.ReLU(inplace=True),
        )
        self.res2 = _Block(3, widths[0], widths[0], 1)
        self.res3 = _Block(3, widths[0], widths[1], (1, 2, 2))
        self.res4 = _Block(3, widths[1], widths[2], 2)
        self.res5 = _Block(3, widths[2], widths[3], 2)
        self.head = nn.Linear(widths[3], num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.res5(self.res4(self.res3(self.res2(self.stem(x)))))
        return self.head(y.mean(dim=(2, 3, 4)))


ARCHITECTURES: dict[str, type[nn.Module]] = {"frame2d": FrameOnly2D, "c3d": C3D, **ZOO}
"""Every trainable architecture (``python -m tasks.action_recognition.train --arch NAME``)."""
