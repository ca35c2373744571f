"""``benchmark run``: submission -> pairs -> probe -> estimator -> task metric -> result file.

:func:`run` is four named stages over one :class:`RunContext`:

1. :func:`prepare` - read the submission, check every option (dataset, pair protocol, task
   options), build the model and its layer probe, open the source, plan the pairs, and
   resume from a checkpoint when asked;
2. :func:`measure_pairs` - feed the planned pairs through the model, pool the probed
   layers and accumulate the static/dynamic statistics (checkpointed every few batches);
3. :func:`evaluate` - the task's metric on its evaluation split, clean and perturbed;
4. :func:`assemble_result` - scores, metrics and provenance into the result file.

Under ``torchrun`` every rank measures a shard of the pairs and of the evaluation units;
the estimator's sums are all-reduced and the metric states merged, so the result equals a
single-process run.  Progress is checkpointed on interruption, so ``--resume`` continues
where a run stopped and nothing already computed is lost.

What keeps a run from losing or mixing work (:mod:`benchmark.run.safeguards`): results go to
``runs/<submission>/`` unless ``--update-results`` or ``--output``, never over a committed
result or one measured with more pairs unless asked; one run per checkpoint (a lock); a
checkpoint resumes only a run whose key (:func:`checkpoint_key`: weights, model file and
arguments, data, every option that changes a number) matches; SIGTERM saves like Ctrl-C.

The submission's model runs in its own process (:class:`~benchmark.isolation.process.ModelProcess`):
this process sends it inputs and receives pooled features and task outputs, and never
imports submission code.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import torch
from tabulate import tabulate
from tqdm import tqdm

from benchmark.api.intervals import MIN_PAIRS_FOR_INTERVAL
from benchmark.api.model_spec import LayerSpec
from benchmark.api.options import TaskOptions
from benchmark.api.run_options import recorded
from benchmark.api.task import EvalOptions, Source, Task
from benchmark.api.tasks import get_task
from benchmark.api.taskspec import DatasetSpec
from benchmark.api.transforms import to_device
from benchmark.data.clips import LoadedItems, iterate_loaded
from benchmark.errors import BenchmarkError, DataError
from benchmark.hashing import sha256_file
from benchmark.isolation.process import ModelProcess
from benchmark.measure.estimator import StaticDynamicEstimator
from benchmark.measure.flops import first_loadable
from benchmark.measure.precision import check_precision
from benchmark.pairs.batch import pair_input
from benchmark.pairs.protocols import PairProtocol, PairSpec, parse_protocol, plan_pairs
from benchmark.results.schema import (
    RESULT_SCHEMA,
    DatasetInfo,
    LayerResult,
    Result,
    environment,
    result_file_name,
    write_result,
)
from benchmark.run.checkpoint_file import read_checkpoint, write_checkpoint
from benchmark.run.distributed import close_distributed, gather_lists, init_distributed
from benchmark.run.safeguards import (
    DEFAULT_MEMORY_LIMIT_GIB,
    CheckpointLock,
    check_output,
    interrupt_on_sigterm,
    output_folder,
    uninterrupted,
)
from benchmark.submission.manifest import Submission, load_submission
from benchmark.submission.model import resolve_weights


@dataclass
class RunOptions:
    """Options of one run (the CLI flags of ``benchmark run``)."""

    dataset: str | None = None
    data_root: Path | None = None
    split: str | None = None
    pairs: int = 1000
    batch_size: int = 16
    device: str = "cpu"
    seed: int = 0
    pair_protocol: str | None = None
    bootstrap: int = 200
    eval_clips: int | None = None  # evaluation units: clips, sequences or videos, per task
    workers: int = 0
    resume: bool = False
    restart: bool = False  # discard an existing checkpoint and start over
    on_bad_video: str = "fail"
    output: Path | None = None  # default: runs/<submission>/ (see update_results)
    update_results: bool = False  # write into the submission's results/ (replacing its result)
    force: bool = False  # replace a result measured with more pairs
    memory_limit_gib: float | None = DEFAULT_MEMORY_LIMIT_GIB  # of the estimator; None: no limit
    checkpoint_every: int = 10
    progress: bool = True
    task_options: tuple[str, ...] = ()  # KEY=VALUE, as given to --task-option
    precision: str = "fp32"  # the forward's: fp32, bf16 or fp16 (benchmark.measure.precision)


@dataclass
class RunContext:
    """Everything one run works with, filled stage by stage."""

    options: RunOptions
    submission: Submission
    task: Task
    dataset: DatasetSpec
    task_options: TaskOptions
    protocol: PairProtocol
    rank: int
    world_size: int
    device: str
    started: float
    model: ModelProcess | None = None  # the submission's model, in its own process
    layers: dict[str, LayerSpec] = field(default_factory=dict)
    source: Source | None = None
    plan: list[PairSpec] = field(default_factory=list)
    planned: int = 0  # pairs in the whole plan (all ranks)
    checkpoint: Path | None = None
    out_dir: Path | None = None
    lock: CheckpointLock | None = None
    weights_sha256: str | None = None
    key: dict = field(default_factory=dict)
    estimator: StaticDynamicEstimator | None = None
    done: int = 0  # pairs of this rank's plan already measured
    skipped: list[str] = field(default_factory=list)
    evaluation: dict | None = None  # {"metrics", "intervals", "count"} once evaluated
    flops: int | None = None  # of one forward pass on one clip (benchmark.measure.flops)

    @property
    def spec(self):
        return self.submission.manifest.input

    def save_checkpoint(self) -> None:
        write_checkpoint(self.checkpoint, self.key,
                         {"estimator": self.estimator.state_dict(), "done": self.done, "skipped": self.skipped,
                          "evaluation": self.evaluation})


# --------------------------------------------------------------------------- 1. prepare


def checkpoint_key(ctx: RunContext) -> dict:
    """Everything that changes a number: the model (weights, model file, arguments, probed
    layers, input), the data (fingerprint) and every option; a checkpoint made with another
    key is refused, naming the fields that differ."""
    options, manifest = ctx.options, ctx.submission.manifest
    return {
        "submission": ctx.submission.name,
        "weights_sha256": ctx.weights_sha256,
        "code_sha256": code_sha256(ctx.submission),
        "model": manifest.model,
        "model_args": repr(sorted(manifest.model_args.items())),
        "layers": {name: spec.model_dump_json() for name, spec in ctx.layers.items()},
        "input": manifest.input.model_dump_json(),
        "dataset": ctx.dataset.name,
        "split": ctx.source.split,
        "data_fingerprint": ctx.source.fingerprint(),
        "protocol": ctx.protocol.text,
        **recorded(options),  # pairs, seed, bootstrap, batch size, evaluation units, precision
        "device": torch.device(ctx.device).type,
        "world_size": ctx.world_size,
        "task_options": ctx.task_options.recorded(),
    }


def code_sha256(submission: Submission) -> str:
    """One sha256 of every Python file of the submission (``model.py`` and what it imports
    from its folder): another version of the code is another model."""
    digest = hashlib.sha256()
    folder = submission.folder.resolve()
    for path in sorted(folder.rglob("*.py")):
        if path.is_file() and not path.is_symlink():
            digest.update(f"{path.relative_to(folder).as_posix()}\0{sha256_file(path)}\n".encode())
    return digest.hexdigest()


def _key_differences(saved: dict, wanted: dict) -> str:
    def flat(d: dict, prefix: str = "") -> dict:
        out = {}
        for k, v in d.items():
            out |= flat(v, f"{prefix}{k}.") if isinstance(v, dict) else {f"{prefix}{k}": v}
        return out

    saved, wanted = flat(saved), flat(wanted)
    names = sorted(k for k in saved.keys() | wanted.keys() if saved.get(k) != wanted.get(k))
    return "; ".join(f"{k}: checkpoint {saved.get(k)!r}, now {wanted.get(k)!r}" for k in names)


def prepare(folder: str | Path, options: RunOptions) -> RunContext:
    """Stage 1: check every option, build the model and probe, open the source, plan the
    pairs; resume from the checkpoint with ``--resume``."""
    ctx = open_run(folder, options)
    try:
        ctx.lock = CheckpointLock(ctx.checkpoint).acquire()
    except BaseException:
        ctx.model.close()
        raise
    try:
        resume_checkpoint(ctx)
    except BaseException:
        ctx.model.close()
        ctx.lock.release()
        raise
    return ctx


def new_estimator(options: RunOptions) -> StaticDynamicEstimator:
    """An empty estimator with the run's bootstrap, seed and memory limit."""
    limit = None if options.memory_limit_gib is None else options.memory_limit_gib * 2**30
    return StaticDynamicEstimator(bootstrap=options.bootstrap, seed=options.seed, memory_limit=limit)


