"""``benchmark validate`` and ``benchmark changed``: every problem names the file and the field."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from benchmark.api.tasks import get_spec, task_names
from benchmark.cli import main
from benchmark.errors import BenchmarkError, ManifestError
from benchmark.results.schema import (
    RESULT_SCHEMA,
    DatasetInfo,
    LayerResult,
    Result,
)
from benchmark.run.runner import RunOptions, run
from benchmark.submission.manifest import load_submission
from benchmark.validate.changes import changed_submissions
from benchmark.validate.submission import validate_submission
from tests.conftest import write_tiny_submission
from tests.fixtures.results import measured_result

REPO = Path(__file__).resolve().parents[1]
REPORTED = sorted((REPO / "submissions").glob("reported-*"))


def edit(path: Path, **fields) -> None:
    data = json.loads(path.read_text())
    for dotted, value in fields.items():
        *parents, last = dotted.split("__")
        target = data
        for key in parents:
            target = target[key]
        target[last] = value
    path.write_text(json.dumps(data))


@pytest.fixture
def measured(tmp_path) -> tuple[Path, Path]:
    folder = write_tiny_submission(tmp_path / "submissions")
    return folder, measured_result(folder)


def test_a_measured_result_is_valid(measured):
    folder, _ = measured
    assert validate_submission(folder) == []


@pytest.mark.parametrize("folder", REPORTED, ids=lambda p: p.name)
def test_the_reported_entries_validate(folder):
    assert validate_submission(folder) == []


def test_run_refuses_a_reported_entry(capsys):
    assert REPORTED, "the reported entries of METHOD.md §8 are checked in"
    assert main(["run", str(REPORTED[0]), "--no-progress"]) == 2
    error = capsys.readouterr().err
    assert "field 'provenance'" in error and "has no model to run" in error
    with pytest.raises(ManifestError, match="has no model to run"):
        run(REPORTED[0], RunOptions(progress=False))


def test_a_wrong_schema_names_the_file_and_field(measured):
    folder, path = measured
    edit(path, layers=[{"name": "stage", "percent": {"dynamic": "lots"}}])
    [problem] = validate_submission(folder)
    assert str(path) in problem and "layers.0.percent.dynamic" in problem


def test_a_stale_fingerprint_names_the_file_and_field(measured):
    folder, path = measured
    edit(path, dataset__fingerprint="0" * 64)
    [problem] = validate_submission(folder)
    assert str(path) in problem and "'dataset.fingerprint'" in problem and "stale" in problem


def test_a_mismatched_result_sha256_names_the_file_and_field(measured):
    folder, path = measured
    edit(path, weights_sha256="f" * 64)
    [problem] = validate_submission(folder)
    assert str(path) in problem and "'weights_sha256'" in problem


def test_weights_that_do_not_match_the_pin_name_the_manifest_field(measured):
    folder, _ = measured
    (folder / "weights.safetensors").write_bytes(b"replaced")
    problems = validate_submission(folder)
    assert any("submission.yaml" in p and "'weights.sha256'" in p for p in problems)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"suite_version": "9.9.9"}, "'suite_version'"),
        ({"protocol_version": "0"}, "'protocol_version'"),
        ({"provenance": "template"}, "'provenance'"),
        ({"submission": "someone-else"}, "'submission'"),
    ],
)
def test_inconsistent_fields_are_named(measured, fields, field):
    folder, path = measured
    edit(path, **fields)
    problems = validate_submission(folder)
    assert problems and all(str(path) in p for p in problems)
    assert any(field in p for p in problems)


def test_duplicate_results_are_caught(measured):
    folder, path = measured
    copy = path.with_name("synthetic-motion__true-again.json")
    shutil.copy(path, copy)
    problems = validate_submission(folder)
    assert any(str(copy) in p and "duplicate of" in p and str(path) in p for p in problems)


def test_a_reported_result_needs_a_citation(tmp_path):
    folder = tmp_path / REPORTED[0].name
    shutil.copytree(REPORTED[0], folder, ignore=shutil.ignore_patterns("*.png"))
    path = next((folder / "results").glob("*.json"))
    data = json.loads(path.read_text())
    del data["citation"]
    path.write_text(json.dumps(data))
    [problem] = validate_submission(folder)
    assert str(path) in problem and "'citation'" in problem
    assert load_submission(folder).reported


# --- git: removed results and changed folders --------------------------------------------------

def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo,
                   check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path) -> Path:
    """A git repository with a measured submission and a reported one, committed."""
    folder = write_tiny_submission(tmp_path / "submissions")
    measured_result(folder)
    shutil.copytree(REPORTED[0], tmp_path / "submissions" / REPORTED[0].name,
                    ignore=shutil.ignore_patterns("*.png"))
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "base")
    return tmp_path


def test_a_removed_result_is_caught_with_base(repo, monkeypatch):
    folder = repo / "submissions" / "tiny"
    removed = folder / "results" / "synthetic-motion__true.json"
    removed.unlink()
    assert validate_submission(folder) == []  # without a base nothing is known of the past
    [problem] = validate_submission(folder, base="main")
    assert str(removed) in problem and "removed" in problem
    monkeypatch.chdir(repo)
    assert main(["validate", "submissions/tiny", "--base", "main"]) == 1


def test_an_unknown_base_is_a_clear_error(repo):
    with pytest.raises(BenchmarkError, match="--base nope"):
        validate_submission(repo / "submissions" / "tiny", base="nope")


def test_changed_lists_changed_folders_and_runnable_ones(repo, monkeypatch, capsys):
    monkeypatch.chdir(repo)
    assert changed_submissions("main") == []
    reported = Path("submissions") / REPORTED[0].name
    (reported / "results" / "ssv2__prestylized.json").unlink()
    write_tiny_submission(repo / "submissions", name="newcomer")
    assert changed_submissions("main") == [Path("submissions/newcomer"), reported]
    assert main(["changed", "--base", "main", "--runnable"]) == 0
    assert capsys.readouterr().out.split() == ["submissions/newcomer"]


@pytest.mark.parametrize("task,dataset", [(t, d.name) for t in task_names() for d in get_spec(t).datasets
                                          if d.synthetic])
def test_synthetic_fingerprints_are_recomputed_for_every_task(task, dataset):
    """A result on any task's synthetic dataset is checked against the world as rendered now."""
    from benchmark.validate.submission import _check_fingerprint, synthetic_fingerprint

    split = get_spec(task).dataset(dataset).pair_split
    current = synthetic_fingerprint(task, dataset, split)
    assert current is not None and len(current) == 64
    result = Result(schema_version=RESULT_SCHEMA, submission="x", task=task, provenance="verified",
                    dataset=DatasetInfo(name=dataset, split=split, fingerprint="0" * 64), pair_protocol="true",
                    layers=[LayerResult(name="l", percent={"dynamic": 1.0, "static": 1.0, "residual": 98.0})])
    [problem] = _check_fingerprint(Path("r.json"), result)
    assert "is stale" in problem and current in problem
    assert _check_fingerprint(Path("r.json"), result.model_copy(update={
        "dataset": DatasetInfo(name=dataset, split=split, fingerprint=current)})) == []
