"""The AVOS task adapter: frame + flow samples, pair protocols, J&F (DESIGN.md interface).

Main metric: ``jf_mean`` (J&F, the mean of region similarity J and boundary accuracy F,
each averaged over sequences; :mod:`tasks.avos.metrics`).

Items are frames (with the flow to the next frame); pairs are built per frame
(:mod:`tasks.avos.pairs`) and the model input is ``[rgb, flow]``
(:mod:`tasks.avos.inputs`).  ``eval_clips`` / ``limit`` counts *sequences*.

Environment options (the runner has no task-specific flags):
``MOTION_BENCH_FLOW_ROOT`` reads precomputed colour-coded flow from
``<root>/<sequence>/<frame>.png`` instead of computing it; ``MOTION_BENCH_FLOW_CACHE`` moves
the flow cache (``off`` disables it); ``MOTION_BENCH_FLOW_METHOD`` is ``farneback``
(default) or ``dis``.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
from torch import nn

from benchmark.manifest import InputSpec
from benchmark.tasks import DEFAULT_EVAL, EvalOptions
from tasks.avos import datasets
from tasks.avos.datasets import FlowOptions
from tasks.avos.evaluation import evaluate_segmentation
from tasks.avos.flow import FlowParams
from tasks.avos.inputs import model_input
from tasks.avos.pairs import get_avos_protocol

#: Sequences scored on a synthetic world when no ``--eval-clips`` is given (of 300 test
#: clips): keeps the default CPU run to a couple of minutes.
SYNTHETIC_EVAL_SEQUENCES = 100


def flow_options_from_environment() -> FlowOptions:
    """Flow options from ``MOTION_BENCH_FLOW_ROOT`` / ``_CACHE`` / ``_METHOD``."""
    root = os.environ.get("MOTION_BENCH_FLOW_ROOT")
    cache = os.environ.get("MOTION_BENCH_FLOW_CACHE")
    method = os.environ.get("MOTION_BENCH_FLOW_METHOD", "farneback")
    return FlowOptions(
        params=FlowParams(method=method),
        cache=cache != "off",
        cache_dir=Path(cache) if cache and cache != "off" else None,
        flow_root=Path(root) if root else None,
    )


class AvosTask:
    """Frame and optical flow in, a mask logit per pixel out; J&F clean and with the
    motion input perturbed (static, shuffled)."""

    name = "avos"
    default_dataset = "synthetic-avos"
    main_metric = "jf_mean"

    def dataset_names(self) -> list[str]:
        return datasets.dataset_names()

    def default_protocol(self, dataset: str) -> str:
        """Ground-truth pairs on the synthetic worlds, stylised/jittered pairs on real video."""
        return "true" if dataset in datasets.SYNTHETIC_DATASETS else "stylize"

    def pair_protocol(self, text: str):
        return get_avos_protocol(text)

    def _open(self, dataset: str, split: str | None, data_root, spec: InputSpec, limit, pairs: bool):
        flow = flow_options_from_environment()
        if dataset in datasets.SYNTHETIC_DATASETS:
            flow = FlowOptions(params=flow.params, cache=False)  # rendering beats the disk
        source = datasets.open_dataset(dataset, split, data_root, flow, limit=limit, pairs=pairs)
        source.input_size = spec.size
        return source

    def open_source(self, dataset: str, split: str | None, data_root: Path | None, spec: InputSpec, limit=None):
        """The source pairs are measured on (synthetic: the val split; real: the eval split)."""
        return self._open(dataset, split, data_root, spec, limit, pairs=True)

    def eval_source(self, dataset: str, data_root: Path | None, spec: InputSpec, limit=None):
        """The source J&F is measured on (synthetic: the first ``SYNTHETIC_EVAL_SEQUENCES``
        test clips unless ``limit``; real: the eval split); ``limit`` counts sequences."""
        if limit is None and dataset in datasets.SYNTHETIC_DATASETS:
            limit = SYNTHETIC_EVAL_SEQUENCES
        return self._open(dataset, None, data_root, spec, limit, pairs=False)

    def model_input(self, items: list, spec: InputSpec, shuffle_seeds: list[int | None]) -> list[torch.Tensor]:
        """``[rgb, flow]`` tensors; AVOS pairs never carry a frame shuffle."""
        return model_input(items, spec)

    def evaluate(
        self,
        model: nn.Module,
        source,
        spec: InputSpec,
        options: EvalOptions = DEFAULT_EVAL,
        skipped: list[str] | None = None,
    ) -> dict[str, float]:
        """J/F mean and recall and J&F on the source's sequences (see :mod:`tasks.avos.evaluation`)."""
        names = source.sequence_names()
        return evaluate_segmentation(
            model, source, spec, sequences=names if options.limit is None else names[:options.limit],
            batch_size=options.batch_size, device=options.device, workers=options.workers,
            seed=options.seed, on_bad_video=options.on_bad_video, skipped=skipped,
            progress=options.progress,
        )
