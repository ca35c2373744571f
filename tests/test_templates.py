"""Model-family templates (``submissions/template-*``): valid, buildable, probe-able.

Every template runs through the real path (``build_model`` -> ``LayerProbe`` ->
``model_input``) with random weights on a tiny clip; two cheap ones also run the whole
``benchmark run`` pipeline on synthetic-motion.  Widths are the published ones.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
import torch

from benchmark.api.transforms import clips_to_input as model_input
from benchmark.board.markdown import write_leaderboard
from benchmark.measure.probe import LayerProbe
from benchmark.results.schema import read_result, result_files
from benchmark.run.runner import RunOptions, run
from benchmark.submission.manifest import Submission, load_submission, read_manifest
from benchmark.submission.model import build_model
from benchmark.validate.submission import validate_submission

SUBMISSIONS = Path(__file__).resolve().parents[1] / "submissions"
TEMPLATES = sorted(  # the action-recognition templates (other tasks test their own)
    p.name for p in SUBMISSIONS.glob("template-*")
    if (p / "submission.yaml").is_file()
    and read_manifest(p / "submission.yaml").task == "action_recognition"
)
NUM_CLASSES = 14  # synthetic-motion

RES50 = {"stem": 64, "res2": 256, "res3": 512, "res4": 1024, "res5": 2048}
RES18 = {"stem": 64, "res2": 64, "res3": 128, "res4": 256, "res5": 512}
MVIT_B = {"stem": 96, "block0": 192, "block2": 384, "block5": 384, "block9": 384, "block13": 768, "block15": 768}
SLOW = {"stem": 64 + 16, "res2": 256 + 64, "res3": 512 + 128, "res4": 1024 + 256, "res5": 2048}  # + fused fast
FAST = {"stem": 8, "res2": 32, "res3": 64, "res4": 128, "res5": 256}


@dataclass
class Case:
    """How to run one template small: input overrides, model kwargs, expected widths."""

    widths: dict[str, int]
    frames: int = 4
    size: int = 32
    model_args: dict = field(default_factory=dict)
    batch: int = 2


CASES: dict[str, Case] = {
    "template-c2d-r50": Case(RES50),
    "template-i3d-r50": Case(RES50),
    "template-slow-r50": Case(RES50),
    "template-fastonly-r50": Case(FAST, frames=8),
    "template-slowfast-r50": Case(
        {**{f"slow_{k}": v for k, v in SLOW.items()}, **{f"fast_{k}": v for k, v in FAST.items()},
         **{k: SLOW[k] + FAST[k] for k in SLOW}},
        frames=8,  # pathways [4, 1]: slow 2 frames, fast 8
    ),
    "template-x3d-xs": Case({"stem": 24, "res2": 24, "res3": 48, "res4": 96, "res5": 192}),
    # Fixed position embeddings: a narrow variant (embed 8 instead of 96) sized for 4x32.
    "template-mvit-b-16x4": Case(
        {k: v * 8 // 96 for k, v in MVIT_B.items()},
        model_args={"spatial_size": 32, "temporal_size": 4, "embed_dim": 8},
    ),
    "template-r3d-18": Case(RES18),
    "template-r2plus1d-18": Case(RES18),
    # S3D's classifier pools a fixed 2x7x7 window; torchvision fixes MViTv2 to 16x224.
    "template-s3d": Case(
        {"conv1a": 64, "conv2c": 192, "mixed3c": 480, "mixed4f": 832, "mixed5c": 1024},
        frames=16, size=224, batch=1,
    ),
    "template-mvit-v2-s": Case(
        {"stem": 96, "block0": 96, "block2": 192, "block5": 384, "block9": 384, "block13": 384,
         "block15": 768},
        frames=16, size=224, batch=1,
    ),
    "template-swin3d-t": Case({"stem": 96, "stage1": 96, "stage2": 192, "stage3": 384, "stage4": 768}),
    "template-tsn-r18": Case(RES18),
}
SLOW_TEMPLATES = {"template-s3d", "template-mvit-v2-s", "template-slowfast-r50"}


def _params(names):
    return [pytest.param(n, marks=pytest.mark.slow) if n in SLOW_TEMPLATES else n for n in names]


def test_every_template_has_a_case():
    assert TEMPLATES and set(TEMPLATES) == set(CASES)


@pytest.mark.parametrize("name", TEMPLATES)
def test_template_manifest(name):
    folder = SUBMISSIONS / name
    assert validate_submission(folder) == []
    manifest = load_submission(folder).manifest
    assert manifest.template and manifest.weights is None
    assert manifest.datasets[0] == "synthetic-motion"
    assert {"diving48", "ssv2", "kinetics400"} <= set(manifest.datasets)
    assert manifest.model_args.get("num_classes") == NUM_CLASSES
    text = (folder / "submission.yaml").read_text()
    assert re.search(r"^# weights: \{(path|url): .*sha256", text, re.MULTILINE), "commented weights example"


def _tiny(name: str) -> tuple[Submission, Case]:
    submission = load_submission(SUBMISSIONS / name)
    case = CASES[name]
    manifest = submission.manifest.model_copy(update={
        "model_args": {**submission.manifest.model_args, **case.model_args},
        "input": submission.manifest.input.model_copy(update={"frames": case.frames, "size": case.size}),
    })
    return Submission(submission.folder, manifest), case


@pytest.mark.parametrize("name", _params(TEMPLATES))
def test_template_probes_every_layer(name):
    submission, case = _tiny(name)
    manifest = submission.manifest
    torch.manual_seed(0)
    model = build_model(submission)
    rng = np.random.default_rng(0)
    clips = [rng.integers(0, 256, (case.frames, 40, 40, 3), dtype=np.uint8) for _ in range(case.batch)]
    x = model_input(clips, manifest.input)
    with torch.no_grad(), LayerProbe(model, manifest.layer_specs()) as probe:
        logits = model(x)
        feats = probe.pop(batch_size=case.batch)
    assert tuple(logits.shape) == (case.batch, NUM_CLASSES)
    assert list(feats) == list(manifest.layers)
    widths = {k: tuple(v.shape) for k, v in feats.items()}
    assert widths == {k: (case.batch, c) for k, c in case.widths.items()}
    assert all(torch.isfinite(v).all() for v in feats.values())


EVAL_CLIPS = 8


@pytest.mark.slow
@pytest.mark.parametrize("name", ["template-r3d-18", "template-tsn-r18"])
def test_template_runs_the_whole_pipeline(name, tmp_path):
    root = tmp_path / "submissions"
    folder = root / name
    shutil.copytree(SUBMISSIONS / name, folder, ignore=shutil.ignore_patterns("results", "__pycache__"))
    manifest = folder / "submission.yaml"
    text, count = re.subn(r"frames: \d+, size: \d+", "frames: 4, size: 32", manifest.read_text())
    assert count == 1
    manifest.write_text(text)

    result, path = run(folder, RunOptions(pairs=8, batch_size=4, eval_clips=EVAL_CLIPS, bootstrap=20, progress=False, update_results=True))
    assert result.provenance == "template" and result.weights_sha256 is None
    assert result.dataset.name == "synthetic-motion"
    assert [layer.name for layer in result.layers] == list(CASES[name].widths)
    assert [layer.units for layer in result.layers] == list(CASES[name].widths.values())
    assert "top1" in result.metrics and result.eval_count == EVAL_CLIPS  # accuracy on 8 clips only
    assert result_files(folder) == [path] and read_result(path).provenance == "template"
    assert validate_submission(folder) == []
    board = tmp_path / "leaderboard.md"
    write_leaderboard(root, board)
    row = next(line for line in board.read_text().splitlines() if name in line)
    assert "template" in row
