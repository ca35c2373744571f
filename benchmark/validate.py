"""``benchmark validate``: manifest and result files, without importing submission code."""

from __future__ import annotations

from pathlib import Path

from benchmark.errors import BenchmarkError
from benchmark.manifest import load_submission
from benchmark.results import read_result, result_files


def validate_submission(folder: str | Path) -> list[str]:
    """Every problem found, each naming the file and the field; empty when valid."""
    try:
        submission = load_submission(folder)
    except BenchmarkError as error:
        return [str(error)]
    problems: list[str] = []
    manifest = submission.manifest
    for path in result_files(submission.folder):
        try:
            result = read_result(path)
        except BenchmarkError as error:
            problems.append(str(error))
            continue
        if result.submission != manifest.name:
            problems.append(
                f"{path}: field 'submission': {result.submission!r} does not match the manifest "
                f"name {manifest.name!r}."
            )
        if result.task != manifest.task:
            problems.append(f"{path}: field 'task': {result.task!r} differs from the manifest's {manifest.task!r}.")
        if result.file_name() != path.name:
            problems.append(
                f"{path}: file name should be {result.file_name()!r} for dataset "
                f"{result.dataset.name!r} and protocol {result.pair_protocol!r}."
            )
        pinned = manifest.weights.sha256 if manifest.weights else None
        if result.provenance == "verified" and result.weights_sha256 != pinned:
            problems.append(
                f"{path}: field 'weights_sha256': {result.weights_sha256} does not match the "
                f"manifest's weights.sha256 {pinned}; rerun the benchmark with these weights."
            )
        if result.provenance == "template" and not manifest.template:
            problems.append(f"{path}: field 'provenance': 'template' but the manifest is not a template.")
    return problems
