"""``benchmark reproduce``: rerun a committed result with its recorded options and compare.

Every number of a result file is a function of the submission, the dataset, the pair
protocol, the task options and the run options the file records (``run_options``), so a
result on a synthetic dataset (rendered by the suite, no data needed) can be recomputed
anywhere and compared field by field.  This is what makes ``verified`` mean something: CI
reproduces each synthetic result of a changed submission in a fresh process and fails on
any difference beyond the tolerance.

The rerun is :func:`benchmark.runner.run` in this process, which never imports submission
code (the model runs in its own process, :mod:`benchmark.isolation.process`); what is compared
is the result it returns, computed here - not a file something else could have written.
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

from benchmark.api.tasks import find_dataset
from benchmark.errors import BenchmarkError
from benchmark.results.schema import CURVES_DIR, Result, read_curve, read_result, result_files

# Fields that describe the run rather than its numbers.
IGNORED = {"wall_time_s", "environment", "suite_version"}
# Optional fields added after results were committed: compared when the committed file
# records them, not missed when it predates them (it claims nothing then).
ADDED_LATER = {"flops"}


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
    absent = {field for field in ADDED_LATER if getattr(committed, field) is None}
    right = _flatten(reproduced.model_dump(mode="json", exclude_none=True, exclude=IGNORED | absent))
    differences = []
    for field in sorted(left.keys() | right.keys()):
        a, b = left.get(field), right.get(field)
        if not _close(a, b, tolerance):
            differences.append(Difference(field, a, b))
    return differences


def rerun_options(result: Result, output: Path):
    """The :class:`~benchmark.run.runner.RunOptions` a result records."""
    from benchmark.run.runner import RunOptions

    if not result.run_options:
        raise BenchmarkError(f"result of {result.submission} on {result.dataset.name} records no run options; "
                             "it cannot be reproduced (rerun the benchmark to write it again).")
    assignments = tuple(f"{k}={'none' if v is None else v}" for k, v in sorted(result.task_options.items()))
    return RunOptions(dataset=result.dataset.name, split=result.dataset.split, pair_protocol=result.pair_protocol,
                      task_options=assignments, output=output, progress=False, **result.run_options.model_dump())


def is_reproducible(result: Result) -> bool:
    """True for a measured result on a synthetic dataset (rendered by the suite: no data needed)."""
    declared = find_dataset(result.task, result.dataset.name)
    return result.provenance != "reported" and declared is not None and declared.synthetic


def reproducible_results(path: str | Path) -> list[Path]:
    """``path`` itself for a result file; for a submission folder, its results on synthetic
    datasets (the ones CI reruns)."""
    path = Path(path)
    if not path.is_dir():
        return [path]
    return [file for file in result_files(path) if is_reproducible(read_result(file))]


def rerun(result: Result, folder: Path, output: Path, threads: int | None = None) -> Result:
    """The result ``benchmark run`` computes with ``result``'s options (``--precision``
    included), computed in this process: the numbers compared are the ones the harness
    computed itself, never a file the run left behind; the submission's model runs in its
    own process (:mod:`benchmark.isolation.process`)."""
    import torch

    from benchmark.run.runner import run

    if threads:
        torch.set_num_threads(threads)
    reproduced, _ = run(folder, rerun_options(result, output))
    return reproduced


def committed_result(path: str | Path) -> tuple[Result, Path]:
    """The result a file commits to and its submission folder: a result file of
    ``<submission>/results/``, or a curve file's point of the checkpoint the submission holds
    (the other checkpoints are not in the repository).  Refuses what cannot be reproduced."""
    from benchmark.submission.manifest import load_submission

    path = Path(path)
    if path.parent.name == CURVES_DIR:
        curve = read_curve(path)
        folder = path.parent.parent.parent.resolve()
        weights = load_submission(folder).manifest.weights
        point = next((p for p in curve.points if weights is not None and p.weights_sha256 == weights.sha256), None)
        if point is None:
            raise BenchmarkError(f"{path}: no point was measured with the submission's weights; nothing to reproduce.")
        committed = curve.point_result(point)
        if not is_reproducible(committed):
            raise BenchmarkError(f"{path}: a curve on {curve.dataset.name!r}, not on a synthetic dataset; only those "
                                 "can be reproduced anywhere.")
        return committed, folder
    committed = read_result(path)
    if not is_reproducible(committed):
        raise BenchmarkError(f"{path}: a {committed.provenance} result on {committed.dataset.name!r}, not a "
                             "measured result on a synthetic dataset; only those can be reproduced anywhere.")
    return committed, path.parent.parent.resolve()


def reproduce(path: str | Path, tolerance: float = 0.0, threads: int | None = None) -> list[Difference]:
    """Rerun the result file ``path`` (of ``<submission>/results/``, or a curve's point) in a
    fresh process and compare."""
    committed, folder = committed_result(path)
    with tempfile.TemporaryDirectory() as scratch:
        reproduced = rerun(committed, folder, Path(scratch), threads)
    return compare(committed, reproduced, tolerance)
