"""The blink task's declaration and plug-in: light, no torch."""

from __future__ import annotations

from benchmark.api.tasks import TaskPlugin
from benchmark.api.taskspec import DatasetSpec, MetricSpec, TaskSpec

SPEC = TaskSpec(
    name="blink",
    description="When does the square flash: in the first or the second half of the clip?",
    datasets=(
        DatasetSpec(name="toy-blink", synthetic=True, pair_split="val", eval_split="test",
                    bias="dynamic", unit="clip", description="a flash early or late on a coloured field"),
    ),
    metrics=(MetricSpec(name="accuracy", main=True, proportion=True),),
)

#: Named by the entry point ``blink = "tests.toy_task.spec:PLUGIN"``.
PLUGIN = TaskPlugin(
    spec=SPEC,
    adapter="tests.toy_task.adapter:BlinkTask",
    worlds={"toy-blink": "tests.toy_task.world:BlinkWorld"},
)
