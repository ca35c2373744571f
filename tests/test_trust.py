"""Issue 13, "Trust": every attack it lists, tried with an adversarial fixture made here, now
ends in a clear error or a refusal (one test, or one parametrised test, per numbered item).

The CI workflow's own checks (item 12) are in tests/test_workflow.py.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import subprocess
import urllib.request
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

import benchmark.run.runner as runner_module
from benchmark.board.markdown import build, cell, write_leaderboard
from benchmark.board.ranking import metric_estimate
from benchmark.board.rows import Row, ranked
from benchmark.cli import main
from benchmark.errors import BenchmarkError, EstimatorError, WeightsError
from benchmark.hashing import sha256_file
from benchmark.measure.estimator import StaticDynamicEstimator, check_memory, estimator_memory_bytes
from benchmark.results.schema import IntervalModel, read_result, result_files
from benchmark.run.runner import RunOptions, run
from benchmark.run.safeguards import CheckpointLock
from benchmark.submission.download import check_https, fetch_pinned, stream_verified
from benchmark.validate.changes import changed_submissions
from benchmark.validate.submission import validate_submission
from tests.conftest import TINY_MODEL, write_tiny_submission
from tests.fixtures.interrupt import stop_at_batch
from tests.fixtures.results import FAKE_FINGERPRINT, measured_result

FAST = dict(pairs=24, batch_size=8, eval_clips=8, bootstrap=20, progress=False)
FAST_ARGS = ["--pairs", "24", "--batch-size", "8", "--eval-clips", "8", "--bootstrap", "20", "--no-progress"]


def edit(path: Path, change) -> None:
    """Rewrite the JSON file ``path`` with ``change(data)`` applied (NaN allowed, as an
    adversary's editor would write it)."""
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def last(data: dict) -> dict:
    return data["layers"][-1]


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo, check=True,
                   capture_output=True)


@pytest.fixture
def tiny(tmp_path) -> Path:
    """The tiny submission with a consistent verified result (as `benchmark run` writes)."""
    folder = write_tiny_submission(tmp_path / "submissions")
    measured_result(folder)
    assert validate_submission(folder) == []
    return folder


def one_error(capsys) -> str:
    """The CLI's stderr: one paragraph starting with "error:", no traceback."""
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.strip().splitlines() if line.startswith("error:")]
    assert lines, err
    return err


# --------------------------------------------------------------------------- 1. CI bypass


@pytest.mark.parametrize("name", ["tïny", "tiny\tfolder", "tiny\nfolder"], ids=["non-ascii", "tab", "newline"])
def test_1_a_folder_git_would_quote_is_listed_validated_and_refused(tmp_path, monkeypatch, capsys, name):
    """git quotes such names in line output; `changed -z` lists them exactly, `validate`
    refuses them, and the leaderboard leaves out their results (even under another name)."""
    repo = tmp_path
    write_tiny_submission(repo / "submissions", name="base")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "base")
    sneaky = write_tiny_submission(repo / "submissions", name="c3d-synthetic")  # claims another's name...
    measured_result(sneaky)
    folder = sneaky.rename(repo / "submissions" / name)  # ...from a folder CI used to drop
    monkeypatch.chdir(repo)
    assert changed_submissions("main") == [Path("submissions") / name]
    assert main(["changed", "--base", "main", "--runnable", "-z"]) == 0
    assert capsys.readouterr().out == f"submissions/{name}\0"

    problems = validate_submission(folder)
    assert len(problems) == 1 and "is not a submission name" in problems[0]
    markdown, left_out = build(repo / "submissions", repo)
    assert "c3d-synthetic" not in markdown
    assert any("must equal the folder name" in p for p in left_out)
    assert main(["leaderboard", "--check"]) == 1 and "cannot be shown" in capsys.readouterr().err


# --------------------------------------------------------------------------- 2. numbers never checked


