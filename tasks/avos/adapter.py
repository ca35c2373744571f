"""The AVOS task: an RGB frame and its optical flow in, a mask logit per pixel out (the
harness contract, :class:`benchmark.api.task.Task`).

Items are frames with the flow to the next frame (:class:`~tasks.avos.samples.FrameSample`);
the metric counts sequences (``--eval-clips`` limits sequences).  For the pair protocols
(docs/METHOD.md §1) a style changes the RGB frame only, and the static partner of a
sample is the same styled frame with its flow image colour-jittered (hue shift from
U(0.1, 0.5), saturation factor from U(0.1, 1.0)).  Flow options are task options
(``--task-option flow.method=dis``), recorded in the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path

import numpy as np
import torch

from benchmark.api.metric import PerturbedMetrics
from benchmark.api.model_spec import InputSpec
from benchmark.api.task import EvalOptions, Source, Task
from benchmark.api.taskspec import DatasetSpec
from benchmark.api.transforms import Frames
from tasks.avos import datasets
from tasks.avos.datasets import FlowOptions
from tasks.avos.evaluation import AvosScores, evaluate_sequences
from tasks.avos.flow import FlowParams
from tasks.avos.flow_colour import jitter_flow_image, sample_jitter
from tasks.avos.inputs import model_input
from tasks.avos.samples import FrameSample, resize_image
from tasks.avos.spec import DEFAULT_CONVENTIONS, SPEC, AvosOptions


def flow_options(options: AvosOptions, synthetic: bool) -> FlowOptions:
    """Where a source's flow images come from, per the task options.  Synthetic worlds
    render faster than a cache reads, so their flow is never cached."""
    cache = options.flow_cache
    return FlowOptions(
        params=FlowParams(method=options.flow_method),
        cache=not synthetic and cache != "off",
        cache_dir=Path(cache) if cache not in ("default", "off") else None,
        flow_root=options.flow_root,
    )


class AvosTask(Task):
    """Frame and optical flow in, a mask logit per pixel out; J&F clean and with the
    motion input perturbed (static, shuffled)."""

    spec = SPEC
    item_is_frames = False  # a sample holds its flow image and mask besides the frame

    def open_source(self, dataset: DatasetSpec, split: str, data_root: Path | None, input: InputSpec,
                    options: AvosOptions, limit: int | None = None) -> Source:
        flow = flow_options(options, dataset.synthetic)
        return datasets.open_dataset(dataset.name, split, data_root, flow, limit=limit, input_size=input.size)

    def frames_of(self, item: FrameSample) -> Frames:
        return item.rgb[None]

    def with_frames(self, item: FrameSample, frames: Frames) -> FrameSample:
        """The sample with its RGB frame replaced (a pre-stylised copy is resized to it)."""
        frame = frames[0]
        if tuple(frame.shape[:2]) != tuple(item.rgb.shape[:2]):
            frame = resize_image(np.asarray(frame), item.rgb.shape[:2])
        return replace(item, rgb=frame)

    def subsample(self, item: FrameSample, input: InputSpec) -> FrameSample:
        """A sample is one frame: the model sees all of it."""
        return item

    def static_partner(self, item: FrameSample, rng: np.random.Generator) -> tuple[FrameSample, None]:
        """The same frame with its flow image colour-jittered (docs/METHOD.md §1)."""
        hue, saturation = sample_jitter(rng)
        return replace(item, flow=jitter_flow_image(item.flow, hue, saturation)), None

    def model_input(self, items: Sequence[FrameSample], input: InputSpec,
                    shuffle_seeds: Sequence[int | None]) -> list[torch.Tensor]:
        """``[rgb, flow]`` tensors; AVOS pairs never carry a frame shuffle."""
        return model_input(items, input)

    def eval_units(self, source: Source) -> int:
        return len(source.sequence_names())

    def resolve_options(self, options: AvosOptions, dataset: DatasetSpec) -> AvosOptions:
        """The evaluation convention defaults to the one the dataset's papers report."""
        if options.convention is None:
            return options.replace(convention=DEFAULT_CONVENTIONS[dataset.name])
        return options

    def new_metric(self, source: Source, options: AvosOptions) -> PerturbedMetrics:
        convention = options.convention or DEFAULT_CONVENTIONS[source.name]
        return PerturbedMetrics(SPEC, partial(AvosScores, convention, options.moca_iou))

    def evaluate(self, model, source: Source, units: Sequence[int], metric: PerturbedMetrics,
                 input: InputSpec, options: EvalOptions, skipped: list[str]) -> None:
        """J/F mean and recall and J&F on sequences ``units`` (see :mod:`tasks.avos.evaluation`)."""
        evaluate_sequences(model, source, units, metric, input, options, skipped)
