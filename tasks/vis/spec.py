"""What the VIS task declares: datasets and metrics (no torch imported)."""

from __future__ import annotations

from benchmark.taskspec import DatasetSpec, MetricSpec, TaskSpec

#: Clips scored on the synthetic world without ``--eval-clips``: keeps the CPU default short.
SYNTHETIC_EVAL_CLIPS = 200
#: The model sees the clip's frames permuted; its masks are put back in order before scoring.
PERTURBATIONS = ("shuffled",)

SPEC = TaskSpec(
    name="vis",
    description="Clips in, tracks (a category and a mask per frame) out; YouTube-VIS AP/AR "
    "clean and with the frames shuffled.",
    datasets=(
        DatasetSpec("synthetic-vis", True, "val", "test", "mixed", "video",
                    eval_limit=SYNTHETIC_EVAL_CLIPS,
                    description="2-5 moving objects of several categories with instance ids"),
        # Pairs need no labels, so the validation split (no public annotations: AP is then
        # absent) is measured, as in the papers.
        DatasetSpec("youtube-vis-2019", False, "valid", "valid", "static", "video",
                    description="YouTube-VIS 2019"),
        DatasetSpec("youtube-vis-2021", False, "valid", "valid", "static", "video",
                    description="YouTube-VIS 2021"),
    ),
    # The official YouTube-VIS summary (ytvoseval.summarize; docs/metrics.md); an area
    # range without ground truth is absent.
    metrics=(
        MetricSpec("AP", main=True, perturbations=PERTURBATIONS),
        MetricSpec("AP50", perturbations=PERTURBATIONS),
        MetricSpec("AP75", perturbations=PERTURBATIONS),
        MetricSpec("APs"), MetricSpec("APm"), MetricSpec("APl"),
        MetricSpec("AR1", perturbations=PERTURBATIONS),
        MetricSpec("AR10", perturbations=PERTURBATIONS),
        MetricSpec("AR100"),
        MetricSpec("ARs"), MetricSpec("ARm"), MetricSpec("ARl"),
    ),
)
