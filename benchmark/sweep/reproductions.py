"""``benchmark reproduce --jobs N``: independent reproductions in parallel, through the
sweep's jobs and its local executor (each rerun a ``benchmark run`` child process with the
options the committed result records, ``N`` at a time), then compared field by field."""

from __future__ import annotations

import tempfile
from pathlib import Path

from benchmark.errors import BenchmarkError
from benchmark.results.schema import Result, read_result
from benchmark.run.reproduce import committed_result, compare
from benchmark.sweep.local import run_local
from benchmark.sweep.plan import Job, RunSettings


def reproduction_job(committed: Result, folder: Path, output: Path, threads: int | None) -> Job:
    """The job that reruns ``committed`` (its recorded options) into ``output``."""
    options = committed.run_options
    if options is None:
        raise BenchmarkError(f"result of {committed.submission} on {committed.dataset.name} records no run options; "
                             "it cannot be reproduced (rerun the benchmark to write it again).")
    assignments = [f"{k}={'none' if v is None else v}" for k, v in sorted(committed.task_options.items())]
    run = RunSettings(**options.model_dump(), task_options=assignments, threads=threads)
    return Job(folder, committed.submission, committed.task, committed.dataset.name, committed.pair_protocol, run,
               output, split=committed.dataset.split)


def reproduce_all(paths: list[Path], tolerance: float, jobs: int, threads: int | None = None) -> dict[Path, list[str]]:
    """Every result file of ``paths`` rerun (``jobs`` at a time) and compared: its problems,
    empty when it reproduced."""
    found: dict[Path, list[str]] = {}
    planned: list[tuple[Path, Result, Job]] = []
    with tempfile.TemporaryDirectory() as scratch:
        for index, path in enumerate(paths):
            try:
                committed, folder = committed_result(path)
                job = reproduction_job(committed, folder, Path(scratch) / str(index), threads)
            except BenchmarkError as error:
                found[path] = [str(error)]
                continue
            planned.append((path, committed, job))
        outcomes = run_local([job for _, _, job in planned], jobs, Path(scratch) / "logs", threads)
        for (path, committed, job), outcome in zip(planned, outcomes, strict=True):
            if outcome.status != "done":
                found[path] = [f"{path}: rerunning {job.submission} on {job.dataset} failed: {outcome.detail}"]
            else:
                found[path] = [f"{path}: {d}" for d in compare(committed, read_result(job.result_path), tolerance)]
    return found
