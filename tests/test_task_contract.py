"""The contract between the harness and the tasks: every registered task conforms, an
incomplete one is told what it misses, task options parse and are recorded, and a task's
metric computed on shards and merged equals the metric of one pass."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pytest
import torch
from torch import nn

from benchmark.api.metric import Metric
from benchmark.api.model_spec import InputSpec
from benchmark.api.options import TaskOptions, option
from benchmark.api.task import EvalOptions, Source, Task, check_task
from benchmark.api.tasks import TASKS, get_spec, get_task, task_names
from benchmark.api.taskspec import DatasetSpec, MetricSpec, TaskSpec
from benchmark.errors import BenchmarkError
from benchmark.pairs.batch import pair_input
from benchmark.pairs.protocols import parse_protocol, plan_pairs

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.parametrize("name", task_names())
def test_every_registered_task_conforms(name):
    adapter = type(get_task(name))
    assert check_task(adapter) == []
    assert adapter.spec is get_spec(name) and adapter.spec.name == name


@pytest.mark.parametrize("name", task_names())
def test_every_synthetic_dataset_opens_and_builds_pairs_and_inputs(name):
    """A task's synthetic datasets work through the harness path: source -> true and
    stylised pairs -> model input."""
    task = get_task(name)
    spec = InputSpec(frames=4, size=32)
    for dataset in (d for d in task.spec.datasets if d.synthetic):
        source = task.open_source(dataset, dataset.pair_split, None, spec, task.spec.options(), limit=2)
        assert isinstance(source, Source) and len(source) > 0 and len(source.fingerprint()) == 64
        for protocol in ("true", "stylize:0,1"):
            pairs = [parse_protocol(protocol, task, spec)(source, pair_spec)
                     for pair_spec in plan_pairs(4, len(source), seed=1)]
            tensors = _tensors(pair_input(task, pairs, spec, "cpu"))
            assert all(t.shape[0] == 8 and t.dtype == torch.float32 for t in tensors)


def _tensors(x) -> list[torch.Tensor]:
    return x if isinstance(x, list) else [x]


@pytest.mark.parametrize("name", task_names())
def test_subsampling_keeps_the_model_input_and_the_static_partner_keeps_the_frames(name):
    """What lets the harness style only the frames the model sees, a batch at a time after
    the pair is built: :meth:`Task.subsample` does not change the model input, and the
    static partner does not change :meth:`Task.frames_of` (styling and the partner commute)."""
    task = get_task(name)
    spec = InputSpec(frames=4, size=32)
    dataset = next(d for d in task.spec.datasets if d.synthetic)
    source = task.open_source(dataset, dataset.pair_split, None, spec, task.spec.options(), limit=2)
    item = source.clip(0)
    seen = task.subsample(item, spec)
    whole, cut = (_tensors(task.model_input([x], spec, [None])) for x in (item, seen))
    assert all(torch.equal(a, b) for a, b in zip(whole, cut, strict=True))
    partner, _ = task.static_partner(seen, np.random.default_rng(0))
    assert np.array_equal(np.asarray(task.frames_of(partner)), np.asarray(task.frames_of(seen)))


# --------------------------------------------------------------------------- an incomplete task


@dataclass(frozen=True)
class ToyOptions(TaskOptions):
    blur: Literal["none", "box"] = option("none", key="blur.kind", help="blur the clips")
    strength: float = option(1.0, key="blur.strength", help="how much")
    cache: str = option("default", key="cache", help="where to cache", recorded=False)


TOY_SPEC = TaskSpec(
    name="toy", description="a task for the tests",
    datasets=(DatasetSpec("toy-world", True, "val", "test", "dynamic", "clip"),),
    metrics=(MetricSpec("score", main=True),), options=ToyOptions,
)


class IncompleteToy(Task):
    """Declares its spec but forgets the metric and evaluation."""

    spec = TOY_SPEC

    def open_source(self, dataset, split, data_root, input, options, limit=None):
        raise NotImplementedError

    def static_partner(self, item, rng):
        return item, None

    def model_input(self, items, input, shuffle_seeds):
        return torch.zeros(len(items))


def test_an_incomplete_task_is_told_what_it_misses():
    [problem] = check_task(IncompleteToy)
    assert "IncompleteToy: does not implement evaluate, new_metric" in problem


def test_a_task_without_a_main_metric_or_a_base_class_fails():
    class NoMain(IncompleteToy):
        spec = TaskSpec(name="toy", description="", datasets=TOY_SPEC.datasets, metrics=(MetricSpec("score"),))

        def new_metric(self, source, options):
            raise NotImplementedError

        def evaluate(self, model, source, units, metric, input, options, skipped):
            raise NotImplementedError

    assert check_task(NoMain) == ["task 'toy': needs exactly one main metric, has none"]
    assert check_task(dict) == ["dict: a task adapter must subclass benchmark.api.task.Task"]


def test_a_method_with_other_parameters_is_named():
    class Renamed(IncompleteToy):
        def new_metric(self, source, options):
            raise NotImplementedError

        def evaluate(self, model, clips, units, metric, input, options, skipped):
            raise NotImplementedError

    [problem] = check_task(Renamed)
    assert problem.startswith("Renamed.evaluate(") and "differ from Task.evaluate" in problem


# --------------------------------------------------------------------------- task options


def test_task_options_parse_validate_and_record():
    options = ToyOptions.parse(["blur.kind=box", "blur.strength=0.5", "cache=/tmp/x"], "toy")
    assert (options.blur, options.strength, options.cache) == ("box", 0.5, "/tmp/x")
    assert options.recorded() == {"blur.kind": "box", "blur.strength": 0.5}  # the cache changes no number
    with pytest.raises(BenchmarkError, match="blur.kind=gauss: must be one of none, box"):
        ToyOptions.parse(["blur.kind=gauss"], "toy")
    with pytest.raises(BenchmarkError, match="not an option of task 'toy'. Its options: blur.kind, blur.strength, cache"):
        ToyOptions.parse(["sharpen=1"], "toy")
    with pytest.raises(BenchmarkError, match="expected KEY=VALUE"):
        ToyOptions.parse(["blur.kind"], "toy")
    with pytest.raises(BenchmarkError, match="blur.strength=lots"):
        ToyOptions.parse(["blur.strength=lots"], "toy")


def test_the_avos_flow_method_is_a_recorded_task_option():
    spec = get_spec("avos")
    options = spec.options.parse(["flow.method=dis"], "avos")
    assert options.recorded()["flow.method"] == "dis"
    with pytest.raises(BenchmarkError, match="farneback, dis"):
        spec.options.parse(["flow.method=raft"], "avos")


# --------------------------------------------------------------------------- the harness names no task


def _code_strings(path: Path) -> list[tuple[int, str]]:
    """String constants of a module's code: not docstrings, not help or example text."""
    tree = ast.parse(path.read_text())
    text_nodes = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            text_nodes.add(id(body[0].value))  # a docstring
        if isinstance(node, ast.keyword) and node.arg in ("help", "epilog", "description"):
            text_nodes |= {id(n) for n in ast.walk(node.value)}
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "EPILOG" for t in node.targets):
            text_nodes |= {id(n) for n in ast.walk(node.value)}
    return [(n.lineno, n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in text_nodes]


def test_the_harness_names_no_task_and_no_dataset():
    """Outside the registration (benchmark/api/tasks.py), docstrings and help text, no string in
    benchmark/'s code names a task or a dataset: what differs between tasks is declared."""
    names = set(task_names())
    for name in task_names():
        names |= set(get_spec(name).dataset_names())
    word = re.compile(r"(?<![\w-])(" + "|".join(sorted(map(re.escape, names))) + r")(?![\w-])")
    hits = [f"{path.relative_to(REPO)}:{line}: {text!r}"
            for path in sorted((REPO / "benchmark").rglob("*.py")) if path != REPO / "benchmark/api/tasks.py"
            for line, text in _code_strings(path) if word.search(text)]
    assert hits == []


# --------------------------------------------------------------------------- metrics shard and merge


class TinyVideoNet(nn.Module):
    """Mean colour per frame -> logits, deterministic; enough to exercise the metric."""

    def __init__(self, classes: int):
        super().__init__()
        torch.manual_seed(0)
        self.head = nn.Linear(3, classes)

    def forward(self, x):
        return self.head(x.mean(dim=(2, 3, 4)))


class TinyAvosNet(nn.Module):
    def forward(self, x):
        rgb, flow = x
        return (flow.mean(1, keepdim=True) - rgb.mean(1, keepdim=True))


class TinyVisNet(nn.Module):
    def forward(self, x):
        b, _, t, h, w = x.shape
        logits = torch.zeros(b, 3, 7)
        logits[:, :, 0] = torch.linspace(0, 1, 3)
        masks = (x.mean(1, keepdim=True) - x.mean()).expand(b, 3, t, h, w)
        return {"pred_logits": logits + x.mean(), "pred_masks": masks}


MODELS = {"action_recognition": lambda: TinyVideoNet(14), "avos": TinyAvosNet, "vis": TinyVisNet}


@pytest.mark.parametrize("name", task_names())
def test_a_metric_on_two_shards_merged_equals_one_pass(name):
    """What ``torchrun`` does (each rank its share of the units, states merged in rank
    order), done in one process: the merged metric equals the single-pass metric."""
    assert set(MODELS) == set(TASKS)
    task = get_task(name)
    dataset = next(d for d in task.spec.datasets if d.synthetic)
    spec = InputSpec(frames=4, size=32)
    source = task.open_source(dataset, dataset.eval_split, None, spec, task.spec.options(), limit=6)
    model, options = MODELS[name]().eval(), EvalOptions(batch_size=4, progress=False, seed=3)
    units = list(range(task.eval_units(source)))
    whole = task.new_metric(source, task.spec.options())
    task.evaluate(model, source, units, whole, spec, options, [])
    shards = []
    for rank in range(2):
        shard = task.new_metric(source, task.spec.options())
        task.evaluate(model, source, units[rank::2], shard, spec, options, [])
        shards.append(shard)
    merged: Metric = shards[0].merge(shards[1])
    assert merged.count == whole.count == len(units)
    assert merged.compute() == whole.compute() and whole.compute()
    restored = task.new_metric(source, task.spec.options()).load_state_dict(merged.state_dict())
    assert restored.compute() == whole.compute()
    assert task.spec.main_metric.name in whole.compute()
    assert np.isfinite(list(whole.compute().values())).all()
