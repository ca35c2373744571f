"""Appearance banks (benchmark/appearance.py): what each member changes and keeps."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from benchmark.errors import BenchmarkError
from benchmark.pairs.appearance import parse_appearance_bank
from benchmark.pairs.styles import LUMA, style_uint8


def clips(seed: int = 0, shape=(3, 6, 24, 24, 3)) -> torch.Tensor:
    return torch.from_numpy(np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8))


def luma(frames: torch.Tensor) -> torch.Tensor:
    return (frames.double() * torch.tensor(LUMA, dtype=torch.float64)).sum(-1)


def test_a_hue_bank_keeps_luminance_and_changes_colour():
    """Hue rotations in YIQ keep Y: on mid-range colours (nothing clipped) the luminance
    moves by rounding only, while the chroma changes and the members differ."""
    frames = torch.from_numpy(np.random.default_rng(1).integers(90, 166, (4, 16, 16, 3), dtype=np.uint8))
    bank = parse_appearance_bank("hue:4")
    shown = [bank.render(frames, m) for m in range(4)]
    for out in shown:
        assert (luma(out) - luma(frames)).abs().max() < 1.0
        assert (out.int() - frames.int()).abs().float().mean() > 3
    assert not torch.equal(shown[0], shown[2])


def test_a_hue_rotation_by_a_half_turn_is_a_chroma_reflection():
    """Member 1 of ``hue:2`` rotates by 270 degrees and member 0 by 90: their chroma planes
    are reflections of each other (I, Q -> -I, -Q), so their mean is the grey of equal luma."""
    frames = torch.from_numpy(np.random.default_rng(2).integers(100, 156, (2, 8, 8, 3), dtype=np.uint8))
    bank = parse_appearance_bank("hue:2")
    mean = (bank.render(frames, 0).double() + bank.render(frames, 1).double()) / 2
    grey = luma(frames).unsqueeze(-1).expand_as(mean)
    assert (mean - grey).abs().max() < 1.01


def test_a_tone_bank_of_strength_zero_is_its_hue_bank():
    x = clips()
    assert torch.equal(parse_appearance_bank("tone:4:0").render(x, 3), parse_appearance_bank("hue:4").render(x, 3))
    assert not torch.equal(parse_appearance_bank("tone:4:1").render(x, 3), parse_appearance_bank("hue:4").render(x, 3))


def test_members_map_every_frame_alike_so_motion_survives():
    """A member is one per-pixel map applied to every frame: a pattern shifted between two
    frames is still the same pattern shifted (the styled frames differ by the same shift)."""
    rng = np.random.default_rng(3)
    still = rng.integers(0, 256, (32, 40, 3), dtype=np.uint8)
    moving = torch.from_numpy(np.stack([still[:, k:k + 32] for k in range(0, 8, 2)]))
    bank = parse_appearance_bank("tone:4:0.5")
    for member in range(4):
        out = bank.render(moving, member).numpy()
        assert np.array_equal(out[1][:, :-2], out[0][:, 2:])


def test_the_styles_family_is_the_procedural_styles_exactly():
    x = clips()
    bank = parse_appearance_bank("styles:0,1,2,3")
    for member, style in enumerate((0, 1, 2, 3)):
        assert torch.equal(bank.render(x, member), style_uint8(x, style))
    assert parse_appearance_bank("0,3").text == "0,3" and len(parse_appearance_bank("0,3")) == 2


@pytest.mark.parametrize("text", ["hue:4", "tone:4:0.5", "blend:0,1:0.5", "styles:0,2"])
def test_a_batch_renders_as_each_clip_alone(text):
    x = clips(4)
    bank = parse_appearance_bank(text)
    together = bank.render(x, 1)
    for k in range(len(x)):
        alone = bank.render(x[k], 1)
        assert (together[k].int() - alone.int()).abs().max() <= 1


def test_numpy_in_numpy_out_and_members_are_deterministic():
    x = clips(5).numpy()[0]
    out = parse_appearance_bank("tone:4:0.5").render(x, 2)
    assert isinstance(out, np.ndarray) and out.dtype == np.uint8 and out.shape == x.shape
    parse_appearance_bank.cache_clear()
    assert np.array_equal(out, parse_appearance_bank("tone:4:0.5").render(x, 2))


@pytest.mark.parametrize("text, message", [
    ("glitter:3", "unknown family 'glitter'"),
    ("hue:1", "between 2 and 64"),
    ("hue:x", "must be an integer"),
    ("tone:4", "missing beta"),
    ("tone:4:2", "beta must be in"),
    ("hue:4:0", "c must be in"),
    ("blend:0,1", "write blend"),
    ("styles:0,99", "unknown style '99'"),
])
def test_a_bad_bank_is_one_clear_error(text, message):
    with pytest.raises(BenchmarkError, match=message) as error:
        parse_appearance_bank(text)
    assert text in str(error.value)
