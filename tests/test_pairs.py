"""Pairs share exactly one factor (METHOD.md §1)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from benchmark.api.model_spec import InputSpec
from benchmark.api.tasks import get_task, task_names
from benchmark.api.transforms import clips_to_input, frame_permutation, temporal_subsample
from benchmark.errors import BenchmarkError
from benchmark.measure.factors import DYNAMIC, STATIC
from benchmark.pairs.batch import render_pairs
from benchmark.pairs.protocols import (
    StylizedPairs,
    TruePairs,
    parse_protocol,
    plan_pairs,
    style_frames,
)
from tasks.synthetic.source import WorldSource

AR = get_task("action_recognition")


def test_pair_plan_is_deterministic_and_balanced():
    plan = plan_pairs(2000, 300, seed=3)
    assert plan == plan_pairs(2000, 300, seed=3)
    assert plan != plan_pairs(2000, 300, seed=4)
    assert [p.pair_id for p in plan] == list(range(2000))
    assert 0.45 < np.mean([p.factor for p in plan]) < 0.55
    first_pass = [p.item for p in plan[:300]]
    assert sorted(first_pass) == list(range(300))  # every item used before any repeats


def test_frame_permutation_is_never_the_identity():
    rng = np.random.default_rng(0)
    for _ in range(200):
        perm = frame_permutation(2, rng)
        assert sorted(perm) == [0, 1] and list(perm) != [0, 1]


class StubSource:
    name = "stub"

    def __init__(self):
        rng = np.random.default_rng(0)
        self.clips = [rng.integers(0, 255, (8, 16, 16, 3), dtype=np.uint8) for _ in range(3)]

    def clip(self, index):
        return self.clips[index]

    def clip_id(self, index):
        return f"stub/{index}"


@pytest.mark.parametrize("factor", [DYNAMIC, STATIC])
def test_stylized_pairs(factor):
    """The protocol cuts the clip to the model's frames and names two styles (different
    for a dynamic pair, equal for a static one); rendering styles them."""
    protocol = StylizedPairs(AR, None, InputSpec(frames=4, size=16))
    plan = [p for p in plan_pairs(40, 3, seed=0) if p.factor == factor]
    for spec in plan[:5]:
        pending = protocol(StubSource(), spec)
        seen = temporal_subsample(StubSource().clip(spec.item), 4)
        assert np.array_equal(pending.a, seen) and np.array_equal(pending.b, seen)
        [pair] = render_pairs(AR, [pending], "cpu")
        assert pair.a.shape == pair.b.shape == (4, 16, 16, 3) and pair.styles is None
        style_a, style_b = pending.styles
        assert np.array_equal(pair.a, style_frames(seen, style_a))
        if factor == DYNAMIC:  # same frames, same order, two different styles
            assert pair.shuffle_b is None and style_a != style_b
            assert not np.array_equal(pair.a, pair.b)
        else:  # the same styled frames; the second clip's order is permuted later
            assert pair.shuffle_b is not None and style_a == style_b
            assert np.array_equal(pair.a, pair.b)


def test_shuffle_applies_after_subsampling_independently_per_pathway():
    clip = np.arange(16, dtype=np.uint8).reshape(16, 1, 1, 1).repeat(4, 1).repeat(4, 2).repeat(3, 3)
    spec = InputSpec(frames=16, size=4, mean=(0, 0, 0), std=(1 / 255, 1 / 255, 1 / 255), pathways=[4, 1])
    slow, fast = clips_to_input([clip, clip], spec, [None, 7])
    frame_values = lambda x: x[1, 0, :, 0, 0].round().int().tolist()  # noqa: E731
    assert frame_values(slow) != [0, 4, 8, 12] and sorted(frame_values(slow)) == [0, 4, 8, 12]
    assert frame_values(fast) != list(range(16)) and sorted(frame_values(fast)) == list(range(16))
    assert slow[0, 0, :, 0, 0].round().int().tolist() == [0, 4, 8, 12]  # unshuffled clip intact


def test_true_pairs_share_exactly_one_factor():
    source = WorldSource("synthetic-motion", "val")
    world = source.world
    spec = source.spec(0)
    dynamic = world.with_new_appearance(spec, 11)
    static = world.with_new_dynamics(spec, 11)
    assert dynamic.dynamics_seed == spec.dynamics_seed and dynamic.appearance_seed != spec.appearance_seed
    assert static.appearance_seed == spec.appearance_seed and static.dynamics_seed != spec.dynamics_seed
    a, b = source.true_pair(0, DYNAMIC, 11)
    assert np.array_equal(a, world.render(spec)) and np.array_equal(b, world.render(dynamic))


def test_true_protocol_refuses_real_data():
    with pytest.raises(Exception, match="stylize"):
        TruePairs(AR, None)(StubSource(), plan_pairs(1, 1, 0)[0])


def test_protocols_by_name():
    assert isinstance(parse_protocol("true", AR), TruePairs)
    assert isinstance(parse_protocol("stylize", AR), StylizedPairs)
    with pytest.raises(BenchmarkError, match="unknown protocol 'nonsense'"):
        parse_protocol("nonsense", AR)
    assert torch.is_tensor(clips_to_input([StubSource().clip(0)], InputSpec(frames=4, size=8)))


@pytest.mark.parametrize("task", task_names())
def test_one_grammar_for_every_task(task):
    """``stylize:<ids or names>`` chooses the style bank for every task; a bad id, a
    one-style bank or an argument to ``true`` fails when parsed, before anything runs."""
    adapter = get_task(task)
    assert parse_protocol("stylize:0,1", adapter).styles == (0, 1)
    assert parse_protocol("stylize:randconv,sketch", adapter).styles == (0, 3)
    assert parse_protocol("stylize:0,1", adapter).text == "stylize:0,1"
    with pytest.raises(BenchmarkError, match="unknown style '99'"):
        parse_protocol("stylize:99", adapter)
    with pytest.raises(BenchmarkError, match="at least 2 different styles"):
        parse_protocol("stylize:1,1", adapter)
    with pytest.raises(BenchmarkError, match="takes no argument"):
        parse_protocol("true:x", adapter)
    with pytest.raises(BenchmarkError, match="style_<k>"):
        parse_protocol("prestylized", adapter)
