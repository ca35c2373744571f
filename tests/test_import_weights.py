"""``benchmark import-weights``: checkpoints shaped like the three families' published files,
generated here from the real architectures, become pinned weights that ``validate`` accepts.

- pytorchvideo model zoo: a ``.pyth`` file ``{"model_state": ..., "optimizer_state": ...,
  "epoch": ..., "cfg": "<yaml>"}`` (PySlowFast's checkpoint layout, which pytorchvideo's hub
  reads as ``checkpoint["model_state"]``) of ``pytorchvideo.models.hub.resnet.slow_r50``,
  narrowed (``stem_dim_out=8``: 1/8 of the published widths) to keep the test fast, into
  a copy of ``submissions/template-slow-r50``;
- torchvision: a plain state dict (``.pth``) of ``torchvision.models.video.s3d`` at its
  published width, into a copy of ``submissions/template-s3d``;
- timm: a plain state dict of ``timm.create_model("test_resnet")`` (timm's own tiny ResNet
  configuration), whose keys lack the ``backbone.`` of the TSN wrapper, into a copy of
  ``submissions/template-tsn-r18`` with ``model_args.backbone: test_resnet``.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pytest
import torch
import yaml

from benchmark.cli import main
from benchmark.errors import WeightsError
from benchmark.hashing import sha256_file
from benchmark.submission.import_weights import import_weights
from benchmark.submission.manifest import load_submission
from benchmark.submission.manifest_edit import set_fields
from benchmark.submission.model import build_model
from benchmark.validate.submission import validate_submission
from tests.conftest import TINY_MODEL, write_tiny_submission

SUBMISSIONS = Path(__file__).resolve().parents[1] / "submissions"
CLASSES = 5


def template_copy(tmp_path: Path, template: str, **model_args) -> Path:
    """A copy of a template submission (renamed) with ``model_args`` set."""
    name = template.replace("template-", "imported-")
    folder = tmp_path / "submissions" / name
    shutil.copytree(SUBMISSIONS / template, folder)
    manifest = folder / "submission.yaml"
    text, kept = set_fields(manifest.read_text(), {"name": name, "model_args": {"num_classes": CLASSES, **model_args}})
    assert kept
    manifest.write_text(text)
    return folder


def assert_imported(folder: Path, original: dict[str, torch.Tensor]) -> None:
    """validate passes; the pinned weights are the checkpoint's tensors, loaded strictly."""
    assert validate_submission(folder) == []
    manifest = yaml.safe_load((folder / "submission.yaml").read_text())
    assert manifest["weights"] == {"path": "weights.safetensors", "sha256": sha256_file(folder / "weights.safetensors")}
    assert "template" not in manifest
    model = build_model(load_submission(folder))
    loaded = model.state_dict()
    for key, tensor in original.items():
        assert torch.equal(loaded[key], tensor), key


def test_a_pytorchvideo_model_zoo_checkpoint(tmp_path, capsys):
    from pytorchvideo.models.hub.resnet import slow_r50

    folder = template_copy(tmp_path, "template-slow-r50", stem_dim_out=8)
    torch.manual_seed(1)
    zoo = slow_r50(pretrained=False, stem_dim_out=8, model_num_class=CLASSES)
    state = zoo.state_dict()
    checkpoint = tmp_path / "SLOW_8x8_R50.pyth"
    torch.save({"epoch": 196, "model_state": state, "cfg": "TRAIN:\n  BATCH_SIZE: 64\n",
                "optimizer_state": {"state": {0: {"momentum_buffer": torch.zeros(3)}},
                                    "param_groups": [{"lr": 0.1, "momentum": 0.9, "params": [0]}]}}, checkpoint)
    assert main(["import-weights", str(checkpoint), "--submission", str(folder),
                 "--training-data", "Kinetics-400 train (pytorchvideo model zoo)"]) == 0
    out = capsys.readouterr().out
    assert "entry 'model_state' (of cfg, epoch, model_state, optimizer_state)" in out
    assert f"{len(state)} tensors" in out and "pinned" in out
    assert_imported(folder, state)
    text = (folder / "submission.yaml").read_text()
    assert "# Real weights: copy this folder" in text  # comments are kept
    assert "model_args: {num_classes: 5, stem_dim_out: 8}\n" in text and "\ntemplate:" not in text
    assert yaml.safe_load(text)["training_data"] == ["Kinetics-400 train (pytorchvideo model zoo)"]


def test_a_torchvision_state_dict(tmp_path):
    from torchvision.models.video import s3d

    folder = template_copy(tmp_path, "template-s3d")
    torch.manual_seed(2)
    state = s3d(weights=None, num_classes=CLASSES).state_dict()
    checkpoint = tmp_path / "s3d-d76dad2f.pth"
    torch.save(state, checkpoint)
    import_weights(checkpoint, folder)
    assert_imported(folder, state)


def test_a_timm_state_dict_gets_the_wrappers_prefix(tmp_path, capsys):
    import timm

    folder = template_copy(tmp_path, "template-tsn-r18", backbone="test_resnet")
    torch.manual_seed(3)
    state = timm.create_model("test_resnet", num_classes=CLASSES).state_dict()
    checkpoint = tmp_path / "test_resnet.pth"
    torch.save(state, checkpoint)
    assert main(["import-weights", str(checkpoint), "--submission", str(folder)]) == 0
    assert "prefix 'backbone.' added" in capsys.readouterr().out
    assert_imported(folder, {f"backbone.{k}": v for k, v in state.items()})


# --------------------------------------------------------------------------- what goes wrong


