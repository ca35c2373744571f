"""StaticDropout (docs/METHOD.md §6): exactly the selected channels, only in training, with
inverted scaling; the selection comes from the unit analysis and is re-estimated."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from safetensors import safe_open
from torch import nn

from benchmark.api.model_spec import InputSpec
from benchmark.api.tasks import get_task
from benchmark.errors import BenchmarkError
from benchmark.hashing import sha256_file
from benchmark.measure.estimator import UnitScores
from tasks.action_recognition import static_dropout as sd
from tasks.action_recognition.sources import WorldSource
from tasks.action_recognition.static_dropout import (
    StaticDropout,
    StaticDropoutConfig,
    StaticDropoutSchedule,
    analyse_units,
    select_units,
)
from tasks.action_recognition.train import TrainConfig, train
from tests.conftest import write_tiny_submission


class TwoLayers(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.Conv3d(3, 6, 1)
        self.head = nn.Linear(6, 2)

    def forward(self, x):
        return self.head(self.layer(x).mean(dim=(2, 3, 4)))


def dropped_output(model: TwoLayers, dropout: StaticDropout, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The layer's output without and with the dropout hook (same input)."""
    captured = {}
    with torch.no_grad():
        plain = model.layer(x)
        with dropout:  # the capturing hook runs after the dropout hook
            handle = model.layer.register_forward_hook(lambda m, i, o: captured.__setitem__("out", o))
            model(x)
            handle.remove()
    return plain, captured["out"]


@pytest.mark.parametrize("p", [0.5, 0.75])
def test_train_mode_drops_exactly_the_selected_channels_with_inverted_scaling(p):
    torch.manual_seed(0)
    model = TwoLayers().train()
    dropout = StaticDropout(model.layer, p=p)
    selected = torch.tensor([False, True, False, False, True, False])
    dropout.select(selected)
    x = torch.randn(4000, 3, 2, 2, 2) + 3.0  # no exact zeros in the plain output
    plain, out = dropped_output(model, dropout, x)

    assert torch.equal(out[:, ~selected], plain[:, ~selected])  # the rest untouched
    ratio = out[:, selected] / plain[:, selected]  # (N, 2, T, H, W)
    per_channel = ratio.flatten(2)
    # one decision per (sample, channel): the same factor over all positions
    assert torch.allclose(per_channel, per_channel[..., :1].expand_as(per_channel), atol=1e-5)
    factors = per_channel[..., 0]
    kept = factors != 0
    assert torch.allclose(factors[kept], torch.full_like(factors[kept], 1 / (1 - p)), atol=1e-5)
    assert abs(1 - kept.float().mean().item() - p) < 0.03  # dropped with probability p
    # inverted dropout keeps the expected activation
    assert abs(out[:, selected].mean().item() / plain[:, selected].mean().item() - 1) < 0.05


def test_eval_mode_drops_nothing():
    model = TwoLayers().eval()
    dropout = StaticDropout(model.layer, p=0.9)
    dropout.select(torch.ones(6, dtype=torch.bool))
    x = torch.randn(8, 3, 2, 2, 2)
    plain, out = dropped_output(model, dropout, x)
    assert torch.equal(plain, out)


def test_without_a_selection_or_with_p_zero_nothing_is_dropped():
    model = TwoLayers().train()
    x = torch.randn(8, 3, 2, 2, 2)
    plain, out = dropped_output(model, StaticDropout(model.layer, p=0.5), x)
    assert torch.equal(plain, out)
    dropout = StaticDropout(model.layer, p=0.0)
    dropout.select(torch.ones(6, dtype=torch.bool))
    plain, out = dropped_output(model, dropout, x)
    assert torch.equal(plain, out)


def test_the_hook_is_removed_on_exit():
    model = TwoLayers().train()
    dropout = StaticDropout(model.layer, p=0.9)
    dropout.select(torch.ones(6, dtype=torch.bool))
    with dropout:
        pass
    x = torch.randn(4, 3, 2, 2, 2)
    torch.manual_seed(1)
    assert torch.equal(model(x), model(x))


def test_a_selection_of_the_wrong_width_is_a_clear_error():
    model = TwoLayers().train()
    dropout = StaticDropout(model.layer, p=0.5)
    dropout.select(torch.ones(5, dtype=torch.bool))
    with dropout, pytest.raises(BenchmarkError, match="covers 5 channels, but the layer outputs 6"):
        model(torch.randn(2, 3, 2, 2, 2))


def test_selection_rules():
    units = UnitScores(dynamic=np.array([0.9, 0.9, 0.1, 0.1, 0.2]), static=np.array([0.9, 0.1, 0.9, 0.1, 0.6]),
                       classes=np.zeros(5, dtype=np.int64))
    assert select_units(units, "static", 0.5).tolist() == [False, False, True, False, True]
    assert select_units(units, "static-or-joint", 0.5).tolist() == [True, False, True, False, True]
    assert select_units(units, "margin", 0.5).tolist() == [False, False, True, False, False]
    assert select_units(units, "static", 0.7).tolist() == [False, False, True, False, False]
    # the 40 % most static by u_stat - u_dyn (0.8 and 0.4)
    assert select_units(units, "most-static", 0.4).tolist() == [False, False, True, False, True]
    with pytest.raises(BenchmarkError, match="Unknown selection rule 'nope'"):
        select_units(units, "nope")


