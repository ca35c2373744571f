"""A batch of pairs to the model input: styles rendered a batch at a time on the model's
device give the pixels of styling each clip alone, whatever the batch (docs/METHOD.md §1
"Styles"), and the model input of the harness equals the one built clip by clip."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from benchmark.api.model_spec import InputSpec
from benchmark.api.tasks import get_task
from benchmark.api.transforms import temporal_subsample
from benchmark.measure.factors import STATIC
from benchmark.pairs.batch import pair_input, render_pairs, upload
from benchmark.pairs.protocols import parse_protocol, plan_pairs, style_frames

AR = get_task("action_recognition")
SPEC = InputSpec(frames=4, size=24)
#: Float rounding of batched kernels may move a styled uint8 pixel by one level; measured:
#: none on the CPU for clips of 4 x 48 x 48 and more, a few in 10^5 for tiny 1-frame clips.
MAX_LEVELS, MAX_SHARE = 1, 1e-4

pytestmark = pytest.mark.usefixtures("one_torch_thread")


class Clips:
    """A source of random 8-frame clips (more frames than the model sees)."""

    name = "clips"

    def __init__(self, count: int = 5, size: int = 48):
        rng = np.random.default_rng(1)
        self.clips = [rng.integers(0, 256, (8, size, size, 3), dtype=np.uint8) for _ in range(count)]

    def __len__(self):
        return len(self.clips)

    def clip(self, index):
        return self.clips[index]

    def clip_id(self, index):
        return f"clips/{index}"


def pending_pairs(count: int = 12, bank: str = "stylize"):
    source = Clips()
    protocol = parse_protocol(bank, AR, SPEC)
    plan = plan_pairs(count, len(source), seed=4)
    return source, plan, [protocol(source, spec) for spec in plan]


def assert_same_pixels(got, expected) -> None:
    got = np.asarray(torch.as_tensor(got).cpu(), dtype=np.int16)
    expected = np.asarray(expected, dtype=np.int16)
    assert got.shape == expected.shape
    differ = got != expected
    assert np.abs(got - expected).max(initial=0) <= MAX_LEVELS
    assert differ.mean() <= MAX_SHARE, f"{differ.sum()} of {differ.size} pixels differ"


def test_only_the_frames_the_model_sees_leave_the_worker_with_their_style_ids():
    source, plan, pairs = pending_pairs()
    for spec, pair in zip(plan, pairs, strict=True):
        assert np.array_equal(pair.a, temporal_subsample(source.clip(spec.item), SPEC.frames))
        assert pair.styles is not None and (pair.styles[0] == pair.styles[1]) == (spec.factor == STATIC)


def test_a_batch_is_styled_as_each_clip_alone():
    """The pixels of the batched renderer equal styling each clip on its own (the old
    per-pair path, on the frames the model sees)."""
    source, plan, pending = pending_pairs()
    rendered = render_pairs(AR, pending, "cpu")
    for spec, before, after in zip(plan, pending, rendered, strict=True):
        seen = temporal_subsample(source.clip(spec.item), SPEC.frames)
        assert_same_pixels(after.a, style_frames(seen, before.styles[0]))
        assert_same_pixels(after.b, style_frames(seen, before.styles[1]))
        assert after.shuffle_b == before.shuffle_b and after.styles is None


def test_styles_do_not_depend_on_the_batch():
    _, _, pending = pending_pairs(16)
    whole = render_pairs(AR, pending, "cpu")
    for size in (1, 5):
        parts = [pair for first in range(0, len(pending), size)
                 for pair in render_pairs(AR, pending[first:first + size], "cpu")]
        for one, other in zip(whole, parts, strict=True):
            assert_same_pixels(one.a, np.asarray(other.a))
            assert_same_pixels(one.b, np.asarray(other.b))


def test_the_harness_model_input_equals_the_clip_by_clip_input():
    source, plan, pending = pending_pairs()
    x = pair_input(AR, pending, SPEC, "cpu")
    firsts = [style_frames(temporal_subsample(source.clip(s.item), 4), p.styles[0]) for s, p in zip(plan, pending, strict=True)]
    seconds = [style_frames(temporal_subsample(source.clip(s.item), 4), p.styles[1]) for s, p in zip(plan, pending, strict=True)]
    expected = AR.model_input(firsts + seconds, SPEC, [None] * len(plan) + [p.shuffle_b for p in pending])
    assert x.shape == expected.shape == (2 * len(plan), 3, 4, 24, 24)
    # one uint8 level is 1/(255 * 0.225) after normalisation; resizing averages it down
    assert (x - expected).abs().max() <= 1 / (255 * 0.225) + 1e-5


def test_pairs_without_styles_stay_as_they_are_on_the_cpu():
    source, plan, _ = pending_pairs()
    true_like = [parse_protocol("stylize", AR, SPEC)(source, spec) for spec in plan]
    unstyled = [type(p)(p.a, p.b, p.shuffle_b) for p in true_like]
    assert all(a is b for a, b in zip(render_pairs(AR, unstyled, "cpu"), unstyled, strict=True))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_styles_render_on_the_gpu_like_on_the_cpu():
    _, _, pending = pending_pairs()
    on_cpu = render_pairs(AR, pending, "cpu")
    on_gpu = render_pairs(AR, pending, "cuda")
    assert all(p.a.device.type == "cuda" and p.b.device.type == "cuda" for p in on_gpu)
    for cpu, gpu in zip(on_cpu, on_gpu, strict=True):
        assert_same_pixels(gpu.a, np.asarray(cpu.a))
        assert_same_pixels(gpu.b, np.asarray(cpu.b))
    x = pair_input(AR, pending, SPEC, "cuda")
    assert x.device.type == "cuda"
    assert (x.cpu() - pair_input(AR, pending, SPEC, "cpu")).abs().max() <= 1 / (255 * 0.225) + 1e-4
    frames = torch.zeros(2, 4, 8, 8, 3, dtype=torch.uint8)
    assert torch.equal(upload(frames, torch.device("cuda")).cpu(), frames)


@pytest.mark.benchmark(group="styles")
def test_batched_styles_throughput(benchmark):
    """Pairs/s of rendering a batch of 16 pending stylize pairs (4 x 48 x 48 frames) on the
    CPU. Runs once in the default test run; to measure:
    ``pytest tests/test_pair_batch.py -k throughput --benchmark-enable``."""
    _, _, pending = pending_pairs(16)
    rendered = benchmark.pedantic(render_pairs, args=(AR, pending, "cpu"), rounds=20, warmup_rounds=2)
    if benchmark.enabled:
        benchmark.extra_info["pairs_per_s"] = round(len(pending) / benchmark.stats.stats.median)
    assert len(rendered) == len(pending) and all(p.styles is None for p in rendered)
