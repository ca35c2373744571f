"""``benchmark validate``: manifest and result files, without importing submission code.

Checks, each problem naming the file and the field:

- the manifest's schema, and that a pinned local weights file matches its ``sha256``;
- every result file's schema, known suite and protocol versions, file name, submission
  name, task and provenance (``reported`` folders hold only ``reported`` results, with a
  citation; templates hold ``template`` results; the rest ``verified``);
- ``weights_sha256`` of a verified result equals the manifest's pin;
- ``dataset.fingerprint``: recomputed for the synthetic worlds from trusted code
  (``tasks.action_recognition.sources.WorldSource``, as the runner does), required for
  other measured results;
- no two results for the same dataset and pair protocol;
- curve files (``results/curves/*.json``, docs/METHOD.md §5) alike; a verified curve must
  include the checkpoint the submission holds (one point's ``weights_sha256`` is the pin);
- with ``base``: no result file that exists at that git ref was removed.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from benchmark import PROTOCOL_VERSION, SUITE_VERSION
from benchmark.errors import BenchmarkError
from benchmark.hashing import sha256_file
from benchmark.manifest import MANIFEST_NAME, InputSpec, Manifest, Submission, load_submission
from benchmark.results import (
    CURVE_SCHEMA,
    RESULT_SCHEMA,
    CurveResult,
    Result,
    curve_files,
    read_curve,
    read_result,
    result_file_name,
    result_files,
)
from benchmark.tasks import find_dataset, get_task

KNOWN_SUITE_VERSIONS = tuple(sorted({"0.1.0", "0.2.0", SUITE_VERSION}))
KNOWN_PROTOCOL_VERSIONS = tuple(sorted({"1", PROTOCOL_VERSION}))


@lru_cache(maxsize=32)
def synthetic_fingerprint(task: str, dataset: str, split: str) -> str | None:
    """The current fingerprint of a synthetic dataset's split, rendered by the task's own
    (trusted) code as the runner does; None when ``dataset`` is not synthetic."""
    declared = find_dataset(task, dataset)
    if declared is None or not declared.synthetic:
        return None
    adapter = get_task(task)
    any_input = InputSpec(frames=8, size=32)  # a synthetic sample list does not depend on it
    return adapter.open_source(declared, split, None, any_input, adapter.spec.options()).fingerprint()


def expected_provenance(submission: Submission) -> str:
    """The provenance every result of this submission must carry."""
    if submission.reported:
        return "reported"
    return "template" if submission.manifest.template else "verified"


def check_weights(submission: Submission) -> list[str]:
    """A local weights file must hash to the manifest's pin (URL weights are not fetched)."""
    manifest = submission.manifest
    if not isinstance(manifest, Manifest) or manifest.weights is None or manifest.weights.path is None:
        return []
    path = submission.inside(manifest.weights.path, "weights.path")
    actual = sha256_file(path)
    if actual == manifest.weights.sha256:
        return []
    return [
        f"{submission.folder / MANIFEST_NAME}: field 'weights.sha256': {manifest.weights.sha256} "
        f"does not match {manifest.weights.path} (sha256 {actual}); pin the file you ran with."
    ]


