"""The style preview shows one clip in every style."""

from __future__ import annotations

from PIL import Image

from benchmark.cli import main
from benchmark.styles import DEFAULT_STYLES


def test_styles_command_writes_one_row_per_style(tmp_path):
    assert main(["styles", "--out", str(tmp_path), "--which", "default", "--frames", "3"]) == 0
    image = Image.open(tmp_path / "styles.png")
    rows = 1 + len(DEFAULT_STYLES)
    assert image.height == rows * (96 * 2 + 2)
    assert image.width == 120 + 3 * (96 * 2 + 2)
