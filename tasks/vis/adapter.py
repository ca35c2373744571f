"""The VIS task: clips in, tracks out (the harness contract, :class:`benchmark.api.task.Task`).

Pairs follow docs/METHOD.md §1 as for action recognition: true factor pairs on the
synthetic VIS world, otherwise the clip in two styles (dynamic) or one style with its
frames permuted (static).  The metric is YouTube-VIS AP/AR (``tasks.vis.metrics``) on
clean clips and with the frames shuffled: the model sees the permuted frames, its masks
are put back in the original order before scoring.  Each clip's permutation is drawn in
evaluation order before anything is scored, so ``torchrun`` shards give the same numbers.

A VIS submission's model returns ``{"pred_logits", "pred_masks"}`` (see
``tasks.vis.predictions``).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from benchmark.api.intervals import Estimate
from benchmark.api.metric import CLEAN, Metric, PerturbedMetrics
from benchmark.api.model_spec import InputSpec
from benchmark.api.options import TaskOptions
from benchmark.api.task import ClipTask, EvalOptions, Source
from benchmark.api.taskspec import DatasetSpec
from benchmark.api.transforms import frame_permutation, uniform_indices
from benchmark.data.clips import LoadedItems, iterate_loaded
from benchmark.errors import BenchmarkError
from tasks.vis import sources
from tasks.vis.evaluation import TrackCollector
from tasks.vis.predictions import TrackPrediction, check_outputs, clip_tracks
from tasks.vis.samples import VisClip
from tasks.vis.spec import SPEC, ap_groups


def shuffled_input(x: torch.Tensor, permutations: list[np.ndarray]) -> torch.Tensor:
    """``x`` (B, 3, T, H, W) with clip i's frames in the order ``permutations[i]``."""
    return torch.stack([clip[:, torch.from_numpy(p)] for clip, p in zip(x, permutations, strict=True)])


def unshuffle_masks(masks: torch.Tensor, permutations: list[np.ndarray]) -> torch.Tensor:
    """Mask logits (B, N, T, h, w) of shuffled inputs, put back in the original frame order."""
    return torch.stack([m[:, torch.from_numpy(np.argsort(p))] for m, p in zip(masks, permutations, strict=True)])


class ClipTracks(Metric):
    """Ground truth and predicted tracks of every scored clip, keyed by evaluation unit so
    that partial states from several ranks merge into the single-process order."""

    def __init__(self, categories: dict[int, str], groups: dict[str, tuple[int, ...]] | None = None) -> None:
        super().__init__()
        self.categories = categories
        self.groups = groups or {}  # reported AP key -> category ids (tasks.vis.spec.ap_groups)
        self.add_state("clips", {}, "union")  # unit -> (video, annotations, results) as YouTube-VIS JSON

    def update(self, unit: int, clip: VisClip, tracks: list[TrackPrediction]) -> None:
        one = TrackCollector(self.categories, self.groups)
        one.add(clip, tracks)
        self.clips[unit] = (one.videos[0], one.annotations, one.results)

    @property
    def count(self) -> int:
        return len(self.clips)

    def collector(self) -> TrackCollector:
        """Every clip in evaluation order, with video and annotation ids renumbered."""
        collector = TrackCollector(self.categories, self.groups)
        for unit in sorted(self.clips):
            video, annotations, results = self.clips[unit]
            video_id = len(collector.videos) + 1
            collector.videos.append({**video, "id": video_id})
            for annotation in annotations:
                collector.annotations.append(
                    {**annotation, "id": len(collector.annotations) + 1, "video_id": video_id})
            collector.results.extend({**result, "video_id": video_id} for result in results)
        return collector

    def compute(self) -> dict[str, float]:
        return self.collector().compute()

    def intervals(self, seed: int = 0, replicates: int = 200) -> dict[str, Estimate]:
        """Bootstrap intervals over videos (keyed by clip id) of AP, AP50, AP75, AR1/10/100
        and of each group's AP."""
        return self.collector().intervals(seed, replicates)


def _sample(source: Source, frames: int, index: int) -> VisClip:
    sample = source.sample(index)
    return sample.select(uniform_indices(sample.frames.shape[0], frames))


class VisTask(ClipTask):
    """Clips in, tracks (class + per-frame masks) out; YouTube-VIS AP/AR clean and shuffled."""

    spec = SPEC

    def open_source(self, dataset: DatasetSpec, split: str, data_root: Path | None, input: InputSpec,
                    options: TaskOptions, limit: int | None = None) -> Source:
        if input.pathways:
            raise BenchmarkError("VIS models take one input tensor; 'input.pathways' is not supported.")
        return sources.open_source(dataset, split, data_root, input, limit=limit)

    def new_metric(self, source: Source, options: TaskOptions) -> PerturbedMetrics:
        kinds = source.category_groups() if hasattr(source, "category_groups") else {}  # optional
        groups = ap_groups(source.categories(), kinds)
        return PerturbedMetrics(SPEC, partial(ClipTracks, source.categories(), groups))

    @torch.no_grad()
    def evaluate(self, model, source: Source, units: Sequence[int], metric: PerturbedMetrics,
                 input: InputSpec, options: EvalOptions, skipped: list[str]) -> None:
        """The YouTube-VIS summary (AP, AP50, AP75, APs/m/l, AR1/10/100, ARs/m/l) of clips
        ``units``, clean and with frames shuffled; no unit is scored when the split has no
        annotations (the metric is then absent)."""
        if not getattr(source, "has_annotations", True):
            print(f"{source.name} {source.split}: no annotations in this split; AP is not computed.")
            return
        rng = np.random.default_rng([options.seed, 0x715])
        permutations = [frame_permutation(input.frames, rng) for _ in range(max(units, default=-1) + 1)]
        dataset = LoadedItems(units, partial(_sample, source, input.frames), source.clip_id)
        loaded = iterate_loaded(dataset, options.batch_size, options.workers, options.on_bad_video, skipped)
        for items, _ in tqdm(loaded, desc="AP", unit="batch", disable=not options.progress,
                             total=-(-len(units) // options.batch_size)):
            samples = [item.value for item in items]
            x = self.model_input([s.frames for s in samples], input, [None] * len(samples)).to(options.device)
            orders = [permutations[item.key] for item in items]
            logits, masks = check_outputs(model(x))
            s_logits, s_masks = check_outputs(model(shuffled_input(x, orders)))
            s_masks = unshuffle_masks(s_masks, orders)
            for i, (item, sample) in enumerate(zip(items, samples, strict=True)):
                height, width = sample.frames.shape[1:3]
                metric[CLEAN].update(item.key, sample, clip_tracks(logits[i], masks[i], height, width))
                metric["shuffled"].update(item.key, sample, clip_tracks(s_logits[i], s_masks[i], height, width))
