"""Motion preservation of appearance banks on footage (studies/appearance_motion.py), end to
end on a video written here (a coloured textured square moving 2 px a frame), and the cost tool."""

from __future__ import annotations

import json

import numpy as np
import pytest

from studies import appearance_motion as study
from tests.fixtures.action_datasets import write_video


@pytest.fixture(scope="module")
def square_video(tmp_path_factory):
    rng = np.random.default_rng(0)
    texture = (rng.random((16, 16, 3)) * 255).astype(np.uint8)
    frames = np.full((16, 48, 64, 3), 90, np.uint8)
    frames[..., 2] = 140  # a bluish background: hue rotations change it too
    for t in range(len(frames)):
        frames[t, 16:32, 4 + 2 * t : 20 + 2 * t] = texture
    folder = tmp_path_factory.mktemp("footage")
    write_video(folder / "square.mp4", frames, fps=8)
    return folder


def test_hue_rotation_keeps_motion_and_the_frozen_control_does_not(square_video, tmp_path):
    out = tmp_path / "banks.json"
    argv = ["--videos", str(square_video), "--bank", "hue:4", "--bank", "styles:0,1,2,3",
            "--clips-per-video", "1", "--frames", "6", "--stride", "1", "--size", "48",
            "--min-flow", "0.3", "--out", str(out)]
    study.main(argv)
    res = json.loads(out.read_text())
    assert res["config"]["command"] == "python -m studies.appearance_motion " + " ".join(argv)
    assert [w["used"] for w in res["windows"]] == [True] and res["windows"][0]["mean_flow_px"] > 0.3
    hue, controls = res["banks"]["hue:4"], res["controls"]
    assert len(hue["members"]) == 4 and len(hue["members"][0]["per_window"]) == 1
    # luminance is kept: what Farneback sees on grey input barely changes (clipping, rounding)
    assert hue["median"]["luma"] < 0.1
    assert hue["median"]["pca"] < 0.5 and hue["median"]["rgb"] < 0.5
    assert controls["control:identity"]["median"]["luma"] == pytest.approx(0.0)
    for view in study.VIEWS.names():
        assert controls["control:frozen"]["median"][view] == pytest.approx(1.0, abs=0.05)
        assert controls["control:shuffle"]["median"][view] > 1.0
        assert hue["median"][view] < controls["control:frozen"]["median"][view]
    table = out.with_suffix(".md").read_text()
    assert f"| `hue:4` | {hue['median']['luma']:.3f} |" in table and "square@5" in table


def test_no_moving_window_is_a_clear_error(square_video, tmp_path):
    with pytest.raises(SystemExit, match="--min-flow"):
        study.main(["--videos", str(square_video), "--bank", "hue:4", "--clips-per-video", "1",
                    "--frames", "4", "--size", "48", "--stride", "1", "--min-flow", "50",
                    "--out", str(tmp_path / "x.json")])


def test_cost_is_reported_per_frame_against_the_first_bank():
    from studies.appearance_cost import measure

    res = measure(["hue:4", "styles:0,1"], [16, 24], frames=2, rounds=2)
    assert list(res) == ["hue:4", "styles:0,1"] and list(res["hue:4"]) == ["16", "24"]
    assert res["hue:4"]["16"]["ratio_to_baseline"] == pytest.approx(1.0)
    assert all(v["ms_per_frame"] > 0 for row in res.values() for v in row.values())
