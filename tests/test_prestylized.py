"""The pre-stylised dataset reader, on tiny generated trees."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmark.errors import DataError
from benchmark.pairs.prestylized import PrestylizedStore
from tests.fixtures.prestylized import write_prestylized_fixture


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    return write_prestylized_fixture(tmp_path / "ds", videos=("v1", "v2"), styles=4, frames=12, size=(24, 32))


def test_lists_styles_and_videos(tree: Path) -> None:
    store = PrestylizedStore(tree)
    assert store.styles == [0, 1, 2, 3]
    assert store.videos == ["v1", "v2"]
    assert store.num_frames("v1") == 12


def test_load_all_frames(tree: Path) -> None:
    clip = PrestylizedStore(str(tree)).load("v2", 1)
    assert clip.shape == (12, 24, 32, 3) and clip.dtype == np.uint8


def test_frames_sorted_numerically(tree: Path) -> None:
    names = [p.name for p in PrestylizedStore(tree).frame_paths("v1", 0)]
    assert names == [f"{i}.jpg" for i in range(12)]  # 10.jpg after 9.jpg, not after 1.jpg


def test_load_selected_frames_in_order(tree: Path) -> None:
    store = PrestylizedStore(tree)
    full = store.load("v1", 0)
    part = store.load("v1", 0, frame_indices=[10, 2, 2])
    np.testing.assert_array_equal(part, full[[10, 2, 2]])
    # The moving square makes consecutive frames differ; styles differ in colour.
    assert not np.array_equal(full[0], full[1])
    assert np.abs(full.astype(int) - store.load("v1", 1).astype(int)).mean() > 20


def test_rgb_channel_order(tmp_path: Path) -> None:
    store = PrestylizedStore(write_prestylized_fixture(tmp_path, videos=("a",), styles=1, frames=2, size=(16, 16)))
    frame = store.load("a", 0, [0])[0].astype(int)
    # The fixture's gradient puts x in red and y in green (style 0 keeps channel order).
    assert frame[8, -1, 0] > 200 and frame[8, 0, 0] < 40
    assert frame[-1, 8, 1] > 200 and frame[0, 8, 1] < 40


def test_missing_root(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="nowhere"):
        PrestylizedStore(tmp_path / "nowhere")


def test_no_style_folders(tmp_path: Path) -> None:
    (tmp_path / "videos" / "v1").mkdir(parents=True)
    with pytest.raises(DataError, match="no style folders"):
        PrestylizedStore(tmp_path)


def test_missing_style_folder_requested(tree: Path) -> None:
    store = PrestylizedStore(tree)
    with pytest.raises(DataError, match="style_7"):
        store.load("v1", 7)


def test_video_missing_in_one_style(tmp_path: Path) -> None:
    root = write_prestylized_fixture(tmp_path, videos=("v1", "v2"), styles=3, frames=2, missing=[(2, "v2")])
    with pytest.raises(DataError, match=r"'v2'.*style_2"):
        PrestylizedStore(root)


def test_unknown_video(tree: Path) -> None:
    with pytest.raises(DataError, match="nope"):
        PrestylizedStore(tree).load("nope", 0)


def test_frame_index_out_of_range(tree: Path) -> None:
    with pytest.raises(DataError, match="frame index 12"):
        PrestylizedStore(tree).load("v1", 0, [0, 12])


def test_frame_count_mismatch_names_style(tree: Path) -> None:
    (tree / "style_3" / "v1" / "11.jpg").unlink()
    with pytest.raises(DataError, match="style_3"):
        PrestylizedStore(tree).num_frames("v1")


def test_unreadable_frame(tree: Path) -> None:
    (tree / "style_0" / "v1" / "3.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(DataError, match="3.jpg"):
        PrestylizedStore(tree).load("v1", 0)
