"""From uint8 clips (T, H, W, 3) to the model's input tensor(s)."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from benchmark.manifest import InputSpec
from benchmark.pairs import frame_permutation
from benchmark.sampling import uniform_indices


def clips_to_tensor(clips: list[np.ndarray], spec: InputSpec) -> torch.Tensor:
    """Stack clips into a normalised float tensor (B, 3, T, S, S): temporal sampling to
    ``spec.frames``, resize to ``spec.size`` (square), per-channel mean/std."""
    sampled = np.stack([clip[uniform_indices(clip.shape[0], spec.frames)] for clip in clips])
    b, t, h, w, _ = sampled.shape
    x = torch.from_numpy(sampled).permute(0, 4, 1, 2, 3).float()  # (B, 3, T, H, W)
    if (h, w) != (spec.size, spec.size):
        frames = x.transpose(1, 2).reshape(b * t, 3, h, w)
        frames = F.interpolate(frames, size=(spec.size, spec.size), mode="bilinear",
                               align_corners=False, antialias=True)
        x = frames.reshape(b, t, 3, spec.size, spec.size).transpose(1, 2)
    # (x / 255 - mean) / std in one multiply-add
    scale = torch.tensor([1.0 / (255.0 * s) for s in spec.std]).view(1, 3, 1, 1, 1)
    shift = torch.tensor([-m / s for m, s in zip(spec.mean, spec.std, strict=True)]).view(1, 3, 1, 1, 1)
    return torch.addcmul(shift, x, scale).contiguous()


def split_pathways(
    x: torch.Tensor, spec: InputSpec, shuffle_seeds: list[int | None]
) -> torch.Tensor | list[torch.Tensor]:
    """Temporal subsampling per pathway, then an independent frame permutation per pathway
    for every clip with a shuffle seed (METHOD.md §1, static pairs)."""
    strides = spec.pathways or [1]
    pathways = [x[:, :, ::stride] for stride in strides]
    if any(seed is not None for seed in shuffle_seeds):  # views share storage: copy first
        pathways = [pathway.clone() for pathway in pathways]
    for row, seed in enumerate(shuffle_seeds):
        if seed is None:
            continue
        rng = np.random.default_rng(seed)
        for p, pathway in enumerate(pathways):
            perm = torch.from_numpy(frame_permutation(pathway.shape[2], rng))
            pathways[p][row] = pathway[row][:, perm]
    return pathways if spec.pathways else pathways[0]


def model_input(
    clips: list[np.ndarray], spec: InputSpec, shuffle_seeds: list[int | None] | None = None
) -> torch.Tensor | list[torch.Tensor]:
    """The model input for a batch of clips: one tensor, or a list per pathway."""
    seeds = shuffle_seeds if shuffle_seeds is not None else [None] * len(clips)
    return split_pathways(clips_to_tensor(clips, spec), spec, seeds)


def to_device(x: torch.Tensor | list[torch.Tensor], device) -> torch.Tensor | list[torch.Tensor]:
    if isinstance(x, list):
        return [t.to(device, non_blocking=True) for t in x]
    return x.to(device, non_blocking=True)
