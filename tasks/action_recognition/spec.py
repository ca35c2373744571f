"""What the action-recognition task declares: datasets, metrics (no torch imported)."""

from __future__ import annotations

from benchmark.api.tasks import TaskPlugin
from benchmark.api.taskspec import DatasetSpec, MetricSpec, TaskSpec

#: Temporal perturbations of the frames the model sees (docs/METHOD.md §5).
PERTURBATIONS = ("shuffled", "reversed", "repeated")

SPEC = TaskSpec(
    name="action_recognition",
    description="Clips in, class logits out; top-1/top-5 accuracy clean and with frames "
    "shuffled, reversed or one frame repeated.",
    datasets=(
        DatasetSpec(name="synthetic-motion", synthetic=True, pair_split="val", eval_split="test", bias="dynamic", unit="clip",
                    description="14 fine-grained motion classes, appearance random (Diving48/SSv2-like)"),
        DatasetSpec(name="synthetic-motion-woven", synthetic=True, pair_split="val", eval_split="test", bias="dynamic",
                    unit="clip", description="synthetic-motion's 14 motion classes in another texture family (woven)"),
        DatasetSpec(name="synthetic-appearance", synthetic=True, pair_split="val", eval_split="test", bias="static", unit="clip",
                    description="12 appearance classes, motion random (Kinetics-like)"),
        DatasetSpec(name="synthetic-conflict", synthetic=True, pair_split="val", eval_split="test", bias="dynamic", unit="clip",
                    description="motion classes; appearance matches the label in 90 % of training clips"),
        DatasetSpec(name="diving48", synthetic=False, pair_split="test", eval_split="test", bias="dynamic", unit="clip", description="Diving48 V2"),
        DatasetSpec(name="ssv2", synthetic=False, pair_split="validation", eval_split="validation", bias="dynamic", unit="clip",
                    description="Something-Something v2"),
        DatasetSpec(name="kinetics400", synthetic=False, pair_split="val", eval_split="val", bias="static", unit="clip", description="Kinetics-400"),
        DatasetSpec(name="activitynet", synthetic=False, pair_split="validation", eval_split="validation", bias="static", unit="clip",
                    description="ActivityNet v1.3 (the papers' static-biased probe set)"),
    ),
    metrics=(
        MetricSpec(name="top1", main=True, proportion=True, perturbations=PERTURBATIONS),
        MetricSpec(name="top5", proportion=True, perturbations=PERTURBATIONS),
    ),
)

#: What the task hands the harness through its entry point (``pyproject.toml``).
PLUGIN = TaskPlugin(
    spec=SPEC,
    adapter="tasks.action_recognition.adapter:ActionRecognitionTask",
    worlds={
        "synthetic-motion": "tasks.synthetic.action_worlds:MotionWorld",
        "synthetic-appearance": "tasks.synthetic.action_worlds:AppearanceWorld",
        "synthetic-motion-woven": "tasks.synthetic.action_worlds:WovenMotionWorld",
        "synthetic-conflict": "tasks.synthetic.action_worlds:ConflictWorld",
    },
)