FORGERIES = {
    "top1 7.5": (lambda d: d["metrics"].update(top1=7.5), "'metrics.top1'"),
    "top1 1e308": (lambda d: d["metrics"].update(top1=1e308), "'metrics.top1'"),
    "top1 NaN": (lambda d: d["metrics"].update(top1=math.nan), "not a finite number"),
    "top1 not a whole number of clips": (lambda d: d["metrics"].update(top1=0.371), "whole number"),
    "negative pairs": (lambda d: d["pairs"].update(dynamic=-5), "'pairs'"),
    "negative units": (lambda d: last(d).update(units=-3), "'layers.1.units'"),
    "percent 250 and -40": (lambda d: last(d)["percent"].update(dynamic=250.0, static=-40.0), "outside [0, 100]"),
    "dynamic share contradicting the percents": (lambda d: last(d)["dynamic_share"].update(value=0.99),
                                                 "'layers.1.dynamic_share.value'"),
    "point outside its interval": (lambda d: last(d)["dynamic_share"].update(low=0.0, high=0.01), "outside its interval"),
    "dims not summing to units": (lambda d: last(d)["dims"].update(residual=0), "'layers.1.dims'"),
    "unit classes contradicting counts": (lambda d: last(d)["unit_classes"].update(joint=50.0), "unit_classes"),
    "pair counts not adding up": (lambda d: d["pairs"].update(planned=10), "planned 10"),
    "eval count above the dataset": (lambda d: d.update(eval_count=100000), "'eval_count'"),
    "relative drop not following": (lambda d: d["metrics"].update(top1_shuffled_rel_drop=0.5), "does not follow"),
    "unknown metric key": (lambda d: d["metrics"].update(top11=0.5), "not a metric of task"),
    "stale fingerprint": (lambda d: d["dataset"].update(fingerprint="0" * 64), "is stale"),
    "undeclared dataset (14 classes on 48-class Diving48)": (
        lambda d: d["dataset"].update(name="diving48"), "not one of the manifest's datasets"),
    "unknown protocol": (lambda d: d.update(pair_protocol="magic"), "'pair_protocol'"),
    "synthetic result relabelled submitted": (lambda d: d.update(provenance="submitted"), "'provenance'"),
    "other run options than its pairs": (lambda d: d["run_options"].update(pairs=5000), "run_options.pairs"),
}


@pytest.mark.parametrize("forge", list(FORGERIES), ids=list(FORGERIES))
def test_2_hand_edited_numbers_are_refused(tiny, forge):
    change, expected = FORGERIES[forge]
    [path] = result_files(tiny)
    edit(path, change)
    problems = validate_submission(tiny)
    assert problems and all(str(path) in p for p in problems), problems
    assert any(expected in p for p in problems), problems


def test_2_a_95_percent_interval_needs_ten_pairs_per_factor(tiny):
    [path] = result_files(tiny)
    path.unlink()
    measured_result(tiny, pairs=6)  # the estimator gives no interval from so few pairs...
    assert validate_submission(tiny) == []
    assert read_result(path).last_layer.dynamic_share.low is None

    forged = read_result(path).model_dump(exclude_none=True)  # ...and a forged one is refused
    forged["layers"][-1]["dynamic_share"] |= {"low": 0.0, "high": 1.0}
    path.write_text(json.dumps(forged))
    [problem] = validate_submission(tiny)
    assert "at least 10 pairs per factor" in problem


def test_2_a_fake_fingerprint_of_a_real_dataset_is_refused_against_other_submissions(tmp_path):
    submissions = tmp_path / "submissions"
    honest = write_tiny_submission(submissions, name="honest", num_classes=48, datasets="[diving48]")
    faker = write_tiny_submission(submissions, name="faker", num_classes=48, datasets="[diving48]")
    measured_result(honest, dataset="diving48")
    path = measured_result(faker, dataset="diving48")
    assert read_result(path).provenance == "submitted"  # real data: computed elsewhere, never "verified"
    assert validate_submission(faker) == []
    edit(path, lambda d: d["dataset"].update(fingerprint="cd" * 32))
    [problem] = validate_submission(faker)
    assert "'dataset.fingerprint'" in problem and FAKE_FINGERPRINT in problem
    edit(path, lambda d: d.update(provenance="verified"))
    assert any("'provenance'" in p for p in validate_submission(faker))


