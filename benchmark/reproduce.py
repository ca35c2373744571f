"""``benchmark reproduce``: rerun a committed result with its recorded options and compare.

Every number of a result file is a function of the submission, the dataset, the pair
protocol, the task options and the run options the file records (``run_options``), so a
result on a synthetic dataset (rendered by the suite, no data needed) can be recomputed
anywhere and compared field by field.  This is what makes ``verified`` mean something: CI
reproduces each synthetic result of a changed submission in a fresh process and fails on
any difference beyond the tolerance.
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

from benchmark.errors import BenchmarkError
from benchmark.results import CURVES_DIR, CurvePoint, CurveResult, Result, read_curve, read_result

# Fields that describe the run rather than its numbers.
IGNORED = {"wall_time_s", "environment", "suite_version"}


@dataclass(frozen=True)
class Difference:
    field: str
    committed: object
    reproduced: object

    def __str__(self) -> str:
        return f"{self.field}: committed {self.committed!r}, reproduced {self.reproduced!r}"


def _flatten(value, prefix: str = "") -> dict[str, object]:
    if isinstance(value, dict):
        out: dict[str, object] = {}
        for key in value:
            out |= _flatten(value[key], f"{prefix}.{key}" if prefix else str(key))
        return out
    if isinstance(value, list) and value and isinstance(value[0], dict) and "name" in value[0]:
        return _flatten({item["name"]: item for item in value}, prefix)
    return {prefix: value}


def _close(a, b, tolerance: float) -> bool:
    if isinstance(a, bool) or isinstance(b, bool) or not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
        return a == b
    return math.isclose(a, b, rel_tol=tolerance, abs_tol=tolerance)


def compare(committed: Result, reproduced: Result, tolerance: float = 0.0) -> list[Difference]:
    """Every field whose value differs (numbers beyond ``tolerance``, relative or absolute)."""
    left = _flatten(committed.model_dump(mode="json", exclude_none=True, exclude=IGNORED))
    right = _flatten(reproduced.model_dump(mode="json", exclude_none=True, exclude=IGNORED))
    differences = []
    for field in sorted(left.keys() | right.keys()):
        a, b = left.get(field), right.get(field)
        if not _close(a, b, tolerance):
            differences.append(Difference(field, a, b))
    return differences


def rerun_options(result: Result | CurveResult, output: Path):
    """The :class:`~benchmark.runner.RunOptions` a result (or curve) records."""
    from benchmark.runner import RunOptions

    if not result.run_options:
        raise BenchmarkError(f"result of {result.submission} on {result.dataset.name} records no run options; "
                             "it cannot be reproduced (rerun the benchmark to write it again).")
    assignments = tuple(f"{k}={'none' if v is None else v}" for k, v in sorted(result.task_options.items()))
    return RunOptions(dataset=result.dataset.name, split=result.dataset.split, pair_protocol=result.pair_protocol,
                      task_options=assignments, output=output, progress=False, **result.run_options)


def reproduce(path: str | Path, tolerance: float = 0.0) -> list[Difference]:
    """Rerun the result file ``path`` (of ``<submission>/results/``) and compare.

    For a curve file (``results/curves/``) the point of the checkpoint the submission
    holds is rerun and compared; the other checkpoints are not in the repository.
    """
    from benchmark.runner import run

    path = Path(path)
    if path.parent.name == CURVES_DIR:
        return _reproduce_curve_point(path, tolerance)
    committed = read_result(path)
    with tempfile.TemporaryDirectory() as scratch:
        reproduced, _ = run(path.parent.parent, rerun_options(committed, Path(scratch)))
    return compare(committed, reproduced, tolerance)


def _reproduce_curve_point(path: Path, tolerance: float) -> list[Difference]:
    from benchmark.runner import run

    curve = read_curve(path)
    with tempfile.TemporaryDirectory() as scratch:
        reproduced, _ = run(path.parent.parent.parent, rerun_options(curve, Path(scratch)))
    point = next((p for p in curve.points if p.weights_sha256 == reproduced.weights_sha256), None)
    if point is None:
        raise BenchmarkError(f"{path}: no point was measured with the submission's weights "
                             f"(sha256 {reproduced.weights_sha256}); nothing to reproduce.")
    again = CurvePoint(**point.model_dump(include={"step", "epoch", "fraction", "checkpoint"}),
                       **reproduced.model_dump(include=set(CurvePoint.model_fields) - {"step", "epoch", "fraction",
                                                                                         "checkpoint"}))
    return compare(point, again, tolerance)
