"""Result files: one JSON per (submission, dataset, pair protocol), validated on read.

Written atomically (temporary file + rename).  A missing metric is absent, never zero.
``provenance`` says who stands behind the numbers (:data:`PROVENANCE`): ``verified``
(computed by this harness on a synthetic dataset; CI reruns it in a fresh process and
compares), ``submitted`` (computed by this harness on a real dataset on the submitter's
machine, with its environment and the dataset's fingerprint; CI cannot rerun it),
``template`` (computed, random weights; listed apart, never ranked) or ``reported``
(published elsewhere, on a real dataset, with ``citation``; typically only per-layer
``percent`` and no intervals).  ``schema_version`` changes whenever fields change; a file
of another version is refused by ``validate`` (rerun the benchmark).
"""

from __future__ import annotations

import json
import math
import platform
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from benchmark import PROTOCOL_VERSION, SUITE_VERSION
from benchmark.errors import ResultError

#: Version of the result-file layout.  2: task_options, eval_count/eval_unit (was
#: eval_clips), metric_intervals; later, optional and so without a new version: flops.
RESULT_SCHEMA = 2
#: The largest FLOP count a result may record for one clip (an exaFLOP: far above any model).
MAX_FLOPS = 10**18
Provenance = Literal["verified", "submitted", "reported", "template"]
#: What each provenance means (the leaderboard's legend and ``validate``'s messages).
PROVENANCE: dict[str, str] = {
    "verified": "computed by this harness on a synthetic dataset; CI reran it in a fresh process and got "
                "the same numbers",
    "submitted": "computed by this harness on a real dataset on the submitter's machine (environment and "
                 "dataset fingerprint recorded); CI cannot rerun it",
    "reported": "published elsewhere, on a real dataset, with its citation; never run",
    "template": "computed with random weights (a model-family template); listed apart, never ranked",
}


