"""Procedural, temporally consistent video styles for dynamic pairs (METHOD.md §1, "Styles").

A dynamic pair is the same clip rendered in two different styles: same motion, different
appearance. The original authors used pretrained video stylisation networks; here every
style is a *deterministic per-pixel or per-neighbourhood mapping* applied identically to
every frame, so whatever moves in the clip moves the same way in the styled clip, and a
static clip stays static.

Styles are addressed by an integer **style id** (stable: new styles are only appended)
or by name through the registry :data:`STYLES`. All random parameters of a style (conv
weights, colour curves, palettes) come from a ``torch.Generator`` seeded from the style
id, never from global RNG state.

Torch styles run batched on any device; clips are float tensors in ``[0, 1]`` shaped
``(T, 3, H, W)`` or ``(B, T, 3, H, W)``. Statistics used for normalisation (RandConv,
emboss, sketch, cartoon, false colour) are taken per clip over all its frames (in the
benchmark: the frames the model sees, :mod:`benchmark.pairs.protocols`), summed in float64, so they
are the same for every frame and batching does not change the result beyond float
rounding of batched kernels (at most one level on a few uint8 pixels in 10^5, measured by
``tests/test_pair_batch.py``). On CUDA, styles run in full float32 (no TF32). The OpenCV styles
(``cv_*``) run per frame in numpy on the CPU; they are registered but not in the default
bank.

What a style bank must satisfy (motion kept, appearance changed), and the thresholds the
default bank was chosen by, are measured in :mod:`benchmark.pairs.style_quality`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from benchmark.registry import Registry

__all__ = [
    "STYLES",
    "NUM_STYLES",
    "DEFAULT_STYLES",
    "LUMA",
    "Style",
    "StyleBank",
    "style_names",
    "style_id",
    "get_style",
    "apply_style",
    "style_uint8",
    "parse_style_bank",
]

#: Rec. 601 luminance weights (R, G, B).
LUMA = (0.299, 0.587, 0.114)

StyleFn = Callable[[torch.Tensor, torch.Generator], torch.Tensor]


# --------------------------------------------------------------------------------------
# Small torch helpers; every function takes frames flattened to (N, C, H, W) plus the
# clip index of each frame where per-clip statistics are needed.
# --------------------------------------------------------------------------------------


def _conv_same(x: torch.Tensor, weight: torch.Tensor, groups: int = 1) -> torch.Tensor:
    """2D convolution with replicate padding (no dark borders), output size = input size."""
    kh, kw = weight.shape[-2:]
    x = F.pad(x, (kw // 2, kw // 2, kh // 2, kh // 2), mode="replicate")
    return F.conv2d(x, weight, groups=groups)


def _luma(x: torch.Tensor) -> torch.Tensor:
    """(N, 3, H, W) -> (N, 1, H, W) Rec. 601 luminance."""
    w = x.new_tensor(LUMA).view(1, 3, 1, 1)
    return (x * w).sum(1, keepdim=True)


def _gaussian_kernel(sigma: float, device: torch.device, channels: int) -> torch.Tensor:
    radius = max(1, int(math.ceil(2.5 * sigma)))
    t = torch.arange(-radius, radius + 1, dtype=torch.float32, device=device)
    g = torch.exp(-(t**2) / (2 * sigma**2))
    g = g / g.sum()
    k = g[:, None] * g[None, :]
    return k.expand(channels, 1, *k.shape).contiguous()


def _blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    return _conv_same(x, _gaussian_kernel(sigma, x.device, x.shape[1]), groups=x.shape[1])


def _sobel(gray: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(N, 1, H, W) -> horizontal and vertical Sobel derivatives."""
    kx = gray.new_tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]) / 8.0
    k = torch.stack([kx, kx.t()])[:, None]
    d = _conv_same(gray, k)
    return d[:, :1], d[:, 1:]