def open_run(folder: str | Path, options: RunOptions, subfolder: str = "") -> RunContext:
    """Stage 1 without the checkpoint lock and resume: the context of a run whose result goes
    to ``<output>/<subfolder>/`` (``benchmark curve`` writes to ``curves/``)."""
    submission = load_submission(folder)
    submission.require_runnable()  # reported figures have no model to run
    manifest = submission.manifest
    task = get_task(manifest.task)
    dataset = task.spec.dataset(options.dataset or manifest.datasets[0])
    require_declared(submission, dataset.name)
    task_options = task.resolve_options(task.spec.options.parse(list(options.task_options), task.spec.name), dataset)
    protocol = parse_protocol(options.pair_protocol or dataset.default_protocol, task, manifest.input)
    out_dir = output_folder(options.output, options.update_results, submission.results_dir, submission.name)
    check_output(out_dir / subfolder, result_file_name(dataset.name, protocol.text),
                 submission.results_dir / subfolder, options.update_results, options.pairs, options.force)
    device = options.device
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise BenchmarkError("--device cuda was requested but no CUDA device is available.")
    check_precision(options.precision, device)
    rank, world_size = init_distributed(device)
    if device == "cuda" and world_size > 1:
        device = f"cuda:{int(os.environ.get('LOCAL_RANK', rank))}"
    ctx = RunContext(options, submission, task, dataset, task_options, protocol, rank, world_size,
                     device, time.perf_counter(), out_dir=out_dir)

    ctx.layers = manifest.layer_specs()
    ctx.weights_sha256 = manifest.weights.sha256 if manifest.weights else None
    _open_data(ctx)
    weights = resolve_weights(submission)  # verified against its pin here, loaded there
    ctx.model = ModelProcess(submission, weights, device, options.precision, options.seed).start()
    return ctx