def test_2_a_reported_entry_cannot_claim_a_synthetic_world(tmp_path):
    repo = Path(__file__).resolve().parents[1]
    reported = next((repo / "submissions").glob("reported-*"))
    folder = tmp_path / reported.name
    shutil.copytree(reported, folder, ignore=shutil.ignore_patterns("*.png"))
    manifest = folder / "submission.yaml"
    manifest.write_text(manifest.read_text().replace("datasets: [", "datasets: [synthetic-motion, "))
    path = next((folder / "results").glob("*.json"))
    edit(path, lambda d: d["dataset"].update(name="synthetic-motion"))
    path.rename(path.with_name("synthetic-motion__prestylized.json"))
    problems = validate_submission(folder)
    assert any("'provenance'" in p and "synthetic" in p for p in problems), problems
    markdown, left_out = build(tmp_path, tmp_path)
    assert "synthetic-motion" not in markdown and left_out


def test_2_forged_accuracy_of_a_chance_model_fails_reproduction(tiny_submission, capsys):
    """Consistent forgeries pass `validate`; rerunning the result in a fresh process does not."""
    run(tiny_submission, RunOptions(update_results=True, **FAST))
    [path] = result_files(tiny_submission)
    honest = read_result(path)
    eval_count = honest.eval_count

    def forge(data):
        data["metrics"]["top1"] = 7 / eval_count  # a whole number of clips, as the check wants
        for key in [k for k in data["metrics"] if k.startswith("top1_") and k.endswith("_rel_drop")]:
            perturbed = data["metrics"][key.removesuffix("_rel_drop")]
            data["metrics"][key] = (perturbed - data["metrics"]["top1"]) / data["metrics"]["top1"]
        data["metric_intervals"].pop("top1")

    edit(path, forge)
    assert validate_submission(tiny_submission) == []  # self-consistent...
    assert main(["reproduce", str(tiny_submission), "--threads", "1"]) == 1  # ...but not what the model does
    err = capsys.readouterr().err
    assert f"metrics.top1: committed {7 / eval_count!r}, reproduced {honest.metrics['top1']!r}" in err


PATCHING_MODEL = TINY_MODEL + '''
import tasks.action_recognition.metrics as _metrics

_metrics.AccuracyMeter.compute = lambda self: {"top1": 0.99, "top5": 1.0}
'''


def test_2_a_model_py_that_patches_the_harness_gets_no_result(tmp_path, capsys):
    folder = write_tiny_submission(tmp_path / "submissions")
    (folder / "model.py").write_text(PATCHING_MODEL)
    original = __import__("tasks.action_recognition.metrics", fromlist=["AccuracyMeter"]).AccuracyMeter.compute
    try:
        assert main(["run", str(folder), "--output", str(tmp_path / "out"), *FAST_ARGS]) == 2
    finally:
        __import__("tasks.action_recognition.metrics", fromlist=["AccuracyMeter"]).AccuracyMeter.compute = original
    err = one_error(capsys)
    assert "changed the harness" in err and "AccuracyMeter.compute" in err
    assert not (tmp_path / "out" / "synthetic-motion__true.json").exists()


def test_2_a_default_run_never_clobbers_a_committed_result(tiny, monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    [committed] = result_files(tiny)
    before = committed.read_bytes()
    monkeypatch.setattr(runner_module, "build_model", lambda *a: pytest.fail("built the model"))
    # --update-results with fewer pairs than the committed 64: refused before anything is built
    assert main(["run", str(tiny), "--update-results", "--pairs", "16", "--no-progress"]) == 2
    err = one_error(capsys)
    assert "measured with 64 pairs" in err and "--force" in err
    # --output pointing at the results folder, without --update-results: refused
    assert main(["run", str(tiny), "--output", str(tiny / "results"), "--pairs", "200", "--no-progress"]) == 2
    assert "--update-results" in one_error(capsys)
    assert committed.read_bytes() == before
    monkeypatch.undo()
    # the default writes under runs/<submission>/, leaving the committed file alone
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(tiny), *FAST_ARGS]) == 0
    assert (tmp_path / "runs" / "tiny" / "synthetic-motion__true.json").is_file()
    assert committed.read_bytes() == before


# --------------------------------------------------------------------------- 3. injection

