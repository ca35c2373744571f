"""End to end: ``benchmark run`` on the synthetic default, resume, validate, leaderboard."""

from __future__ import annotations

import json
import shutil

import pytest

import benchmark.run.runner as runner_module
from benchmark.board.markdown import check_leaderboard, write_leaderboard
from benchmark.cli import main
from benchmark.measure.estimator import StaticDynamicEstimator
from benchmark.results.schema import read_result, result_files
from benchmark.run.runner import RunOptions, run
from benchmark.validate.submission import validate_submission
from tests.fixtures.interrupt import stop_at_batch

FAST = dict(pairs=24, batch_size=8, eval_clips=16, bootstrap=50, progress=False)


def test_run_writes_a_valid_result(tiny_submission, capsys):
    code = main(["run", str(tiny_submission), "--pairs", "24", "--batch-size", "8",
                 "--eval-clips", "16", "--bootstrap", "50", "--no-progress", "--update-results"])
    out = capsys.readouterr().out
    assert code == 0
    assert "dynamic share [95% CI]" in out and "top1" in out
    [path] = result_files(tiny_submission)
    result = read_result(path)
    assert result.provenance == "verified"
    assert [layer.name for layer in result.layers] == ["stem", "stage"]
    last = result.last_layer
    assert last.pairs["dynamic"] + last.pairs["static"] == 24
    assert 0.0 <= last.dynamic_share.low <= last.dynamic_share.value <= last.dynamic_share.high <= 1.0
    assert sum(last.dims.values()) == last.units
    assert {"top1", "top1_shuffled", "top1_reversed", "top1_repeated"} <= set(result.metrics)
    assert len(result.dataset.fingerprint) == 64
    assert validate_submission(tiny_submission) == []


def test_an_interrupted_run_resumes_to_the_same_result(tiny_submission, tmp_path, monkeypatch):
    reference, _ = run(tiny_submission, RunOptions(output=tmp_path / "full", **FAST))

    restore = stop_at_batch(monkeypatch, batch=2)
    options = RunOptions(output=tmp_path / "resumed", checkpoint_every=1, **FAST)
    with pytest.raises(KeyboardInterrupt):
        run(tiny_submission, options)
    checkpoint = next((tmp_path / "resumed" / ".partial").iterdir())
    assert checkpoint.is_file()  # the first batch survived the interruption

    restore()
    options.resume = True
    resumed, _ = run(tiny_submission, options)
    assert not checkpoint.exists()
    for mine, theirs in zip(resumed.layers, reference.layers, strict=True):
        assert mine.model_dump() == theirs.model_dump()
    assert resumed.metrics == reference.metrics


def test_resume_refuses_a_checkpoint_from_other_options(tiny_submission, tmp_path, monkeypatch):
    monkeypatch.setattr(StaticDynamicEstimator, "update", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        run(tiny_submission, RunOptions(output=tmp_path, checkpoint_every=1, **FAST))
    monkeypatch.undo()
    other = dict(FAST, pairs=32)
    with pytest.raises(runner_module.BenchmarkError, match="other options.*pairs: checkpoint 24, now 32"):
        run(tiny_submission, RunOptions(output=tmp_path, resume=True, **other))


def test_validate_flags_a_tampered_result(tiny_submission):
    run(tiny_submission, RunOptions(update_results=True, **FAST))
    [path] = result_files(tiny_submission)
    data = json.loads(path.read_text())
    data["weights_sha256"] = "0" * 64
    path.write_text(json.dumps(data))
    [problem] = validate_submission(tiny_submission)
    assert str(path) in problem and "weights_sha256" in problem
    data["layers"][0]["percent"] = "lots"
    path.write_text(json.dumps(data))
    [problem] = validate_submission(tiny_submission)
    assert "layers.0.percent" in problem


def test_leaderboard_check_detects_stale_files(tiny_submission, tmp_path):
    submissions = tiny_submission.parent
    run(tiny_submission, RunOptions(update_results=True, **FAST))
    board = tmp_path / "leaderboard.md"
    write_leaderboard(submissions, board)
    assert check_leaderboard(submissions, board) is None
    assert "[tiny]" in board.read_text()
    shutil.copytree(tiny_submission, submissions / "tiny2")
    (submissions / "tiny2" / "submission.yaml").write_text(
        (submissions / "tiny2" / "submission.yaml").read_text().replace("name: tiny", "name: tiny2"))
    for path in result_files(submissions / "tiny2"):
        path.write_text(path.read_text().replace('"submission": "tiny"', '"submission": "tiny2"'))
    assert "stale" in check_leaderboard(submissions, board)


def test_reproduce_reruns_a_result_with_its_recorded_options(tiny_submission, capsys):
    """Every number of a synthetic result is a function of what the file records."""
    run(tiny_submission, RunOptions(update_results=True, **FAST))
    [path] = result_files(tiny_submission)
    assert main(["reproduce", str(path)]) == 0
    data = json.loads(path.read_text())
    data["layers"][1]["dynamic_share"]["value"] += 0.01
    data["metrics"]["top1"] = 0.99
    path.write_text(json.dumps(data))
    assert main(["reproduce", str(path)]) == 1
    err = capsys.readouterr().err
    assert "stage.dynamic_share.value" in err and "metrics.top1: committed 0.99" in err
