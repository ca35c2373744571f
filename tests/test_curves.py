"""``benchmark curve``: a training run's checkpoints measured like separate ``run``s, in one
curve file that validates, resumes, plots and is linked from the leaderboard."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from benchmark.board.markdown import build, render, write_leaderboard
from benchmark.board.plots import plot_curve
from benchmark.cli import main
from benchmark.errors import BenchmarkError
from benchmark.hashing import sha256_file
from benchmark.measure.estimator import StaticDynamicEstimator
from benchmark.results.schema import CurvePoint, CurveResult, LayerResult, curve_files, read_curve
from benchmark.run.curves import find_checkpoints
from benchmark.run.runner import RunOptions, run
from benchmark.validate.submission import validate_submission
from tests.conftest import TINY_MODEL

FAST = dict(pairs=24, batch_size=8, eval_clips=16, bootstrap=50, progress=False)
FAST_FLAGS = ["--pairs", "24", "--batch-size", "8", "--eval-clips", "16", "--bootstrap", "50", "--no-progress",
              "--update-results"]
STEPS = (0, 5, 10)


def tiny_state(seed: int) -> dict[str, torch.Tensor]:
    namespace: dict = {}
    exec(TINY_MODEL, namespace)
    torch.manual_seed(seed)
    return {k: v.contiguous() for k, v in namespace["build"](14).state_dict().items()}


@pytest.fixture
def training_run(tiny_submission: Path, tmp_path: Path) -> Path:
    """Three checkpoints of a 'training run'; the submission holds the last one."""
    folder = tmp_path / "run"
    folder.mkdir()
    for seed, step in enumerate(STEPS):
        save_file(tiny_state(seed), str(folder / f"step-{step:06d}.safetensors"),
                  metadata={"step": str(step), "total_steps": "10", "epoch": str(step / 5),
                            "training": json.dumps({"arch": "tiny", "epochs": 2})})
    (folder / "SHA256SUMS").write_text("".join(f"{sha256_file(p)}  {p.name}\n" for p in sorted(folder.iterdir())))
    last = folder / f"step-{STEPS[-1]:06d}.safetensors"
    shutil.copyfile(last, tiny_submission / "weights.safetensors")
    manifest = tiny_submission / "submission.yaml"
    manifest.write_text(re.sub(r'sha256: "[0-9a-f]{64}"', f'sha256: "{sha256_file(last)}"', manifest.read_text()))
    return folder


def submission_holding(checkpoint: Path, template: Path, where: Path) -> Path:
    """A copy of the submission whose weights are ``checkpoint``."""
    folder = where / "submissions" / template.name
    shutil.copytree(template, folder, ignore=shutil.ignore_patterns("results"))
    shutil.copyfile(checkpoint, folder / "weights.safetensors")
    manifest = folder / "submission.yaml"
    manifest.write_text(re.sub(r'sha256: "[0-9a-f]{64}"', f'sha256: "{sha256_file(checkpoint)}"', manifest.read_text()))
    return folder


def test_curve_equals_separate_runs_of_each_checkpoint(tiny_submission, training_run, tmp_path, capsys):
    assert main(["curve", str(tiny_submission), "--checkpoints", str(training_run), *FAST_FLAGS]) == 0
    assert "settled" in capsys.readouterr().out
    [path] = curve_files(tiny_submission)
    assert path == tiny_submission / "results" / "curves" / "synthetic-motion__true.json"
    curve = read_curve(path)
    assert [p.step for p in curve.points] == list(STEPS)
    assert [p.fraction for p in curve.points] == [0.0, 0.5, 1.0]
    assert curve.total_steps == 10 and curve.training == {"arch": "tiny", "epochs": 2}
    for index, point in enumerate(curve.points):
        checkpoint = training_run / point.checkpoint
        assert point.weights_sha256 == sha256_file(checkpoint)
        alone, _ = run(submission_holding(checkpoint, tiny_submission, tmp_path / f"alone{index}"),
                       RunOptions(**FAST))
        assert [layer.model_dump() for layer in point.layers] == [layer.model_dump() for layer in alone.layers]
        assert point.metrics == alone.metrics
        assert point.metric_intervals == alone.metric_intervals
        assert (point.pairs, point.eval_count) == (alone.pairs, alone.eval_count)
        assert curve.dataset == alone.dataset and curve.run_options == alone.run_options
    shares = {p.layers[-1].dynamic_share.value for p in curve.points}
    assert len(shares) == 3  # three different models
    assert validate_submission(tiny_submission) == []
    assert not any((tiny_submission / "results" / ".partial").rglob("*.*"))


def test_an_interrupted_curve_resumes_to_the_same_result(tiny_submission, training_run, tmp_path, monkeypatch):
    options = dict(FAST, checkpoint_every=1)
    from benchmark.run.curves import measure_curve

    reference, _ = measure_curve(tiny_submission, RunOptions(output=tmp_path / "full", **options), training_run)
    calls = {"n": 0}
    original = StaticDynamicEstimator.update

    def flaky(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 5:  # inside the second checkpoint (3 batches per checkpoint)
            raise KeyboardInterrupt
        return original(self, *args, **kwargs)

    monkeypatch.setattr(StaticDynamicEstimator, "update", flaky)
    with pytest.raises(KeyboardInterrupt):
        measure_curve(tiny_submission, RunOptions(output=tmp_path / "resumed", **options), training_run)
    partial = tmp_path / "resumed" / ".partial" / "curves" / "synthetic-motion__true"
    assert len(list(partial.glob("*.json"))) == 1 and len(list(partial.glob("*.ckpt.pt"))) == 1
    monkeypatch.setattr(StaticDynamicEstimator, "update", original)
    with pytest.raises(BenchmarkError, match="interrupted curve .* --resume .* --restart"):
        measure_curve(tiny_submission, RunOptions(output=tmp_path / "resumed", **options), training_run)
    calls["n"] = 0
    resumed, _ = measure_curve(tiny_submission, RunOptions(output=tmp_path / "resumed", resume=True, **options),
                               training_run)
    ignored = {"wall_time_s", "environment", "points"}
    assert resumed.model_dump(exclude=ignored) == reference.model_dump(exclude=ignored)
    for mine, theirs in zip(resumed.points, reference.points, strict=True):
        assert mine.model_dump(exclude={"wall_time_s"}) == theirs.model_dump(exclude={"wall_time_s"})


def test_checkpoints_by_glob_and_their_errors(training_run, tmp_path):
    found = find_checkpoints(f"{training_run}/step-*.safetensors")
    assert [c.step for c in found] == list(STEPS) and found[0].total_steps == 10
    with pytest.raises(BenchmarkError, match="no checkpoint files"):
        find_checkpoints(tmp_path / "nowhere")
    (training_run / "step-000005.safetensors").write_bytes(b"changed")
    with pytest.raises(BenchmarkError, match="does not match .*SHA256SUMS"):
        find_checkpoints(training_run)
    other = tmp_path / "other"
    other.mkdir()
    save_file(tiny_state(0), str(other / "epoch_3.safetensors"))
    save_file(tiny_state(1), str(other / "last.safetensors"), metadata={"step": "3"})
    with pytest.raises(BenchmarkError, match="both step 3"):
        find_checkpoints(other)
    (other / "last.safetensors").unlink()
    save_file(tiny_state(1), str(other / "final.safetensors"))
    with pytest.raises(BenchmarkError, match="final.safetensors: no training step"):
        find_checkpoints(other)


def test_validate_requires_the_submissions_weights_among_the_points(tiny_submission, training_run):
    main(["curve", str(tiny_submission), "--checkpoints", f"{training_run}/step-00000*.safetensors", *FAST_FLAGS])
    [problem] = validate_submission(tiny_submission)
    assert "curves/synthetic-motion__true.json" in problem and "points.weights_sha256" in problem
    [path] = curve_files(tiny_submission)
    data = json.loads(path.read_text())
    data["points"] = list(reversed(data["points"]))
    path.write_text(json.dumps(data))
    [problem] = validate_submission(tiny_submission)
    assert "strictly increasing step" in problem


def test_every_point_is_checked_like_a_result(tiny_submission, training_run, tmp_path):
    main(["curve", str(tiny_submission), "--checkpoints", str(training_run), *FAST_FLAGS])
    [path] = curve_files(tiny_submission)
    data = json.loads(path.read_text())
    data["points"][1]["layers"][0]["dims"]["dynamic"] += 1
    path.write_text(json.dumps(data))
    problems = validate_submission(tiny_submission)
    assert problems and all("points.1.layers.0" in p for p in problems)
    data["points"][1]["layers"][0]["dims"]["dynamic"] -= 1
    data["submission"] = "someone-else"
    path.write_text(json.dumps(data))
    problems = validate_submission(tiny_submission)
    named = [p for p in problems if ".submission'" in p]
    assert len(named) == 1 and "points.0.submission" in named[0]  # a shared field is named once
    run(tiny_submission, RunOptions(update_results=True, **FAST))
    markdown, left_out = build(tiny_submission.parent, tmp_path)
    assert "[curve](" not in markdown and "[tiny](" in markdown
    assert any("curves/synthetic-motion__true.json" in p for p in left_out)


def point(step: int, share: float, low: float, high: float) -> CurvePoint:
    layer = LayerResult(name="res5", percent={}, dynamic_share={"value": share, "low": low, "high": high})
    return CurvePoint(step=step, checkpoint=f"{step}.safetensors", weights_sha256="0" * 64, layers=[layer],
                      metrics={"top1": step / 100}, metric_intervals={"top1": {"value": step / 100, "low": 0, "high": 1}})


def hand_curve(values: list[float]) -> CurveResult:
    points = [point(10 * k, v, v - 0.05, v + 0.05) for k, v in enumerate(values)]
    return CurveResult(schema_version=1, submission="s", task="action_recognition", provenance="verified",
                       dataset={"name": "synthetic-motion"}, pair_protocol="true", main_metric="top1",
                       total_steps=10 * (len(values) - 1), points=points)


def test_settling_fraction_is_where_the_share_enters_and_stays_in_the_final_interval():
    # final 0.40 [0.35, 0.45]: 0.38 at step 20 is inside, but 0.60 at step 30 leaves again
    assert hand_curve([0.7, 0.5, 0.38, 0.6, 0.42, 0.44, 0.40]).settling_fraction("res5") == 40 / 60
    assert hand_curve([0.4, 0.41, 0.40]).settling_fraction("res5") == 0.0
    assert hand_curve([0.9, 0.1, 0.40]).settling_fraction("res5") == 1.0
    assert hand_curve([0.4, 0.4]).settling_fraction("other") is None


def test_curve_plot_is_byte_stable_and_linked_from_the_leaderboard(tiny_submission, training_run, tmp_path):
    main(["curve", str(tiny_submission), "--checkpoints", str(training_run), *FAST_FLAGS])
    run(tiny_submission, RunOptions(update_results=True, **FAST))
    [path] = curve_files(tiny_submission)
    curve = read_curve(path)
    first, second = plot_curve(curve, tmp_path / "a.png"), plot_curve(curve, tmp_path / "b.png")
    assert first.read_bytes() == second.read_bytes()
    submissions = tiny_submission.parent
    board, problems = write_leaderboard(submissions, tmp_path / "leaderboard.md")
    assert problems == []
    assert "· [curve](submissions/tiny/results/curves/synthetic-motion__true.png)" in board.read_text()
    assert board.read_text() == render(submissions)
    assert path.with_suffix(".png").is_file()


def test_reproduce_reruns_the_point_of_the_submissions_weights(tiny_submission, training_run):
    from benchmark.run.reproduce import reproduce

    main(["curve", str(tiny_submission), "--checkpoints", str(training_run), *FAST_FLAGS])
    [path] = curve_files(tiny_submission)
    assert reproduce(path) == []
    data = json.loads(path.read_text())
    data["points"][-1]["metrics"]["top1"] += 0.5
    data["points"][0]["metrics"]["top1"] += 0.5  # another checkpoint: not reproducible here
    path.write_text(json.dumps(data))
    [difference] = reproduce(path)
    assert difference.field == "metrics.top1"
