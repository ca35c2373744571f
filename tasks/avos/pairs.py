"""AVOS pair protocols (METHOD.md §1): pairs of (RGB frame, flow image) samples.

- ``true`` (synthetic worlds): a dynamic pair is the frame and the same frame of a
  re-rendering with the same dynamics and a new appearance (RGB differs; the partner's
  flow is recomputed from its own frames, so it matches the motion); a static pair keeps
  the appearance and draws new dynamics.
- ``stylize`` (any dataset): the first sample takes a random style from the bank; a
  dynamic pair shows the RGB frame in a second, different style with the *same* flow
  image; a static pair shows the same styled RGB frame with the flow image colour-jittered
  (hue shift ~ U(0.1, 0.5), saturation factor ~ U(0.1, 1.0)).

Each protocol is a callable ``(source, PairSpec) -> PairClips`` whose ``a`` and ``b`` are
:class:`~tasks.avos.samples.FrameSample` s, resized to ``size`` or else to the source's
``input_size`` (set by the adapter from the manifest) so styles run at model resolution.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import torch

from benchmark.errors import DataError
from benchmark.estimator import DYNAMIC
from benchmark.pairs import PairClips, PairSpec
from benchmark.styles import DEFAULT_STYLES, apply_style
from tasks.avos.flow_colour import jitter_flow_image, sample_jitter
from tasks.avos.samples import FrameSample


def style_frame(rgb: np.ndarray, style_id: int) -> np.ndarray:
    """An RGB uint8 frame rendered in procedural style ``style_id``."""
    x = torch.from_numpy(np.ascontiguousarray(rgb)).permute(2, 0, 1)[None].float().div_(255.0)
    y = apply_style(x, style_id)[0]
    return y.clamp_(0, 1).mul_(255.0).round_().to(torch.uint8).permute(1, 2, 0).numpy()


class AvosTruePairs:
    """Ground-truth pairs of the synthetic AVOS world, at ``size`` x ``size``."""

    name = "true"

    def __init__(self, size: int | None = None) -> None:
        self.size = size

    def __call__(self, source, spec: PairSpec) -> PairClips:
        if not hasattr(source, "true_pair"):
            raise DataError(
                f"Pair protocol 'true' needs a synthetic world with known factors; dataset "
                f"{source.name!r} has none. Use --pair-protocol stylize."
            )
        size = self.size or getattr(source, "input_size", None)
        a, b = source.true_pair(spec.item, spec.factor, spec.seed, size=size)
        return PairClips(a, b)


class AvosStylizedPairs:
    """Style pairs (dynamic) and flow-colour-jitter pairs (static) on any AVOS source."""

    name = "stylize"

    def __init__(self, styles: tuple[int, ...] | None = None, size: int | None = None) -> None:
        self.styles = tuple(styles if styles is not None else DEFAULT_STYLES)
        if len(self.styles) < 2:
            raise ValueError("the stylize protocol needs at least 2 styles")
        self.size = size

    def __call__(self, source, spec: PairSpec) -> PairClips:
        rng = np.random.default_rng([spec.seed, 0xA705])
        sample: FrameSample = source.sample(spec.item, size=self.size or getattr(source, "input_size", None))
        first = int(rng.integers(len(self.styles)))
        a = replace(sample, rgb=style_frame(sample.rgb, self.styles[first]))
        if spec.factor == DYNAMIC:
            second = (first + 1 + int(rng.integers(len(self.styles) - 1))) % len(self.styles)
            b = replace(sample, rgb=style_frame(sample.rgb, self.styles[second]))
        else:
            hue, saturation = sample_jitter(rng)
            b = replace(a, flow=jitter_flow_image(a.flow, hue, saturation))
        return PairClips(a, b)


def get_avos_protocol(text: str, size: int | None = None):
    """``true`` or ``stylize`` (optionally ``stylize:<id>,<id>,...`` for a style bank)."""
    name, _, argument = text.partition(":")
    if name == "true":
        if argument:
            raise DataError("pair protocol 'true' takes no argument")
        return AvosTruePairs(size)
    if name == "stylize":
        styles = tuple(int(s) for s in argument.split(",")) if argument else None
        return AvosStylizedPairs(styles, size)
    raise DataError(f"unknown AVOS pair protocol {text!r}; expected 'true' (synthetic) or 'stylize'.")
