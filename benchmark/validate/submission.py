"""``benchmark validate``: manifest and result files, without importing submission code.

Checks, each problem naming the file and the field:

- no symbolic link anywhere in the submission folder, and a folder name a manifest can
  carry;
- the manifest's schema, and that a pinned local weights file matches its ``sha256``;
- every result file's schema and known suite and protocol versions, and every number and
  string in it (:mod:`benchmark.validate.results`: ranges, internal consistency, intervals
  from enough pairs, provenance, the manifest's name, task, datasets, layers, input and
  weights);
- its pair protocol parses with the harness grammar (:func:`benchmark.pairs.protocols.check_protocol`);
- ``dataset.fingerprint`` and ``num_items``: recomputed for the synthetic worlds from
  trusted task code, as the runner does, and ``eval_count`` no larger than the world's
  evaluation split; on a real dataset, equal to what other submissions recorded for the
  same split (a fingerprint nobody else measured cannot be checked: such results are
  ``submitted``, never ``verified``);
- no two results for the same dataset and pair protocol;
- curve files (``results/curves/*.json``, docs/METHOD.md §5): every point checked as the
  result a run of its checkpoint would write (the pinned weights aside), and a verified
  curve includes the checkpoint the submission holds (one point's ``weights_sha256``);
- with ``base``: no result file that exists at that git ref was removed.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from benchmark import PROTOCOL_VERSION, SUITE_VERSION
from benchmark.api.model_spec import InputSpec
from benchmark.api.tasks import find_dataset, get_spec, get_task
from benchmark.errors import BenchmarkError
from benchmark.hashing import sha256_file
from benchmark.pairs.catalog import protocol_version
from benchmark.results.schema import (
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
from benchmark.submission.manifest import MANIFEST_NAME, Manifest, Submission, load_submission
from benchmark.validate.results import NAME, check_against_manifest, check_identity, printable
from benchmark.validate.results import check_result as check_numbers

KNOWN_SUITE_VERSIONS = tuple(sorted({"0.1.0", "0.2.0", SUITE_VERSION}))
KNOWN_PROTOCOL_VERSIONS = tuple(str(v) for v in range(1, int(PROTOCOL_VERSION) + 1))


def _synthetic_source(task: str, dataset: str, split: str):
    declared = find_dataset(task, dataset)
    if declared is None or not declared.synthetic:
        return None
    adapter = get_task(task)
    any_input = InputSpec(frames=8, size=32)  # a synthetic sample list does not depend on it
    return adapter, adapter.open_source(declared, split, None, any_input, adapter.spec.options())


@lru_cache(maxsize=32)
def synthetic_fingerprint(task: str, dataset: str, split: str) -> str | None:
    """The current fingerprint of a synthetic dataset's split, rendered by the task's own
    (trusted) code as the runner does; None when ``dataset`` is not synthetic."""
    opened = _synthetic_source(task, dataset, split)
    return None if opened is None else opened[1].fingerprint()


@lru_cache(maxsize=32)
def synthetic_size(task: str, dataset: str, split: str) -> tuple[int, int] | None:
    """(items, evaluation units) of a synthetic dataset's split; None when not synthetic."""
    opened = _synthetic_source(task, dataset, split)
    if opened is None:
        return None
    adapter, source = opened
    return len(source), adapter.eval_units(source)


def undeclared_datasets(submission: Submission) -> list[str]:
    """A manifest's ``datasets`` that its task does not declare."""
    manifest = submission.manifest
    try:
        known = get_spec(manifest.task).dataset_names()
    except BenchmarkError:
        return []  # an unknown task is reported by the manifest's own checks
    return [f"{submission.folder / MANIFEST_NAME}: field 'datasets': {name[:64]!r} is not a dataset of task "
            f"{manifest.task!r} (its datasets: {', '.join(known)})." for name in manifest.datasets if name not in known]


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


def symlinks(folder: Path) -> list[str]:
    """One message per symbolic link in ``folder`` (itself included); links are never followed."""
    folder = Path(folder)
    if folder.is_symlink():
        return [f"{folder}: a symbolic link; a submission is a real folder in the repository."]
    found = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        for name in sorted(dirs + files):
            path = Path(root) / name
            if path.is_symlink():
                found.append(f"{path}: a symbolic link; a submission holds only real files "
                             "(a link can point outside the repository). Replace it with the file.")
    return found


def check_result(path: Path, result: Result, submission: Submission) -> list[str]:
    """Problems of one (schema-valid) result file against itself, its task and its submission."""
    from benchmark.pairs.protocols import check_protocol

    problems: list[str] = []

    def problem(field: str, message: str) -> None:
        problems.append(f"{path}: field '{field}': {message}.")

    if result.schema_version != RESULT_SCHEMA:
        problem("schema_version", f"{result.schema_version} is not the current result layout "
                f"({RESULT_SCHEMA}); rerun the benchmark to write the result again")
    problems += _check_versions(path, result)
    for field, message in (check_numbers(result) + check_identity(path, result, submission)
                           + check_against_manifest(result, submission)):
        problem(field, message)
    why = check_protocol(result.pair_protocol, bare=result.provenance == "reported")
    if why:
        problem("pair_protocol", f"{result.pair_protocol[:80]!r}: {why}")
    if result.provenance != "reported" and not any("'dataset." in p for p in problems):
        problems += _check_fingerprint(path, result)
    return problems


