"""The two-stream AVOS family: options, output shape, probe-able stage names, pairs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from benchmark.api.model_spec import InputSpec
from benchmark.measure.factors import DYNAMIC, STATIC
from benchmark.measure.probe import LayerProbe
from benchmark.pairs.batch import render_pairs
from benchmark.pairs.protocols import PairSpec, parse_protocol
from tasks.avos.adapter import AvosTask
from tasks.avos.datasets import SyntheticAvosSource
from tasks.avos.models import CROSS_CONNECTIONS, FUSIONS, TwoStreamAvos

SMALL = (4, 8, 8)
SPEC = InputSpec(frames=1, size=32, mean=(0.5, 0.5, 0.5), std=(0.25, 0.25, 0.25))


def inputs(batch: int = 2, size: int = 32) -> list[torch.Tensor]:
    torch.manual_seed(0)
    return [torch.randn(batch, 3, size, size), torch.randn(batch, 3, size, size)]


@pytest.mark.parametrize("fusion", FUSIONS)
@pytest.mark.parametrize("cross,gated", [("none", False), ("unidirectional", False),
                                         ("unidirectional", True), ("reciprocal", True)])
def test_every_configuration_predicts_one_logit_per_pixel(cross, gated, fusion):
    model = TwoStreamAvos(cross=cross, gated=gated, fusion=fusion, widths=SMALL).eval()
    with torch.no_grad():
        assert model(inputs()).shape == (2, 1, 32, 32)


def test_stage_modules_are_addressable_by_the_probe():
    model = TwoStreamAvos(cross="reciprocal", gated=True, fusion="gated", widths=SMALL).eval()
    layers = {f"{s}.stage{k}": f"{s}.stage{k}" for s in ("appearance", "motion", "fusion") for k in (1, 2, 3)}
    with torch.no_grad(), LayerProbe(model, layers) as probe:
        model(inputs(batch=3))
        features = probe.pop(batch_size=3)
    assert features["fusion.stage3"].shape == (3, 8)
    assert features["appearance.stage1"].shape == (3, 4)


def test_cross_connections_carry_motion_into_appearance():
    x = inputs()
    changed = [x[0], x[1] + 1.0]  # new motion input, same RGB
    for cross, carries in [("none", False), ("unidirectional", True), ("reciprocal", True)]:
        model = TwoStreamAvos(cross=cross, widths=SMALL).eval()
        layers = {"a2": "appearance.stage2"}
        with torch.no_grad(), LayerProbe(model, layers) as probe:
            model(x)
            before = probe.pop(2)["a2"]
            model(changed)
            after = probe.pop(2)["a2"]
        assert (not torch.allclose(before, after)) == carries, cross


def test_bad_options_are_refused():
    with pytest.raises(ValueError, match="cross"):
        TwoStreamAvos(cross="sideways")
    with pytest.raises(ValueError, match="fusion"):
        TwoStreamAvos(fusion="sum")
    with pytest.raises(ValueError, match="gated"):
        TwoStreamAvos(cross="none", gated=True)
    assert set(CROSS_CONNECTIONS) == {"none", "unidirectional", "reciprocal"}


@pytest.fixture
def source() -> SyntheticAvosSource:
    return SyntheticAvosSource("synthetic-avos", "val", limit=2, frames=4, size=48, input_size=32)


def test_true_pairs_come_at_the_input_size(source):
    pair = parse_protocol("true", AvosTask())(source, PairSpec(pair_id=0, factor=DYNAMIC, item=1, seed=3))
    assert pair.a.rgb.shape == pair.b.rgb.shape == (32, 32, 3) and pair.shuffle_b is None


def test_stylized_dynamic_pairs_share_the_flow_and_static_pairs_share_the_frame(source):
    task = AvosTask()
    protocol = parse_protocol("stylize:0,1", task, SPEC)
    [dynamic, static] = render_pairs(task, [protocol(source, PairSpec(0, DYNAMIC, 1, seed=11)),
                                            protocol(source, PairSpec(1, STATIC, 1, seed=11))], "cpu")
    assert np.array_equal(dynamic.a.flow, dynamic.b.flow)
    assert not np.array_equal(dynamic.a.rgb, dynamic.b.rgb)
    assert not np.array_equal(dynamic.a.rgb, source.clip(1).rgb)  # styled
    assert np.array_equal(static.a.rgb, static.b.rgb)
    assert not np.array_equal(static.a.flow, static.b.flow) and static.shuffle_b is None


def test_adapter_builds_the_model_input_from_pair_samples(source):
    task = AvosTask()
    assert task.spec.dataset("synthetic-avos").default_protocol == "true"
    assert task.spec.dataset("davis2016").default_protocol == "stylize"
    pair = parse_protocol("true", task)(source, PairSpec(0, STATIC, 0, seed=5))
    x = task.model_input([pair.a, pair.b], SPEC, [None, None])
    assert isinstance(x, list) and [t.shape for t in x] == [(2, 3, 32, 32)] * 2
