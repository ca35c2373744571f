"""The action-recognition task: clips in, class logits out (the harness contract,
:class:`benchmark.api.task.Task`).

Accuracy is measured clean and under the perturbations of :mod:`.spec`: frames shuffled
(after temporal subsampling, per pathway), reversed, or the middle frame repeated.  The
shuffle seeds are drawn for every clip in evaluation order before anything is scored,
so the numbers do not depend on batching or on how ``torchrun`` shards the clips.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from benchmark.api.metric import CLEAN, PerturbedMetrics
from benchmark.api.model_spec import InputSpec
from benchmark.api.options import TaskOptions
from benchmark.api.task import ClipTask, EvalOptions, Source
from benchmark.api.taskspec import DatasetSpec
from benchmark.api.transforms import clips_to_input, to_device
from benchmark.data.clips import LoadedItems, iterate_loaded
from benchmark.errors import ModelOutputError
from tasks.action_recognition import sources
from tasks.action_recognition.metrics import CLIP_PERTURBATIONS, AccuracyMeter
from tasks.action_recognition.spec import SPEC


def _clip_and_label(source: Source, index: int) -> tuple[np.ndarray, int]:
    return source.clip(index), source.label(index)


def check_logits(logits, batch: int, num_classes: int, dataset: str) -> torch.Tensor:
    """The model's class logits, refused unless shaped (batch, classes of the dataset) and finite."""
    if not isinstance(logits, torch.Tensor):
        raise ModelOutputError(f"The model returned a {type(logits).__name__}; an action-recognition model "
                               f"returns class logits, a tensor of shape (batch, {num_classes}).")
    if logits.ndim != 2 or logits.shape[0] != batch:
        raise ModelOutputError(f"The model returned logits of shape {tuple(logits.shape)} for a batch of {batch} "
                               f"clips; expected ({batch}, {num_classes}): one row of class scores per clip.")
    if logits.shape[1] != num_classes:
        raise ModelOutputError(
            f"The model scores {logits.shape[1]} classes, but {dataset} has {num_classes}: accuracy would be "
            f"meaningless (top-5 of {logits.shape[1]} classes). Build it for {num_classes} classes (e.g. "
            f"model_args: {{num_classes: {num_classes}}}) with weights trained on {dataset}."
        )
    bad = ~torch.isfinite(logits)
    if bad.any():
        rows = sorted({int(r) for r in bad.nonzero()[:, 0].tolist()})
        raise ModelOutputError(f"The model returned {int(bad.sum())} non-finite logits (NaN/inf) in rows "
                               f"{rows[:10]} of a batch of {batch}; check its numerics (e.g. fp16 overflow).")
    return logits


def shuffle_seeds(seed: int, units: int) -> np.ndarray:
    """The frame-shuffle seed of each of the first ``units`` evaluation clips."""
    return np.random.default_rng([seed, 0xACC]).integers(0, 2**31 - 1, units)


class ActionRecognitionTask(ClipTask):
    """Clips in, class logits out; accuracy clean and with frames shuffled/reversed/repeated."""

    spec = SPEC

    def open_source(self, dataset: DatasetSpec, split: str, data_root: Path | None, input: InputSpec,
                    options: TaskOptions, limit: int | None = None) -> Source:
        return sources.open_source(dataset, split, data_root, input, limit=limit)

    def new_metric(self, source: Source, options: TaskOptions) -> PerturbedMetrics:
        return PerturbedMetrics(SPEC, AccuracyMeter)

    @torch.no_grad()
    def evaluate(self, model, source: Source, units: Sequence[int], metric: PerturbedMetrics,
                 input: InputSpec, options: EvalOptions, skipped: list[str]) -> None:
        """Top-1/top-5 accuracy of clips ``units`` clean and under each perturbation."""
        seeds = shuffle_seeds(options.seed, max(units, default=-1) + 1)
        dataset = LoadedItems(units, partial(_clip_and_label, source), source.clip_id)
        batches = iterate_loaded(dataset, options.batch_size, options.workers, options.on_bad_video, skipped)
        for items, _ in tqdm(batches, desc="accuracy", unit="batch", disable=not options.progress,
                             total=-(-len(units) // options.batch_size)):
            clips = [item.value[0] for item in items]
            labels = torch.as_tensor([item.value[1] for item in items])
            shown = {CLEAN: (clips, None), "shuffled": (clips, [int(seeds[item.key]) for item in items])}
            shown |= {name: ([perturb(c) for c in clips], None) for name, perturb in CLIP_PERTURBATIONS.items()}
            for name, (batch, batch_seeds) in shown.items():
                logits = model(to_device(clips_to_input(batch, input, batch_seeds), options.device))
                logits = check_logits(logits, len(clips), source.num_classes, source.name)
                metric[name].update(logits.float().cpu(), labels)