@pytest.fixture
def tiny(tmp_path) -> Path:
    """The tiny test model as a template: random weights, none pinned."""
    folder = write_tiny_submission(tmp_path / "submissions", template="true", weights=None)
    (folder / "weights.safetensors").unlink()
    return folder


def tiny_state(num_classes: int = 14, seed: int = 0) -> dict[str, torch.Tensor]:
    namespace: dict = {}
    exec(TINY_MODEL, namespace)
    torch.manual_seed(seed)
    return namespace["build"](num_classes).state_dict()


def unchanged(folder: Path, manifest: str) -> bool:
    return (folder / "submission.yaml").read_text() == manifest and not (folder / "weights.safetensors").exists()


def test_a_data_parallel_prefix_is_removed_and_the_template_cleared(tiny, tmp_path):
    state = tiny_state()
    torch.save({"state_dict": {f"module.{k}": v for k, v in state.items()}}, tmp_path / "ddp.pt")
    imported = import_weights(tmp_path / "ddp.pt", tiny)
    assert (imported.entry, imported.mapped.strip) == ("state_dict", "module.")
    assert_imported(tiny, state)


def test_a_pickle_that_needs_code_is_refused(tiny, tmp_path):
    manifest = (tiny / "submission.yaml").read_text()
    torch.save({"model_state": tiny_state(), "args": argparse.Namespace(lr=0.1)}, tmp_path / "with-code.pyth")
    with pytest.raises(WeightsError, match="pickles Python objects besides tensors .*argparse.Namespace.* refused"):
        import_weights(tmp_path / "with-code.pyth", tiny)
    assert unchanged(tiny, manifest)


def test_another_number_of_classes_is_reported_with_a_hint(tiny, tmp_path, capsys):
    manifest = (tiny / "submission.yaml").read_text()
    torch.save({"model_state": tiny_state(num_classes=400)}, tmp_path / "k400.pyth")
    assert main(["import-weights", str(tmp_path / "k400.pyth"), "--submission", str(tiny)]) == 2
    err = capsys.readouterr().err
    assert "other shape (2): head.bias (checkpoint [400], model [14]), head.weight (checkpoint [400, 16]" in err
    assert "the checkpoint has 400; set model_args.num_classes" in err
    assert unchanged(tiny, manifest)


def test_missing_and_unexpected_keys_are_named(tiny, tmp_path):
    manifest = (tiny / "submission.yaml").read_text()
    state = tiny_state()
    del state["stage.0.weight"]
    state["aux_head.weight"] = torch.zeros(3)
    torch.save(state, tmp_path / "partial.pth")
    with pytest.raises(WeightsError) as error:
        import_weights(tmp_path / "partial.pth", tiny)
    assert "in the model, not in the checkpoint (1): stage.0.weight" in str(error.value)
    assert "in the checkpoint, not in the model (1): aux_head.weight" in str(error.value)
    assert unchanged(tiny, manifest)

    full = tiny_state() | {"aux_head.weight": torch.zeros(3)}
    torch.save(full, tmp_path / "extra.pth")
    imported = import_weights(tmp_path / "extra.pth", tiny, drop_unexpected=True)
    assert imported.dropped == ["aux_head.weight"]
    assert_imported(tiny, tiny_state())


def test_an_unknown_layout_asks_for_the_key(tiny, tmp_path):
    torch.save({"ema": tiny_state(seed=1), "raw": tiny_state(seed=2), "step": 10}, tmp_path / "two.pt")
    with pytest.raises(WeightsError, match=r"which entry holds .* 'ema' \(a dict of 6\), 'raw'.*--key"):
        import_weights(tmp_path / "two.pt", tiny)
    with pytest.raises(WeightsError, match="no entry 'best'"):
        import_weights(tmp_path / "two.pt", tiny, key="best")
    import_weights(tmp_path / "two.pt", tiny, key="ema")
    assert_imported(tiny, tiny_state(seed=1))


def test_old_checkpoints_without_batch_counters_and_safetensors_input(tmp_path):
    from safetensors.torch import save_file

    folder = write_tiny_submission(tmp_path / "submissions", template="true", weights=None)
    model = folder / "model.py"
    model.write_text(TINY_MODEL.replace("nn.ReLU())\n        self.stage", "nn.BatchNorm3d(8), nn.ReLU())\n        self.stage"))
    from benchmark.submission.model import construct_model

    state = construct_model(load_submission(folder)).state_dict()
    old = {k: v for k, v in state.items() if not k.endswith("num_batches_tracked")}
    save_file(old, str(tmp_path / "old.safetensors"))
    imported = import_weights(tmp_path / "old.safetensors", folder)
    assert imported.mapped.counters == ["stem.1.num_batches_tracked"]
    assert validate_submission(folder) == []


def test_manifest_edits_keep_comments_and_layout():
    text = ("name: x  # the name\n# Real weights: see below\nweights: null  # none yet\ntemplate: true\n"
            "layers:\n  a: b\n\n  c: d\ninput: {frames: 4, size: 32}\n")
    edited, kept = set_fields(text, {"weights": {"path": "w.safetensors", "sha256": "ab" * 32}, "template": None})
    assert kept
    assert edited == ("name: x  # the name\n# Real weights: see below\n"
                      f'weights: {{path: w.safetensors, sha256: "{"ab" * 32}"}}\n'
                      "layers:\n  a: b\n\n  c: d\ninput: {frames: 4, size: 32}\n")
    flow = "{name: x, weights: null, template: true}\n"  # one flow mapping: rewritten as plain YAML
    edited, kept = set_fields(flow, {"template": None, "weights": {"path": "w.safetensors", "sha256": "c" * 64}})
    assert not kept and yaml.safe_load(edited) == {"name": "x", "weights": {"path": "w.safetensors", "sha256": "c" * 64}}
