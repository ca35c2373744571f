"""The run options that change a number, declared once.

Each :class:`RecordedOption` gives its name, type, default, bounds and help.  From this one
table come the ``benchmark run`` / ``curve`` flags (:func:`add_flags`, bounded: a value
outside is argparse's one-line error, exit 2), the result's ``run_options`` and its schema
(:func:`recorded`, :data:`RunRecord`), the resume checkpoint's key (the runner adds
:func:`recorded`), and ``reproduce``'s rerun (it passes a result's ``run_options`` back as
:class:`~benchmark.run.runner.RunOptions`; ``tests/test_bad_files.py`` checks the fields agree).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from benchmark.argtypes import bounded_int


@dataclass(frozen=True)
class RecordedOption:
    """One run option that changes a number (recorded in every result)."""

    name: str  # RunOptions field and run_options key; the flag is --name with '-'
    default: Any
    help: str
    low: int | None = None  # integers: inclusive bounds
    high: int | None = None
    choices: tuple[str, ...] = ()  # strings: the allowed values
    optional: bool = False  # None allowed (the flag may be left out)

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    def annotation(self) -> Any:
        base = Literal[self.choices] if self.choices else int
        return base | None if self.optional else base


RECORDED: tuple[RecordedOption, ...] = (
    RecordedOption("pairs", 1000, "number of pairs (default 1000)", low=1, high=10_000_000),
    RecordedOption("seed", 0, "seed of pair sampling and bootstrap", low=0, high=2**32 - 1),
    RecordedOption("bootstrap", 200, "bootstrap replicates (0: no intervals)", low=0, high=100_000),
    RecordedOption("batch_size", 16, "pairs per forward pass (default 16)", low=1, high=4096),
    RecordedOption("eval_clips", None, "evaluate the metric on the first N units (clips, AVOS sequences, VIS videos)",
                   low=1, high=10_000_000, optional=True),
    RecordedOption("precision", "fp32", "the model forward's precision (autocast; fp16 on CUDA only; recorded)",
                   choices=("fp32", "bf16", "fp16")),
)
NAMES = tuple(option.name for option in RECORDED)


def add_flags(parser: argparse.ArgumentParser) -> None:
    """The flag of every recorded option, typed and bounded."""
    for option in RECORDED:
        if option.choices:
            parser.add_argument(option.flag, choices=option.choices, default=option.default, help=option.help)
        else:
            parser.add_argument(option.flag, type=bounded_int(option.low, option.high), default=option.default,
                                help=option.help)


def recorded(options: Any) -> dict[str, Any]:
    """``{name: value}`` of the recorded options of ``options`` (a RunOptions or a record)."""
    return {name: getattr(options, name) for name in NAMES}


def _field(option: RecordedOption) -> tuple[Any, Any]:
    bounds = {"ge": option.low, "le": option.high} if not option.choices else {}
    if option.optional or option.choices:
        return option.annotation(), Field(default=option.default, **bounds)
    return option.annotation(), Field(**bounds)


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


#: The schema of a result's ``run_options`` (what ``benchmark reproduce`` reruns with).
RunRecord = create_model("RunRecord", __base__=_Record, __doc__="The run options that fix a result's numbers.",
                         **{option.name: _field(option) for option in RECORDED})
