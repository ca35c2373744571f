"""Shared fixtures: tiny submissions written on the fly."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from benchmark.hashing import sha256_file

TINY_MODEL = '''
import torch
from torch import nn


class Tiny(nn.Module):
    def __init__(self, num_classes=14):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv3d(3, 8, 3, stride=(1, 2, 2), padding=1), nn.ReLU())
        self.stage = nn.Sequential(nn.Conv3d(8, 16, 3, stride=2, padding=1), nn.ReLU())
        self.head = nn.Linear(16, num_classes)

    def forward(self, x):
        return self.head(self.stage(self.stem(x)).mean(dim=(2, 3, 4)))


def build(num_classes=14):
    return Tiny(num_classes)
'''


#: Units of the tiny model's modules (what the probe pools them to).
TINY_WIDTHS = {"stem": 8, "stage": 16}


def write_tiny_submission(root: Path, name: str = "tiny", num_classes: int = 14, **overrides) -> Path:
    """A complete submission folder: model.py, weights.safetensors, submission.yaml."""
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "model.py").write_text(TINY_MODEL)
    namespace: dict = {}
    exec(TINY_MODEL, namespace)
    torch.manual_seed(0)
    save_file(namespace["build"](num_classes).state_dict(), str(folder / "weights.safetensors"))
    fields = {
        "name": name,
        "task": "action_recognition",
        "model": "model.py:build",
        "model_args": f"{{num_classes: {num_classes}}}",
        "weights": f'{{path: weights.safetensors, sha256: "{sha256_file(folder / "weights.safetensors")}"}}',
        "layers": "{stem: stem, stage: stage}",
        "input": "{frames: 4, size: 32}",
        "datasets": "[synthetic-motion]",
    }
    fields.update(overrides)
    text = "\n".join(f"{k}: {v}" for k, v in fields.items() if v is not None)
    (folder / "submission.yaml").write_text(textwrap.dedent(text) + "\n")
    return folder


@pytest.fixture(autouse=True)
def runs_in_tmp(tmp_path, monkeypatch):
    """`benchmark run`'s default output (runs/<submission>/) goes to the test's own folder,
    never into the repository."""
    import benchmark.run.safeguards

    monkeypatch.setattr(benchmark.run.safeguards, "RUNS_DIR", tmp_path / "runs")


@pytest.fixture
def one_torch_thread():
    """Run a test with one torch thread (small models on a busy machine are fastest so)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def tiny_submission(tmp_path: Path) -> Path:
    return write_tiny_submission(tmp_path / "submissions")
