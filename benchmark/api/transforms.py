"""Composable clip transforms shared by every task: uint8 clips in, model tensors out.

The steps, in the order :func:`clips_to_input` applies them (docs/METHOD.md §1-§2):

1. :func:`temporal_subsample` - ``frames`` indices spread uniformly over the clip;
2. :func:`stack_clips` - uint8 (T, H, W, 3) clips to one float tensor (B, 3, T, H, W);
3. :func:`resize_square` - bilinear, antialiased, to ``size`` x ``size``;
4. :func:`normalize` - ``(x / 255 - mean) / std`` per channel;
5. :func:`pack_pathways` - one temporally strided view per pathway (SlowFast);
6. :func:`permute_frames` - the static pair's frame permutation, drawn independently per
   pathway after subsampling, for every clip that carries a shuffle seed.

A task whose items are single frames (AVOS) uses the same steps with T = 1.

Clips are :data:`Frames`: numpy arrays as sources load them, or torch tensors on the
model's device once the harness has moved or styled them; every step computes on the
device the clips are on.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from benchmark.api.model_spec import InputSpec

#: uint8 frames (T, H, W, 3): a numpy array, or a torch tensor on any device.
Frames = np.ndarray | torch.Tensor


def uniform_indices(available: int, wanted: int | None) -> np.ndarray:
    """``wanted`` frame indices spread uniformly over ``available`` frames: frame ``i`` is
    the middle of the i-th of ``wanted`` equal bins (repeats when ``wanted > available``);
    every frame when ``wanted`` is None."""
    if wanted is None:
        return np.arange(available)
    index = np.floor((np.arange(wanted) + 0.5) * available / wanted).astype(np.int64)
    return np.minimum(index, available - 1)


def frame_permutation(num_frames: int, rng: np.random.Generator) -> np.ndarray:
    """A random permutation of frame indices that is not the identity (when T > 1)."""
    if num_frames < 2:
        return np.arange(num_frames)
    while True:
        perm = rng.permutation(num_frames)
        if not np.array_equal(perm, np.arange(num_frames)):
            return perm


def temporal_subsample(clip: Frames, frames: int | None) -> Frames:
    """The clip (T, ...) cut to ``frames`` uniformly spread frames (the clip itself when
    that keeps every frame in order, so subsampling twice is subsampling once)."""
    index = uniform_indices(clip.shape[0], frames)
    if np.array_equal(index, np.arange(clip.shape[0])):
        return clip
    if isinstance(clip, torch.Tensor):
        return clip[torch.from_numpy(index).to(clip.device)]
    return clip[index]


def center_square(frames: Frames) -> Frames:
    """The centred square crop of every frame (T, H, W, 3): the frames themselves when
    already square (a pre-stylised copy keeps the video's aspect ratio)."""
    height, width = frames.shape[1:3]
    if height == width:
        return frames
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    crop = frames[:, top : top + side, left : left + side]
    return crop.contiguous() if isinstance(crop, torch.Tensor) else np.ascontiguousarray(crop)


def stack_frames(clips: Sequence[Frames]) -> torch.Tensor:
    """uint8 clips (T, H, W, 3) of one shape as one uint8 tensor (B, T, H, W, 3), on the
    clips' device."""
    if all(isinstance(clip, np.ndarray) for clip in clips):
        return torch.from_numpy(np.stack(clips))
    return torch.stack([torch.as_tensor(clip) for clip in clips])


def stack_clips(clips: Sequence[Frames]) -> torch.Tensor:
    """uint8 clips (T, H, W, 3) of one shape as a float tensor (B, 3, T, H, W) in 0..255,
    on the clips' device."""
    return stack_frames(clips).permute(0, 4, 1, 2, 3).float()


def resize_square(x: torch.Tensor, size: int) -> torch.Tensor:
    """(B, C, T, H, W) resized to (B, C, T, size, size): bilinear, antialiased."""
    b, c, t, h, w = x.shape
    if (h, w) == (size, size):
        return x
    frames = x.transpose(1, 2).reshape(b * t, c, h, w)
    frames = F.interpolate(frames, size=(size, size), mode="bilinear", align_corners=False, antialias=True)
    return frames.reshape(b, t, c, size, size).transpose(1, 2)


def normalize(x: torch.Tensor, mean: Sequence[float], std: Sequence[float]) -> torch.Tensor:
    """``(x / 255 - mean) / std`` per channel of (B, 3, T, H, W), as one multiply-add."""
    scale = torch.tensor([1.0 / (255.0 * s) for s in std], device=x.device).view(1, 3, 1, 1, 1)
    shift = torch.tensor([-m / s for m, s in zip(mean, std, strict=True)], device=x.device).view(1, 3, 1, 1, 1)
    # written straight into a contiguous tensor: one pass over the (strided) input
    return torch.addcmul(shift, x, scale, out=torch.empty(x.shape, dtype=x.dtype, device=x.device))


def pack_pathways(x: torch.Tensor, strides: Sequence[int]) -> list[torch.Tensor]:
    """One view of (B, C, T, H, W) per pathway, taking every ``stride``-th frame."""
    return [x[:, :, ::stride] for stride in strides]


def permute_frames(pathways: list[torch.Tensor], shuffle_seeds: Sequence[int | None]) -> list[torch.Tensor]:
    """Every clip with a seed gets a random non-identity frame order, drawn independently
    for each pathway from ``np.random.default_rng(seed)`` (docs/METHOD.md §1, static pairs)."""
    if all(seed is None for seed in shuffle_seeds):
        return pathways
    pathways = [pathway.clone() for pathway in pathways]  # pathway views share storage
    for row, seed in enumerate(shuffle_seeds):
        if seed is None:
            continue
        rng = np.random.default_rng(seed)
        for pathway in pathways:
            perm = torch.from_numpy(frame_permutation(pathway.shape[2], rng)).to(pathway.device)
            pathway[row] = pathway[row][:, perm]
    return pathways


def clips_to_input(
    clips: Sequence[Frames], spec: InputSpec, shuffle_seeds: Sequence[int | None] | None = None
) -> torch.Tensor | list[torch.Tensor]:
    """The model input for a batch of uint8 clips: one (B, 3, T, S, S) tensor, or a list
    with one per pathway when the manifest declares ``input.pathways``."""
    x = stack_clips([temporal_subsample(clip, spec.frames) for clip in clips])
    x = normalize(resize_square(x, spec.size), spec.mean, spec.std)
    seeds = list(shuffle_seeds) if shuffle_seeds is not None else [None] * len(clips)
    pathways = permute_frames(pack_pathways(x, spec.pathways or [1]), seeds)
    return pathways if spec.pathways else pathways[0]


def to_device(x: torch.Tensor | list[torch.Tensor], device: str | torch.device) -> torch.Tensor | list[torch.Tensor]:
    """A tensor or a list of tensors moved to ``device``."""
    if isinstance(x, (list, tuple)):
        return [t.to(device, non_blocking=True) for t in x]
    return x.to(device, non_blocking=True)