def _open_data(ctx: RunContext) -> None:
    """The rest of stage 1: the source, the pair plan, the checkpoint's path and key."""
    options, task, dataset, manifest = ctx.options, ctx.task, ctx.dataset, ctx.submission.manifest
    rank, world_size, out_dir, protocol = ctx.rank, ctx.world_size, ctx.out_dir, ctx.protocol
    ctx.source = task.open_source(dataset, options.split or dataset.pair_split, options.data_root,
                                  manifest.input, ctx.task_options)
    if len(ctx.source) == 0:
        raise DataError(f"Dataset {dataset.name!r} ({ctx.source.split}"
                        f"{f' at {options.data_root}' if options.data_root else ''}) has no items: its annotation "
                        "lists none for this split. Check the annotation files (README 'Running on real data').")
    plan = plan_pairs(options.pairs, len(ctx.source), options.seed)
    ctx.planned = len(plan)
    ctx.plan = plan[rank::world_size]  # under torchrun every rank measures its shard

    shard = f".rank{rank}of{world_size}" if world_size > 1 else ""
    ctx.checkpoint = out_dir / ".partial" / (result_file_name(dataset.name, protocol.text) + f"{shard}.ckpt.pt")
    ctx.key = checkpoint_key(ctx)
    ctx.estimator = new_estimator(options)


def require_declared(submission: Submission, dataset: str) -> None:
    """A submission runs only on the datasets its manifest declares (its model fits them)."""
    if dataset not in submission.manifest.datasets:
        raise BenchmarkError(
            f"{submission.folder / 'submission.yaml'}: field 'datasets': {dataset!r} is not declared "
            f"({', '.join(submission.manifest.datasets)}). Add it to 'datasets' once the model fits that "
            "dataset (e.g. its number of classes), or choose a declared --dataset."
        )