def test_config_is_checked():
    with pytest.raises(BenchmarkError, match="p must be in"):
        StaticDropoutConfig("res5", p=1.0)
    with pytest.raises(BenchmarkError, match="unknown rule"):
        StaticDropoutConfig("res5", rule="all")
    config = StaticDropoutConfig("res5", start=2, every=3)
    assert [e for e in range(10) if config.analyses_at(e)] == [2, 5, 8]


class ColourAndNoise(nn.Module):
    """``features``: the clip's mean colour (3 static channels: a true static pair keeps
    the appearance) and one constant channel (neither)."""

    def __init__(self):
        super().__init__()
        self.features = nn.Identity()
        self.head = nn.Linear(4, 2)

    def forward(self, x):
        colour = x.mean(dim=(2, 3, 4))
        return self.head(self.features(torch.cat([colour, torch.zeros_like(colour[:, :1])], 1)))


def test_unit_analysis_on_training_pairs_selects_the_static_channels(one_torch_thread):
    model = ColourAndNoise().train()
    task = get_task("action_recognition")
    source = WorldSource("synthetic-motion", "train", limit=40)
    units = analyse_units(model, "features", task, source, InputSpec(frames=4, size=32), pairs=32, seed=0)
    assert model.training  # back in the mode it was in
    assert (units.static[:3] > 0.9).all() and (units.dynamic[:3] < 0.5).all()
    assert select_units(units).tolist() == [True, True, True, False]


def test_reestimation_every_k_epochs_updates_the_selection(monkeypatch):
    model = TwoLayers().train()
    masks = iter([np.array([1, 0, 0, 0, 0, 0], bool), np.array([0, 0, 1, 1, 0, 0], bool)])
    calls = []

    def fake_analysis(model, layer, *args, **kwargs):
        calls.append((layer, kwargs["seed"]))
        static = next(masks).astype(float)
        return UnitScores(dynamic=np.zeros(6), static=static, classes=np.zeros(6, dtype=np.int64))

    monkeypatch.setattr(sd, "analyse_units", fake_analysis)
    config = StaticDropoutConfig("layer", p=0.5, start=1, every=2)
    schedule = StaticDropoutSchedule(config, model, task=None, source=None, input=None, seed=3)
    assert schedule.on_epoch_start(0) is None and schedule.dropout.selected is None
    assert schedule.on_epoch_start(1)["selected"] == 1
    assert schedule.dropout.selected.tolist() == [True, False, False, False, False, False]
    assert schedule.on_epoch_start(2) is None
    assert schedule.on_epoch_start(3)["selected"] == 2
    assert schedule.dropout.selected.tolist() == [False, False, True, True, False, False]
    assert [seed for _, seed in calls] == [3001, 3003]  # a fresh pair sample per analysis
    x = torch.randn(2000, 3, 1, 1, 1) + 3.0
    plain, out = dropped_output(model, schedule.dropout, x)
    zeroed = (out == 0).flatten(2).all(-1).float().mean(0)
    assert zeroed[[0, 1, 4, 5]].tolist() == [0, 0, 0, 0] and (zeroed[[2, 3]] > 0.4).all()


def test_training_records_static_dropout_and_saves_checkpoints(tmp_path, one_torch_thread):
    folder = write_tiny_submission(tmp_path, "trained")
    config = TrainConfig("c3d", "synthetic-motion", epochs=2, batch_size=8, lr=1e-3, seed=0, train_clips=16,
                         widths=(2, 2, 4, 4),
                         static_dropout=StaticDropoutConfig("res5", p=0.5, start=0, every=1, pairs=8))
    record = train(config, folder, checkpoint_dir=tmp_path / "checkpoints", checkpoint_every=3)
    assert [entry["epoch"] for entry in record["static_dropout"]] == [0, 1]
    assert record["checkpoints"] == ["step-000000.safetensors", "step-000003.safetensors", "step-000004.safetensors"]
    sums = dict(reversed(line.split("  ")) for line in (tmp_path / "checkpoints" / "SHA256SUMS").read_text().splitlines())
    for name, digest in sums.items():
        assert sha256_file(tmp_path / "checkpoints" / name) == digest
    weights = folder / "weights.safetensors"
    assert sha256_file(weights) == sums["step-000004.safetensors"]  # the final checkpoint
    assert sha256_file(weights) in (folder / "submission.yaml").read_text()
    with safe_open(str(weights), framework="pt") as handle:
        metadata = handle.metadata()
    assert metadata["step"] == "4" and metadata["total_steps"] == "4"
    recorded = json.loads(metadata["training"])
    assert recorded == config.recorded()
    assert recorded["static_dropout"] == {"layer": "res5", "p": 0.5, "rule": "static", "threshold": 0.5,
                                          "start": 0, "every": 1, "pairs": 8, "protocol": "true"}
    assert "--static-dropout res5 --sd-p 0.5" in config.command(folder)
