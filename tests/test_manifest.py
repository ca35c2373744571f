"""Submission manifests: bad input is a clear error naming the file and the field."""

from __future__ import annotations

import pytest

from benchmark.cli import main
from benchmark.errors import LayerError, ManifestError, WeightsError
from benchmark.measure.probe import LayerProbe
from benchmark.submission.manifest import load_submission
from benchmark.submission.model import build_model
from tests.conftest import write_tiny_submission


def test_a_valid_manifest_loads(tiny_submission):
    submission = load_submission(tiny_submission)
    assert submission.manifest.input.frames == 4
    assert list(submission.manifest.layer_specs()) == ["stem", "stage"]


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"input": "{frames: four, size: 32}"}, "field 'input.frames'"),
        ({"colour": "blue"}, "field 'colour': unknown field"),
        ({"task": None}, "field 'task': required field is missing"),
        ({"weights": "{path: weights.safetensors}"}, "field 'weights.sha256'"),
        ({"weights": None}, "'weights' is required"),
        ({"model": "../outside.py:build"}, "leaves the submission folder"),
        ({"model": "missing.py:build"}, "field 'model': file 'missing.py' does not exist"),
        ({"layers": "{}"}, "field 'layers'"),
    ],
)
def test_malformed_manifests_name_the_field(tmp_path, override, expected):
    folder = write_tiny_submission(tmp_path, **override)
    with pytest.raises(ManifestError) as error:
        load_submission(folder)
    assert "submission.yaml" in str(error.value)
    assert expected in str(error.value)


def test_yaml_syntax_error_names_the_line(tmp_path):
    folder = write_tiny_submission(tmp_path)
    (folder / "submission.yaml").write_text("name: tiny\nlayers: {stem: [\n")
    with pytest.raises(ManifestError, match=r"not valid YAML at line \d+"):
        load_submission(folder)


def test_wrong_sha256_is_refused_before_loading(tmp_path):
    folder = write_tiny_submission(tmp_path, weights='{path: weights.safetensors, sha256: "' + "ab" * 32 + '"}')
    with pytest.raises(WeightsError) as error:
        build_model(load_submission(folder))
    message = str(error.value)
    assert "weights.sha256" in message and "abab" in message and "re-download" in message


def test_weights_by_url_are_downloaded_and_verified(tmp_path, monkeypatch):
    source = write_tiny_submission(tmp_path / "src")
    import io

    from benchmark.hashing import sha256_file

    digest = sha256_file(source / "weights.safetensors")
    data = (source / "weights.safetensors").read_bytes()
    url = "https://models.example.org/tiny/weights.safetensors"
    folder = write_tiny_submission(tmp_path / "sub", weights=f'{{url: "{url}", sha256: "{digest}"}}')
    monkeypatch.setattr("benchmark.submission.model.CACHE_DIR", tmp_path / "cache")
    asked = []

    class Server:  # stands in for the https opener (tests never reach the network)
        def open(self, requested, timeout):
            asked.append((requested, timeout))
            response = io.BytesIO(data)
            response.headers = {"Content-Length": str(len(data))}
            return response

    monkeypatch.setattr("benchmark.submission.download._opener", Server)
    model = build_model(load_submission(folder))
    assert not model.training and asked == [(url, 60.0)]
    assert [p.name for p in (tmp_path / "cache" / digest).iterdir()] == ["weights.safetensors"]
    build_model(load_submission(folder))
    assert len(asked) == 1  # cached by its sha256


def test_unknown_layer_suggests_close_names(tmp_path):
    folder = write_tiny_submission(tmp_path, layers="{res5: stagee}")
    model = build_model(load_submission(folder))
    with pytest.raises(LayerError) as error:
        LayerProbe(model, load_submission(folder).manifest.layer_specs())
    assert "'stagee' does not exist" in str(error.value)
    assert "stage" in str(error.value) and "layers.res5" in str(error.value)


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"input": "{frames: 0, size: 32}"}, "input.frames"),
        ({"weights": '{path: weights.safetensors, sha256: "' + "cd" * 32 + '"}'}, "weights.sha256"),
        ({"layers": "{x: nothing.here}"}, "'nothing.here' does not exist"),
    ],
)
def test_cli_run_exits_nonzero_with_one_paragraph(tmp_path, capsys, override, expected):
    folder = write_tiny_submission(tmp_path, **override)
    code = main(["run", str(folder), "--pairs", "8", "--no-progress"])
    err = capsys.readouterr().err
    assert code != 0
    assert err.startswith("error: ") and expected in err
    assert err.strip().count("\n") == 0  # one paragraph
