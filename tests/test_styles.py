"""Procedural styles: contract (shape, range, determinism, batching, temporal consistency)
and the two properties a dynamic-pair style bank must have (motion kept, appearance
changed), measured on small test clips."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from benchmark.errors import BenchmarkError
from benchmark.pairs import style_quality as Q
from benchmark.pairs import styles as S
from scripts.style_clips import camera_clip, moving_shapes_clip

ALL = S.style_names()
TORCH_NATIVE = [n for n in ALL if S.STYLES.get(n).torch_native]


def _clip(seed: int = 0, frames: int = 4, size: int = 32) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    base = torch.rand(1, 3, size // 4, size // 4, generator=g)
    base = torch.nn.functional.interpolate(base, size=(size, size), mode="bilinear", align_corners=False)
    noise = 0.15 * torch.rand(frames, 3, size, size, generator=g)
    return (0.85 * base + noise).clamp(0, 1)


@pytest.fixture(scope="module")
def clip() -> torch.Tensor:
    return _clip()


@pytest.fixture(scope="module")
def styled(clip: torch.Tensor) -> dict[str, torch.Tensor]:
    return {name: S.apply_style(clip, S.style_id(name)) for name in ALL}


def test_registry_and_ids() -> None:
    assert S.NUM_STYLES == len(ALL) >= 6
    assert sorted(ALL) == S.STYLES.names()
    for k, name in enumerate(ALL):
        assert S.style_id(name) == k and S.get_style(k).name == name and S.get_style(name).id == k
    assert len(S.DEFAULT_STYLES) >= 4 and all(S.get_style(i).torch_native for i in S.DEFAULT_STYLES)
    with pytest.raises(ValueError):
        S.get_style(S.NUM_STYLES)
    with pytest.raises(BenchmarkError, match="Unknown style"):
        S.get_style("no_such_style")


@pytest.mark.parametrize("name", ALL)
def test_shape_dtype_range(name: str, clip: torch.Tensor, styled: dict[str, torch.Tensor]) -> None:
    out = styled[name]
    assert out.shape == clip.shape and out.dtype == clip.dtype and out.device == clip.device
    assert torch.isfinite(out).all() and out.min() >= 0 and out.max() <= 1
    assert out.std() > 0.02, "a style must not flatten the clip"
    out64 = S.apply_style(clip.double(), S.style_id(name))
    assert out64.dtype == torch.float64


@pytest.mark.parametrize("name", ALL)
def test_deterministic_and_independent_of_global_rng(name: str, clip: torch.Tensor, styled: dict[str, torch.Tensor]) -> None:
    torch.manual_seed(12345)
    torch.rand(100)
    state = torch.get_rng_state()
    again = S.apply_style(clip, S.style_id(name))
    assert torch.equal(torch.get_rng_state(), state), "a style must not touch the global RNG"
    torch.testing.assert_close(again, styled[name], atol=0, rtol=0)


def test_different_ids_differ(styled: dict[str, torch.Tensor]) -> None:
    for a, b in itertools.combinations(ALL, 2):
        assert (styled[a] - styled[b]).abs().mean() > 0.02, (a, b)


@pytest.mark.parametrize("name", ALL)
def test_batched_equals_per_clip(name: str) -> None:
    batch = torch.stack([_clip(1), _clip(2)])
    sid = S.style_id(name)
    out = S.apply_style(batch, sid)
    assert out.shape == batch.shape
    for b in range(2):
        torch.testing.assert_close(out[b], S.apply_style(batch[b], sid), atol=1e-5, rtol=0)


@pytest.mark.parametrize("name", ALL)
def test_static_clip_stays_static(name: str, clip: torch.Tensor) -> None:
    static = clip[:1].expand(5, -1, -1, -1).contiguous()
    out = S.apply_style(static, S.style_id(name))
    for t in range(1, 5):
        torch.testing.assert_close(out[t], out[0], atol=1e-6, rtol=0)


@pytest.mark.parametrize("name", ALL)
def test_commutes_with_frame_permutation(name: str, clip: torch.Tensor, styled: dict[str, torch.Tensor]) -> None:
    """Static pairs permute a styled clip's frames: styling must commute with that."""
    perm = torch.tensor([2, 0, 3, 1])
    torch.testing.assert_close(S.apply_style(clip[perm], S.style_id(name)), styled[name][perm], atol=1e-5, rtol=0)


