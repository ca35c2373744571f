"""Argument types of the command line: every flag's value is checked when it is read, and a
bad one is argparse's one-line error (exit 2) naming the flag, before anything runs."""

from __future__ import annotations

import argparse
import math
import re
from pathlib import Path


def positive_int(text: str) -> int:
    """An integer >= 1 (argparse type)."""
    value = _int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be a whole number of at least 1")
    return value


def non_negative_int(text: str) -> int:
    """An integer >= 0 (argparse type)."""
    value = _int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a whole number of at least 0")
    return value


def bounded_int(low: int | None, high: int | None):
    """An argparse type: an integer from ``low`` to ``high`` (inclusive; None: unbounded)."""

    def parse(text: str) -> int:
        value = _int(text)
        if (low is not None and value < low) or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"{text!r} must be a whole number from {low} to {high}")
        return value

    return parse


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def non_negative_float(text: str) -> float:
    """A finite number >= 0 (argparse type)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number of at least 0")
    return value


def positive_float(text: str) -> float:
    """A finite number > 0 (argparse type)."""
    value = non_negative_float(text)
    if value == 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be above 0")
    return value


def device(text: str) -> str:
    """``cpu``, ``cuda`` or ``cuda:N`` (argparse type)."""
    if not re.fullmatch(r"cpu|cuda(:\d+)?", text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a device: use cpu, cuda or cuda:N")
    return text


def export_file(text: str) -> Path:
    """A file name ending in ``.csv`` or ``.json`` (argparse type)."""
    if Path(text).suffix.lower() not in (".csv", ".json"):
        raise argparse.ArgumentTypeError(f"{text!r} must end in .csv or .json")
    return Path(text)
