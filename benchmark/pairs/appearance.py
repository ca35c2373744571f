"""Appearance banks: the sets of appearance changes a dynamic pair draws two members from.

A dynamic pair on real video is one clip shown in two appearances (docs/METHOD.md §1). An
*appearance bank* is a numbered set of such changes; each member is a deterministic map of
every frame by the same per-pixel rule, so whatever moves keeps moving the same way.
Banks are parsed from a short text (``family:arguments``) and each member's parameters are
drawn from a generator seeded by the bank's text and the member's index, never from global
state.  Families (a registry: new ones are one ``register`` call):

- ``styles:ids`` — the procedural styles of :mod:`benchmark.pairs.styles` (protocol v2's bank);
- ``hue:K[:c]`` — K rotations of the chroma plane in YIQ space (luminance kept exactly),
  member ``i`` by ``360 (i + 1/2) / K`` degrees, chroma scaled by a factor drawn
  log-uniformly in ``[c, 1/c]`` (default 1: no scaling);
- ``tone:K:beta[:c]`` — ``hue:K[:c]`` plus a luminance tone curve: luminance ``y`` becomes
  ``y + beta (g(y) - y)`` with ``g`` a random increasing piecewise-linear curve through five
  knots, the change added to every channel (chroma kept);
- ``blend:ids:alpha`` — styles ``ids`` mixed with the clip: ``(1 - alpha) x + alpha style(x)``;
- ``neural:network:ids[:alpha]`` — pretrained style-transfer networks
  (:mod:`benchmark.pairs.neural_styles`, optional extra ``neural``).

Frames are uint8 ``(T, H, W, 3)`` (numpy or torch; the result has the input's type) or
float tensors ``(..., 3, H, W)`` in [0, 1] (:meth:`AppearanceBank.apply`, batched, any device).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from benchmark.errors import BenchmarkError
from benchmark.registry import Registry

#: RGB -> YIQ (rows Y, I, Q) and back.
_YIQ = torch.tensor([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]],
                    dtype=torch.float64)
_RGB = torch.linalg.inv(_YIQ)

MemberFn = Callable[[torch.Tensor], torch.Tensor]  # float (..., T, 3, H, W) in [0, 1] -> same


def _generator(text: str, index: int) -> np.random.Generator:
    digest = hashlib.blake2b(f"{text}#{index}".encode(), digest_size=8).digest()
    return np.random.default_rng(int.from_bytes(digest, "little"))


def _yiq_map(x: torch.Tensor, matrix: torch.Tensor, luma_curve: torch.Tensor | None) -> torch.Tensor:
    """``x`` (..., 3, H, W) through RGB->YIQ, the 3x3 ``matrix`` on (Y, I, Q), the optional
    luminance curve (knots at 0, .25, .5, .75, 1) on Y, and back to RGB."""
    m = (_RGB @ matrix @ _YIQ).to(x.device, torch.float32)
    out = torch.einsum("ij,...jhw->...ihw", m, x)
    if luma_curve is not None:
        y = torch.einsum("j,...jhw->...hw", _YIQ[0].to(x.device, torch.float32), x).clamp(0, 1)
        knots = luma_curve.to(x.device, torch.float32)
        pos = y * (len(knots) - 1)
        lo = pos.floor().clamp(max=len(knots) - 2).long()
        frac = pos - lo
        mapped = knots[lo] * (1 - frac) + knots[lo + 1] * frac
        out = out + (mapped - y).unsqueeze(-3)
    return out


def _rotation(degrees: float, chroma: float) -> torch.Tensor:
    t = np.deg2rad(degrees)
    c, s = np.cos(t) * chroma, np.sin(t) * chroma
    return torch.tensor([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]], dtype=torch.float64)


def _chroma(rng: np.random.Generator, c: float) -> float:
    return 1.0 if c >= 1.0 else float(np.exp(rng.uniform(np.log(c), -np.log(c))))


def _hue_members(text: str, args: list[str]) -> list[MemberFn]:
    count, c = _int(args, 0, text, "K"), _float(args, 1, text, "c", 1.0, 0.05, 1.0)
    members = []
    for i in range(count):
        matrix = _rotation(360.0 * (i + 0.5) / count, _chroma(_generator(text, i), c))
        members.append(lambda x, m=matrix: _yiq_map(x, m, None))
    return members


def _tone_members(text: str, args: list[str]) -> list[MemberFn]:
    count = _int(args, 0, text, "K")
    beta = _float(args, 1, text, "beta", None, 0.0, 1.0)
    c = _float(args, 2, text, "c", 1.0, 0.05, 1.0)
    members = []
    for i in range(count):
        rng = _generator(text, i)
        matrix = _rotation(360.0 * (i + 0.5) / count, _chroma(rng, c))
        knots = np.concatenate([[0.0], np.sort(rng.uniform(0.0, 1.0, 3)), [1.0]])
        if rng.random() < 0.5:  # half the members reverse the tone scale
            knots = 1.0 - knots
        curve = torch.tensor(np.linspace(0, 1, 5) + beta * (knots - np.linspace(0, 1, 5)))
        members.append(lambda x, m=matrix, k=curve: _yiq_map(x, m, k))
    return members


def _style_ids(text: str, token: str) -> list[int]:
    from benchmark.pairs.styles import parse_style_bank

    try:
        return list(parse_style_bank(token))
    except BenchmarkError as error:
        raise BenchmarkError(f"appearance bank {text!r}: {error}") from None


def _styles_members(text: str, args: list[str]) -> list[MemberFn]:
    from benchmark.pairs.styles import get_style

    if len(args) != 1:
        raise BenchmarkError(f"appearance bank {text!r}: write styles:<ids>, e.g. styles:0,1,2,3")
    return [get_style(k) for k in _style_ids(text, args[0])]


def _blend_members(text: str, args: list[str]) -> list[MemberFn]:
    from benchmark.pairs.styles import get_style

    if len(args) != 2:
        raise BenchmarkError(f"appearance bank {text!r}: write blend:<ids>:<alpha>, e.g. blend:0,1:0.5")
    alpha = _float(args, 1, text, "alpha", None, 0.0, 1.0)
    styles = [get_style(k) for k in _style_ids(text, args[0])]
    return [lambda x, s=style: (1 - alpha) * x + alpha * s(x) for style in styles]


def _int(args: list[str], i: int, text: str, name: str) -> int:
    try:
        value = int(args[i])
    except (IndexError, ValueError):
        raise BenchmarkError(f"appearance bank {text!r}: {name} must be an integer >= 2") from None
    if not 2 <= value <= 64:
        raise BenchmarkError(f"appearance bank {text!r}: {name} must be between 2 and 64, got {value}")
    return value


def _float(args: list[str], i: int, text: str, name: str, default: float | None,
           low: float, high: float) -> float:
    if i >= len(args):
        if default is None:
            raise BenchmarkError(f"appearance bank {text!r}: missing {name}")
        return default
    try:
        value = float(args[i])
    except ValueError:
        raise BenchmarkError(f"appearance bank {text!r}: {name} must be a number, got {args[i]!r}") from None
    if not low <= value <= high:
        raise BenchmarkError(f"appearance bank {text!r}: {name} must be in [{low:g}, {high:g}], got {value:g}")
    return value


FAMILIES: Registry[Callable[[str, list[str]], list[MemberFn]]] = Registry("appearance family")
FAMILIES.register("styles", _styles_members)
FAMILIES.register("hue", _hue_members)
FAMILIES.register("tone", _tone_members)
FAMILIES.register("blend", _blend_members)
FAMILIES.register("neural", "benchmark.pairs.neural_styles:neural_members")


@dataclass
class AppearanceBank:
    """A parsed bank: its canonical ``text`` and its members (see the module docstring)."""

    text: str
    members: list[MemberFn] = field(repr=False)

    def __len__(self) -> int:
        return len(self.members)

    def apply(self, clip: torch.Tensor, member: int) -> torch.Tensor:
        """Float clips ``(T, 3, H, W)`` or ``(B, T, 3, H, W)`` in [0, 1] shown in appearance
        ``member`` (every clip on its own: a member with per-clip statistics takes them per clip)."""
        with torch.no_grad():
            return self.members[member](clip.float()).clamp(0, 1).to(clip.dtype)

    def render(self, frames, member: int):
        """uint8 frames ``(T, H, W, 3)`` or ``(B, T, H, W, 3)`` (numpy, or torch on any
        device) in appearance ``member``; the input's type, shape and device."""
        tensor = torch.from_numpy(np.ascontiguousarray(frames)) if isinstance(frames, np.ndarray) else frames
        x = tensor.movedim(-1, -3).float().div_(255.0)
        out = self.apply(x, member).mul_(255.0).round_().to(torch.uint8).movedim(-3, -1).contiguous()
        return out.numpy() if isinstance(frames, np.ndarray) else out


@functools.lru_cache(maxsize=32)
def parse_appearance_bank(text: str) -> AppearanceBank:
    """The bank ``family:arguments`` (see the module docstring; style ids or names alone,
    ``0,1,2``, mean ``styles:0,1,2``); a bad text is a :class:`BenchmarkError` naming what
    to write.  Banks are cached by text: parse once, render in every batch."""
    family, _, rest = text.partition(":")
    if family not in FAMILIES and not rest:
        family, rest = "styles", text
    if family not in FAMILIES:
        raise BenchmarkError(f"appearance bank {text!r}: unknown family {family!r} "
                             f"(known: {', '.join(FAMILIES.names())})")
    members = FAMILIES.get(family)(text, rest.split(":") if rest else [])
    if len(members) < 2:
        raise BenchmarkError(f"appearance bank {text!r}: a dynamic pair needs at least 2 members")
    return AppearanceBank(text, members)
