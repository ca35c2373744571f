"""Previews for people: the synthetic worlds and the procedural styles."""

from __future__ import annotations

from PIL import Image

from benchmark.cli import main
from benchmark.pairs.styles import DEFAULT_STYLES


def test_styles_command_writes_one_row_per_style(tmp_path):
    assert main(["styles", "--out", str(tmp_path), "--which", "default", "--frames", "3"]) == 0
    image = Image.open(tmp_path / "styles.png")
    rows = 1 + len(DEFAULT_STYLES)
    assert image.height == rows * (96 * 2 + 2)
    assert image.width == 120 + 3 * (96 * 2 + 2)


def test_worlds_command_writes_a_gif_and_a_contact_sheet(tmp_path):
    assert main(["worlds", "--out", str(tmp_path), "--world", "synthetic-motion", "--clips", "2"]) == 0
    sheet = Image.open(tmp_path / "synthetic-motion.png")
    gif = Image.open(tmp_path / "synthetic-motion.gif")
    assert sheet.width > sheet.height > 0
    assert gif.n_frames >= 2
