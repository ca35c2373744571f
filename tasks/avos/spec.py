"""What the AVOS task declares: datasets, metrics and options (no torch imported)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from benchmark.api.options import TaskOptions, option
from benchmark.api.taskspec import DatasetSpec, MetricSpec, TaskSpec

#: Perturbations of the motion input (the flow image; the RGB frame is untouched):
#: ``static`` shows zero flow everywhere, ``shuffled`` permutes a sequence's flow images.
PERTURBATIONS = ("static", "shuffled")
#: Sequences scored on a synthetic world without ``--eval-clips`` (of 300 test clips).
SYNTHETIC_EVAL_SEQUENCES = 100


@dataclass(frozen=True)
class AvosOptions(TaskOptions):
    """Where the motion stream's optical flow comes from (``--task-option KEY=VALUE``)."""

    flow_method: Literal["farneback", "dis"] = option(
        "farneback", key="flow.method", help="optical flow algorithm (OpenCV)")
    flow_root: Path | None = option(
        None, key="flow.root",
        help="read precomputed colour-coded flow from <root>/<sequence>/<frame>.png instead of computing it")
    flow_cache: str = option(
        "default", key="flow.cache",
        help="flow cache folder for real datasets: 'default' (~/.cache/motion-bench/flow), 'off' or a path",
        recorded=False)
    convention: Literal["davis2016", "davis2017-unsupervised"] | None = option(
        None, key="eval.convention",
        help="which frames J&F counts: davis2016 (first and last frame left out, as the DAVIS 2016 "
             "toolkit) or davis2017-unsupervised (all frames); default: the dataset's (see docs/metrics.md)")
    moca_iou: Literal["mask", "box"] = option(
        "mask", key="moca.iou", help="IoU of the MoCA metrics: mask IoU, or the MoCA script's box IoU")


#: The evaluation convention each dataset's papers report J&F with (docs/metrics.md).
DEFAULT_CONVENTIONS = {
    "davis2016": "davis2016",
    "moca": "davis2017-unsupervised",
    "synthetic-avos": "davis2017-unsupervised",
    "synthetic-avos-camouflage": "davis2017-unsupervised",
}


SPEC = TaskSpec(
    name="avos",
    description="Frame and optical flow in, a mask logit per pixel out; J&F clean and with the "
    "motion input perturbed.",
    datasets=(
        DatasetSpec("synthetic-avos", True, "val", "test", "dynamic", "sequence",
                    eval_limit=SYNTHETIC_EVAL_SEQUENCES,
                    description="one moving object among static look-alikes"),
        DatasetSpec("synthetic-avos-camouflage", True, "val", "test", "dynamic", "sequence",
                    eval_limit=SYNTHETIC_EVAL_SEQUENCES,
                    description="the moving object wears the background's texture (MoCA-like)"),
        DatasetSpec("davis2016", False, "val", "val", "static", "sequence", description="DAVIS 2016"),
        DatasetSpec("moca", False, "test", "test", "dynamic", "sequence",
                    description="MoCA-Mask (camouflaged animals)"),
    ),
    metrics=(
        MetricSpec("jf_mean", main=True, perturbations=PERTURBATIONS),
        # decay: the mean over the first quarter of the frames minus that over the last
        # (DAVIS); negative when a model gets better along a sequence
        MetricSpec("j_mean"),
        MetricSpec("j_recall"),
        MetricSpec("j_decay", higher_is_better=False, bounds=(-1.0, 1.0)),
        MetricSpec("f_mean"),
        MetricSpec("f_recall"),
        MetricSpec("f_decay", higher_is_better=False, bounds=(-1.0, 1.0)),
        # MoCA: mean IoU over sequences and success rates pooled over frames (docs/metrics.md)
        MetricSpec("miou"),
        *(MetricSpec(f"sr{t}") for t in (50, 60, 70, 80, 90)),
        MetricSpec("sr_mean"),
    ),
    options=AvosOptions,
)