def resume_checkpoint(ctx: RunContext) -> None:
    """Continue from the checkpoint with ``--resume`` (refused when its key differs); without
    it, an existing checkpoint is kept and the run refused, unless ``--restart``."""
    options, checkpoint = ctx.options, ctx.checkpoint
    if not checkpoint.is_file():
        if options.resume:
            print(f"No checkpoint at {checkpoint}: starting from the beginning.")
        return
    if options.restart:
        checkpoint.unlink()
        print(f"Discarded the checkpoint {checkpoint} (--restart).")
        return
    if not options.resume:
        raise BenchmarkError(
            f"{checkpoint}: an interrupted run of this submission, dataset and protocol left a checkpoint. "
            "Rerun with --resume to continue it, or with --restart to discard it and start over."
        )
    key, saved = read_checkpoint(checkpoint)  # its content authenticated (an HMAC)
    if key != ctx.key:
        raise BenchmarkError(
            f"{checkpoint}: the checkpoint was made with other options, model or data "
            f"({_key_differences(key, ctx.key)}); rerun with the same ones, or with --restart "
            "to discard it and start over."
        )
    ctx.estimator.load_state_dict(saved["estimator"])
    ctx.done, ctx.skipped = saved["done"], list(saved["skipped"])
    ctx.evaluation = saved["evaluation"] if ctx.world_size == 1 else None
    print(f"Resuming from {checkpoint}: {ctx.done}/{len(ctx.plan)} pairs done.")


# --------------------------------------------------------------------------- 2. measure pairs


def _pair_id(source: Source, spec: PairSpec) -> str:
    return source.clip_id(spec.item)


def forward_pairs(features: Callable[[Any, int], dict[str, torch.Tensor]], task: Task, spec, device: str,
                  items: list) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor], list[int], list[int]]:
    """One batch of loaded pairs (``Loaded`` items keyed by :class:`PairSpec`, valued by
    :class:`~benchmark.pairs.protocols.PairClips`) through the model: the arguments of
    :meth:`StaticDynamicEstimator.update` (features of the first and second clips,
    factors, pair ids); ``features(inputs, clips)`` pools the declared layers of one forward
    (the model process's :meth:`~benchmark.isolation.process.ModelProcess.features` in a run)."""
    n = len(items)
    features = features(pair_input(task, [i.value for i in items], spec, device), 2 * n)
    return ({k: v[:n] for k, v in features.items()}, {k: v[n:] for k, v in features.items()},
            [i.key.factor for i in items], [i.key.pair_id for i in items])


def clip_flops(ctx: RunContext) -> int | None:
    """FLOPs of one forward pass on one clip: the first item of the first planned pair
    that loads (None when none of the first few does)."""
    item = first_loadable(ctx.plan, lambda spec: ctx.protocol(ctx.source, spec).a)
    if item is None:
        return None
    inputs = to_device(ctx.task.model_input([item], ctx.spec, [None]), ctx.device)
    return ctx.model.flops(inputs)


def measure_pairs(ctx: RunContext) -> None:
    """Stage 2: the planned pairs through the model; every probed layer's statistics."""
    options, task = ctx.options, ctx.task
    pairs = LoadedItems(ctx.plan[ctx.done:], partial(ctx.protocol, ctx.source), partial(_pair_id, ctx.source))
    bar = tqdm(total=len(ctx.plan), initial=ctx.done, desc=f"pairs ({ctx.protocol.text})", unit="pair",
               disable=not options.progress or ctx.rank != 0)
    with torch.no_grad(), bar:
        batches = iterate_loaded(pairs, options.batch_size, options.workers, options.on_bad_video, ctx.skipped)
        for batch_index, (items, covered) in enumerate(batches):
            if items:
                batch = forward_pairs(ctx.model.features, task, ctx.spec, ctx.device, items)
            with uninterrupted():  # the batch and its count enter the state together
                if items:
                    ctx.estimator.update(*batch)
                ctx.done += covered
            bar.update(covered)
            if (batch_index + 1) % options.checkpoint_every == 0:
                ctx.save_checkpoint()
    if not ctx.estimator.layers and ctx.world_size == 1:
        raise DataError(
            f"Every one of the {ctx.done} planned pairs was skipped ({len(set(ctx.skipped))} bad videos, "
            f"e.g. {', '.join(sorted(set(ctx.skipped))[:3]) or 'none listed'}): there is nothing to measure. "
            "Check the dataset's videos (--on-bad-video fail names the first bad one)."
        )


# --------------------------------------------------------------------------- 3. evaluate


