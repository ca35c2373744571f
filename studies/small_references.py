"""Small, cheap reference models for the training studies (docs/static_dropout.md).

Shared by ``studies/bias_over_training.py`` and ``studies/static_dropout_study.py``: every
model is a submission folder (manifest, ``model.py``, weights) written from a
:class:`~tasks.action_recognition.train.TrainConfig`, trained by the action-recognition
trainer and measured by ``python -m benchmark`` in a subprocess, one thread.

The recipe: the frame-only / 3D ResNets of ``tasks/action_recognition/models.py`` at half
width (8, 16, 32, 64 channels), 8 frames of 32x32, 2000 training clips, 20 epochs
(1260 optimiser steps) - two to three minutes each on one core.  (With 1000 clips and 10
epochs the 3D model stays near chance on synthetic-motion: val top1 0.16.)
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

from tasks.action_recognition.train import TrainConfig, train
from tasks.synthetic import get_world

ROOT = Path(__file__).resolve().parents[1]

WIDTHS = (8, 16, 32, 64)
FRAMES, SIZE = 8, 32
RECIPE = dict(epochs=20, batch_size=32, lr=3e-3, train_clips=2000, widths=WIDTHS)
CHECKPOINT_EVERY = 63  # optimiser steps (one epoch): 21 checkpoints over the 1260 steps
LAYERS = ("stem", "res2", "res3", "res4", "res5")
CLASSES = {"frame2d": "FrameOnly2D", "c3d": "C3D"}
RUNS = ROOT / "runs"


def config(arch: str, world: str, seed: int = 0, **changes) -> TrainConfig:
    """The recipe for ``arch`` on ``world``."""
    return replace(TrainConfig(arch, world, seed=seed, **RECIPE), **changes)


def write_submission(folder: Path, name: str, cfg: TrainConfig, summary: str) -> None:
    """Manifest and model.py of a model trained with ``cfg`` (weights pinned to zeros until trained)."""
    folder.mkdir(parents=True, exist_ok=True)
    cls = CLASSES[cfg.arch]
    num_classes = get_world(cfg.world).num_classes
    widths = ", ".join(str(w) for w in cfg.widths)
    command = cfg.command(f"submissions/{name}")
    recorded = ""
    if cfg.static_dropout is not None:
        recorded = " StaticDropout " + json.dumps(cfg.static_dropout.recorded(), sort_keys=True) + "."
    description = f"{summary}; trained on {cfg.world}.{recorded} Reproduce: {command}"
    (folder / "model.py").write_text(
        f'"""{summary}; trained on {cfg.world} (docs/static_dropout.md)."""\n\n'
        f"from tasks.action_recognition.models import {cls}\n\n\n"
        f"def build(num_classes: int = {num_classes}):\n"
        f"    return {cls}(num_classes=num_classes, widths=({widths}))\n")
    (folder / "submission.yaml").write_text("\n".join([
        f"name: {name}",
        "task: action_recognition",
        f"description: {json.dumps(description)}",
        "model: model.py:build",
        f"model_args: {{num_classes: {num_classes}}}",
        f'weights: {{path: weights.safetensors, sha256: "{"0" * 64}"}}',
        "layers: {" + ", ".join(f"{layer}: {layer}" for layer in LAYERS) + "}",
        f"input: {{frames: {FRAMES}, size: {SIZE}, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25]}}",
        f"datasets: [{cfg.world}]",
        "license: Apache-2.0",
        "",
    ]))


def train_submission(folder: Path, cfg: TrainConfig, checkpoints: Path | None = None) -> dict:
    """Train ``cfg`` into ``folder`` (checkpoints every ``CHECKPOINT_EVERY`` steps into
    ``checkpoints``); returns the trainer's record with the time it took."""
    started = time.perf_counter()
    record = train(cfg, folder, checkpoints, CHECKPOINT_EVERY if checkpoints else 0)
    record["train_s"] = round(time.perf_counter() - started, 1)
    record["config"] = cfg.recorded()
    return record


def benchmark(*args: str) -> None:
    """``python -m benchmark ARGS --threads 1 --no-progress --update-results`` from the
    repository root (results go into the submission folder)."""
    command = [sys.executable, "-m", "benchmark", *args, "--threads", "1", "--no-progress", "--update-results"]
    print("$ " + " ".join(command[1:]), flush=True)
    subprocess.run(command, cwd=ROOT, check=True)


def save_record(path: Path, record: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")


def load_record(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.is_file() else None
