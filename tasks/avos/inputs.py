"""From AVOS samples to the model input ``[rgb, flow]``: two (B, 3, S, S) float tensors.

Both images are resized to the manifest's ``input.size`` (square) and normalised with its
``mean``/``std`` (the flow image is an RGB image too, so it gets the same normalisation).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from benchmark.manifest import InputSpec
from tasks.avos.samples import FrameSample, resize_image


def _stack(images: list[np.ndarray], spec: InputSpec) -> torch.Tensor:
    hw = (spec.size, spec.size)
    batch = np.stack([resize_image(image, hw) for image in images])
    x = torch.from_numpy(batch).permute(0, 3, 1, 2).float().div_(255.0)
    mean = torch.tensor(spec.mean).view(1, 3, 1, 1)
    std = torch.tensor(spec.std).view(1, 3, 1, 1)
    return ((x - mean) / std).contiguous()


def model_input(samples: Sequence[FrameSample], spec: InputSpec) -> list[torch.Tensor]:
    """``[rgb, flow]`` for a batch of samples."""
    if not samples:
        raise ValueError("model_input needs at least one sample")
    return [_stack([s.rgb for s in samples], spec), _stack([s.flow for s in samples], spec)]
