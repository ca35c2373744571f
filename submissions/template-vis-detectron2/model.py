"""Template: a detectron2-based VIS model as a benchmark submission.

detectron2 is imported only when ``build`` is called, so validating this folder needs no
detectron2.  ``build`` reads the model's detectron2 config (after the project's config
adders, e.g. Mask2Former's ``add_maskformer2_config`` and ``add_maskformer2_video_config``),
builds the meta-architecture with ``detectron2.modeling.build_model`` and wraps it:

- input: the harness's (B, 3, T, H, W) clips, already normalised with the manifest's
  mean/std (set them to the model's pixel mean/std divided by 255); channels are flipped
  to BGR when the config's ``INPUT.FORMAT`` is BGR;
- the backbone sees the clip's frames folded into the batch, as detectron2 VIS models do,
  so ``model.backbone.res2`` ... are probe-able as they are (the probe averages frames);
  the backbone runs once over all frames of all clips, because a probe hook keeps only a
  module's last call in a forward pass;
- the segmentation head runs once per clip (Mask2Former-VIS heads take all frames they get
  as one video at inference); its raw outputs, concatenated over clips, already are the VIS
  output contract: ``pred_logits`` (B, Q, K+1) and ``pred_masks`` (B, Q, T, h, w) (see
  tasks/vis/predictions.py);
- the query embeddings (the last output of the transformer decoder's final norm, (Q, 1, C)
  in Mask2Former) of all clips go through the identity module ``queries`` as (B, Q, C), so the
  manifest can probe them with ``{module: queries, pool: tokens}``.

Weights: the harness loads a state dict strictly into this wrapper, so keys are the
detectron2 model's keys prefixed ``model.``; convert a checkpoint once (outside the harness,
trusting the file), e.g.::

    ckpt = torch.load("model_final.pth", map_location="cpu", weights_only=False)["model"]
    safetensors.torch.save_file({f"model.{k}": v for k, v in ckpt.items()}, "weights.safetensors")

Another architecture (SeqFormer, IDOL, VITA ...): keep the wrapper's shape, point
``decoder_norm`` at the module producing its instance embeddings and map its outputs to
the contract in ``forward``.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import torch
from torch import nn


def _require_detectron2():
    try:
        return importlib.import_module("detectron2")
    except ImportError as error:
        raise ImportError(
            "template-vis-detectron2 needs detectron2 (not on PyPI: build it from "
            "https://github.com/facebookresearch/detectron2) and the model's project code "
            f"(e.g. Mask2Former's mask2former and mask2former_video packages): {error}"
        ) from None


class Detectron2VIS(nn.Module):
    """A detectron2 VIS meta-architecture, clip in, VIS output contract out."""

    def __init__(self, model: nn.Module, bgr: bool, decoder_norm: str):
        super().__init__()
        self.model = model
        self.bgr = bgr
        self.decoder_norm = decoder_norm
        self.queries = nn.Identity()  # probe hook: (B, Q, C) query embeddings

    def _head(self, features: dict[str, torch.Tensor]) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        """Head outputs and query embeddings (1, Q, C) of one clip's features (Mask2Former-VIS
        heads treat everything they get as one video at inference)."""
        captured: list[torch.Tensor] = []
        norm = self.model.get_submodule(self.decoder_norm)
        handle = norm.register_forward_hook(lambda module, inputs, output: captured.append(output))
        try:
            outputs = self.model.sem_seg_head(features)
        finally:
            handle.remove()
        return outputs, captured[-1].transpose(0, 1)  # (Q, 1, C) -> (1, Q, C)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        b, c, t, h, w = x.shape
        if self.bgr:
            x = x.flip(1)
        # One backbone pass over all frames (frames folded into the batch, clip-major), so a
        # probed backbone layer sees every clip in one call.
        features = self.model.backbone(x.transpose(1, 2).reshape(b * t, c, h, w))
        outputs, queries = [], []
        for i in range(b):
            out, q = self._head({k: v[i * t:(i + 1) * t] for k, v in features.items()})
            outputs.append(out)
            queries.append(q)
        self.queries(torch.cat(queries))  # one call: (B, Q, C)
        return {key: torch.cat([out[key] for out in outputs]) for key in ("pred_logits", "pred_masks")}


def build(
    config_file: str,
    config_adders: list[str] = (),
    opts: list[str] = (),
    decoder_norm: str = "sem_seg_head.predictor.decoder_norm",
) -> nn.Module:
    """Build the detectron2 model of ``config_file`` (relative to this folder) and wrap it.

    ``config_adders``: ``"module:function"`` names called on the config before merging the
    file (a project's extra config keys); ``opts``: ``KEY VALUE`` overrides.
    """
    _require_detectron2()
    from detectron2.config import get_cfg
    from detectron2.modeling import build_model

    cfg = get_cfg()
    for name in config_adders:
        module, _, function = name.partition(":")
        getattr(importlib.import_module(module), function)(cfg)
    cfg.merge_from_file(str(Path(__file__).resolve().parent / config_file))
    cfg.merge_from_list(list(opts))
    cfg.MODEL.DEVICE = "cpu"  # the harness moves the wrapper to its device
    cfg.freeze()
    return Detectron2VIS(build_model(cfg), cfg.INPUT.FORMAT == "BGR", decoder_norm)