def evaluate(ctx: RunContext) -> None:
    """Stage 3: the task metric on the dataset's evaluation split (every rank scores its
    share of the units; the metric states are merged)."""
    if ctx.evaluation is not None:
        return
    options, task, dataset = ctx.options, ctx.task, ctx.dataset
    limit = options.eval_clips if options.eval_clips is not None else dataset.eval_limit
    source = task.open_source(dataset, dataset.eval_split, options.data_root, ctx.spec, ctx.task_options,
                              limit=limit)
    units = list(range(task.eval_units(source)))
    metric = task.new_metric(source, ctx.task_options)
    context = EvalOptions(batch_size=options.batch_size, device=ctx.device, workers=options.workers,
                          seed=options.seed, on_bad_video=options.on_bad_video,
                          progress=options.progress and ctx.rank == 0)
    task.evaluate(ctx.model, source, units[ctx.rank::ctx.world_size], metric, ctx.spec, context, ctx.skipped)
    metric.sync()
    ctx.evaluation = {
        "metrics": metric.compute(),
        "intervals": metric_intervals(task, metric, options.seed),
        "count": metric.count,
    }
    if ctx.world_size == 1:
        ctx.save_checkpoint()


def metric_intervals(task: Task, metric, seed: int) -> dict[str, dict]:
    """The metric's 95 % intervals; a bootstrap interval (of a metric that is not a
    proportion) only from at least MIN_PAIRS_FOR_INTERVAL units."""
    out = {}
    for key, estimate in metric.intervals(seed).items():
        declared = task.spec.metric(key)
        if not (declared and declared.proportion) and metric.count < MIN_PAIRS_FOR_INTERVAL:
            estimate = type(estimate)(estimate.value)
        out[key] = estimate.as_dict()
    return out


# --------------------------------------------------------------------------- 4. assemble


def _pair_counts(ctx: RunContext) -> dict[str, int]:
    if not ctx.estimator.layers:
        raise DataError(f"Every one of the {ctx.planned} planned pairs was skipped (bad videos on every "
                        "rank): there is nothing to measure.")
    counts = ctx.estimator.pairs(next(iter(ctx.layers)))
    return {"planned": ctx.planned, **counts, "skipped": ctx.planned - sum(counts.values())}


def run_fields(ctx: RunContext) -> dict:
    """What a result records about the run itself: submission, provenance, dataset,
    options, model (shared by results and curves)."""
    manifest = ctx.submission.manifest
    return dict(
        submission=ctx.submission.name,
        task=manifest.task,
        provenance="template" if manifest.template else ("verified" if ctx.dataset.synthetic else "submitted"),
        dataset=DatasetInfo(name=ctx.dataset.name, split=ctx.source.split,
                            fingerprint=ctx.source.fingerprint(), num_items=len(ctx.source)),
        pair_protocol=ctx.protocol.text,
        protocol_version=ctx.protocol.version,
        task_options=ctx.task_options.recorded(),
        seeds={"run": ctx.options.seed, "bootstrap": ctx.options.seed},
        run_options=recorded(ctx.options),
        eval_unit=ctx.dataset.unit,
        main_metric=ctx.task.spec.main_metric.name,
        parameters=ctx.model.parameters,
        input=ctx.spec.model_dump(),
        environment=environment(ctx.device),
    )


def assemble_result(ctx: RunContext) -> Result:
    """Stage 4: the validated result (scores with intervals, metrics, provenance)."""
    pairs = _pair_counts(ctx)
    scores = ctx.estimator.all_layer_scores()
    evaluation = ctx.evaluation or {"metrics": {}, "intervals": {}, "count": 0}
    return Result(
        schema_version=RESULT_SCHEMA,
        **run_fields(ctx),
        pairs=pairs,
        layers=[LayerResult(name=name, module=ctx.layers[name].module, **scores[name].to_dict())
                for name in ctx.layers],
        metrics=evaluation["metrics"],
        metric_intervals=evaluation["intervals"],
        eval_count=evaluation["count"],
        flops=ctx.flops,
        weights_sha256=ctx.weights_sha256,
        wall_time_s=round(time.perf_counter() - ctx.started, 1),
        skipped_clips=sorted(set(ctx.skipped)),
    )


def run(folder: str | Path, options: RunOptions | None = None) -> tuple[Result | None, Path | None]:
    """Measure one submission; returns the result and the path it was written to.

    Under ``torchrun`` rank 0 writes the result; other ranks return ``(None, None)``.
    """
    options = options or RunOptions()
    with interrupt_on_sigterm():
        ctx = prepare(folder, options)
        try:
            return _measure_and_write(ctx)
        finally:
            ctx.model.close()
            ctx.lock.release()