INJECTIONS = {  # (edit, field validate names, whether the leaderboard leaves the file out)
    "pair protocol with HTML": (lambda d: d.update(pair_protocol="true:</table><script>alert(1)</script> | x |"),
                                "'pair_protocol'", True),
    "layer name with a table": (lambda d: last(d).update(name="res5 | <script>x</script> |"), "'layers.1.name'", True),
    "2 MB layer name": (lambda d: last(d).update(name="x" * 2_000_000), "'layers.1.name'", True),
    "input.frames as text": (lambda d: d["input"].update(frames="8</td><script>"), "'input'", False),
    "citation with a fake section": (lambda d: d.update(citation="x\n\n## Fake\n\n| # | <script> |\n|---|---|"),
                                     "'citation'", True),
}


@pytest.mark.parametrize("inject", list(INJECTIONS), ids=list(INJECTIONS))
def test_3_injected_strings_are_refused_and_never_reach_the_leaderboard(tiny, inject, capsys):
    change, field, left_out_expected = INJECTIONS[inject]
    [path] = result_files(tiny)
    edit(path, change)
    assert any(field in p for p in validate_submission(tiny))
    markdown, left_out = build(tiny.parent, tiny.parent.parent)
    assert bool(left_out) == left_out_expected
    assert "<script>" not in markdown and "## Fake" not in markdown and len(markdown) < 20_000
    assert all(len(problem) < 2000 for problem in left_out)  # reports quote at most a short excerpt


@pytest.mark.parametrize("text", ["a | b", "</table><script>x</script>", "[link](javascript:x)", "line\nbreak",
                                  "`code` *em* _u_ ~s~ \\", "x" * 10_000])
def test_3_every_cell_is_escaped_and_capped(text):
    shown = cell(text)
    assert "\n" not in shown and "<" not in shown and ">" not in shown
    assert "|" not in shown.replace("\\|", "")
    assert "[" not in shown.replace("\\[", "") and "`" not in shown.replace("\\`", "")
    assert len(shown) < 200


# --------------------------------------------------------------------------- 4. silent mixing


def _interrupted(folder: Path, output: Path, monkeypatch) -> None:
    """A run stopped by Ctrl-C after its first batch (a checkpoint is left)."""
    restore = stop_at_batch(monkeypatch, batch=2)
    with pytest.raises(KeyboardInterrupt):
        run(folder, RunOptions(output=output, checkpoint_every=1, **FAST))
    restore()


def _swap_weights(folder: Path) -> None:
    namespace: dict = {}
    exec(TINY_MODEL, namespace)
    torch.manual_seed(123)
    save_file(namespace["build"](14).state_dict(), str(folder / "weights.safetensors"))
    manifest = folder / "submission.yaml"
    text = manifest.read_text()
    old = text.split('sha256: "')[1].split('"')[0]
    manifest.write_text(text.replace(old, sha256_file(folder / "weights.safetensors")))


SCALED_MODEL = TINY_MODEL + """

def build_scaled(num_classes=14, scale=1.0):
    return build(num_classes)
"""

SWAPS = {
    "weights (re-pinned)": (_swap_weights, {}, "weights_sha256"),
    "model file": (lambda f: (f / "model.py").write_text(SCALED_MODEL + "\n# edited\n"), {}, "code_sha256"),
    "a helper module": (lambda f: (f / "helpers.py").write_text("SCALE = 2\n"), {}, "code_sha256"),
    "model args": (lambda f: (f / "submission.yaml").write_text(
        (f / "submission.yaml").read_text().replace("scale: 1.0", "scale: 2.0")), {}, "model_args"),
    "eval clips": (lambda f: None, {"eval_clips": 4}, "eval_clips"),
    "batch size": (lambda f: None, {"batch_size": 4}, "batch_size"),
    "data": (lambda f: None, {"dataset": "synthetic-conflict"}, "data_fingerprint"),
}


@pytest.mark.parametrize("swap", list(SWAPS), ids=list(SWAPS))
def test_4_resume_refuses_a_checkpoint_of_another_model_or_data(tmp_path, monkeypatch, swap):
    change, options, field = SWAPS[swap]
    folder = write_tiny_submission(tmp_path / "submissions", datasets="[synthetic-motion, synthetic-conflict]",
                                   model="model.py:build_scaled", model_args="{num_classes: 14, scale: 1.0}")
    (folder / "model.py").write_text(SCALED_MODEL)
    _interrupted(folder, tmp_path / "out", monkeypatch)
    change(folder)
    if "dataset" in options:  # another dataset is another checkpoint file: point it at this one
        (tmp_path / "out" / ".partial" / "synthetic-motion__true.json.ckpt.pt").rename(
            tmp_path / "out" / ".partial" / "synthetic-conflict__true.json.ckpt.pt")
    with pytest.raises(BenchmarkError, match=f"other options, model or data .*{field}: checkpoint"):
        run(folder, RunOptions(output=tmp_path / "out", resume=True, **(FAST | options)))


