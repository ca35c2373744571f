"""The detectron2 VIS template: a valid manifest, a wrapper the probe can hook, lazy detectron2."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

from benchmark.measure.probe import LayerProbe
from benchmark.submission.manifest import load_submission
from benchmark.validate.submission import validate_submission

FOLDER = Path(__file__).resolve().parents[1] / "submissions" / "template-vis-detectron2"


def load_template_module():
    spec = importlib.util.spec_from_file_location("_template_vis_detectron2", FOLDER / "model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # must not need detectron2
    return module


class FakeHead(nn.Module):
    """Stands in for a Mask2Former-VIS head: queries through ``predictor.decoder_norm``
    (sequence-first, (Q, 1, C)), one clip per call."""

    def __init__(self, channels: int = 8, queries: int = 3, classes: int = 2):
        super().__init__()
        self.predictor = nn.Module()
        self.predictor.decoder_norm = nn.LayerNorm(channels)
        self.query = nn.Parameter(torch.randn(queries, 1, channels))
        self.classify = nn.Linear(channels, classes + 1)

    def forward(self, features: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        f = features["res5"]  # (T, C, h, w)
        q = self.predictor.decoder_norm(self.query + f.mean())
        masks = torch.einsum("qc,tchw->qthw", q[:, 0], f).unsqueeze(0)
        return {"pred_logits": self.classify(q.transpose(0, 1)), "pred_masks": masks, "aux_outputs": []}


class FakeBackbone(nn.Module):
    def __init__(self, channels: int = 8):
        super().__init__()
        self.stem = nn.Conv2d(3, channels, 3, stride=2, padding=1)
        for k in range(2, 6):
            self.add_module(f"res{k}", nn.Conv2d(channels, channels, 3, stride=2 if k > 2 else 1, padding=1))

    def forward(self, x):
        out, x = {}, self.stem(x)
        for k in range(2, 6):
            x = getattr(self, f"res{k}")(x)
            out[f"res{k}"] = x
        return out


def test_the_manifest_is_a_valid_vis_template():
    assert validate_submission(FOLDER) == []
    manifest = load_submission(FOLDER).manifest
    assert manifest.task == "vis" and manifest.template and manifest.weights is None
    assert manifest.layer_specs()["queries"].pool == "tokens"


def test_model_py_imports_without_detectron2_and_build_says_what_is_missing(monkeypatch):
    module = load_template_module()
    monkeypatch.setitem(sys.modules, "detectron2", None)  # as if it were not installed
    with pytest.raises(ImportError, match="needs detectron2"):
        module.build(config_file="config.yaml")


def test_the_wrapper_returns_the_vis_contract_and_exposes_every_layer():
    module = load_template_module()
    meta = nn.Module()
    meta.backbone, meta.sem_seg_head = FakeBackbone(), FakeHead()
    wrapper = module.Detectron2VIS(meta, bgr=True, decoder_norm="sem_seg_head.predictor.decoder_norm").eval()
    layers = load_submission(FOLDER).manifest.layer_specs()
    x = torch.randn(2, 3, 4, 32, 32)
    with torch.no_grad(), LayerProbe(wrapper, layers) as probe:
        out = wrapper(x)
        feats = probe.pop(batch_size=2)
    assert out["pred_logits"].shape == (2, 3, 3) and out["pred_masks"].shape == (2, 3, 4, 2, 2)
    assert {k: tuple(v.shape) for k, v in feats.items()} == {k: (2, 8) for k in layers}


def test_a_real_detectron2_backbone_is_probed_through_the_wrapper():
    pytest.importorskip("detectron2")
    from detectron2.config import get_cfg
    from detectron2.layers import ShapeSpec
    from detectron2.modeling import build_resnet_backbone

    cfg = get_cfg()
    cfg.MODEL.RESNETS.OUT_FEATURES = ["res2", "res3", "res4", "res5"]
    meta = nn.Module()
    meta.backbone = build_resnet_backbone(cfg, ShapeSpec(channels=3))
    meta.sem_seg_head = FakeHead(channels=2048)
    wrapper = load_template_module().Detectron2VIS(meta, bgr=True, decoder_norm="sem_seg_head.predictor.decoder_norm").eval()
    layers = load_submission(FOLDER).manifest.layer_specs()
    with torch.no_grad(), LayerProbe(wrapper, layers) as probe:
        wrapper(torch.randn(1, 3, 2, 64, 64))
        feats = probe.pop(batch_size=1)
    assert feats["res5"].shape == (1, 2048) and feats["queries"].shape == (1, 2048)
