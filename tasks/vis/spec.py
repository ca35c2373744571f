"""What the VIS task declares: datasets and metrics (no torch imported)."""

from __future__ import annotations

from benchmark.api.taskspec import DatasetSpec, MetricSpec, TaskSpec
from tasks.synthetic.vis_world import CATEGORIES as SYNTHETIC_CATEGORIES
from tasks.synthetic.vis_world import category_groups as synthetic_category_groups

#: Clips scored on the synthetic world without ``--eval-clips``: keeps the CPU default short.
SYNTHETIC_EVAL_CLIPS = 200
#: The model sees the clip's frames permuted; its masks are put back in order before scoring.
PERTURBATIONS = ("shuffled",)


def ap_groups(categories: dict[int, str], kinds: dict[str, tuple[int, ...]]) -> dict[str, tuple[int, ...]]:
    """The AP values reported beside the summary on a dataset whose categories come in
    ``kinds`` (the synthetic world's appearance- and motion-defined categories):
    ``AP_<kind>``, the mean AP of the kind's categories, and ``AP_<category>`` for each of
    them; none without kinds.  Each is a declared metric below."""
    if not kinds:
        return {}
    groups = {f"AP_{kind}": tuple(ids) for kind, ids in kinds.items()}
    members = sorted({c for ids in kinds.values() for c in ids})
    return groups | {f"AP_{categories[c]}": (c,) for c in members}


#: AP per kind of category (clean and shuffled) and per category on synthetic-vis.
SYNTHETIC_AP_METRICS = (
    *(MetricSpec(f"AP_{kind}", perturbations=PERTURBATIONS) for kind in synthetic_category_groups()),
    *(MetricSpec(f"AP_{name}") for name in SYNTHETIC_CATEGORIES),
)

SPEC = TaskSpec(
    name="vis",
    description="Clips in, tracks (a category and a mask per frame) out; YouTube-VIS AP/AR "
    "clean and with the frames shuffled.",
    datasets=(
        DatasetSpec("synthetic-vis", True, "val", "test", "mixed", "video",
                    eval_limit=SYNTHETIC_EVAL_CLIPS,
                    description="2-5 moving objects with instance ids; 4 categories defined by shape, 4 only by motion"),
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
        *SYNTHETIC_AP_METRICS,
    ),
)