# --------------------------------------------------------------------------- 5. file clobber


def test_5_the_leaderboard_never_follows_or_writes_through_links(tiny, tmp_path, capsys):
    root = tiny.parent.parent
    outside = tmp_path / "outside.txt"
    outside.write_text("precious")
    [path] = result_files(tiny)
    planted = path.with_suffix(".png")
    planted.symlink_to(outside)  # the plot of a real result is a link to a file outside
    linked = write_tiny_submission(tmp_path / "elsewhere", name="linked")
    measured_result(linked)
    (tiny.parent / "linked").symlink_to(linked)  # a linked submission folder
    (tiny / "results" / "synthetic-appearance__true.json").symlink_to(path)  # a linked result file

    board, left_out = write_leaderboard(tiny.parent, root / "leaderboard.md")
    assert outside.read_text() == "precious"
    assert planted.is_file() and not planted.is_symlink()  # the link was replaced, not written through
    assert "[linked]" not in board.read_text()
    assert sum("symbolic link" in p for p in left_out) == 2
    assert main(["leaderboard", "--submissions", str(tiny.parent), "--output", str(root / "leaderboard.md")]) == 1
    problems = validate_submission(tiny)
    assert problems and all("symbolic link" in p for p in problems)

    shutil.rmtree(root / "docs" / "leaderboard")
    (root / "docs" / "leaderboard").symlink_to(tmp_path / "elsewhere")  # the summary plots' folder
    with pytest.raises(BenchmarkError, match="never written through links"):
        write_leaderboard(tiny.parent, root / "leaderboard.md")


def test_5_run_never_writes_a_result_through_a_link(tiny_submission, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "synthetic-motion__true.json").symlink_to(tmp_path / "target.json")
    assert main(["run", str(tiny_submission), "--output", str(out), *FAST_ARGS]) == 2
    assert "symbolic link" in one_error(capsys) and not (tmp_path / "target.json").exists()


# --------------------------------------------------------------------------- 6. NaN ties


def test_6_a_nan_metric_never_ties_a_section(tiny, tmp_path):
    other = write_tiny_submission(tiny.parent, name="other")
    measured_result(other, correct=60)
    [path] = result_files(tiny)
    edit(path, lambda d: d["metrics"].update(top1=math.nan))
    markdown, left_out = build(tiny.parent, tiny.parent.parent)
    assert any("not a finite number" in p for p in left_out)
    assert "[tiny]" not in markdown and "[other]" in markdown

    # the ranking itself: a NaN value has no rank, NaN bounds are no interval
    path = result_files(other)[0]
    result = read_result(path)
    nan_value = result.model_copy(update={"metrics": {"top1": math.nan}})
    nan_bounds = result.model_copy(update={"metric_intervals": {
        "top1": IntervalModel(value=0.6, low=math.nan, high=math.nan)}})
    assert metric_estimate(nan_value, "top1") is None
    assert metric_estimate(nan_bounds, "top1").interval == (0.6, 0.6)
    rows = [Row(Path("a/b/c.json"), nan_value), Row(path, result)]
    assert [(placed.rank_text, placed.row.result is result)
            for placed in ranked(rows, lambda r: metric_estimate(r.result, "top1"))] == [("1", True), ("—", False)]


# --------------------------------------------------------------------------- 7. silent wrong accuracy

WRONG_OUTPUTS = {
    "NaN logits": ("return self.head(self.stage(self.stem(x)).mean(dim=(2, 3, 4))) * float('nan')", 14,
                   "non-finite logits"),
    "one row per batch": ("return self.head(self.stage(self.stem(x)).mean(dim=(2, 3, 4))).mean(0, keepdim=True)",
                          14, "for a batch of"),
    "3 classes on a 14-class dataset": (None, 3, "scores 3 classes, but synthetic-motion has 14"),
}


