"""Factor control of the synthetic worlds, measured with small learned classifiers.

The same tiny CNN (per-frame or per-frame-pair features, max+mean pooled over space,
averaged over time, linear head) sees either single frames ``[f_t, f_t]`` (no temporal
information: an order-invariant bag of frames) or frame pairs ``[f_t, f_{t+2} - f_t]``.
On ``synthetic-motion`` the frame-only model must stay near chance while the pair model
is far above it; on ``synthetic-appearance`` the frame-only model must be near perfect.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from tasks.synthetic import get_world

SIZE = 32
STARTS = slice(0, 13, 4)  # frames 0, 4, 8, 12 and their partners 2, 6, 10, 14


def _dataset(name: str, split: str, n: int) -> tuple[torch.Tensor, torch.Tensor, int]:
    world = get_world(name, train=n, val=0, test=n, size=SIZE)
    specs = [world.spec(split, i) for i in range(n)]
    clips = np.stack([world.render(s) for s in specs])
    x = torch.from_numpy(clips).permute(0, 1, 4, 2, 3).float() / 255.0
    return x, torch.tensor([world.label(s) for s in specs]), world.num_classes


def _inputs(x: torch.Tensor, temporal: bool) -> torch.Tensor:
    first = x[:, STARTS]
    second = x[:, 2:15:4] - first if temporal else first
    return torch.cat([first, second], dim=2)  # (N, 4, 6, H, W)


class TinyNet(nn.Module):
    """Two conv layers on one frame (or frame pair), pooled, averaged over time."""

    def __init__(self, classes: int) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(6, 16, 5, 2, 2, padding_mode="circular"),
            nn.BatchNorm2d(16),
            nn.ReLU(),
            nn.Conv2d(16, 32, 3, 2, 1, padding_mode="circular"),
            nn.ReLU(),
        )
        self.head = nn.Linear(64, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, t = x.shape[:2]
        h = self.features(x.flatten(0, 1))
        z = torch.cat([h.amax(dim=(2, 3)), h.mean(dim=(2, 3))], dim=1)
        return self.head(z.view(n, t, -1).mean(dim=1))


def _accuracy(train, test, temporal: bool, epochs: int) -> float:
    """Test accuracy of a TinyNet trained on ``train`` = (clips, labels, classes)."""
    torch.manual_seed(0)
    (x, y, k), (xt, yt, _) = train, test
    a, b = _inputs(x, temporal), _inputs(xt, temporal)
    net = TinyNet(k)
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    for _ in range(epochs):
        net.train()
        for idx in torch.randperm(len(a)).split(32):
            loss = nn.functional.cross_entropy(net(a[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    net.eval()
    with torch.no_grad():
        return (net(b).argmax(1) == yt).float().mean().item()


def test_motion_world_needs_time_and_appearance_world_does_not():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # one thread is fastest on a small, shared machine
    try:
        train, test = (
            _dataset("synthetic-motion", "train", 560),
            _dataset("synthetic-motion", "test", 140),
        )
        chance = 1.0 / train[2]
        frame_only = _accuracy(train, test, temporal=False, epochs=8)
        pairs = _accuracy(train, test, temporal=True, epochs=8)
        train, test = (
            _dataset("synthetic-appearance", "train", 240),
            _dataset("synthetic-appearance", "test", 120),
        )
        app_chance = 1.0 / train[2]
        appearance = _accuracy(train, test, temporal=False, epochs=6)
    finally:
        torch.set_num_threads(threads)
    print(
        f"\nsynthetic-motion: frame-only {frame_only:.3f}, frame-pair {pairs:.3f} "
        f"(chance {chance:.3f}); synthetic-appearance: frame-only {appearance:.3f} "
        f"(chance {app_chance:.3f})"
    )
    assert frame_only < 2 * chance
    assert pairs > 3 * frame_only and pairs > 4 * chance
    assert appearance > 0.9
