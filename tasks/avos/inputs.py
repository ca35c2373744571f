"""From AVOS samples to the model input ``[rgb, flow]``: two (B, 3, S, S) float tensors.

The shared clip transforms (:mod:`benchmark.api.transforms`) with T = 1: both images are
resized to the manifest's ``input.size`` (square) and normalised with its ``mean``/``std``
(the flow image is an RGB image too, so it gets the same normalisation).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from benchmark.api.model_spec import InputSpec
from benchmark.api.transforms import normalize, resize_square, stack_clips
from tasks.avos.samples import FrameSample


def images_to_tensor(images: Sequence[np.ndarray], spec: InputSpec) -> torch.Tensor:
    """uint8 images (H, W, 3) as a normalised (B, 3, S, S) tensor."""
    x = stack_clips([image[None] for image in images])  # (B, 3, 1, H, W)
    return normalize(resize_square(x, spec.size), spec.mean, spec.std)[:, :, 0].contiguous()


def model_input(samples: Sequence[FrameSample], spec: InputSpec) -> list[torch.Tensor]:
    """``[rgb, flow]`` for a batch of samples."""
    if not samples:
        raise ValueError("model_input needs at least one sample")
    return [images_to_tensor([s.rgb for s in samples], spec), images_to_tensor([s.flow for s in samples], spec)]
