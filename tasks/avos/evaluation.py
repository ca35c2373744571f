"""Scoring an AVOS model on a source's sequences: J, F, their recalls and J&F, clean and
with the motion input perturbed (the behavioural counterpart of the measure, docs/METHOD.md §5).

Perturbations of the flow image only (the RGB frame is untouched):

- ``static``: every flow image replaced by white (zero flow), as if nothing moved;
- ``shuffled``: the sequence's flow images permuted among its frames (a random
  non-identity permutation), so motion no longer belongs to the frame it is shown with.

Predictions are the logits upsampled (bilinear) to the ground-truth mask's resolution and
thresholded at 0; only annotated frames are scored.  Each sequence's permutation is drawn
in evaluation order before anything is scored, so the numbers do not depend on how
``torchrun`` shards the sequences.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from functools import partial

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm

from benchmark.api.intervals import Estimate
from benchmark.api.metric import CLEAN, Metric, PerturbedMetrics
from benchmark.api.model_spec import InputSpec
from benchmark.api.task import EvalOptions
from benchmark.api.transforms import frame_permutation
from benchmark.data.clips import LoadedItems, iterate_loaded
from tasks.avos.inputs import model_input
from tasks.avos.metrics import SegmentationMeter
from tasks.avos.moca import MocaMeter
from tasks.avos.samples import FrameSample
from tasks.avos.spec import PERTURBATIONS


class AvosScores(Metric):
    """J&F under a DAVIS convention and the MoCA metrics (mIoU, success rates), from the
    same predicted masks (see :mod:`tasks.avos.metrics`, :mod:`tasks.avos.moca`)."""

    def __init__(self, convention: str, moca_iou: str = "mask") -> None:
        super().__init__()
        self.jf = self.add_metric("jf", SegmentationMeter(convention))
        self.moca = self.add_metric("moca", MocaMeter(moca_iou))

    def update(self, sequence: str, prediction: np.ndarray, truth: np.ndarray, *, frame: int,
               sequence_length: int) -> None:
        """Score frame ``frame`` of a ``sequence_length``-frame sequence."""
        self.jf.update(sequence, prediction, truth, frame=frame, sequence_length=sequence_length)
        self.moca.update(sequence, prediction, truth, frame=frame)

    @property
    def count(self) -> int:
        return self.jf.count

    def compute(self) -> dict[str, float]:
        return {**self.jf.compute(), **self.moca.compute()}

    def intervals(self, seed: int = 0, replicates: int = 200) -> dict[str, Estimate]:
        return {**self.jf.intervals(seed, replicates), **self.moca.intervals(seed, replicates)}


def perturb(samples: list[FrameSample], kind: str, order: np.ndarray | None) -> list[FrameSample]:
    """The samples with their flow images perturbed (see the module docstring)."""
    if kind == CLEAN:
        return samples
    if kind == "static":
        return [replace(s, flow=np.full_like(s.flow, 255)) for s in samples]
    if kind == "shuffled":
        return [replace(s, flow=samples[int(j)].flow) for s, j in zip(samples, order, strict=True)]
    raise ValueError(f"unknown perturbation {kind!r}; expected clean or one of {PERTURBATIONS}")


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


def flow_orders(source, names: Sequence[str], seed: int, units: int) -> list[np.ndarray]:
    """The ``shuffled`` flow order of each of the first ``units`` sequences."""
    rng = np.random.default_rng([seed, 0xA7D5])
    return [frame_permutation(len(source.sequence_items(names[u])), rng) for u in range(units)]


def _sequence(source, size: int, names: Sequence[str], unit: int) -> list[FrameSample]:
    return source.sequence_samples(names[unit], size=size)


def evaluate_sequences(
    model: nn.Module, source, units: Sequence[int], metric: PerturbedMetrics, spec: InputSpec,
    options: EvalOptions, skipped: list[str],
) -> None:
    """J and F of sequences ``units`` clean and under each perturbation, into ``metric``."""
    model.eval()
    names = source.sequence_names()
    orders = flow_orders(source, names, options.seed, max(units, default=-1) + 1)
    dataset = LoadedItems(units, partial(_sequence, source, spec.size, names), names.__getitem__)
    loaded = iterate_loaded(dataset, 1, options.workers, options.on_bad_video, skipped)
    for items, _ in tqdm(loaded, desc="J&F", unit="seq", disable=not options.progress, total=len(units)):
        for item in items:
            samples = item.value
            for kind in (CLEAN, *PERTURBATIONS):
                shown = perturb(samples, kind, orders[item.key])
                predictions = predict_masks(model, shown, spec, options.batch_size, options.device)
                for sample, prediction in zip(samples, predictions, strict=True):
                    if prediction is not None:  # items are the frames with a successor: T - 1 of T
                        metric[kind].update(names[item.key], prediction, sample.mask, frame=sample.frame,
                                            sequence_length=len(samples) + 1)

