"""Pairs of clips sharing exactly one factor (METHOD.md §1).

A *pair plan* fixes, for every pair id, its factor (dynamic or static, uniform), the
dataset item it is built from and a per-pair seed.  A *pair protocol* turns a planned pair
into two clips:

- ``true`` (synthetic worlds): re-render with the same dynamics and a new appearance seed
  (dynamic pair) or the same appearance and new dynamics (static pair);
- ``stylize`` (real video): the same clip in two different styles (dynamic pair) or in one
  style with its frames randomly permuted (static pair);
- ``prestylized:<root>``: like ``stylize`` with styles read from a pre-stylised copy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from benchmark.errors import DataError
from benchmark.estimator import DYNAMIC, STATIC
from benchmark.registry import Registry
from benchmark.sampling import uniform_indices

FACTOR_NAMES = {DYNAMIC: "dynamic", STATIC: "static"}


@dataclass(frozen=True)
class PairSpec:
    """One planned pair: its global id, factor (0 dynamic, 1 static), item and seed."""

    pair_id: int
    factor: int
    item: int
    seed: int


def plan_pairs(num_pairs: int, num_items: int, seed: int) -> list[PairSpec]:
    """Deterministic pair plan: factors uniform, items cycling through a permutation."""
    if num_items <= 0:
        raise ValueError("the dataset has no items to build pairs from")
    rng = np.random.default_rng([seed, 0x9A1B5])
    factors = rng.integers(0, 2, size=num_pairs)
    order = np.concatenate(
        [rng.permutation(num_items) for _ in range(-(-num_pairs // num_items))]
    )[:num_pairs]
    seeds = rng.integers(0, 2**31 - 1, size=num_pairs)
    return [
        PairSpec(pair_id=i, factor=int(f), item=int(it), seed=int(s))
        for i, (f, it, s) in enumerate(zip(factors, order, seeds, strict=True))
    ]


def frame_permutation(num_frames: int, rng: np.random.Generator) -> np.ndarray:
    """A random permutation of frame indices that is not the identity (when T > 1)."""
    if num_frames < 2:
        return np.arange(num_frames)
    while True:
        perm = rng.permutation(num_frames)
        if not np.array_equal(perm, np.arange(num_frames)):
            return perm


def shuffle_frames(clip: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The clip (T, ...) with its frames in a random non-identity order (static pair)."""
    return clip[frame_permutation(clip.shape[0], rng)]


# --------------------------------------------------------------------------- pair protocols


@dataclass(frozen=True)
class PairClips:
    """The two clips of a pair; ``shuffle_b`` seeds a frame permutation applied to the second
    clip after temporal subsampling (per pathway) when the model input is built."""

    a: np.ndarray
    b: np.ndarray
    shuffle_b: int | None = None


class TruePairs:
    """Ground-truth pairs of a synthetic world: re-rendered with one factor held fixed."""

    name = "true"

    def __call__(self, source, spec: PairSpec) -> PairClips:
        if not hasattr(source, "true_pair"):
            raise DataError(
                f"Pair protocol 'true' needs a synthetic world with known factors; dataset "
                f"{source.name!r} has none. Use --pair-protocol stylize."
            )
        a, b = source.true_pair(spec.item, spec.factor, spec.seed)
        return PairClips(a, b)


def _style_clip(clip: np.ndarray, style_id: int) -> np.ndarray:
    import torch

    from benchmark.styles import apply_style

    x = torch.from_numpy(np.ascontiguousarray(clip)).permute(0, 3, 1, 2).float().div_(255.0)
    y = apply_style(x, style_id)
    return (y.clamp_(0, 1).mul_(255.0).round_().to(torch.uint8).permute(0, 2, 3, 1).numpy())


def choose_styles(styles: tuple[int, ...], spec: PairSpec) -> tuple[int, int, np.random.Generator]:
    """The pair's two style ids: different for a dynamic pair, equal for a static pair."""
    rng = np.random.default_rng([spec.seed, 0x57])
    first = int(rng.integers(len(styles)))
    second = first
    if spec.factor == DYNAMIC:
        second = (first + 1 + int(rng.integers(len(styles) - 1))) % len(styles)
    return styles[first], styles[second], rng


def _shuffle_seed(spec: PairSpec, rng: np.random.Generator) -> int | None:
    return int(rng.integers(2**31 - 1)) if spec.factor == STATIC else None


class StylizedPairs:
    """Pairs on real video (METHOD.md §1): the clip in two different procedural styles
    (dynamic pair), or one style twice with the second clip's frames permuted (static)."""

    name = "stylize"

    def __init__(self, styles: tuple[int, ...] | None = None):
        from benchmark.styles import DEFAULT_STYLES

        self.styles = tuple(styles if styles is not None else DEFAULT_STYLES)
        if len(self.styles) < 2:
            raise ValueError("the stylize protocol needs at least 2 styles")

    def __call__(self, source, spec: PairSpec) -> PairClips:
        style_a, style_b, rng = choose_styles(self.styles, spec)
        clip = source.clip(spec.item)
        a = _style_clip(clip, style_a)
        b = a if style_b == style_a else _style_clip(clip, style_b)
        return PairClips(a, b.copy(), _shuffle_seed(spec, rng))


def _center_square(frames: np.ndarray) -> np.ndarray:
    h, w = frames.shape[1:3]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    return frames[:, top:top + side, left:left + side]


class PrestylizedPairs:
    """Like ``stylize``, with the styles read from a pre-stylised copy of the dataset laid
    out as ``<root>/style_<k>/<video>/<frame>.jpg`` (``--pair-protocol prestylized:<root>``).
    The video folder is the clip's video file name without extension."""

    name = "prestylized"

    def __init__(self, root: str):
        from benchmark.prestylized import PrestylizedStore

        self.store = PrestylizedStore(root)
        self.styles = tuple(self.store.styles)
        if len(self.styles) < 2:
            raise DataError(f"{root}: the prestylized protocol needs at least 2 style folders")

    def __call__(self, source, spec: PairSpec) -> PairClips:
        video = source.video_name(spec.item) if hasattr(source, "video_name") else source.clip_id(spec.item)
        style_a, style_b, rng = choose_styles(self.styles, spec)
        available = self.store.num_frames(video)
        wanted = getattr(source, "num_frames", None) or available
        indices = uniform_indices(available, wanted)
        a = _center_square(self.store.load(video, style_a, indices))
        b = a if style_b == style_a else _center_square(self.store.load(video, style_b, indices))
        return PairClips(a, b.copy(), _shuffle_seed(spec, rng))


PAIR_PROTOCOLS: Registry = Registry("pair protocol")
PAIR_PROTOCOLS.register("true", TruePairs)
PAIR_PROTOCOLS.register("stylize", StylizedPairs)
PAIR_PROTOCOLS.register("prestylized", PrestylizedPairs)


def get_protocol(text: str):
    """A pair protocol from its CLI text: ``true``, ``stylize`` or ``prestylized:<root>``."""
    name, _, argument = text.partition(":")
    factory = PAIR_PROTOCOLS.get(name)
    return factory(argument) if argument else factory()