@pytest.mark.parametrize("wrong", list(WRONG_OUTPUTS), ids=list(WRONG_OUTPUTS))
def test_7_wrong_model_outputs_are_refused(tmp_path, capsys, wrong):
    forward, classes, expected = WRONG_OUTPUTS[wrong]
    folder = write_tiny_submission(tmp_path / "submissions", num_classes=classes)
    if forward:
        (folder / "model.py").write_text(TINY_MODEL.replace(
            "return self.head(self.stage(self.stem(x)).mean(dim=(2, 3, 4)))", forward))
    assert main(["run", str(folder), "--output", str(tmp_path / "out"), *FAST_ARGS]) == 2
    assert expected in one_error(capsys)
    assert not (tmp_path / "out" / "synthetic-motion__true.json").exists()


# --------------------------------------------------------------------------- 8. weights URLs


@pytest.mark.parametrize("url", ["http://example.org/w.safetensors", "file:///etc/passwd",
                                 "ftp://example.org/w.pt", "//example.org/w.pt"])
def test_8_weights_urls_must_be_https(tmp_path, url, capsys):
    folder = write_tiny_submission(tmp_path / "submissions", weights=f'{{url: "{url}", sha256: "{"ab" * 32}"}}')
    assert main(["run", str(folder), "--no-progress"]) == 2
    assert "weights.url" in one_error(capsys)
    with pytest.raises(WeightsError, match="not an https URL"):
        fetch_pinned(url, "ab" * 32, tmp_path / "cache", "w")


class FakeResponse:
    def __init__(self, data: bytes, length: int | None = None):
        self.data, self.headers = data, {"Content-Length": str(length if length is not None else len(data))}
        self.position = 0

    def read(self, n: int) -> bytes:
        chunk = self.data[self.position:self.position + n]
        self.position += n
        return chunk

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class FakeOpener:
    """Records the timeout it was called with; answers with ``response`` or raises it."""

    def __init__(self, response):
        self.response, self.calls = response, []

    def open(self, url, timeout=None):
        self.calls.append((url, timeout))
        if isinstance(self.response, BaseException):
            raise self.response
        return self.response


def test_8_downloads_time_out_are_capped_verified_and_cached_by_sha256(tmp_path):
    data = b"weights" * 100
    pin = __import__("hashlib").sha256(data).hexdigest()
    url = "https://example.org/models/w.safetensors?token=x"

    stalled = FakeOpener(TimeoutError("timed out"))
    with pytest.raises(WeightsError, match="timeout 7 s"):
        fetch_pinned(url, pin, tmp_path, "w", timeout=7, opener=stalled)
    assert stalled.calls == [(url, 7)]

    with pytest.raises(WeightsError, match="size cap"):
        fetch_pinned(url, pin, tmp_path, "w", max_bytes=100, opener=FakeOpener(FakeResponse(data)))
    with pytest.raises(WeightsError, match="size cap"):  # a server that lies about the length
        fetch_pinned(url, pin, tmp_path, "w", max_bytes=100, opener=FakeOpener(FakeResponse(data, length=10)))
    with pytest.raises(WeightsError, match="pins"):
        fetch_pinned(url, "0" * 64, tmp_path, "w", opener=FakeOpener(FakeResponse(data)))
    assert not any(p.is_file() for p in tmp_path.rglob("*"))  # nothing unverified was kept

    fetched = fetch_pinned(url, pin, tmp_path, "w", opener=FakeOpener(FakeResponse(data)))
    assert fetched == tmp_path / pin / "w.safetensors" and fetched.read_bytes() == data
    offline = FakeOpener(OSError("no network"))
    assert fetch_pinned(url, pin, tmp_path, "w", opener=offline) == fetched and offline.calls == []

    from benchmark.submission.download import _HttpsOnlyRedirects

    request = urllib.request.Request(url)
    with pytest.raises(WeightsError, match="not an https URL"):
        _HttpsOnlyRedirects().redirect_request(request, None, 302, "Found", {}, "file:///etc/passwd")
    check_https(url, "w")
    with pytest.raises(WeightsError):
        stream_verified(FakeResponse(data), tmp_path / "x", pin, 10, "w")


# --------------------------------------------------------------------------- 9. tracebacks

