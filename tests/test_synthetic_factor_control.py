"""Factor control of the synthetic worlds, measured with small learned classifiers.

The same tiny CNN (per-frame or per-frame-pair features, max+mean pooled over space,
averaged over time, linear head) sees either single frames ``[f_t, f_t]`` (no temporal
information: an order-invariant bag of frames) or frame pairs ``[f_t, f_{t+2} - f_t]``.
On ``synthetic-motion`` the frame-only model must stay near chance while the pair model
is far above it; on ``synthetic-appearance`` the frame-only model must be near perfect.
On ``synthetic-vis`` the same holds for instance crops: the motion-defined categories need
time, the appearance-defined ones do not.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from tasks.synthetic import get_world
from tasks.synthetic.vis_world import category_groups

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


class CropNet(nn.Module):
    """Three conv layers at full resolution then pooled (for small instance crops),
    max+mean pooled over space, averaged over time, linear head."""

    def __init__(self, classes: int, width: int = 16) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(6, width, 3, 1, 1),
            nn.BatchNorm2d(width),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, 1, 1),
            nn.BatchNorm2d(2 * width),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(2 * width, 2 * width, 3, 1, 1),
            nn.ReLU(),
        )
        self.head = nn.Linear(4 * width, classes)

    forward = TinyNet.forward


def _accuracy(train, test, temporal: bool, epochs: int, net_class: type = TinyNet) -> float:
    """Test accuracy of a ``net_class`` trained on ``train`` = (clips, labels, classes)."""
    torch.manual_seed(0)
    (x, y, k), (xt, yt, _) = train, test
    a, b = _inputs(x, temporal), _inputs(xt, temporal)
    net = net_class(k)
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


VIS_SIZE = 48
CROP = 24  # covers the largest object (radius 0.12 x 1.65 x 48 = 9.5 px) at any pose


def _instance_crops(frames: np.ndarray, masks: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(T, CROP, CROP, 3): the instance's visible pixels (black elsewhere), frame t cut
    around the object's centre in frame t for the single frames t in STARTS and frame
    t + 2 cut at the same window as frame t, so a single frame shows the object centred
    and a frame pair shows how it moved."""
    half = CROP // 2
    padded = np.pad(frames * masks[..., None], ((0, 0), (half, half), (half, half), (0, 0)))
    window = np.arange(len(frames))
    window[2:15:4] = window[STARTS]  # frame t + 2 uses frame t's window
    rows = np.floor(y[window] * VIS_SIZE).astype(int)
    cols = np.floor(x[window] * VIS_SIZE).astype(int)
    return np.stack([f[r : r + CROP, c : c + CROP] for f, r, c in zip(padded, rows, cols, strict=True)])


def _vis_instances(split: str, clips: int) -> dict[str, tuple[torch.Tensor, torch.Tensor, int]]:
    """Per category group, crops of its instances in the first ``clips`` clips of
    ``split``, labelled by category within the group."""
    world = get_world("synthetic-vis", train=clips, val=0, test=clips, size=VIS_SIZE)
    groups = category_groups()
    crops: dict[str, list[np.ndarray]] = {group: [] for group in groups}
    labels: dict[str, list[int]] = {group: [] for group in groups}
    for index in range(clips):
        spec = world.spec(split, index)
        frames, instances = world.render_instances(spec)
        for instance, path in zip(instances, world.scene(spec).trajectories, strict=True):
            group = next(g for g, ids in groups.items() if instance.category_id in ids)
            crops[group].append(_instance_crops(frames, instance.masks, path.x, path.y))
            labels[group].append(groups[group].index(instance.category_id))
    return {
        group: (
            torch.from_numpy(np.stack(crops[group])).permute(0, 1, 4, 2, 3).float() / 255.0,
            torch.tensor(labels[group]),
            len(ids),
        )
        for group, ids in groups.items()
    }


def test_vis_motion_categories_need_time_and_appearance_categories_do_not():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        train, test = _vis_instances("train", 320), _vis_instances("test", 160)
        motion, appearance = (train["motion"], test["motion"]), (train["appearance"], test["appearance"])
        frame_only = _accuracy(*motion, temporal=False, epochs=8, net_class=CropNet)
        pairs = _accuracy(*motion, temporal=True, epochs=8, net_class=CropNet)
        shapes = _accuracy(*appearance, temporal=False, epochs=8, net_class=CropNet)
    finally:
        torch.set_num_threads(threads)
    chance = 1.0 / motion[0][2]
    print(
        f"\nsynthetic-vis motion-defined categories ({len(motion[1][1])} test crops): frame-only "
        f"{frame_only:.3f}, frame-pair {pairs:.3f} (chance {chance:.3f}); appearance-defined "
        f"({len(appearance[1][1])} test crops): frame-only {shapes:.3f}"
    )
    assert frame_only < chance + 0.1
    assert pairs > 0.8
    assert shapes > 0.8