def check_result(path: Path, result: Result | CurveResult, submission: Submission) -> list[str]:
    """Problems of one (schema-valid) result or curve file against its submission."""
    manifest = submission.manifest
    problems: list[str] = []

    def problem(field: str, message: str) -> None:
        problems.append(f"{path}: field '{field}': {message}")

    schema = CURVE_SCHEMA if isinstance(result, CurveResult) else RESULT_SCHEMA
    if result.schema_version != schema:
        problem("schema_version", f"{result.schema_version} is not the current layout "
                f"({schema}); rerun the benchmark to write the file again.")
    if result.suite_version not in KNOWN_SUITE_VERSIONS:
        problem("suite_version", f"{result.suite_version!r} is not a known suite version "
                f"({', '.join(KNOWN_SUITE_VERSIONS)}).")
    if result.protocol_version not in KNOWN_PROTOCOL_VERSIONS:
        problem("protocol_version", f"{result.protocol_version!r} is not a known protocol "
                f"version ({', '.join(KNOWN_PROTOCOL_VERSIONS)}).")
    if result.submission != manifest.name:
        problem("submission", f"{result.submission!r} does not match the manifest name {manifest.name!r}.")
    if result.task != manifest.task:
        problem("task", f"{result.task!r} differs from the manifest's {manifest.task!r}.")
    if result.file_name() != path.name:
        problem("dataset.name", f"file name should be {result.file_name()!r} for dataset "
                f"{result.dataset.name!r} and protocol {result.pair_protocol!r}.")
    expected = expected_provenance(submission)
    if result.provenance != expected:
        problem("provenance", f"{result.provenance!r}, but results of this submission are "
                f"{expected!r} (see the manifest's 'template' / 'provenance').")
    if result.provenance == "reported":
        if not result.citation:
            problem("citation", "a reported result must cite where its figures were published.")
        return problems
    pinned = manifest.weights.sha256 if isinstance(manifest, Manifest) and manifest.weights else None
    if isinstance(result, CurveResult):
        measured = [point.weights_sha256 for point in result.points]
        if result.provenance == "verified" and pinned not in measured:
            problem("points.weights_sha256", f"none of the measured checkpoints is the submission's weights "
                    f"(weights.sha256 {pinned}); a curve must include the checkpoint the submission holds.")
    elif result.provenance == "verified" and result.weights_sha256 != pinned:
        problem("weights_sha256", f"{result.weights_sha256} does not match the manifest's "
                f"weights.sha256 {pinned}; rerun the benchmark with these weights.")
    problems += _check_fingerprint(path, result)
    return problems


def _check_fingerprint(path: Path, result: Result) -> list[str]:
    dataset = result.dataset
    field = f"{path}: field 'dataset.fingerprint'"
    try:
        declared = find_dataset(result.task, dataset.name)
        split = dataset.split or (declared.pair_split if declared else "")
        current = synthetic_fingerprint(result.task, dataset.name, split)
    except (BenchmarkError, ValueError, KeyError) as error:
        return [f"{path}: field 'dataset.split': {dataset.split!r} is not a split of "
                f"{dataset.name!r}: {error}"]
    if current is not None and dataset.fingerprint != current:
        return [f"{field}: {dataset.fingerprint} is stale; the synthetic world "
                f"{dataset.name!r} ({split}) now has fingerprint {current}. "
                "Rerun the benchmark to measure on the current world."]
    if current is None and not dataset.fingerprint:
        return [f"{field}: missing; a measured result records the sha256 of its sample list."]
    return []


def duplicate_results(results: list[tuple[Path, Result]]) -> list[str]:
    """One message per result that repeats an earlier one's dataset and pair protocol."""
    seen: dict[str, Path] = {}
    problems = []
    for path, result in results:
        key = result_file_name(result.dataset.name, result.pair_protocol)
        if key in seen:
            problems.append(
                f"{path}: fields 'dataset.name' and 'pair_protocol': duplicate of {seen[key]} "
                f"(dataset {result.dataset.name!r}, protocol {result.pair_protocol!r}); keep "
                "one result per dataset and protocol."
            )
        else:
            seen[key] = path
    return problems


def validate_submission(folder: str | Path, base: str | None = None) -> list[str]:
    """Every problem found, each naming the file and the field; empty when valid.

    With ``base`` (a git ref), result files present there and missing now are errors.
    """
    folder = Path(folder)
    problems: list[str] = []
    if base is not None:
        from benchmark.changes import removed_results

        problems += removed_results(folder, base)
    try:
        submission = load_submission(folder)
    except BenchmarkError as error:
        return problems + [str(error)]
    problems += check_weights(submission)
    results: list[tuple[Path, Result]] = []
    files = [(path, read_result) for path in result_files(submission.folder)]
    files += [(path, read_curve) for path in curve_files(submission.folder)]
    for path, read in files:
        try:
            result = read(path)
        except BenchmarkError as error:
            problems.append(str(error))
            continue
        if isinstance(result, Result):
            results.append((path, result))
        problems += check_result(path, result, submission)
    problems += duplicate_results(results)
    return problems