BAD_FLAGS = [
    (["--pairs", "0"], "--pairs"), (["--pairs", "-5"], "--pairs"), (["--batch-size", "0"], "--batch-size"),
    (["--seed", "-1"], "--seed"), (["--bootstrap", "-5"], "--bootstrap"), (["--eval-clips", "-3"], "--eval-clips"),
    (["--workers", "-1"], "--workers"), (["--threads", "-2"], "--threads"), (["--device", "tpu"], "--device"),
    (["--pairs", "many"], "--pairs"), (["--memory-limit", "nan"], "--memory-limit"),
]


@pytest.mark.parametrize(("flags", "named"), BAD_FLAGS, ids=[" ".join(f) for f, _ in BAD_FLAGS])
def test_9_every_flag_is_checked_when_the_command_line_is_read(tiny_submission, capsys, flags, named):
    with pytest.raises(SystemExit) as exit_:
        main(["run", str(tiny_submission), *flags])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {named}" in err and "Traceback" not in err


def _corrupt_safetensors(folder: Path) -> None:
    (folder / "weights.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{garbage")


def _empty_weights(name: str):
    def change(folder: Path) -> None:
        (folder / name).write_bytes(b"")
    return change


def _repin(folder: Path, name: str) -> None:
    manifest = folder / "submission.yaml"
    text = manifest.read_text()
    old = text.split("weights: ")[1].splitlines()[0]
    manifest.write_text(text.replace(old, f'{{path: {name}, sha256: "{sha256_file(folder / name)}"}}'))


BAD_SUBMISSIONS = {
    "corrupt safetensors": (lambda f: (_corrupt_safetensors(f), _repin(f, "weights.safetensors")),
                            "not a readable safetensors file"),
    "empty safetensors": (lambda f: (_empty_weights("weights.safetensors")(f), _repin(f, "weights.safetensors")),
                          "not a readable safetensors file (0 bytes"),
    "empty .pt": (lambda f: (_empty_weights("weights.pt")(f), _repin(f, "weights.pt")),
                  "not a readable torch.save"),
    "model.py raising at import": (lambda f: (f / "model.py").write_text("import torch\nraise RuntimeError('boom')\n"),
                                   "failed (line 2): RuntimeError: boom"),
    "unknown model_args key": (lambda f: (f / "submission.yaml").write_text((f / "submission.yaml").read_text().replace(
        "{num_classes: 14}", "{num_classes: 14, depth: 3}")), "'depth'"),
    "weights of another model": (lambda f: (f / "submission.yaml").write_text((f / "submission.yaml").read_text().replace(
        "{num_classes: 14}", "{num_classes: 10}")), "size mismatch for head.weight"),
    "undeclared dataset": (lambda f: None, "'synthetic-appearance' is not declared"),
}


@pytest.mark.parametrize("bad", list(BAD_SUBMISSIONS), ids=list(BAD_SUBMISSIONS))
def test_9_bad_submissions_are_one_clear_error(tmp_path, capsys, bad):
    change, expected = BAD_SUBMISSIONS[bad]
    folder = write_tiny_submission(tmp_path / "submissions")
    change(folder)
    extra = ["--dataset", "synthetic-appearance"] if bad == "undeclared dataset" else []
    assert main(["run", str(folder), "--output", str(tmp_path / "out"), *FAST_ARGS, *extra]) == 2
    err = one_error(capsys)
    assert expected in err, err
    assert err.count("error:") == 1


def test_9_output_pointing_at_a_file_is_refused_before_computing(tiny_submission, tmp_path, monkeypatch, capsys):
    target = tmp_path / "a-file"
    target.write_text("mine")
    monkeypatch.setattr(runner_module, "build_model", lambda *a: pytest.fail("built the model"))
    assert main(["run", str(tiny_submission), "--output", str(target / "sub"), *FAST_ARGS]) == 2
    assert "is a file, not a folder" in one_error(capsys) and target.read_text() == "mine"