def _check_versions(path: Path, result: Result | CurveResult) -> list[str]:
    problems = []

    def problem(field: str, message: str) -> None:
        problems.append(f"{path}: field '{field}': {message}.")

    if result.suite_version not in KNOWN_SUITE_VERSIONS:
        problem("suite_version", f"{result.suite_version[:32]!r} is not a known suite version "
                f"({', '.join(KNOWN_SUITE_VERSIONS)})")
    if result.protocol_version not in KNOWN_PROTOCOL_VERSIONS:
        problem("protocol_version", f"{result.protocol_version[:32]!r} is not a known protocol "
                f"version ({', '.join(KNOWN_PROTOCOL_VERSIONS)})")
    else:
        current = protocol_version(result.pair_protocol)
        ran_here = getattr(result, "provenance", None) != "reported"  # published figures were never run here
        if ran_here and current is not None and int(result.protocol_version) < int(current):
            problem("protocol_version", f"measured under version {result.protocol_version} of pair protocol "
                    f"{result.pair_protocol.partition(':')[0]!r}, whose construction changed in version {current} "
                    "(docs/protocol_v3.md): re-run it with --update-results (version 2's 'stylize' is "
                    "'kowal2022' now)")
    return problems


def check_curve(path: Path, curve: CurveResult, submission: Submission) -> list[str]:
    """Problems of one (schema-valid) curve file: each point is checked as the result a run
    of its checkpoint would write (its weights are the checkpoint's, not the pin), and the
    submission's own weights must be among the points."""
    from benchmark.pairs.protocols import check_protocol

    problems: list[str] = []
    if curve.schema_version != CURVE_SCHEMA:
        problems.append(f"{path}: field 'schema_version': {curve.schema_version} is not the current curve "
                        f"layout ({CURVE_SCHEMA}); rerun `benchmark curve` to write it again.")
    problems += _check_versions(path, curve)
    seen: set[tuple[str, str]] = set()
    for index, point in enumerate(curve.points):
        result = curve.point_result(point)
        found = check_numbers(result) + check_identity(path, result, submission)
        found += [(f, m) for f, m in check_against_manifest(result, submission) if f != "weights_sha256"]
        why = printable(point.checkpoint, 256)
        found += [("checkpoint", f"{point.checkpoint[:80]!r}: {why}")] if why else []
        for field, message in found:
            if (field, message) not in seen:  # a problem of the shared fields is named once
                seen.add((field, message))
                problems.append(f"{path}: field 'points.{index}.{field}': {message}.")
    why = check_protocol(curve.pair_protocol, bare=False)
    if why:
        problems.append(f"{path}: field 'pair_protocol': {curve.pair_protocol[:80]!r}: {why}.")
    manifest = submission.manifest
    pinned = manifest.weights.sha256 if isinstance(manifest, Manifest) and manifest.weights else None
    if curve.provenance != "template" and pinned not in {point.weights_sha256 for point in curve.points}:
        problems.append(f"{path}: field 'points.weights_sha256': none of the measured checkpoints is the "
                        f"submission's weights (weights.sha256 {pinned}); a curve includes the checkpoint the "
                        "submission holds.")
    if not any("'dataset." in p or ".dataset." in p for p in problems):
        problems += _check_fingerprint(path, curve.point_result(curve.points[-1]))
    return problems


def _check_fingerprint(path: Path, result: Result) -> list[str]:
    dataset = result.dataset
    field = f"{path}: field 'dataset.fingerprint'"
    try:
        declared = find_dataset(result.task, dataset.name)
        split = dataset.split or (declared.pair_split if declared else "")
        current = synthetic_fingerprint(result.task, dataset.name, split)
        size = synthetic_size(result.task, dataset.name, split)
        eval_units = None
        if declared is not None and declared.synthetic:
            eval_units = synthetic_size(result.task, dataset.name, declared.eval_split)[1]
    except (BenchmarkError, ValueError, KeyError) as error:
        return [f"{path}: field 'dataset.split': {dataset.split!r} is not a split of "
                f"{dataset.name!r}: {error}"]
    if current is not None and dataset.fingerprint != current:
        return [f"{field}: {dataset.fingerprint} is stale; the synthetic world "
                f"{dataset.name!r} ({split}) now has fingerprint {current}. "
                "Rerun the benchmark to measure on the current world."]
    if current is None and not dataset.fingerprint:
        return [f"{field}: missing; a measured result records the sha256 of its sample list."]
    problems = []
    if size is not None and dataset.num_items is not None and dataset.num_items != size[0]:
        problems.append(f"{path}: field 'dataset.num_items': {dataset.num_items}, but {dataset.name!r} "
                        f"({split}) has {size[0]} items.")
    if eval_units is not None and result.eval_count is not None and result.eval_count > eval_units:
        problems.append(f"{path}: field 'eval_count': {result.eval_count}, but the evaluation split of "
                        f"{dataset.name!r} has {eval_units} {result.eval_unit or 'unit'}s.")
    return problems


