"""The VIS task adapter: sources, pairs, model input and AP/AR (DESIGN.md interface).

Pairs follow METHOD.md §1 as for action recognition: true factor pairs on the synthetic
VIS world, otherwise the clip in two styles (dynamic) or one style with its frames
permuted (static).  The metric is YouTube-VIS AP/AR (``tasks.vis.metrics``) on clean clips
and with the frames shuffled: the model sees the permuted frames, its masks are put back
in the original order before scoring (``AP_shuffled``, ``AP_shuffled_rel_drop``).

A VIS submission's model returns ``{"pred_logits", "pred_masks"}`` (see
``tasks.vis.predictions``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset
from tqdm import tqdm

from benchmark.clips import split_bad
from benchmark.errors import BenchmarkError
from benchmark.manifest import InputSpec
from benchmark.pairs import frame_permutation, get_protocol
from benchmark.tasks import DEFAULT_EVAL, EvalOptions
from tasks.action_recognition.transforms import model_input
from tasks.vis import sources
from tasks.vis.evaluation import TrackCollector
from tasks.vis.predictions import check_outputs, clip_tracks
from tasks.vis.samples import uniform_indices

# Clips scored when the run does not say (--eval-clips): keeps the CPU default short.
DEFAULT_EVAL_CLIPS = 200


class SampleDataset(Dataset):
    """Clips with their instances, cut to ``frames`` uniformly sampled frames; a bad clip
    becomes an error item (reported or skipped by ``--on-bad-video``)."""

    def __init__(self, source, indices: Sequence[int], frames: int):
        self.source = source
        self.indices = list(indices)
        self.frames = frames

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, k: int) -> dict:
        index = self.indices[k]
        clip_id = self.source.clip_id(index)
        try:
            sample = self.source.sample(index)
        except BenchmarkError as error:
            return {"error": str(error), "id": clip_id}
        return {"sample": sample.select(uniform_indices(sample.frames.shape[0], self.frames)), "id": clip_id}


def _as_list(batch: list[dict]) -> list[dict]:
    return batch


def shuffled_input(x: torch.Tensor, permutations: list[np.ndarray]) -> torch.Tensor:
    """``x`` (B, 3, T, H, W) with clip i's frames in the order ``permutations[i]``."""
    return torch.stack([clip[:, torch.from_numpy(p)] for clip, p in zip(x, permutations, strict=True)])


def unshuffle_masks(masks: torch.Tensor, permutations: list[np.ndarray]) -> torch.Tensor:
    """Mask logits (B, N, T, h, w) of shuffled inputs, put back in the original frame order."""
    return torch.stack([m[:, torch.from_numpy(np.argsort(p))] for m, p in zip(masks, permutations, strict=True)])


class VisTask:
    """Clips in, tracks (class + per-frame masks) out; YouTube-VIS AP/AR clean and shuffled."""

    name = "vis"
    default_dataset = sources.SYNTHETIC
    main_metric = "AP"
    eval_split_synthetic = "test"

    def dataset_names(self) -> list[str]:
        return sources.SOURCES.names()

    def default_protocol(self, dataset: str) -> str:
        """Ground-truth pairs on the synthetic world, stylised/shuffled pairs on real video."""
        return "true" if dataset == sources.SYNTHETIC else "stylize"

    def pair_protocol(self, text: str):
        return get_protocol(text)

    def open_source(self, dataset: str, split: str | None, data_root: Path | None, spec: InputSpec, limit=None):
        return sources.open_source(dataset, split, data_root, spec, limit=limit)

    def eval_source(self, dataset: str, data_root: Path | None, spec: InputSpec, limit=None):
        """The source AP is measured on (synthetic: the test split), first ``limit`` clips
        (default :data:`DEFAULT_EVAL_CLIPS`)."""
        split = self.eval_split_synthetic if dataset == sources.SYNTHETIC else None
        limit = DEFAULT_EVAL_CLIPS if limit is None else limit
        return sources.open_source(dataset, split, data_root, spec, limit=limit)

    def model_input(self, clips: list[np.ndarray], spec: InputSpec, shuffle_seeds: list[int | None]):
        if spec.pathways:
            raise BenchmarkError("VIS models take one input tensor; 'input.pathways' is not supported.")
        return model_input(clips, spec, shuffle_seeds)

    @torch.no_grad()
    def evaluate(
        self,
        model: nn.Module,
        source,
        spec: InputSpec,
        options: EvalOptions = DEFAULT_EVAL,
        skipped: list[str] | None = None,
    ) -> dict[str, float]:
        """AP, AP50, AP75, AR1, AR10 on clean clips and the same with frames shuffled
        (``*_shuffled``), with ``AP_shuffled_rel_drop``; empty when the split has no annotations."""
        if not getattr(source, "has_annotations", True):
            print(f"{source.name} {source.split}: no annotations in this split; AP is not computed.")
            return {}
        count = len(source) if options.limit is None else min(options.limit, len(source))
        loader = DataLoader(SampleDataset(source, range(count), spec.frames), batch_size=options.batch_size,
                            num_workers=options.workers, collate_fn=_as_list)
        clean, shuffled = TrackCollector(source.categories()), TrackCollector(source.categories())
        rng = np.random.default_rng([options.seed, 0x715])
        for items in tqdm(loader, desc="AP", unit="batch", disable=not options.progress):
            samples = [i["sample"] for i in split_bad(items, options.on_bad_video, skipped)]
            if not samples:
                continue
            x = self.model_input([s.frames for s in samples], spec, [None] * len(samples)).to(options.device)
            permutations = [frame_permutation(x.shape[2], rng) for _ in samples]
            logits, masks = check_outputs(model(x))
            s_logits, s_masks = check_outputs(model(shuffled_input(x, permutations)))
            s_masks = unshuffle_masks(s_masks, permutations)
            for i, sample in enumerate(samples):
                height, width = sample.frames.shape[1:3]
                clean.add(sample, clip_tracks(logits[i], masks[i], height, width))
                shuffled.add(sample, clip_tracks(s_logits[i], s_masks[i], height, width))
        metrics = clean.compute()
        for key, value in shuffled.compute().items():
            metrics[f"{key}_shuffled"] = value
        if metrics.get("AP") and "AP_shuffled" in metrics:
            metrics["AP_shuffled_rel_drop"] = (metrics["AP_shuffled"] - metrics["AP"]) / metrics["AP"]
        return metrics