def test_9_bad_real_data_is_one_clear_error(tmp_path, capsys):
    from tests.fixtures.action_datasets import write_diving48_fixture

    folder = write_tiny_submission(tmp_path / "submissions", num_classes=48, datasets="[diving48]")
    args = ["run", str(folder), "--dataset", "diving48", "--pairs", "8", "--no-progress"]
    empty = write_diving48_fixture(tmp_path / "empty", n_videos=2, frames=8).root
    (empty / "Diving48_V2_test.json").write_text("[]")
    assert main([*args, "--data-root", str(empty), "--output", str(tmp_path / "o1")]) == 2
    assert "has no items" in one_error(capsys)
    names = [f"dive{i:03d}xYz_{i:05d}" for i in range(4)]
    bad = write_diving48_fixture(tmp_path / "bad", n_videos=4, frames=8, broken={n: "garbage" for n in names}).root
    assert main([*args, "--data-root", str(bad), "--on-bad-video", "skip", "--output", str(tmp_path / "o2")]) == 2
    err = one_error(capsys)
    assert "Every one of the 8 planned pairs was skipped" in err and "Interrupted" not in err


# --------------------------------------------------------------------------- 10. interruption and checkpoints


def test_10_interrupted_only_when_interrupted_and_checkpoints_are_kept(tiny_submission, tmp_path, monkeypatch,
                                                                        capsys):
    out = tmp_path / "out"
    restore = stop_at_batch(monkeypatch, batch=2, stop=lambda: os.kill(os.getpid(), signal.SIGTERM))  # a scheduler
    handler = signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt):
        run(tiny_submission, RunOptions(output=out, checkpoint_every=1, **FAST))
    assert "Interrupted: progress saved" in capsys.readouterr().out
    checkpoint = out / ".partial" / "synthetic-motion__true.json.ckpt.pt"
    assert checkpoint.is_file() and signal.getsignal(signal.SIGTERM) is handler
    saved = torch.load(checkpoint, weights_only=True)
    assert saved["done"] == 16  # the interrupted batch entered whole (8 pairs each), counted with it
    restore()

    # a rerun without --resume keeps the checkpoint and says how to go on
    assert main(["run", str(tiny_submission), "--output", str(out), *FAST_ARGS]) == 2
    err = one_error(capsys)
    assert "--resume" in err and "--restart" in err and checkpoint.is_file()

    # a second run on the same output while one holds it: refused, the checkpoint untouched
    lock = CheckpointLock(checkpoint).acquire()
    try:
        assert main(["run", str(tiny_submission), "--output", str(out), "--resume", *FAST_ARGS]) == 2
        assert "another run" in one_error(capsys) and checkpoint.is_file()
    finally:
        lock.release()

    # a failure that is not an interruption: its own error, not "Interrupted", progress kept
    def broken_metric(*args, **kwargs):
        raise BenchmarkError("the metric broke")

    monkeypatch.setattr(runner_module, "evaluate", broken_metric)
    assert main(["run", str(tiny_submission), "--output", str(out), "--resume", *FAST_ARGS]) == 2
    captured = capsys.readouterr()
    assert "Interrupted" not in captured.out + captured.err
    assert "the metric broke" in captured.err and "is kept in" in captured.out and checkpoint.is_file()
    monkeypatch.undo()
    assert main(["run", str(tiny_submission), "--output", str(out), "--resume", *FAST_ARGS]) == 0
    assert not checkpoint.exists()


# --------------------------------------------------------------------------- 11. memory


def test_11_a_huge_estimator_is_refused_before_allocating(tiny_submission, tmp_path, capsys):
    widths = {"wide": 1_000_000}
    need = estimator_memory_bytes(widths, bootstrap=200)
    assert need > 3 * 2**30  # (2 x 200 + 11) x 1e6 float64 values and more
    with pytest.raises(EstimatorError, match=r"about \d+\.\d GiB .*--bootstrap 200.*--memory-limit"):
        check_memory(widths, 200, limit_bytes=2**30)
    check_memory(widths, 2, limit_bytes=2 * 2**30)  # fewer replicates fit

    estimator = StaticDynamicEstimator(bootstrap=200, memory_limit=2**30)
    wide = torch.zeros(1).expand(4, 1_000_000)  # a 1,000,000-unit layer, nothing allocated
    with pytest.raises(EstimatorError, match="GiB"):
        estimator.update({"wide": wide}, {"wide": wide}, [0, 1, 0, 1], [0, 1, 2, 3])
    assert estimator.layers == {}

    assert main(["run", str(tiny_submission), "--memory-limit", "0.00001", "--output", str(tmp_path / "out"),
                 *FAST_ARGS]) == 2
    assert "--memory-limit" in one_error(capsys)
