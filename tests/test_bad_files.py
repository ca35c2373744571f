"""Every bad file and flag is one clear error naming it, and one bad file never stops the
board or `validate` of the other submissions (it is left out and named).

The bad files are generated here: deep nesting, bytes that are not UTF-8, YAML anchors
and aliases, a key twice, out-of-bounds run options.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
from dataclasses import fields

import pytest
import torch

from benchmark.api.run_options import NAMES, RECORDED, RunRecord
from benchmark.board.markdown import build
from benchmark.cli import main
from benchmark.errors import BenchmarkError, ManifestError, ResultError
from benchmark.results.schema import read_result
from benchmark.run.checkpoint_file import read_checkpoint, write_checkpoint
from benchmark.run.runner import RunOptions
from benchmark.submission.manifest import read_manifest
from benchmark.untrusted import MAX_DEPTH
from benchmark.validate.submission import validate_submission
from tests.conftest import write_tiny_submission
from tests.fixtures.results import measured_result

ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b]\n"


def one_error(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err and "error" in err, err
    return err


@pytest.fixture
def two(tmp_path):
    """Two valid submissions with a result each: ``good`` and ``bad`` (to be spoiled)."""
    root = tmp_path / "submissions"
    folders = []
    for name in ("good", "bad"):
        folder = write_tiny_submission(root, name=name)
        measured_result(folder)
        folders.append(folder)
    assert validate_submission(folders[0]) == [] and validate_submission(folders[1]) == []
    return folders


# --------------------------------------------------------------------------- result files

RESULT_SPOILERS = {
    "deeply nested JSON": lambda: ("[" * 100_000 + "]" * 100_000).encode(),
    "JSON nested past the limit": lambda: json.dumps({"x": _nested(MAX_DEPTH + 5)}).encode(),
    "not UTF-8": lambda: b'{"submission": "bad\xff\xfe"}',
}


def _nested(depth: int):
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("spoil", list(RESULT_SPOILERS), ids=list(RESULT_SPOILERS))
def test_a_bad_result_file_is_named_and_left_out(two, tmp_path, capsys, spoil):
    good, bad = two
    [path] = list((bad / "results").glob("*.json"))
    path.write_bytes(RESULT_SPOILERS[spoil]())
    with pytest.raises(ResultError, match=str(path.name)):
        read_result(path)
    problems = validate_submission(bad)
    assert problems and all(str(path) in p for p in problems)
    assert validate_submission(good) == []
    markdown, left_out = build(tmp_path / "submissions", tmp_path)
    assert "good" in markdown and any(str(path) in p for p in left_out)
    assert main(["validate", str(good), str(bad)]) == 1
    err = capsys.readouterr()
    assert "Traceback" not in err.err and str(path) in err.out + err.err


# --------------------------------------------------------------------------- manifests

MANIFEST_SPOILERS = {
    "YAML alias bomb": (ALIAS_BOMB, "anchors and aliases"),
    "a plain anchor": ("name: &n bad\n", "anchors and aliases"),
    "a key twice": ("name: bad\ntask: action_recognition\nname: other\n", "appears twice"),
    "deeply nested YAML": ("x: " + "[" * 50_000 + "]" * 50_000 + "\n", "nested deeper"),
    "YAML nested past the limit": ("x: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n", "nested deeper"),
}


@pytest.mark.parametrize("spoil", list(MANIFEST_SPOILERS), ids=list(MANIFEST_SPOILERS))
def test_a_bad_manifest_is_one_error_and_the_others_still_validate(two, tmp_path, capsys, spoil):
    good, bad = two
    text, expected = MANIFEST_SPOILERS[spoil]
    (bad / "submission.yaml").write_text(text)
    with pytest.raises(ManifestError, match=expected):
        read_manifest(bad / "submission.yaml")
    assert validate_submission(good) == []
    markdown, left_out = build(tmp_path / "submissions", tmp_path)
    assert "good" in markdown
    assert main(["validate", str(bad), str(good)]) == 1
    captured = capsys.readouterr()
    assert expected in captured.out + captured.err and "Traceback" not in captured.err


def test_a_manifest_that_is_not_utf8_is_one_error(two):
    _, bad = two
    (bad / "submission.yaml").write_bytes(b"name: bad\xff\n")
    with pytest.raises(ManifestError, match="not UTF-8"):
        read_manifest(bad / "submission.yaml")


def test_a_manifest_dataset_the_task_does_not_declare_is_one_error(two):
    _, bad = two
    manifest = bad / "submission.yaml"
    manifest.write_text(manifest.read_text().replace("[synthetic-motion]", "[synthetic-motion, no-such-world]"))
    problems = validate_submission(bad)
    assert any("no-such-world" in p and "datasets" in p for p in problems), problems


# --------------------------------------------------------------------------- run options


@pytest.mark.parametrize("flag, value", [("--pairs", "1e12"), ("--pairs", str(10**12)), ("--seed", "1e22"),
                                         ("--seed", str(10**22)), ("--batch-size", "100000"),
                                         ("--bootstrap", str(10**9)), ("--eval-clips", "0")])
def test_out_of_bounds_run_options_exit_2(tiny_submission, capsys, flag, value):
    with pytest.raises(SystemExit) as exit_:
        main(["run", str(tiny_submission), flag, value])
    assert exit_.value.code == 2
    assert flag in capsys.readouterr().err


def test_recorded_run_options_are_bounded_in_validate(two):
    _, bad = two
    [path] = list((bad / "results").glob("*.json"))
    data = json.loads(path.read_text())
    data["run_options"]["pairs"] = 10**12
    path.write_text(json.dumps(data))
    problems = validate_submission(bad)
    assert any("run_options" in p and "pairs" in p for p in problems), problems


def test_the_run_options_are_declared_once():
    """The schema's options are RunOptions fields with its defaults, and a result's
    run_options schema has exactly them."""
    run_fields = {f.name: f.default for f in fields(RunOptions)}
    assert all(option.name in run_fields and run_fields[option.name] == option.default for option in RECORDED)
    assert tuple(RunRecord.model_fields) == NAMES


# --------------------------------------------------------------------------- leaderboard flags


def test_leaderboard_output_folder_and_missing_submissions_are_clear_errors(two, tmp_path, capsys):
    assert main(["leaderboard", "--submissions", str(tmp_path / "submissions"), "--output", str(tmp_path),
                 "--no-plots"]) == 2
    assert "--output" in one_error(capsys)
    assert main(["leaderboard", "--submissions", str(tmp_path / "missing"), "--output",
                 str(tmp_path / "board.md"), "--check"]) == 2
    assert "--submissions" in one_error(capsys)
    shutil.rmtree(tmp_path / "submissions")


# --------------------------------------------------------------------------- outputs, checkpoints, SIGTERM


def test_two_submissions_never_share_an_output(two, tmp_path, capsys, monkeypatch):
    good, bad = two
    out = tmp_path / "shared"
    out.mkdir()
    [result] = list((good / "results").glob("*.json"))
    shutil.copy(result, out / result.name)
    monkeypatch.setattr("benchmark.run.runner.ModelProcess", lambda *a: pytest.fail("built the model"))
    assert main(["run", str(bad), "--output", str(out), "--force", "--no-progress"]) == 2
    err = one_error(capsys)
    assert "submission 'good'" in err and "its own --output" in err
    assert (out / result.name).read_bytes() == result.read_bytes()


def test_a_checkpoint_whose_content_was_changed_is_refused(tmp_path):
    path = tmp_path / "run.ckpt.pt"
    key = {"submission": "tiny", "pairs": 24}
    write_checkpoint(path, key, {"done": 16, "estimator": {"sum": torch.ones(3)}})
    assert read_checkpoint(path)[1]["done"] == 16
    saved = torch.load(path, weights_only=True)
    state = torch.load(io.BytesIO(saved["state"]), weights_only=True)
    state["estimator"]["sum"] *= 10  # the numbers edited, the key and the MAC kept
    buffer = io.BytesIO()
    torch.save(state, buffer)
    torch.save(saved | {"state": buffer.getvalue()}, path)
    with pytest.raises(BenchmarkError, match="changed after it was saved"):
        read_checkpoint(path)
    torch.save(saved | {"key": key | {"pairs": 10_000}}, path)  # a key edited to match another run
    with pytest.raises(BenchmarkError, match="changed after it was saved"):
        read_checkpoint(path)


def test_no_temporary_file_is_left_after_sigterm(two, tmp_path, monkeypatch):
    """SIGTERM arrives while the board's file is being written: the command exits 143 and
    leaves no temporary file (every command runs with SIGTERM raising like Ctrl-C)."""
    import benchmark.files

    replace = os.replace

    def terminated_while_writing(source, target):
        os.kill(os.getpid(), signal.SIGTERM)
        replace(source, target)

    monkeypatch.setattr(benchmark.files.os, "replace", terminated_while_writing)
    assert main(["leaderboard", "--submissions", str(tmp_path / "submissions"), "--output",
                 str(tmp_path / "board.md"), "--no-plots"]) == 143
    monkeypatch.undo()
    assert list(tmp_path.rglob("*.tmp")) == [] and not (tmp_path / "board.md").exists()