# (task, dataset, split) -> {fingerprint: [(submission folder, a result file recording it)]}, at most
# two folders per fingerprint: one of them is always "another submission" than the one validated.
FingerprintIndex = dict[tuple[str, str, str], dict[str, list[tuple[Path, str]]]]


def fingerprint_index(submissions: Path) -> FingerprintIndex:
    """The fingerprints the submissions under ``submissions`` recorded for real datasets,
    every result read once (``validate`` of many folders shares it: linear, not quadratic)."""
    index: FingerprintIndex = {}
    if not submissions.is_dir():
        return index
    for folder in sorted(submissions.iterdir()):
        if folder.is_symlink() or not (folder / MANIFEST_NAME).is_file():
            continue
        for path in result_files(folder):
            try:
                result = read_result(path)
            except BenchmarkError:
                continue
            declared = find_dataset(result.task, result.dataset.name)
            if declared is None or declared.synthetic or not result.dataset.fingerprint:
                continue
            key = (result.task, result.dataset.name, result.dataset.split or "")
            where = index.setdefault(key, {}).setdefault(result.dataset.fingerprint, [])
            if len(where) < 2 and all(f != folder.resolve() for f, _ in where):
                where.append((folder.resolve(), str(path)))
    return index


def known_fingerprints(submissions: Path, exclude: Path,
                       index: FingerprintIndex | None = None) -> dict[tuple[str, str, str], dict[str, str]]:
    """Fingerprints other submissions recorded for real datasets:
    ``(task, dataset, split) -> {fingerprint: a result file recording it}``."""
    index = fingerprint_index(submissions) if index is None else index
    excluded = exclude.resolve()
    known: dict[tuple[str, str, str], dict[str, str]] = {}
    for key, fingerprints in index.items():
        for fingerprint, where in fingerprints.items():
            other = next((path for folder, path in where if folder != excluded), None)
            if other is not None:
                known.setdefault(key, {})[fingerprint] = other
    return known


def check_real_fingerprints(results: list[tuple[Path, Result]], folder: Path,
                            index: FingerprintIndex | None = None) -> list[str]:
    """A real dataset's split has one sample list: a fingerprint other submissions never
    recorded for it (when they recorded one) is refused."""
    known = known_fingerprints(folder.parent, folder, index)
    problems = []
    for path, result in results:
        key = (result.task, result.dataset.name, result.dataset.split or "")
        others = known.get(key)
        if others and result.dataset.fingerprint and result.dataset.fingerprint not in others:
            fingerprint, where = next(iter(others.items()))
            problems.append(
                f"{path}: field 'dataset.fingerprint': {result.dataset.fingerprint[:64]} differs from the "
                f"fingerprint {fingerprint} that {where} recorded for {result.dataset.name} "
                f"({result.dataset.split}); measure on the complete official split in its published layout."
            )
    return problems


def duplicate_results(results: list[tuple[Path, Result]]) -> list[str]:
    """One message per result that repeats an earlier one's dataset and pair protocol."""
    seen: dict[str, Path] = {}
    problems = []
    for path, result in results:
        key = result_file_name(result.dataset.name, result.pair_protocol)
        if key in seen:
            problems.append(
                f"{path}: fields 'dataset.name' and 'pair_protocol': duplicate of {seen[key]} "
                f"(dataset {result.dataset.name[:64]!r}, protocol {result.pair_protocol[:64]!r}); keep "
                "one result per dataset and protocol."
            )
        else:
            seen[key] = path
    return problems


def validate_submission(folder: str | Path, base: str | None = None,
                        index: FingerprintIndex | None = None) -> list[str]:
    """Every problem found, each naming the file and the field; empty when valid.

    With ``base`` (a git ref), result files present there and missing now are errors.
    ``index``: :func:`fingerprint_index` of the folder's parent, when already read.
    """
    folder = Path(folder)
    problems: list[str] = []
    if base is not None:
        from benchmark.validate.changes import removed_results

        problems += removed_results(folder, base)
    links = symlinks(folder)
    if links:
        return problems + links
    if folder.is_dir() and not NAME.fullmatch(folder.resolve().name):
        return problems + [f"{folder}: folder name {folder.resolve().name!r} is not a submission name "
                           "(lowercase letters, digits, '.', '_' and '-'; at most 64 characters)."]
    try:
        submission = load_submission(folder)
    except BenchmarkError as error:
        return problems + [str(error)]
    problems += check_weights(submission) + undeclared_datasets(submission)
    results: list[tuple[Path, Result]] = []
    for path in result_files(submission.folder):
        try:
            result = read_result(path)
        except BenchmarkError as error:
            problems.append(str(error))
            continue
        results.append((path, result))
        problems += check_result(path, result, submission)
    problems += duplicate_results(results)
    problems += check_real_fingerprints(results, submission.folder, index)
    for path in curve_files(submission.folder):
        try:
            curve = read_curve(path)
        except BenchmarkError as error:
            problems.append(str(error))
            continue
        problems += check_curve(path, curve, submission)
    return problems
