"""Pairs of clips sharing exactly one factor (docs/METHOD.md §1): the plan and the protocols.

A *pair plan* fixes, for every pair id, its factor (dynamic or static, uniform), the
dataset item it is built from and a per-pair seed.  A *pair protocol* turns a planned pair
into two items.  There is one registry of protocols and one grammar, ``name[:argument]``,
parsed (and checked) once when the command line is read:

- ``true`` (synthetic worlds): re-render with the same dynamics and a new appearance seed
  (dynamic pair) or the same appearance and new dynamics (static pair);
- ``stylize[:ids]`` (real video): the item in two different procedural styles (dynamic
  pair), or in one style with the task's static partner (static pair: frames permuted
  after temporal subsampling for clips; the flow image colour-jittered for AVOS).
  ``ids`` picks the style bank, e.g. ``stylize:0,1`` or ``stylize:randconv,sketch``.
  Only the frames the model sees are styled, a batch at a time on the model's device
  (:mod:`benchmark.pairs.batch`);
- ``prestylized:<root>``: like ``stylize`` with the styles read from a pre-stylised copy
  laid out as ``<root>/style_<k>/<video>/<frame>.jpg``.

Protocols are task-agnostic: what a style changes in an item and how a static partner is
built come from the task (:class:`benchmark.api.task.Task`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from benchmark.api.model_spec import InputSpec
from benchmark.api.transforms import uniform_indices
from benchmark.errors import BenchmarkError, DataError
from benchmark.measure.factors import DYNAMIC, STATIC
from benchmark.registry import Registry


@dataclass(frozen=True)
class PairSpec:
    """One planned pair: its global id, factor (0 dynamic, 1 static), item and seed."""

    pair_id: int
    factor: int
    item: int
    seed: int


def plan_pairs(num_pairs: int, num_items: int, seed: int) -> list[PairSpec]:
    """Deterministic pair plan: factors uniform, items cycling through a permutation."""
    if num_items <= 0:
        raise DataError("the dataset has no items to build pairs from")
    rng = np.random.default_rng([seed, 0x9A1B5])
    factors = rng.integers(0, 2, size=num_pairs)
    order = np.concatenate(
        [rng.permutation(num_items) for _ in range(-(-num_pairs // num_items))]
    )[:num_pairs]
    seeds = rng.integers(0, 2**31 - 1, size=num_pairs)
    return [
        PairSpec(pair_id=i, factor=int(f), item=int(it), seed=int(s))
        for i, (f, it, s) in enumerate(zip(factors, order, seeds, strict=True))
    ]


@dataclass(frozen=True)
class PairClips:
    """The two items of a pair; ``shuffle_b`` seeds a frame permutation applied to the
    second item after temporal subsampling (per pathway) when the model input is built.

    ``styles`` holds the style ids ``a`` and ``b`` are still to be rendered in (the
    ``stylize`` protocol leaves styling to :func:`benchmark.pairs.batch.render_pairs`, which
    styles a whole batch at once on the model's device); None when the items are final."""

    a: Any
    b: Any
    shuffle_b: int | None = None
    styles: tuple[int, int] | None = None


class PairProtocol:
    """A parsed protocol: ``text`` is its canonical CLI form (recorded in results).

    With the model's ``input`` given, items are cut to the frames the model sees
    (:meth:`~benchmark.api.task.Task.subsample`) before anything else happens to them."""

    name: str = ""

    def __init__(self, task, argument: str | None, input: InputSpec | None = None) -> None:
        self.task = task
        self.argument = argument
        self.input = input

    @property
    def text(self) -> str:
        return self.name if self.argument is None else f"{self.name}:{self.argument}"

    @classmethod
    def check_argument(cls, argument: str | None) -> None:
        """Raise a :class:`BenchmarkError` for an argument the protocol cannot take (syntax
        only: no task, no files)."""

    def seen(self, item: Any) -> Any:
        """``item`` cut to the frames the model sees (itself without an input spec)."""
        return item if self.input is None else self.task.subsample(item, self.input)

    def __call__(self, source, spec: PairSpec) -> PairClips:
        raise NotImplementedError


# --------------------------------------------------------------------------- the protocols


class TruePairs(PairProtocol):
    """Ground-truth pairs of a synthetic world: re-rendered with one factor held fixed."""

    name = "true"

    def __init__(self, task, argument: str | None, input: InputSpec | None = None) -> None:
        self.check_argument(argument)
        super().__init__(task, argument, input)

    @classmethod
    def check_argument(cls, argument: str | None) -> None:
        if argument is not None:
            raise BenchmarkError("--pair-protocol true: takes no argument (write just 'true').")

    def __call__(self, source, spec: PairSpec) -> PairClips:
        if not hasattr(source, "true_pair"):
            raise DataError(
                f"Pair protocol 'true' needs a synthetic world with known factors; dataset "
                f"{source.name!r} has none. Use --pair-protocol stylize."
            )
        a, b = source.true_pair(spec.item, spec.factor, spec.seed)
        return PairClips(self.seen(a), self.seen(b))


def choose_styles(styles: tuple[int, ...], spec: PairSpec) -> tuple[int, int, np.random.Generator]:
    """The pair's two style ids: different for a dynamic pair, equal for a static pair;
    and the pair's generator, which the static partner draws from next."""
    rng = np.random.default_rng([spec.seed, 0x57])
    first = int(rng.integers(len(styles)))
    second = first
    if spec.factor == DYNAMIC:
        second = (first + 1 + int(rng.integers(len(styles) - 1))) % len(styles)
    return styles[first], styles[second], rng


def style_frames(frames: np.ndarray, style_id: int) -> np.ndarray:
    """uint8 frames (T, H, W, 3) rendered in procedural style ``style_id``."""
    import torch

    from benchmark.pairs.styles import style_uint8

    return style_uint8(torch.from_numpy(np.ascontiguousarray(frames)), style_id).numpy()


def parse_style_bank(argument: str | None) -> tuple[int, ...]:
    """Style ids from ``0,1,3`` or ``randconv,sketch`` (the default bank when None)."""
    from benchmark.pairs.styles import DEFAULT_STYLES, NUM_STYLES, STYLES, style_names

    if argument is None:
        return tuple(DEFAULT_STYLES)
    ids = []
    for token in (t.strip() for t in argument.split(",")):
        if token.isdigit() and int(token) < NUM_STYLES:
            ids.append(int(token))
        elif token in STYLES:
            ids.append(STYLES.get(token).id)
        else:
            known = ", ".join(f"{k}={name}" for k, name in enumerate(style_names()))
            raise BenchmarkError(f"--pair-protocol stylize:{argument}: unknown style {token!r}. Styles: {known}.")
    if len(set(ids)) < 2:
        raise BenchmarkError(f"--pair-protocol stylize:{argument}: needs at least 2 different styles.")
    return tuple(ids)


class StylizedPairs(PairProtocol):
    """Pairs on real video (docs/METHOD.md §1): the item in two different procedural styles
    (dynamic pair), or in one style with the task's static partner (static pair).

    The pair leaves the protocol unstyled, cut to the frames the model sees, with its two
    style ids (:attr:`PairClips.styles`): a batch is styled at once, on the model's device,
    by :func:`benchmark.pairs.batch.render_pairs` (the static partner keeps the frames, so
    styling after it equals styling before)."""

    name = "stylize"

    def __init__(self, task, argument: str | None, input: InputSpec | None = None) -> None:
        super().__init__(task, argument, input)
        self.styles = parse_style_bank(argument)

    @classmethod
    def check_argument(cls, argument: str | None) -> None:
        parse_style_bank(argument)

    def __call__(self, source, spec: PairSpec) -> PairClips:
        style_a, style_b, rng = choose_styles(self.styles, spec)
        item = self.seen(source.clip(spec.item))
        return self.pair(item, item, spec, rng, styles=(style_a, style_b))

    def pair(self, a: Any, b: Any, spec: PairSpec, rng: np.random.Generator,
             styles: tuple[int, int] | None = None) -> PairClips:
        """The pair of ``a`` and ``b``; for a static pair, ``b`` is ``a``'s static partner."""
        if spec.factor == STATIC:
            b, shuffle = self.task.static_partner(a, rng)
            return PairClips(a, b, shuffle, styles)
        return PairClips(a, b, None, styles)


class PrestylizedPairs(StylizedPairs):
    """Like ``stylize``, with the styles read from a pre-stylised copy of the dataset laid
    out as ``<root>/style_<k>/<video>/<frame>.jpg``.  The source says which video folder
    and frames an item is (``prestyle_ref``); without frame indices, the source's
    ``num_frames`` are spread uniformly over the video's pre-stylised frames."""

    name = "prestylized"

    def __init__(self, task, argument: str | None, input: InputSpec | None = None) -> None:
        from benchmark.pairs.prestylized import PrestylizedStore

        PairProtocol.__init__(self, task, argument, input)
        self.check_argument(argument)
        self.store = PrestylizedStore(argument)
        self.styles = tuple(self.store.styles)
        if len(self.styles) < 2:
            raise DataError(f"{argument}: the prestylized protocol needs at least 2 style folders")

    @classmethod
    def check_argument(cls, argument: str | None) -> None:
        if not argument:
            raise BenchmarkError("--pair-protocol prestylized:<root>: give the folder holding style_<k>/.")

    def __call__(self, source, spec: PairSpec) -> PairClips:
        style_a, style_b, rng = choose_styles(self.styles, spec)
        if not hasattr(source, "prestyle_ref"):
            raise DataError(f"dataset {source.name!r} has no videos to read pre-stylised copies of; "
                            "use --pair-protocol stylize.")
        video, indices = source.prestyle_ref(spec.item)
        if indices is None:
            available = self.store.num_frames(video)
            indices = uniform_indices(available, getattr(source, "num_frames", None) or available)
        # A clip item is just its frames; an item holding more (AVOS: the flow image) is
        # loaded so that only its frames are replaced.
        item = None if self.task.item_is_frames else source.clip(spec.item)
        a = self.seen(self.task.with_frames(item, self.store.load(video, style_a, indices)))
        b = a if style_b == style_a else self.seen(self.task.with_frames(item, self.store.load(video, style_b, indices)))
        return self.pair(a, b, spec, rng)


PAIR_PROTOCOLS: Registry[Callable[..., PairProtocol]] = Registry("pair protocol")
PAIR_PROTOCOLS.register("true", TruePairs)
PAIR_PROTOCOLS.register("stylize", StylizedPairs)
PAIR_PROTOCOLS.register("prestylized", PrestylizedPairs)


def parse_protocol(text: str, task, input: InputSpec | None = None) -> PairProtocol:
    """The protocol ``name[:argument]`` bound to ``task`` (and to the model's ``input``,
    whose frames alone are loaded and styled); an unknown name, style id or a bad
    argument is a :class:`BenchmarkError` here, before anything runs."""
    name, sep, argument = text.partition(":")
    if name not in PAIR_PROTOCOLS:
        raise BenchmarkError(
            f"--pair-protocol {text}: unknown protocol {name!r}. Known: "
            "true, stylize[:style ids], prestylized:<root>."
        )
    return PAIR_PROTOCOLS.get(name)(task, argument if sep else None, input)


def check_protocol(text: str, bare: bool = False) -> str | None:
    """Why ``text`` is not a protocol of the grammar above (None when it is), checked
    without a task and without touching files (a ``prestylized:<root>`` need not exist here).
    ``bare``: a protocol's name alone is enough (published figures name no styles or root)."""
    name, sep, argument = text.partition(":")
    if name not in PAIR_PROTOCOLS:
        return f"unknown protocol {name!r} (known: {', '.join(PAIR_PROTOCOLS.names())})"
    if bare and not sep:
        return None
    try:
        PAIR_PROTOCOLS.get(name).check_argument(argument if sep else None)
    except BenchmarkError as error:
        return str(error)
    return None