def _save_after_failure(ctx: RunContext, error: BaseException) -> None:
    """Keep what was computed: on an interruption (Ctrl-C, SIGTERM) always, after another
    failure when some progress was made; say how to continue."""
    if isinstance(error, KeyboardInterrupt):
        ctx.save_checkpoint()
        print(f"\nInterrupted: progress saved to {ctx.checkpoint}; rerun with --resume to continue "
              "(or --restart to start over).")
    elif ctx.estimator.layers or ctx.evaluation is not None:
        measured = sum(ctx.estimator.pairs(next(iter(ctx.estimator.layers))).values()) if ctx.estimator.layers else 0
        ctx.save_checkpoint()
        print(f"\nThe run stopped; what it computed ({measured} pairs measured"
              f"{', the metric evaluated' if ctx.evaluation is not None else ''}) is kept in {ctx.checkpoint}. "
              "Fix the problem below and rerun with --resume to continue (or --restart to start over).")


def measure_and_evaluate(ctx: RunContext) -> None:
    """Stages 2 and 3; on a failure what was computed is kept for ``--resume``."""
    try:
        ctx.flops = clip_flops(ctx)
        measure_pairs(ctx)
        evaluate(ctx)
    except BaseException as error:
        _save_after_failure(ctx, error)
        raise


def _measure_and_write(ctx: RunContext) -> tuple[Result | None, Path | None]:
    measure_and_evaluate(ctx)
    ctx.model.close()  # no submission code runs while the result is written
    if ctx.world_size > 1:
        ctx.estimator.all_reduce()
        ctx.skipped = gather_lists(ctx.skipped)
        close_distributed()
        if ctx.rank != 0:
            ctx.checkpoint.unlink(missing_ok=True)
            return None, None
    result = assemble_result(ctx)
    options = ctx.options
    check_output(ctx.out_dir, result.file_name(), ctx.submission.results_dir, options.update_results,
                 options.pairs, options.force)  # again: another process may have written meanwhile
    path = write_result(result, ctx.out_dir)
    ctx.checkpoint.unlink(missing_ok=True)
    return result, path


def format_table(result: Result) -> str:
    """The per-layer table printed after a run."""
    rows = []
    for layer in result.layers:
        share = layer.dynamic_share
        interval = (
            f"{share.value:.3f} [{share.low:.3f}, {share.high:.3f}]"
            if share and share.low is not None else (f"{share.value:.3f}" if share else "")
        )
        units = layer.unit_classes or {}
        rows.append([
            layer.name, layer.units, layer.percent["dynamic"], layer.percent["static"],
            layer.percent["residual"], interval,
            "/".join(f"{units.get(k, 0):.0f}" for k in ("joint", "dynamic", "static", "neither")),
        ])
    table = tabulate(
        rows,
        headers=["layer", "units", "dynamic %", "static %", "residual %",
                 "dynamic share [95% CI]", "units j/d/s/n %"],
        tablefmt="github",
    )
    metric_lines = [_metric_text(result, k, v) for k, v in result.metrics.items() if not k.endswith("rel_drop")]
    drops = [f"{k}: {v:+.1%}" for k, v in result.metrics.items() if k.endswith("rel_drop")]
    lines = [table, "", "metrics  " + "  ".join(metric_lines), "relative drop  " + "  ".join(drops)]
    if result.eval_count is not None:
        over = f"over {result.eval_count} {result.eval_unit or 'unit'}s"
        if result.metric_intervals:
            over += " ([95% CI]: the metric's interval over them, docs/metrics.md)"
        lines.append(f"evaluated {over}")
    options = [f"{k}={v}" for k, v in result.task_options.items() if v is not None]
    if options:
        lines.append("task options  " + "  ".join(options))
    return "\n".join(lines)


def _metric_text(result: Result, key: str, value: float) -> str:
    """``key: value``, with the metric's 95 % interval when the result has one."""
    interval = result.metric_intervals.get(key)
    if interval is not None and interval.low is not None and interval.high is not None:
        return f"{key}: {value:.3f} [{interval.low:.3f}, {interval.high:.3f}]"
    return f"{key}: {value:.3f}"
