"""The action-recognition task adapter: sources, model input, accuracy (DESIGN.md interface)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from benchmark.clips import ClipDataset, iterate_clips
from benchmark.manifest import InputSpec
from benchmark.pairs import get_protocol
from benchmark.tasks import DEFAULT_EVAL, EvalOptions
from tasks.action_recognition import sources
from tasks.action_recognition.metrics import PERTURBATIONS, AccuracyMeter, relative_drop
from tasks.action_recognition.transforms import model_input, to_device


class ActionRecognitionTask:
    """Clips in, class logits out; accuracy clean and with frames shuffled/reversed/repeated."""

    name = "action_recognition"
    default_dataset = "synthetic-motion"
    main_metric = "top1"
    eval_split_synthetic = "test"

    def dataset_names(self) -> list[str]:
        return sources.SOURCES.names()

    def default_protocol(self, dataset: str) -> str:
        """Ground-truth pairs on synthetic worlds, stylised/shuffled pairs on real video."""
        return "true" if dataset in sources.SYNTHETIC_WORLDS else "stylize"

    def pair_protocol(self, text: str):
        return get_protocol(text)

    def open_source(self, dataset: str, split: str | None, data_root: Path | None, spec: InputSpec, limit=None):
        return sources.open_source(dataset, split, data_root, spec, limit=limit)

    def eval_source(self, dataset: str, data_root: Path | None, spec: InputSpec, limit=None):
        """The source accuracy is measured on (synthetic: the test split)."""
        split = self.eval_split_synthetic if dataset in sources.SYNTHETIC_WORLDS else None
        return sources.open_source(dataset, split, data_root, spec, limit=limit)

    def model_input(self, clips: list[np.ndarray], spec: InputSpec, shuffle_seeds: list[int | None]):
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
        """Top-1/top-5 accuracy clean and under each temporal perturbation, with relative drops."""
        meters = {name: AccuracyMeter() for name in PERTURBATIONS}
        count = len(source) if options.limit is None else min(options.limit, len(source))
        dataset = ClipDataset(source, range(count))
        batches = iterate_clips(dataset, options.batch_size, options.workers, options.on_bad_video, skipped)
        rng = np.random.default_rng([options.seed, 0xACC])
        for clips, labels, _ in tqdm(batches, desc="accuracy", unit="batch", disable=not options.progress,
                                     total=-(-count // options.batch_size)):
            labels = torch.as_tensor(labels)
            for name, perturb in PERTURBATIONS.items():
                shown = clips if perturb is None else [perturb(c, rng) for c in clips]
                seeds = [int(s) for s in rng.integers(0, 2**31 - 1, len(clips))] if name == "shuffled" else None
                logits = model(to_device(model_input(shown, spec, seeds), options.device))
                meters[name].update(logits.float().cpu(), labels)
        metrics: dict[str, float] = {}
        clean = meters["clean"].compute()
        metrics.update(clean)
        for name, meter in meters.items():
            if name == "clean":
                continue
            for key, value in meter.compute().items():
                metrics[f"{key}_{name}"] = value
                drop = relative_drop(clean.get(key, 0.0), value)
                if drop is not None:
                    metrics[f"{key}_{name}_rel_drop"] = drop
        return metrics
