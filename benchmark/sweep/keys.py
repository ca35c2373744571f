"""Is a job already done?  Its result is there, valid, and of the same key.

The key is the resume checkpoint's (:func:`benchmark.run.runner.checkpoint_key`) as far as a
result file records it: submission, weights, input, dataset, split, data fingerprint, pair
protocol, pairs, seed, bootstrap, batch size, evaluation units, precision and task options
(``tests/test_sweep.py`` checks that these equal the checkpoint key's fields for a run).  A
job is computed from the manifest and the options alone - no submission code is imported.
A result of the same key is skipped; one of another key (e.g. fewer pairs) is run again.
"""

from __future__ import annotations

import json
from pathlib import Path

from benchmark.errors import BenchmarkError
from benchmark.results.schema import CurveResult, Result, read_curve, read_result
from benchmark.submission.manifest import load_submission
from benchmark.sweep.plan import Job

# The checkpoint key's fields that a result records (the others - model file and arguments,
# layers by their module, device, world size - are checked by `validate` against the manifest
# or do not change a number).
RESULT_KEY_FIELDS = ("submission", "weights_sha256", "input", "dataset", "split", "data_fingerprint", "protocol",
                     "pairs", "seed", "bootstrap", "batch_size", "eval_clips", "precision", "task_options")


def _json(value) -> str:
    return json.dumps(value if not isinstance(value, str) else json.loads(value), sort_keys=True)


def job_key(job: Job) -> dict:
    """The key the run of ``job`` will have (raises :class:`BenchmarkError` on a bad option,
    e.g. an unknown protocol: the job fails before it runs)."""
    from benchmark.api.tasks import get_task
    from benchmark.pairs.protocols import parse_protocol

    submission = load_submission(job.submission)
    manifest = submission.manifest
    task = get_task(manifest.task)
    dataset = task.spec.dataset(job.dataset)
    options = task.resolve_options(task.spec.options.parse(list(job.run.task_options), task.spec.name), dataset)
    protocol = parse_protocol(job.protocol or dataset.default_protocol, task, manifest.input)
    split = job.split or dataset.pair_split
    root = job.run.data_root.get(job.dataset)
    source = task.open_source(dataset, split, Path(root) if root else None, manifest.input, options)
    run = job.run
    return {
        "submission": manifest.name,
        "weights_sha256": manifest.weights.sha256 if manifest.weights else None,
        "input": _json(manifest.input.model_dump_json()),
        "dataset": dataset.name,
        "split": source.split,
        "data_fingerprint": source.fingerprint(),
        "protocol": protocol.text,
        "pairs": run.pairs, "seed": run.seed, "bootstrap": run.bootstrap, "batch_size": run.batch_size,
        "eval_clips": run.eval_clips, "precision": run.precision,
        "task_options": options.recorded(),
    }


def result_key(result: Result | CurveResult) -> dict:
    """The key a result file records (same fields as :func:`job_key`)."""
    recorded = result.run_options.model_dump() if result.run_options else {}
    return {
        "submission": result.submission,
        "weights_sha256": getattr(result, "weights_sha256", None),
        "input": _json(result.input) if result.input is not None else None,
        "dataset": result.dataset.name,
        "split": result.dataset.split,
        "data_fingerprint": result.dataset.fingerprint,
        "protocol": result.pair_protocol,
        **{name: recorded.get(name) for name in ("pairs", "seed", "bootstrap", "batch_size", "eval_clips",
                                                 "precision")},
        "task_options": dict(result.task_options),
    }


def differences(have: dict, want: dict) -> str:
    """``field: result X, job Y`` for every field that differs."""
    names = [name for name in RESULT_KEY_FIELDS if have.get(name) != want.get(name)]
    return "; ".join(f"{name}: result {str(have.get(name))[:40]!r}, job {str(want.get(name))[:40]!r}"
                     for name in names)


def why_not_done(job: Job, key: dict) -> str | None:
    """None when ``job``'s result is present, valid and of ``key``; else why it must run."""
    path = job.result_path
    if not path.is_file():
        return "no result yet"
    try:
        if job.checkpoints:
            return _curve_not_done(job, path, key)
        result = read_result(path)
    except BenchmarkError as error:
        return f"unreadable result ({str(error).splitlines()[0][:120]})"
    from benchmark.validate.submission import check_result

    problems = check_result(path, result, load_submission(job.submission))
    if problems:
        return f"invalid result ({problems[0][:160]})"
    differ = differences(result_key(result), key)
    return f"other key ({differ})" if differ else None


def _curve_not_done(job: Job, path: Path, key: dict) -> str | None:
    """A curve is done when valid, of the same key (its points' weights aside) and holding a
    point for every checkpoint the job names."""
    from benchmark.run.curves import find_checkpoints
    from benchmark.validate.results import check_result

    curve = read_curve(path)
    for point in curve.points:
        problems = check_result(curve.point_result(point))
        if problems:
            field, message = problems[0]
            return f"invalid curve point {point.step} ({field}: {message[:120]})"
    differ = differences(result_key(curve), dict(key, weights_sha256=None))
    if differ:
        return f"other key ({differ})"
    measured = {point.weights_sha256 for point in curve.points}
    missing = [c.path.name for c in find_checkpoints(job.checkpoints) if c.sha256 not in measured]
    return f"checkpoints not measured yet: {', '.join(missing[:5])}" if missing else None