def test_style_bank(clip: torch.Tensor) -> None:
    bank = S.StyleBank(S.DEFAULT_STYLES)
    assert len(bank) == len(S.DEFAULT_STYLES)
    assert bank.names == [ALL[i] for i in S.DEFAULT_STYLES]
    torch.testing.assert_close(bank(clip, 1), S.apply_style(clip, S.DEFAULT_STYLES[1]), atol=0, rtol=0)
    with pytest.raises(ValueError):
        S.StyleBank([])


def test_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match=r"\(T, 3, H, W\)"):
        S.apply_style(torch.rand(4, 1, 8, 8), 0)
    with pytest.raises(ValueError, match="float"):
        S.apply_style(torch.zeros(2, 3, 8, 8, dtype=torch.uint8), 0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
@pytest.mark.parametrize("name", TORCH_NATIVE)
def test_gpu_matches_cpu(name: str, clip: torch.Tensor, styled: dict[str, torch.Tensor]) -> None:
    out = S.apply_style(clip.cuda(), S.style_id(name))
    assert out.device.type == "cuda" and out.shape == clip.shape
    diff = (out.cpu() - styled[name]).abs()  # TF32 convolutions on GPU: close, not equal
    assert diff.mean() < 5e-3 and diff.max() < 0.1


# -- the measures ---------------------------------------------------------------------


def test_measures_on_identities() -> None:
    c = camera_clip(0, frames=3, size=48)
    assert Q.appearance_similarity(c, c) == pytest.approx(1.0)
    assert Q.appearance_similarity(c, 1 - c) == pytest.approx(1.0)  # inversion is not a change
    assert Q.ssim(c, c) == pytest.approx(1.0)
    assert Q.colour_map_r2(c, 0.2 + 0.5 * c[:, [2, 0, 1]]) == pytest.approx(1.0, abs=1e-6)
    g = torch.Generator().manual_seed(0)
    noise = torch.rand(c.shape, generator=g)
    assert Q.appearance_similarity(c, noise) < 0.05 and Q.ssim(c, noise) < 0.1


@pytest.fixture(scope="module")
def moving() -> list[torch.Tensor]:
    return [moving_shapes_clip(0, frames=8, size=96), camera_clip(0, frames=8, size=96)]


def test_test_clips_move(moving: list[torch.Tensor]) -> None:
    for clip in moving:
        assert clip.shape == (8, 3, 96, 96)
        flows = Q.farneback_flows(Q.to_gray_uint8(clip))
        assert np.linalg.norm(flows, axis=-1).mean() > 0.5
        assert Q.motion_preservation(clip, clip) == 0.0


def test_metric_rejects_frozen_and_screen_space_texture(moving: list[torch.Tensor]) -> None:
    """Controls: the motion measure must fail a clip that lost its motion."""
    g = torch.Generator().manual_seed(0)
    for clip in moving:
        frozen = clip[:1].expand_as(clip)
        assert Q.motion_preservation(clip, frozen) > 0.9
        texture = torch.rand(1, 1, 96, 96, generator=g)
        assert Q.motion_preservation(clip, 0.15 * clip + 0.85 * texture) > 0.9


@pytest.mark.parametrize("sid", S.DEFAULT_STYLES)
def test_default_styles_preserve_motion(sid: int, moving: list[torch.Tensor]) -> None:
    for clip in moving:
        assert Q.motion_preservation(clip, S.apply_style(clip, sid)) < Q.MOTION_THRESHOLD


def test_default_styles_change_appearance(moving: list[torch.Tensor]) -> None:
    for clip in moving:
        outs = {sid: S.apply_style(clip[::2], sid) for sid in S.DEFAULT_STYLES}
        for a, b in itertools.combinations(S.DEFAULT_STYLES, 2):
            assert Q.appearance_similarity(outs[a], outs[b]) < Q.APPEARANCE_THRESHOLD, (ALL[a], ALL[b])
            r2 = max(Q.colour_map_r2(outs[a], outs[b]), Q.colour_map_r2(outs[b], outs[a]))
            assert r2 < Q.COLOUR_MAP_THRESHOLD, (ALL[a], ALL[b])


@pytest.mark.benchmark(group="styles")
@pytest.mark.parametrize("sid", S.DEFAULT_STYLES)
def test_benchmark_style_16x112(benchmark, sid: int) -> None:
    clip = torch.rand(16, 3, 112, 112, generator=torch.Generator().manual_seed(0))
    out = benchmark(S.apply_style, clip, sid)
    assert out.shape == clip.shape