class _Schema(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IntervalModel(_Schema):
    value: float
    low: float | None = None
    high: float | None = None


class LayerResult(_Schema):
    """METHOD.md §3-§5 for one probed layer (interval fields absent for reported rows)."""

    name: str
    module: str | None = None
    units: int | None = None
    pairs: dict[str, int] | None = None
    score: dict[str, IntervalModel] | None = None
    share: dict[str, IntervalModel] | None = None
    dims: dict[str, int] | None = None
    percent: dict[str, float]
    percent_interval: dict[str, IntervalModel] | None = None
    dynamic_share: IntervalModel | None = None
    unit_classes: dict[str, float] | None = None
    unit_counts: dict[str, int] | None = None
    constant_units: dict[str, int] | None = None
    bootstrap: int | None = None


class RunRecord(_Schema):
    """The run options that fix a result's numbers: ``benchmark reproduce`` reruns with these."""

    pairs: int = Field(ge=1)
    seed: int = Field(ge=0)
    bootstrap: int = Field(ge=0)
    batch_size: int = Field(ge=1)
    eval_clips: int | None = Field(default=None, ge=1)
    precision: Literal["fp32", "bf16", "fp16"] = "fp32"  # the forward's (``--precision``)


class DatasetInfo(_Schema):
    name: str
    split: str | None = None
    fingerprint: str | None = None
    num_items: int | None = None


class Environment(_Schema):
    torch: str | None = None
    python: str | None = None
    platform: str | None = None
    device: str | None = None


class Result(_Schema):
    """One measurement of one submission on one dataset with one pair protocol."""

    schema_version: int
    suite_version: str = SUITE_VERSION
    protocol_version: str = PROTOCOL_VERSION
    submission: str
    task: str
    provenance: Provenance
    citation: str | None = None
    dataset: DatasetInfo
    pair_protocol: str
    # The task options that change a number (``--task-option``), as recorded by the run.
    task_options: dict[str, str | int | float | bool | None] = Field(default_factory=dict)
    seeds: dict[str, int] = Field(default_factory=dict)
    # The run's options that fix its numbers (pairs, seed, bootstrap, batch_size,
    # eval_clips, precision): `benchmark reproduce` reruns a result with exactly these.
    run_options: RunRecord | None = None
    pairs: dict[str, int] = Field(default_factory=dict)
    layers: list[LayerResult] = Field(min_length=1)
    metrics: dict[str, float] = Field(default_factory=dict)
    # 95 % intervals of metrics (accuracy: Wilson; J&F and AP: bootstrap over sequences/videos).
    metric_intervals: dict[str, IntervalModel] = Field(default_factory=dict)
    main_metric: str | None = None
    # How many evaluation units (``eval_unit``: clip, sequence or video, as the task
    # declares) the metrics were computed on, after skipped ones.
    eval_count: int | None = Field(default=None, ge=0)
    eval_unit: str | None = None
    parameters: int | None = None
    # Floating-point operations of one forward pass on one clip of the declared input
    # (torch.utils.flop_counter; a multiply-add counts 2), recorded by `benchmark run`.
    flops: int | None = Field(default=None, ge=0, le=MAX_FLOPS)
    input: dict | None = None
    weights_sha256: str | None = None
    environment: Environment | None = None
    wall_time_s: float | None = None
    skipped_clips: list[str] = Field(default_factory=list)

    @property
    def last_layer(self) -> LayerResult:
        return self.layers[-1]

    def file_name(self) -> str:
        return result_file_name(self.dataset.name, self.pair_protocol)


def result_file_name(dataset: str, pair_protocol: str) -> str:
    """``<dataset>__<protocol>.json`` with the protocol reduced to a safe token."""
    protocol = pair_protocol.split(":", 1)[0]
    return f"{dataset}__{protocol}.json"


def environment(device: str) -> Environment:
    import torch

    return Environment(
        torch=torch.__version__,
        python=platform.python_version(),
        platform=f"{platform.system()}-{platform.machine()}",
        device=device,
    )


def non_finite(value, prefix: str = "") -> Iterator[str]:
    """Dotted paths of every NaN or infinite number in a JSON-like value."""
    if isinstance(value, float) and not math.isfinite(value):
        yield prefix
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from non_finite(item, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from non_finite(item, f"{prefix}.{index}")


def write_result(result: Result | CurveResult, folder: str | Path) -> Path:
    """Write ``result`` (or a curve) under ``folder`` atomically, never through a link, and
    never with a NaN or infinity (JSON has none); returns the path."""
    from benchmark.files import write_text_atomic

    path = Path(folder) / result.file_name()
    bad = list(non_finite(result.model_dump(exclude_none=True)))
    if bad:
        raise ResultError(f"{path}: the run produced non-finite numbers (NaN/inf) in {', '.join(bad[:5])}; "
                          "no result was written. Check the model's numerics.")
    text = json.dumps(result.model_dump(exclude_none=True), indent=2, sort_keys=True, allow_nan=False) + "\n"
    return write_text_atomic(path, text)


def _read_validated(path: str | Path, model: type[_Schema], what: str):
    path = Path(path)
    try:
        raw = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise ResultError(f"{path}: not a readable JSON {what}: {error}.") from None
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        fields = "; ".join(
            f"field '{'.'.join(str(p) for p in item['loc'])}': {item['msg']}"
            for item in error.errors()
        )
        raise ResultError(f"{path}: invalid {what}. {fields}.") from None


def read_result(path: str | Path) -> Result:
    """Load and validate a result file; errors name the file and the field."""
    return _read_validated(path, Result, "result file")


def result_files(submission_folder: str | Path) -> list[Path]:
    """The result files of a submission, sorted."""
    folder = Path(submission_folder) / "results"
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


# --------------------------------------------------------------------------- training curves

#: Version of the curve-file layout (``results/curves/*.json``).
CURVE_SCHEMA = 1
CURVES_DIR = "curves"


class CurvePoint(_Schema):
    """The measure and the task metric of one training checkpoint (docs/METHOD.md §5)."""

    step: int = Field(ge=0)
    epoch: float | None = None
    fraction: float | None = Field(default=None, ge=0)  # step / total_steps
    checkpoint: str
    weights_sha256: str
    pairs: dict[str, int] = Field(default_factory=dict)
    layers: list[LayerResult] = Field(min_length=1)
    metrics: dict[str, float] = Field(default_factory=dict)
    metric_intervals: dict[str, IntervalModel] = Field(default_factory=dict)
    eval_count: int | None = Field(default=None, ge=0)
    skipped_clips: list[str] = Field(default_factory=list)
    wall_time_s: float | None = None


class CurveResult(_Schema):
    """One submission's checkpoints measured on one dataset with one pair protocol, the
    same pair plan and seed for every checkpoint: the bias over training."""

    schema_version: int
    kind: Literal["curve"] = "curve"
    suite_version: str = SUITE_VERSION
    protocol_version: str = PROTOCOL_VERSION
    submission: str
    task: str
    provenance: Provenance
    dataset: DatasetInfo
    pair_protocol: str
    task_options: dict[str, str | int | float | bool | None] = Field(default_factory=dict)
    seeds: dict[str, int] = Field(default_factory=dict)
    run_options: RunRecord | None = None
    main_metric: str | None = None
    eval_unit: str | None = None
    parameters: int | None = None
    input: dict | None = None
    # The training configuration the checkpoints record (their ``training`` metadata).
    training: dict | None = None
    total_steps: int | None = Field(default=None, ge=1)
    points: list[CurvePoint] = Field(min_length=1)
    environment: Environment | None = None
    wall_time_s: float | None = None

    @model_validator(mode="after")
    def _steps_increase(self) -> CurveResult:
        steps = [point.step for point in self.points]
        if any(b <= a for a, b in zip(steps, steps[1:], strict=False)):
            raise ValueError(f"points must be ordered by strictly increasing step, got {steps}")
        return self

    def file_name(self) -> str:
        return result_file_name(self.dataset.name, self.pair_protocol)

    def layer_names(self) -> list[str]:
        return [layer.name for layer in self.points[-1].layers]

    def point_result(self, point: CurvePoint) -> Result:
        """The result ``benchmark run`` writes for a submission holding ``point``'s
        checkpoint with the curve's options (what validation and reproduction compare)."""
        shared = self.model_dump(include=_RUN_FIELDS, exclude_none=True)
        measured = point.model_dump(include=_POINT_FIELDS, exclude_none=True)
        return Result.model_validate({"schema_version": RESULT_SCHEMA, **shared, **measured})

    def settling_fraction(self, layer: str) -> float | None:
        """The fraction of training (step / total steps) after which the layer's dynamic
        share enters the final checkpoint's 95 % interval and stays inside it; None when
        the final point has no interval or the steps have no total."""
        final = _layer(self.points[-1], layer)
        share = final.dynamic_share if final else None
        if share is None or share.low is None or share.high is None or not self.total_steps:
            return None
        settled = self.points[-1]
        for point in reversed(self.points):
            mine = _layer(point, layer)
            value = mine.dynamic_share.value if mine and mine.dynamic_share else None
            if value is None or not share.low <= value <= share.high:
                break
            settled = point
        return settled.step / self.total_steps


#: What a curve records once for all its points, and what each point records, of a Result.
_RUN_FIELDS = {"suite_version", "protocol_version", "submission", "task", "provenance", "dataset", "pair_protocol",
               "task_options", "seeds", "run_options", "main_metric", "eval_unit", "parameters", "input",
               "environment"}
_POINT_FIELDS = {"pairs", "layers", "metrics", "metric_intervals", "eval_count", "weights_sha256", "skipped_clips",
                 "wall_time_s"}


def _layer(point: CurvePoint, name: str) -> LayerResult | None:
    return next((layer for layer in point.layers if layer.name == name), None)


def read_curve(path: str | Path) -> CurveResult:
    """Load and validate a curve file; errors name the file and the field."""
    return _read_validated(path, CurveResult, "curve file")


def curve_files(submission_folder: str | Path) -> list[Path]:
    """The curve files of a submission (``results/curves/*.json``), sorted."""
    folder = Path(submission_folder) / "results" / CURVES_DIR
    return sorted(folder.glob("*.json")) if folder.is_dir() else []

