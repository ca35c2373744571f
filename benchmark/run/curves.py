"""``benchmark curve``: the measure over a training run's checkpoints (docs/METHOD.md §5).

Every checkpoint is measured exactly as ``benchmark run`` would measure a submission
holding it as its weights - the same stages (:mod:`benchmark.run.runner`), the same pair plan,
seed and options - and the points go into one curve file,
``<submission>/results/curves/<dataset>__<protocol>.json`` (:class:`CurveResult`): per
training step, each layer's scores with intervals and the task metric.

One checkpoint is in memory at a time: the submission's model is built once and each
checkpoint's tensors are loaded into it in turn.  A finished checkpoint is written to
``.partial/curves/`` at once, and an interrupted one keeps the runner's checkpoint, so
``--resume`` continues where a curve stopped (``--restart`` discards the progress).  The
curve goes where ``run`` writes results (``runs/<submission>/``, ``--output``, or the
submission's ``results/`` with ``--update-results``), under ``curves/``.

Checkpoints are ``*.safetensors`` (or ``torch.save`` ``*.pt`` / ``*.pth``, loaded with
``weights_only``) files.  A checkpoint's training step is its safetensors metadata
``step``, else the last number in its file name; ``total_steps``, ``epoch`` and
``training`` (a JSON training configuration) are read from the metadata when present.  A
``SHA256SUMS`` file next to the checkpoints (``sha256sum`` format) is checked.
"""

from __future__ import annotations

import glob
import json
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from benchmark.errors import BenchmarkError, WeightsError
from benchmark.files import write_text_atomic
from benchmark.hashing import sha256_file
from benchmark.results.schema import (
    CURVE_SCHEMA,
    CURVES_DIR,
    CurvePoint,
    CurveResult,
    result_file_name,
    write_result,
)
from benchmark.run.runner import (
    RunContext,
    RunOptions,
    assemble_result,
    checkpoint_key,
    measure_and_evaluate,
    new_estimator,
    open_run,
    resume_checkpoint,
    run_fields,
)
from benchmark.run.safeguards import CheckpointLock, check_output, interrupt_on_sigterm
from benchmark.submission.model import load_state_dict

CHECKPOINT_SUFFIXES = (".safetensors", ".pt", ".pth")
SUMS_FILE = "SHA256SUMS"


@dataclass(frozen=True)
class Checkpoint:
    """One checkpoint file and what it records about its place in training."""

    path: Path
    step: int
    sha256: str
    epoch: float | None = None
    total_steps: int | None = None
    training: dict | None = None


def _metadata(path: Path) -> dict[str, str]:
    if path.suffix != ".safetensors":
        return {}
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as handle:
            return dict(handle.metadata() or {})
    except Exception as error:  # safetensors raises its own error types for a bad header
        raise WeightsError(f"{path}: not a readable safetensors file: {error}.") from None


def _number(metadata: dict[str, str], key: str, path: Path, kind=int):
    if key not in metadata:
        return None
    try:
        return kind(metadata[key])
    except ValueError:
        raise WeightsError(f"{path}: metadata '{key}' is {metadata[key]!r}, not a number.") from None


def _sums(folder: Path) -> dict[str, str]:
    file = folder / SUMS_FILE
    if not file.is_file():
        return {}
    sums = {}
    for line in file.read_text().splitlines():
        digest, _, name = line.strip().partition("  ")
        if digest and name:
            sums[name.lstrip("*")] = digest.lower()
    return sums


def read_checkpoint(path: Path, sums: dict[str, str]) -> Checkpoint:
    """A checkpoint's step, sha256 and metadata (the sha256 checked against ``sums``)."""
    digest = sha256_file(path)
    if path.name in sums and sums[path.name] != digest:
        raise WeightsError(f"{path}: sha256 {digest} does not match {path.parent / SUMS_FILE} "
                           f"({sums[path.name]}); the file changed or is incomplete.")
    metadata = _metadata(path)
    step = _number(metadata, "step", path)
    if step is None:
        numbers = re.findall(r"\d+", path.stem)
        if not numbers:
            raise WeightsError(f"{path}: no training step: neither a 'step' entry in its safetensors metadata "
                               "nor a number in its file name (e.g. step-000120.safetensors).")
        step = int(numbers[-1])
    training = None
    if "training" in metadata:
        try:
            training = json.loads(metadata["training"])
        except json.JSONDecodeError:
            raise WeightsError(f"{path}: metadata 'training' is not JSON.") from None
    return Checkpoint(path, step, digest, _number(metadata, "epoch", path, float),
                      _number(metadata, "total_steps", path), training)


def find_checkpoints(where: str | Path) -> list[Checkpoint]:
    """The checkpoints in folder ``where`` or matching the glob ``where``, ordered by step."""
    where = str(where)
    folder = Path(where)
    if folder.is_dir():
        files = [p for p in folder.iterdir() if p.suffix in CHECKPOINT_SUFFIXES and p.is_file()]
    else:
        files = [Path(p) for p in glob.glob(where) if Path(p).suffix in CHECKPOINT_SUFFIXES]
    if not files:
        raise BenchmarkError(f"--checkpoints {where}: no checkpoint files ({', '.join(CHECKPOINT_SUFFIXES)}) found.")
    sums: dict[Path, dict[str, str]] = {}
    found = []
    for path in sorted(files):
        found.append(read_checkpoint(path, sums.setdefault(path.parent, _sums(path.parent))))
    found.sort(key=lambda c: c.step)
    for a, b in zip(found, found[1:], strict=False):
        if a.step == b.step:
            raise BenchmarkError(f"--checkpoints {where}: {a.path.name} and {b.path.name} are both step {a.step}; "
                                 "give the checkpoints of one training run.")
    trainings = {json.dumps(c.training, sort_keys=True) for c in found if c.training is not None}
    if len(trainings) > 1:
        raise BenchmarkError(f"--checkpoints {where}: the checkpoints record different training "
                             "configurations; measure one training run at a time.")
    return found


