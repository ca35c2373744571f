"""Optical flow, its colour coding, the static-pair jitter and the on-disk cache."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tasks.avos.flow import FlowCache, FlowParams, cached_flow, compute_flow, read_flow_image
from tasks.avos.flow_colour import colour_wheel, flow_to_colour, jitter_flow_image, sample_jitter
from tests.fixtures.avos_datasets import sequence_frames


def uniform_flow(u: float, v: float, shape=(4, 4)) -> np.ndarray:
    flow = np.zeros((*shape, 2), np.float32)
    flow[..., 0], flow[..., 1] = u, v
    return flow


def hue_degrees(rgb: np.ndarray) -> float:
    hsv = cv2.cvtColor(rgb.reshape(1, 1, 3).astype(np.float32) / 255.0, cv2.COLOR_RGB2HSV)
    return float(hsv[0, 0, 0])


def test_the_wheel_has_the_55_middlebury_colours():
    wheel = colour_wheel()
    assert wheel.shape == (55, 3)
    assert np.allclose(wheel[0], [1, 0, 0])  # starts at red
    assert np.allclose(wheel[15], [1, 1, 0])  # yellow after 15 steps


def test_zero_flow_is_white():
    assert (flow_to_colour(uniform_flow(0, 0)) == 255).all()


@pytest.mark.parametrize(
    ("u", "v", "low", "high"),
    [(1, 0, -1, 1), (0, 1, 40, 70), (-1, 0, 170, 210), (0, -1, 240, 280)],
    ids=["right-red", "down-yellow", "left-cyan", "up-violet"],
)
def test_direction_maps_to_hue(u, v, low, high):
    image = flow_to_colour(uniform_flow(u, v), max_radius=1.0)
    hue = hue_degrees(image[0, 0])
    assert low <= hue <= high or low <= hue - 360 <= high


def test_magnitude_maps_to_saturation():
    flow = uniform_flow(1, 0)
    flow[0, 0] = (4, 0)  # the longest vector sets the scale: fully saturated
    image = flow_to_colour(flow)
    assert tuple(image[0, 0]) == (255, 0, 0)
    assert image[1, 1, 1] > 150  # a quarter of the length: pale red


def test_jitter_rotates_hue_scales_saturation_and_keeps_white():
    image = flow_to_colour(uniform_flow(1, 0), max_radius=1.0)
    image[0, 0] = 255
    jittered = jitter_flow_image(image, hue_shift=0.5, saturation_factor=1.0)
    assert 170 <= hue_degrees(jittered[1, 1]) <= 190  # red -> cyan
    assert (jittered[0, 0] == 255).all()
    faded = jitter_flow_image(image, hue_shift=0.0, saturation_factor=0.1)
    assert faded[1, 1].min() > 200
    hue, saturation = sample_jitter(np.random.default_rng(0))
    assert 0.1 <= hue <= 0.5 and 0.1 <= saturation <= 1.0


def test_farneback_sees_a_square_moving_right():
    video, masks = sequence_frames(2, (48, 64), seed=0)
    flow = compute_flow(video[0], video[1])
    assert flow.shape == (48, 64, 2)
    assert flow[masks[0]][:, 0].mean() > 1.0  # moves right by 3 px
    assert np.abs(flow[~masks[0] & ~masks[1]]).mean() < 0.3
    assert compute_flow(video[0], video[1], FlowParams(method="dis")).shape == (48, 64, 2)
    assert compute_flow(video[0], video[1], FlowParams(max_side=32)).shape == (24, 32, 2)


def test_cache_misses_then_hits_and_keys_on_parameters(tmp_path):
    video, _ = sequence_frames(2, (48, 64), seed=0)
    cache = FlowCache(tmp_path)
    calls = []

    def frames():
        calls.append(1)
        return video[0], video[1]

    first = cached_flow(cache, "seq-a", 0, FlowParams(), frames)
    again = cached_flow(cache, "seq-a", 0, FlowParams(), frames)
    assert (cache.misses, cache.hits, len(calls)) == (1, 1, 1)
    assert np.allclose(first, again, atol=1e-2)  # stored as float16
    cached_flow(cache, "seq-a", 1, FlowParams(), frames)  # another frame
    cached_flow(cache, "seq-b", 0, FlowParams(), frames)  # another video
    cached_flow(cache, "seq-a", 0, FlowParams(winsize=15), frames)  # other parameters
    assert len(calls) == 4 and len(list(tmp_path.rglob("*.npz"))) == 4


def test_precomputed_flow_images_are_read_and_missing_ones_named(tmp_path):
    image = flow_to_colour(uniform_flow(1, 0, (8, 8)), max_radius=1.0)
    (tmp_path / "seq").mkdir()
    cv2.imwrite(str(tmp_path / "seq" / "00000.png"), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    assert (read_flow_image(tmp_path, "seq", "00000") == image).all()
    with pytest.raises(Exception, match="00001.png"):
        read_flow_image(tmp_path, "seq", "00001")
