"""The file sha256 behind weights pins: the FIPS 180-2 test vectors, whatever the chunk size."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmark.hashing import sha256_file

ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@pytest.mark.parametrize("chunk", [1, 2, 1 << 20])
def test_known_digests_for_any_chunk_size(tmp_path: Path, chunk: int) -> None:
    (tmp_path / "abc").write_bytes(b"abc")
    (tmp_path / "empty").write_bytes(b"")
    assert sha256_file(tmp_path / "abc", chunk=chunk) == ABC
    assert sha256_file(str(tmp_path / "empty"), chunk=chunk) == EMPTY