def total_steps(checkpoints: list[Checkpoint]) -> int | None:
    """The run's length: the checkpoints' recorded ``total_steps``, else the last step."""
    recorded = {c.total_steps for c in checkpoints if c.total_steps is not None}
    if len(recorded) > 1:
        raise BenchmarkError(f"the checkpoints record different total_steps {sorted(recorded)}.")
    total = recorded.pop() if recorded else checkpoints[-1].step
    return total or None


def load_checkpoint(model: torch.nn.Module, checkpoint: Checkpoint) -> None:
    """Load a checkpoint's tensors into ``model`` (strictly)."""
    try:
        model.load_state_dict(load_state_dict(checkpoint.path), strict=True)
    except RuntimeError as error:
        detail = " ".join(line.strip() for line in str(error).splitlines()[1:4])
        raise WeightsError(f"{checkpoint.path}: does not match the submission's model: {detail}") from None


def _point_file(partial: Path, checkpoint: Checkpoint, suffix: str) -> Path:
    return partial / f"step-{checkpoint.step:09d}-{checkpoint.sha256[:16]}{suffix}"


def _start_or_resume(partial: Path, options: RunOptions) -> None:
    """Progress of an interrupted curve is continued with ``--resume``, discarded with
    ``--restart``, and otherwise kept (the command is refused)."""
    if not partial.is_dir() or not any(partial.iterdir()):
        return
    if options.restart:
        shutil.rmtree(partial)
        print(f"Discarded the progress in {partial} (--restart).")
    elif not options.resume:
        raise BenchmarkError(f"{partial}: an interrupted curve of this submission, dataset and protocol left its "
                             "progress here. Rerun with --resume to continue it, or with --restart to discard it.")


def measure_checkpoint(ctx: RunContext, checkpoint: Checkpoint, partial: Path, total: int | None) -> CurvePoint:
    """One checkpoint through stages 2-4 of the runner, with the same plan and seed as the
    others; a finished one is saved at once (and taken from there on ``--resume``)."""
    ctx.weights_sha256 = checkpoint.sha256
    ctx.estimator = new_estimator(ctx.options)
    ctx.done, ctx.skipped, ctx.evaluation = 0, [], None
    ctx.checkpoint = _point_file(partial, checkpoint, ".ckpt.pt")
    ctx.key = checkpoint_key(ctx)
    ctx.started = time.perf_counter()
    done = _point_file(partial, checkpoint, ".json")
    if done.is_file():
        saved = json.loads(done.read_text())
        if saved.get("key") != ctx.key:
            raise BenchmarkError(f"{done}: measured with other options, model or data; rerun with the same ones, "
                                 "or with --restart to start over.")
        return CurvePoint.model_validate(saved["point"])
    if ctx.options.progress:
        print(f"checkpoint {checkpoint.path.name} (step {checkpoint.step})")
    load_checkpoint(ctx.model, checkpoint)
    if ctx.checkpoint.is_file():
        resume_checkpoint(ctx)
    measure_and_evaluate(ctx)
    ctx.snapshot.check(ctx.submission.name, "during the run")
    result = assemble_result(ctx)
    point = CurvePoint(
        step=checkpoint.step, epoch=checkpoint.epoch,
        fraction=round(checkpoint.step / total, 6) if total else None,
        checkpoint=checkpoint.path.name, weights_sha256=checkpoint.sha256, pairs=result.pairs,
        layers=result.layers, metrics=result.metrics, metric_intervals=result.metric_intervals,
        eval_count=result.eval_count, skipped_clips=result.skipped_clips, wall_time_s=result.wall_time_s,
    )
    write_text_atomic(done, json.dumps({"key": ctx.key, "point": point.model_dump(exclude_none=True)},
                                       sort_keys=True, allow_nan=False))
    ctx.checkpoint.unlink(missing_ok=True)
    return point


def measure_curve(folder: str | Path, options: RunOptions, checkpoints: str | Path) -> tuple[CurveResult, Path]:
    """Measure every checkpoint of ``checkpoints`` with the submission in ``folder``;
    returns the curve and the path it was written to (``<output>/curves/``)."""
    started = time.perf_counter()
    found = find_checkpoints(checkpoints)
    total = total_steps(found)
    with interrupt_on_sigterm():
        ctx = open_run(folder, options, subfolder=CURVES_DIR)
        if ctx.world_size > 1:
            raise BenchmarkError("benchmark curve runs in one process; start it without torchrun.")
        name = result_file_name(ctx.dataset.name, ctx.protocol.text)
        partial = ctx.out_dir / ".partial" / CURVES_DIR / Path(name).stem
        lock = CheckpointLock(partial).acquire()
        try:
            _start_or_resume(partial, options)
            points = [measure_checkpoint(ctx, checkpoint, partial, total) for checkpoint in found]
            curve = CurveResult(schema_version=CURVE_SCHEMA, **run_fields(ctx), training=found[0].training,
                                total_steps=total, points=points,
                                wall_time_s=round(time.perf_counter() - started, 1))
            check_output(ctx.out_dir / CURVES_DIR, name, ctx.submission.results_dir / CURVES_DIR,
                         options.update_results, options.pairs, options.force)  # again, before writing
            path = write_result(curve, ctx.out_dir / CURVES_DIR)
            shutil.rmtree(partial, ignore_errors=True)
        finally:
            lock.release()
    return curve, path
