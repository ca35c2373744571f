"""The model zoo (``tasks/action_recognition/zoo.py``, ``submissions/zoo-*``, docs/zoo.md).

Every architecture builds, runs and is probed on the zoo's five layers; every committed
zoo submission loads its weights and is probed on its manifest's input; the temporal
designs do what their names say (frame-only models ignore frame order, the others not).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from benchmark.api.transforms import clips_to_input as model_input
from benchmark.measure.probe import LayerProbe
from benchmark.submission.manifest import load_submission
from benchmark.submission.model import build_model
from tasks.action_recognition.models import ARCHITECTURES
from tasks.action_recognition.zoo import ZOO, TemporalShift
from tests.fixtures.scripts import load_script

ROOT = Path(__file__).resolve().parents[1]
SUBMISSIONS = sorted(p.name for p in (ROOT / "submissions").glob("zoo-*") if (p / "submission.yaml").is_file())
PROBE_NAMES = ["stem", "early", "middle", "late", "last"]
FRAMES, SIZE = 8, 48


def _script():
    """scripts/train_zoo.py as a module (it holds the zoo's entries)."""
    return load_script("train_zoo")


def _input(arch: str, x: torch.Tensor):
    return [x[:, :, ::4], x] if arch == "slowfast" else x


def _probe(model, layers, x, batch: int) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    with torch.no_grad(), LayerProbe(model, layers) as probe:
        logits = model(x)
        return logits, probe.pop(batch_size=batch)


def test_the_zoo_is_registered_for_training():
    assert set(ZOO) <= set(ARCHITECTURES) and len(ZOO) == 8


@pytest.mark.parametrize("arch", sorted(ZOO))
def test_architecture_is_probed_on_the_five_zoo_layers(arch):
    torch.manual_seed(0)
    model = ZOO[arch](num_classes=5).eval()
    assert list(model.LAYERS) == PROBE_NAMES
    logits, feats = _probe(model, model.LAYERS, _input(arch, torch.randn(2, 3, FRAMES, SIZE, SIZE)), 2)
    assert tuple(logits.shape) == (2, 5)
    assert list(feats) == PROBE_NAMES
    assert all(f.shape[0] == 2 and torch.isfinite(f).all() for f in feats.values())
    assert feats["last"].shape[1] == model.head.in_features  # "last" is what the head reads


@pytest.mark.parametrize("arch", sorted(ZOO))
def test_only_frame_only_designs_ignore_frame_order(arch):
    torch.manual_seed(0)
    model = ZOO[arch](num_classes=5).eval()
    x = torch.randn(2, 3, FRAMES, SIZE, SIZE)
    shuffled = x[:, :, torch.tensor([3, 0, 6, 1, 7, 2, 5, 4])]
    with torch.no_grad():
        same = torch.allclose(model(_input(arch, x)), model(_input(arch, shuffled)), atol=1e-5)
    assert same == (arch == "tsn")


def test_temporal_shift_moves_one_eighth_of_the_channels_each_way():
    x = torch.arange(16 * 3, dtype=torch.float32).reshape(1, 16, 3, 1, 1)  # 16 channels, 3 frames
    y = TemporalShift(fold_div=8)(x)
    assert y[0, 0, :, 0, 0].tolist() == [0.0, x[0, 0, 0, 0, 0].item(), x[0, 0, 1, 0, 0].item()]
    assert y[0, 2, :, 0, 0].tolist() == [x[0, 2, 1, 0, 0].item(), x[0, 2, 2, 0, 0].item(), 0.0]
    assert torch.equal(y[:, 4:], x[:, 4:])


def test_every_architecture_has_a_motion_entry_with_a_submission():
    entries = _script().ENTRIES
    assert {e.arch for e in entries if e.world == "synthetic-motion"} == set(ZOO)
    assert sorted(e.name for e in entries) == SUBMISSIONS


@pytest.mark.parametrize("name", SUBMISSIONS)
def test_zoo_submission_is_written_by_the_script_and_probed_on_its_input(name):
    entry = next(e for e in _script().ENTRIES if e.name == name)
    folder = ROOT / "submissions" / name
    text = (folder / "submission.yaml").read_text()
    expected = _script().manifest_text(entry)
    assert text.split("weights:")[0] == expected.split("weights:")[0]  # the same up to the pinned hash
    assert text.split("layers:")[1] == expected.split("layers:")[1]
    submission = load_submission(folder)
    manifest = submission.manifest
    assert manifest.datasets[0] == entry.world
    assert list(manifest.layers) == PROBE_NAMES  # "last" declared last: it ranks on the leaderboard
    model = build_model(submission)  # loads the committed weights strictly
    rng = np.random.default_rng(0)
    clips = [rng.integers(0, 256, (16, 64, 64, 3), dtype=np.uint8) for _ in range(2)]
    logits, feats = _probe(model, manifest.layer_specs(), model_input(clips, manifest.input), 2)
    assert tuple(logits.shape) == (2, manifest.model_args["num_classes"])
    assert all(f.shape[0] == 2 and torch.isfinite(f).all() for f in feats.values())
