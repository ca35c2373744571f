"""Scoring an AVOS model on a source's sequences: J, F, their recalls and J&F, clean and
with the motion input perturbed (the behavioural counterpart of the measure, METHOD.md §5).

Perturbations of the flow image only (the RGB frame is untouched):

- ``static``: every flow image replaced by white (zero flow), as if nothing moved;
- ``shuffled``: the sequence's flow images permuted among its frames (a random
  non-identity permutation), so motion no longer belongs to the frame it is shown with.

Predictions are the logits upsampled (bilinear) to the ground-truth mask's resolution and
thresholded at 0; only annotated frames are scored.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset
from tqdm import tqdm

from benchmark.clips import split_bad
from benchmark.errors import BenchmarkError
from benchmark.manifest import InputSpec
from benchmark.pairs import frame_permutation
from tasks.avos.inputs import model_input
from tasks.avos.metrics import SegmentationMeter
from tasks.avos.samples import FrameSample

PERTURBATIONS = ("clean", "static", "shuffled")


class SequenceDataset(Dataset):
    """Items ``{"id", "samples"}``: every sample of one sequence at ``size`` (masks at
    their own resolution); a bad sequence becomes ``{"id", "error"}``."""

    def __init__(self, source, names: list[str], size: int) -> None:
        self.source = source
        self.names = list(names)
        self.size = size

    def __len__(self) -> int:
        return len(self.names)

    def __getitem__(self, k: int) -> dict:
        name = self.names[k]
        try:
            return {"id": name, "samples": self.source.sequence_samples(name, size=self.size)}
        except BenchmarkError as error:
            return {"id": name, "error": str(error)}


def _as_list(batch: list[dict]) -> list[dict]:
    return batch


def perturb(samples: list[FrameSample], kind: str, rng: np.random.Generator) -> list[FrameSample]:
    """The samples with their flow images perturbed (see the module docstring)."""
    if kind == "clean":
        return samples
    if kind == "static":
        return [replace(s, flow=np.full_like(s.flow, 255)) for s in samples]
    if kind == "shuffled":
        order = frame_permutation(len(samples), rng)
        return [replace(s, flow=samples[int(j)].flow) for s, j in zip(samples, order, strict=True)]
    raise ValueError(f"unknown perturbation {kind!r}; expected one of {PERTURBATIONS}")


@torch.no_grad()
def predict_masks(
    model: nn.Module, samples: list[FrameSample], spec: InputSpec, batch_size: int, device: str
) -> list[np.ndarray | None]:
    """Predicted bool masks at each annotated sample's mask resolution (None: unannotated)."""
    out: list[np.ndarray | None] = []
    for start in range(0, len(samples), batch_size):
        chunk = samples[start:start + batch_size]
        logits = model([x.to(device) for x in model_input(chunk, spec)])
        if isinstance(logits, (list, tuple)):
            logits = logits[0]
        for row, sample in zip(logits, chunk, strict=True):
            if sample.mask is None:
                out.append(None)
                continue
            up = F.interpolate(row[None].float(), size=sample.mask.shape, mode="bilinear", align_corners=False)
            out.append((up[0, 0] > 0).cpu().numpy())
    return out


def relative_drop(clean: float, perturbed: float) -> float | None:
    """``(perturbed - clean) / clean`` (negative: lost); None when clean is 0."""
    return None if clean == 0 else (perturbed - clean) / clean


def evaluate_segmentation(
    model: nn.Module,
    source,
    spec: InputSpec,
    *,
    sequences: list[str] | None = None,
    batch_size: int = 32,
    device: str = "cpu",
    workers: int = 0,
    seed: int = 0,
    on_bad_video: str = "fail",
    skipped: list[str] | None = None,
    progress: bool = True,
) -> dict[str, float]:
    """DAVIS-style summary (``j_mean``, ``j_recall``, ``f_mean``, ``f_recall``, ``jf_mean``)
    on ``sequences`` (default: every sequence of ``source``), plus ``jf_mean_<perturbation>`` and its relative drop."""
    model.eval()
    meters = {kind: SegmentationMeter() for kind in PERTURBATIONS}
    rng = np.random.default_rng([seed, 0xA7D5])
    dataset = SequenceDataset(source, sequences if sequences is not None else source.sequence_names(), spec.size)
    loader = DataLoader(dataset, batch_size=1, num_workers=workers, collate_fn=_as_list)
    for items in tqdm(loader, desc="J&F", unit="seq", disable=not progress, total=len(dataset)):
        for item in split_bad(items, on_bad_video, skipped):
            samples = item["samples"]
            length = len(samples) + 1  # items are the frames with a successor: T frames give T-1
            for kind in PERTURBATIONS:
                shown = perturb(samples, kind, rng)
                for sample, prediction in zip(samples, predict_masks(model, shown, spec, batch_size, device), strict=True):
                    if prediction is not None:
                        meters[kind].update(item["id"], prediction, sample.mask, frame=sample.frame, sequence_length=length)
    metrics = meters["clean"].compute()
    for kind in PERTURBATIONS[1:]:
        summary = meters[kind].compute()
        if "jf_mean" not in summary:
            continue
        metrics[f"jf_mean_{kind}"] = summary["jf_mean"]
        drop = relative_drop(metrics["jf_mean"], summary["jf_mean"])
        if drop is not None:
            metrics[f"jf_mean_{kind}_rel_drop"] = drop
    return metrics
