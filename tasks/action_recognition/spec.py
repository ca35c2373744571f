"""What the action-recognition task declares: datasets, metrics (no torch imported)."""

from __future__ import annotations

from benchmark.api.taskspec import DatasetSpec, MetricSpec, TaskSpec

#: Temporal perturbations of the frames the model sees (docs/METHOD.md §5).
PERTURBATIONS = ("shuffled", "reversed", "repeated")

SPEC = TaskSpec(
    name="action_recognition",
    description="Clips in, class logits out; top-1/top-5 accuracy clean and with frames "
    "shuffled, reversed or one frame repeated.",
    datasets=(
        DatasetSpec("synthetic-motion", True, "val", "test", "dynamic", "clip",
                    description="14 fine-grained motion classes, appearance random (Diving48/SSv2-like)"),
        DatasetSpec("synthetic-appearance", True, "val", "test", "static", "clip",
                    description="12 appearance classes, motion random (Kinetics-like)"),
        DatasetSpec("synthetic-conflict", True, "val", "test", "dynamic", "clip",
                    description="motion classes; appearance matches the label in 90 % of training clips"),
        DatasetSpec("diving48", False, "test", "test", "dynamic", "clip", description="Diving48 V2"),
        DatasetSpec("ssv2", False, "validation", "validation", "dynamic", "clip",
                    description="Something-Something v2"),
        DatasetSpec("kinetics400", False, "val", "val", "static", "clip", description="Kinetics-400"),
        DatasetSpec("activitynet", False, "validation", "validation", "static", "clip",
                    description="ActivityNet v1.3 (the papers' static-biased probe set)"),
    ),
    metrics=(
        MetricSpec("top1", main=True, proportion=True, perturbations=PERTURBATIONS),
        MetricSpec("top5", proportion=True, perturbations=PERTURBATIONS),
    ),
)