def _clip_stats(x: torch.Tensor, clip_index: torch.Tensor, clips: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-clip, per-channel mean and std of (N, C, H, W) frames, broadcast back to (N, C, 1, 1).
    Summed in float64, so that the float32 statistics do not depend on how a reduction is
    split (by batch size or threads)."""
    n, c = x.shape[:2]
    v = x.reshape(clips, n // clips, c, -1).double()
    mean = v.mean(dim=(1, 3)).to(x.dtype)
    std = v.std(dim=(1, 3)).to(x.dtype).clamp_min(1e-6)
    return mean[clip_index][..., None, None], std[clip_index][..., None, None]


def _soft_quantise(x: torch.Tensor, levels: float, strength: float = 0.9) -> torch.Tensor:
    """A smooth staircase with ``levels`` steps over [0, 1]: flat at the step centres but
    never discontinuous, so sub-pixel motion still moves the edges between steps."""
    y = x * levels
    y = y - strength * torch.sin(2 * math.pi * y) / (2 * math.pi)
    return y / levels


def _rand(gen: torch.Generator, *shape: int, low: float = 0.0, high: float = 1.0) -> torch.Tensor:
    return low + (high - low) * torch.rand(*shape, generator=gen)


def _random_rotation(gen: torch.Generator) -> torch.Tensor:
    """A random 3x3 orthogonal matrix (QR of a Gaussian matrix, sign-fixed)."""
    q, r = torch.linalg.qr(torch.randn(3, 3, generator=gen))
    return q * torch.sign(torch.diagonal(r))[None, :]


def _rgb_to_yiq(x: torch.Tensor) -> torch.Tensor:
    m = x.new_tensor([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]])
    return torch.einsum("ij,njhw->nihw", m, x)


def _yiq_to_rgb(x: torch.Tensor) -> torch.Tensor:
    m = x.new_tensor([[1.0, 0.956, 0.621], [1.0, -0.272, -0.647], [1.0, -1.106, 1.703]])
    return torch.einsum("ij,njhw->nihw", m, x)


# --------------------------------------------------------------------------------------
# The style families. Each takes frames (N, 3, H, W) float32, the clip index of each
# frame (N,), the number of clips and a seeded CPU generator; returns (N, 3, H, W) in [0, 1].
# --------------------------------------------------------------------------------------


def _randconv(x: torch.Tensor, idx: torch.Tensor, clips: int, gen: torch.Generator) -> torch.Tensor:
    """RandConv (Xu et al. 2021) flavour: a fixed random stack 3x3 -> sin -> 3x3 -> sin ->
    1x1, then per-clip per-channel standardisation and a sigmoid. The periodic activation
    makes the map far from a global colour transform (a purely linear or leaky-ReLU stack
    is explained at R^2 ~ 0.9 by an affine colour map of the input)."""
    width = 12
    w1 = torch.randn(width, 3, 3, 3, generator=gen) * math.sqrt(2.0 / 27)
    w2 = torch.randn(width, width, 3, 3, generator=gen) * math.sqrt(2.0 / (9 * width))
    w3 = torch.randn(3, width, 1, 1, generator=gen) * math.sqrt(1.0 / width)
    b1 = _rand(gen, width, low=-0.3, high=0.3)
    dev = x.device
    h = torch.sin(3.0 * (_conv_same(x - 0.5, w1.to(dev)) + b1.to(dev)[:, None, None]))
    h = torch.sin(3.0 * _conv_same(h, w2.to(dev)))
    h = torch.einsum("oc,nchw->nohw", w3.to(dev)[:, :, 0, 0], h).contiguous()  # 1x1 conv, batch-invariant
    mean, std = _clip_stats(h, idx, clips)
    return torch.sigmoid(1.8 * (h - mean) / std)


def _colour_curve(x: torch.Tensor, idx: torch.Tensor, clips: int, gen: torch.Generator) -> torch.Tensor:
    """Random colour rotation followed by a random non-monotone smooth curve per channel."""
    rot = _random_rotation(gen).to(x.device)
    freq = _rand(gen, 3, low=3.0, high=5.5).to(x.device)[None, :, None, None]
    phase = _rand(gen, 3, high=2 * math.pi).to(x.device)[None, :, None, None]
    y = torch.einsum("ij,njhw->nihw", rot, x - 0.5)
    return 0.5 + 0.5 * torch.sin(freq * y * math.pi + phase)


def _hue_posterise(x: torch.Tensor, idx: torch.Tensor, clips: int, gen: torch.Generator) -> torch.Tensor:
    """Hue rotation (90-270 degrees) with saturation boost, channel permutation, luminance
    inversion and a soft posterisation to a few levels."""
    angle = float(_rand(gen, 1, low=0.5 * math.pi, high=1.5 * math.pi))
    sat = float(_rand(gen, 1, low=1.5, high=2.5))
    perm = torch.randperm(3, generator=gen).tolist()
    levels = float(torch.randint(4, 7, (1,), generator=gen))
    yiq = _rgb_to_yiq(x)
    c, s = math.cos(angle), math.sin(angle)
    i = sat * (c * yiq[:, 1:2] - s * yiq[:, 2:3])
    q = sat * (s * yiq[:, 1:2] + c * yiq[:, 2:3])
    y = 1.0 - yiq[:, :1]
    rgb = _yiq_to_rgb(torch.cat([y, i, q], dim=1)).clamp(0, 1)[:, perm]
    return _soft_quantise(rgb, levels).clamp(0, 1)


def _sketch(x: torch.Tensor, idx: torch.Tensor, clips: int, gen: torch.Generator) -> torch.Tensor:
    """Pencil sketch: inverted Sobel magnitude as ink lines over a tinted paper shaded by
    a 3-level soft posterisation of the luminance."""
    paper = _rand(gen, 3, low=0.75, high=1.0).to(x.device)[None, :, None, None]
    ink = _rand(gen, 3, low=0.0, high=0.35).to(x.device)[None, :, None, None]
    gray = _blur(_luma(x), 0.8)
    gx, gy = _sobel(gray)
    mag = torch.sqrt(gx**2 + gy**2 + 1e-12)
    mean, std = _clip_stats(mag, idx, clips)
    lines = (1.0 - (mag / (mean + 2.0 * std)).clamp(0, 1)) ** 2
    tone = 0.45 + 0.55 * _soft_quantise(1.0 - gray, 3.0)
    out = ink + (paper * tone - ink) * lines
    return out.clamp(0, 1)


def _cartoon(x: torch.Tensor, idx: torch.Tensor, clips: int, gen: torch.Generator) -> torch.Tensor:
    """Cartoon: two passes of a 5x5 bilateral filter, hue shift, soft colour quantisation
    and dark edges from the smoothed luminance."""
    angle = float(_rand(gen, 1, low=0.6 * math.pi, high=1.4 * math.pi))
    levels = float(torch.randint(4, 7, (1,), generator=gen))
    edge_colour = _rand(gen, 3, high=0.25).to(x.device)[None, :, None, None]
    y = x
    for _ in range(2):
        y = _bilateral(y, radius=2, sigma_space=2.0, sigma_range=0.12)
    yiq = _rgb_to_yiq(y)
    c, s = math.cos(angle), math.sin(angle)
    i = 1.8 * (c * yiq[:, 1:2] - s * yiq[:, 2:3])
    q = 1.8 * (s * yiq[:, 1:2] + c * yiq[:, 2:3])
    rgb = _yiq_to_rgb(torch.cat([1.0 - 0.8 * yiq[:, :1], i, q], dim=1)).clamp(0, 1)
    rgb = _soft_quantise(rgb, levels).clamp(0, 1)
    gx, gy = _sobel(_luma(y))
    mag = torch.sqrt(gx**2 + gy**2 + 1e-12)
    mean, std = _clip_stats(mag, idx, clips)
    edges = ((mag - mean) / (2.0 * std)).clamp(0, 1)
    return rgb * (1 - edges) + edge_colour * edges


def _bilateral(x: torch.Tensor, radius: int, sigma_space: float, sigma_range: float) -> torch.Tensor:
    """A brute-force (2r+1)^2 bilateral filter: range weights from the RGB distance."""
    h, w = x.shape[-2:]
    pad = F.pad(x, (radius,) * 4, mode="replicate")
    num = torch.zeros_like(x)
    den = torch.zeros_like(x[:, :1])
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            shifted = pad[..., radius + dy : radius + dy + h, radius + dx : radius + dx + w]
            d2 = ((shifted - x) ** 2).sum(1, keepdim=True)
            wgt = math.exp(-(dx * dx + dy * dy) / (2 * sigma_space**2)) * torch.exp(-d2 / (2 * sigma_range**2))
            num = num + wgt * shifted
            den = den + wgt
    return num / den


def _false_colour(x: torch.Tensor, idx: torch.Tensor, clips: int, gen: torch.Generator) -> torch.Tensor:
    """Luminance (per-clip contrast stretched) through a random 5-colour palette, with a
    dash of the colour-rotated input so equal-luminance colours stay apart."""
    palette = torch.rand(5, 3, generator=gen).to(x.device)
    rot = _random_rotation(gen).to(x.device)
    lum = _luma(x)
    mean, std = _clip_stats(lum, idx, clips)
    t = ((lum - mean) / (4.0 * std) + 0.5).clamp(0, 1) * (palette.shape[0] - 1)
    lo = t.floor().clamp(max=palette.shape[0] - 2)
    frac = t - lo
    lo_i = lo.long().squeeze(1)
    out = palette[lo_i].permute(0, 3, 1, 2) * (1 - frac) + palette[lo_i + 1].permute(0, 3, 1, 2) * frac
    out = out + 0.4 * torch.einsum("ij,njhw->nihw", rot, x - 0.5)
    return out.clamp(0, 1)


def _emboss(x: torch.Tensor, idx: torch.Tensor, clips: int, gen: torch.Generator) -> torch.Tensor:
    """Relief: a directional derivative of Gaussian (random direction) of a random colour
    projection, per-clip normalised, around a random mid-tone."""
    theta = float(_rand(gen, 1, high=2 * math.pi))
    mid = _rand(gen, 3, low=0.35, high=0.65).to(x.device)[None, :, None, None]
    gains = _rand(gen, 3, low=0.6, high=1.0).to(x.device)[None, :, None, None]
    rot = _random_rotation(gen).to(x.device)
    y = _blur(torch.einsum("ij,njhw->nihw", rot, x), 1.0)
    gx, gy = _sobel(y.reshape(-1, 1, *y.shape[-2:]))
    d = (math.cos(theta) * gx + math.sin(theta) * gy).reshape(y.shape)
    lum = _luma(x)
    _, std = _clip_stats(d, idx, clips)
    rel = mid + gains * 0.18 * d / std
    return (rel + 0.15 * (lum - 0.5)).clamp(0, 1)


def _opencv_style(fn: Callable[[np.ndarray, torch.Generator], np.ndarray]) -> StyleFn:
    """Wrap a per-frame uint8 BGR OpenCV filter as a (frames, generator) style."""

    def style(x: torch.Tensor, idx: torch.Tensor, clips: int, gen: torch.Generator) -> torch.Tensor:
        frames = (x.clamp(0, 1) * 255).round().to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()
        state = gen.get_state()
        out = []
        for frame in frames:
            gen.set_state(state)  # identical parameters for every frame
            out.append(fn(np.ascontiguousarray(frame[..., ::-1]), gen)[..., ::-1])
        arr = torch.from_numpy(np.stack(out).copy()).to(x.device)
        return arr.permute(0, 3, 1, 2).float() / 255.0

    return style


def _cv_stylization(frame: np.ndarray, gen: torch.Generator) -> np.ndarray:
    import cv2

    sigma_s = float(_rand(gen, 1, low=20, high=40))
    sigma_r = float(_rand(gen, 1, low=0.15, high=0.25))
    return cv2.stylization(frame, sigma_s=sigma_s, sigma_r=sigma_r)


def _cv_pencil(frame: np.ndarray, gen: torch.Generator) -> np.ndarray:
    import cv2

    _, colour = cv2.pencilSketch(frame, sigma_s=10, sigma_r=0.1, shade_factor=0.04)
    return colour


def _cv_edge_preserving(frame: np.ndarray, gen: torch.Generator) -> np.ndarray:
    import cv2

    smooth = cv2.edgePreservingFilter(frame, flags=cv2.NORMCONV_FILTER, sigma_s=10, sigma_r=0.2)
    return 255 - smooth[..., [1, 2, 0]]


# --------------------------------------------------------------------------------------
# Registry and public API.
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Style:
    """One procedural style: ``name``, its stable integer ``id`` (which seeds all of its
    random parameters), the family function, and whether it is torch-native (batched,
    any device) or an OpenCV per-frame CPU filter."""

    name: str
    id: int
    fn: StyleFn
    torch_native: bool = True
    description: str = ""

    def __call__(self, clip: torch.Tensor) -> torch.Tensor:
        """Style a clip (T, 3, H, W) or a batch of clips (B, T, 3, H, W) in [0, 1]."""
        if clip.dim() not in (4, 5) or clip.shape[-3] != 3:
            raise ValueError(f"style {self.name!r}: expected (T, 3, H, W) or (B, T, 3, H, W), got {tuple(clip.shape)}")
        if not clip.is_floating_point():
            raise ValueError(f"style {self.name!r}: expected a float clip in [0, 1], got {clip.dtype}")
        shape = clip.shape
        clips = 1 if clip.dim() == 4 else shape[0]
        frames = clip.reshape(-1, *shape[-3:]).float()
        per_clip = frames.shape[0] // clips
        idx = torch.arange(clips, device=clip.device).repeat_interleave(per_clip)
        gen = torch.Generator().manual_seed(_seed(self.id))
        with torch.no_grad(), _full_float32(clip.device):
            out = self.fn(frames, idx, clips, gen)
        return out.clamp(0, 1).to(clip.dtype).reshape(shape)


@contextmanager
def _full_float32(device: torch.device) -> Iterator[None]:
    """CUDA convolutions and matmuls in full float32 (no TF32), so that a style renders
    the same pixels on a GPU as on the CPU up to float rounding."""
    if device.type != "cuda":
        yield
        return
    saved = torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = saved


def _seed(style_id: int) -> int:
    """A well-spread 63-bit seed from a style id (distinct ids -> unrelated streams)."""
    return (style_id * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) % (1 << 63)


STYLES: Registry[Style] = Registry("style")

# Ids are positions in this tuple: append only, never reorder.
_FAMILIES: tuple[tuple[str, StyleFn, bool, str], ...] = (
    ("randconv", _randconv, True, "random fixed 3x3-3x3-1x1 conv stack with sin activations, per-clip normalised"),
    ("colour_curve", _colour_curve, True, "colour rotation + non-monotone sinusoidal curves"),
    ("hue_posterise", _hue_posterise, True, "hue rotation, inversion, channel swap, soft posterisation"),
    ("sketch", _sketch, True, "inverted Sobel ink lines over tinted, posterised paper"),
    ("cartoon", _cartoon, True, "bilateral smoothing, hue shift, colour quantisation, dark edges"),
    ("false_colour", _false_colour, True, "luminance through a random palette"),
    ("emboss", _emboss, True, "directional relief of a random colour projection"),
    ("cv_stylization", _opencv_style(_cv_stylization), False, "cv2.stylization (CPU, per frame)"),
    ("cv_pencil", _opencv_style(_cv_pencil), False, "cv2.pencilSketch colour output (CPU, per frame)"),
    ("cv_edge_preserving", _opencv_style(_cv_edge_preserving), False, "cv2.edgePreservingFilter, inverted, channels rotated (CPU)"),
    ("randconv_2", _randconv, True, "a second RandConv draw"),
    ("colour_curve_2", _colour_curve, True, "a second colour-curve draw"),
)

for _id, (_name, _fn, _native, _desc) in enumerate(_FAMILIES):
    STYLES.register(_name, Style(_name, _id, _fn, _native, _desc))

NUM_STYLES: int = len(_FAMILIES)

#: The default bank (style ids), chosen by ``studies/measure_styles.py`` with the measures
#: and thresholds of :mod:`benchmark.pairs.style_quality`: every member has
#: relative flow EPE < MOTION_THRESHOLD on average over the clips of every test-video kind
#: (and < MOTION_MAX_THRESHOLD on each clip), and every pair of
#: members has mean |Pearson r| < APPEARANCE_THRESHOLD and colour-map R^2 (both
#: directions) < COLOUR_MAP_THRESHOLD. All torch-native. Chosen from the
#: ``--seeds 4`` run (12 clips): false_colour, emboss, cartoon, colour_curve_2 pass the
#: 2-clip default run but exceed MOTION_MAX_THRESHOLD on a sparse-motion world clip.
DEFAULT_STYLES: tuple[int, ...] = (0, 1, 2, 3)


def style_names() -> list[str]:
    """Style names in id order (``style_names()[k]`` is style id ``k``)."""
    return [name for name, *_ in _FAMILIES]


def style_id(name: str) -> int:
    """The id of the style called ``name``."""
    return STYLES.get(name).id


def get_style(style: int | str) -> Style:
    """The :class:`Style` with this id or name."""
    if isinstance(style, str):
        return STYLES.get(style)
    if not 0 <= int(style) < NUM_STYLES:
        raise ValueError(f"style id {style} out of range 0..{NUM_STYLES - 1}")
    return STYLES.get(_FAMILIES[int(style)][0])


def apply_style(clip: torch.Tensor, style_id: int) -> torch.Tensor:
    """Render ``clip`` ((T, 3, H, W) or (B, T, 3, H, W), float in [0, 1]) in style
    ``style_id``; same shape, dtype and device, values in [0, 1], deterministic."""
    return get_style(style_id)(clip)


def style_uint8(frames: torch.Tensor, style_id: int) -> torch.Tensor:
    """uint8 frames (T, H, W, 3), or a batch of clips (B, T, H, W, 3), on any device,
    rendered in style ``style_id``: same shape, dtype and device.  Every clip is styled
    on its own (per-clip statistics), so a clip's pixels do not depend on the others."""
    x = frames.movedim(-1, -3).float().div_(255.0)
    y = apply_style(x, style_id)
    return y.clamp_(0, 1).mul_(255.0).round_().to(torch.uint8).movedim(-3, -1).contiguous()


class StyleBank:
    """An ordered set of styles; ``bank(clip, k)`` renders ``clip`` in the k-th one."""

    def __init__(self, ids: Sequence[int] = DEFAULT_STYLES) -> None:
        if len(ids) == 0:
            raise ValueError("a StyleBank needs at least one style id")
        self.ids: tuple[int, ...] = tuple(int(i) for i in ids)
        self.styles: tuple[Style, ...] = tuple(get_style(i) for i in self.ids)

    def __len__(self) -> int:
        return len(self.ids)

    def __call__(self, clip: torch.Tensor, k: int) -> torch.Tensor:
        return self.styles[k](clip)

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.styles]

    def __repr__(self) -> str:
        return f"StyleBank({list(self.ids)}: {self.names})"


def parse_style_bank(argument: str | None) -> tuple[int, ...]:
    """Style ids from ``0,1,3`` or ``randconv,sketch`` (the default bank when None); a bad
    token or a one-style bank is a :class:`~benchmark.errors.BenchmarkError`."""
    from benchmark.errors import BenchmarkError

    if argument is None:
        return tuple(DEFAULT_STYLES)
    ids = []
    for token in (t.strip() for t in argument.split(",")):
        if token.isdigit() and int(token) < NUM_STYLES:
            ids.append(int(token))
        elif token in STYLES:
            ids.append(STYLES.get(token).id)
        else:
            known = ", ".join(f"{k}={name}" for k, name in enumerate(style_names()))
            raise BenchmarkError(f"unknown style {token!r} in {argument!r}. Styles: {known}.")
    if len(set(ids)) < 2:
        raise BenchmarkError(f"style bank {argument!r}: needs at least 2 different styles.")
    return tuple(ids)
