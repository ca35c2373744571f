"""Pairs of clips sharing exactly one factor (docs/METHOD.md §1): the plan and the protocols.

A *pair plan* fixes, for every pair id, its factor (dynamic or static, uniform), the
dataset item it is built from and a per-pair seed.  A *pair protocol* turns a planned pair
into two items.  There is one registry of protocols and one grammar, ``name[:argument]``,
parsed (and checked) once when the command line is read:

- ``true`` (synthetic worlds): re-render with the same dynamics and a new appearance seed
  (dynamic pair) or the same appearance and new dynamics (static pair);
- ``stylize[:bank]`` (real video; protocol version 3, docs/protocol_v3.md): the item in
  two members of an appearance bank (:mod:`benchmark.pairs.appearance`; default
  :data:`V3_BANK`, luminance-keeping hue rotations with a mild tone curve) for a dynamic
  pair, or in one member beside its motionless partner (one frame repeated) for a static
  pair (AVOS, whose motion is its flow image, keeps its flow colour jitter);
- ``kowal2022[:ids]``: the papers' construction (version 2's ``stylize``): two procedural
  styles (dynamic pair), or one style with the task's static partner (frames permuted
  after temporal subsampling for clips; the flow image colour-jittered for AVOS).
  ``ids`` picks the style bank, e.g. ``kowal2022:0,1`` or ``kowal2022:randconv,sketch``;
- ``prestylized:<root>``: like ``kowal2022`` with the styles read from a pre-stylised copy
  laid out as ``<root>/style_<k>/<video>/<frame>.jpg``.

Only the frames the model sees are rendered, a batch at a time on the model's device
(:mod:`benchmark.pairs.batch`).

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
from benchmark.pairs.catalog import PROTOCOLS, grammar
from benchmark.pairs.styles import parse_style_bank
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

    ``styles`` holds the members of appearance bank ``bank`` (:mod:`benchmark.pairs.appearance`)
    that ``a`` and ``b`` are still to be shown in (the ``stylize`` and ``kowal2022``
    protocols leave that to :func:`benchmark.pairs.batch.render_pairs`, which renders a whole
    batch at once on the model's device); None when the items are final."""

    a: Any
    b: Any
    shuffle_b: int | None = None
    styles: tuple[int, int] | None = None
    bank: str | None = None


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

    @property
    def version(self) -> str:
        """The protocol version its construction last changed in (the catalog's), which a run records."""
        return PROTOCOLS[self.name].version

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


def choose_styles(count: int, spec: PairSpec) -> tuple[int, int, np.random.Generator]:
    """The pair's two members of a bank of ``count``: different for a dynamic pair, equal
    for a static pair; and the pair's generator, which the static partner draws from next."""
    rng = np.random.default_rng([spec.seed, 0x57])
    first = int(rng.integers(count))
    second = first
    if spec.factor == DYNAMIC:
        second = (first + 1 + int(rng.integers(count - 1))) % count
    return first, second, rng


def style_frames(frames: np.ndarray, style_id: int) -> np.ndarray:
    """uint8 frames (T, H, W, 3) rendered in procedural style ``style_id``."""
    import torch

    from benchmark.pairs.styles import style_uint8

    return style_uint8(torch.from_numpy(np.ascontiguousarray(frames)), style_id).numpy()


class AppearancePairs(PairProtocol):
    """Pairs on real video (docs/METHOD.md §1): the item shown in two different members of
    an appearance bank (dynamic pair), or in one member beside a static partner (static pair).

    The pair leaves the protocol unrendered, cut to the frames the model sees, with its two
    bank members (:attr:`PairClips.styles`): a batch is rendered at once, on the model's
    device, by :func:`benchmark.pairs.batch.render_pairs`.  Subclasses set the bank text
    (:attr:`bank_text`, a :mod:`benchmark.pairs.appearance` bank) and the static partner
    (:meth:`partner`)."""

    bank_text: str = ""

    def __call__(self, source, spec: PairSpec) -> PairClips:
        first, second, rng = choose_styles(self.bank_size, spec)
        item = self.seen(source.clip(spec.item))
        return self.pair(item, item, spec, rng, styles=(first, second))

    @property
    def bank_size(self) -> int:
        from benchmark.pairs.appearance import parse_appearance_bank

        return len(parse_appearance_bank(self.bank_text))

    def partner(self, item: Any, rng: np.random.Generator) -> tuple[Any, int | None]:
        """The static partner of ``item`` (same appearance, other dynamics)."""
        raise NotImplementedError

    def pair(self, a: Any, b: Any, spec: PairSpec, rng: np.random.Generator,
             styles: tuple[int, int] | None = None) -> PairClips:
        """The pair of ``a`` and ``b``; for a static pair, ``b`` is ``a``'s static partner."""
        bank = self.bank_text if styles is not None else None
        if spec.factor == STATIC:
            b, shuffle = self.partner(a, rng)
            return PairClips(a, b, shuffle, styles, bank)
        return PairClips(a, b, None, styles, bank)


#: Protocol v3's appearance bank (docs/protocol_v3.md: chosen on the development half).
V3_BANK = "tone:4:0.5"


class StylizedPairs(AppearancePairs):
    """Protocol version 3 (docs/protocol_v3.md), the default on real video: a dynamic pair
    is the item in two members of a calibrated appearance bank (default :data:`V3_BANK`;
    ``stylize:<bank>`` names another, e.g. ``stylize:hue:4``), a static pair the item in one
    member beside its motionless partner (:meth:`benchmark.api.task.Task.motionless_partner`:
    one frame repeated for clips; tasks whose motion is not in their frames keep their own
    static partner)."""

    name = "stylize"

    def __init__(self, task, argument: str | None, input: InputSpec | None = None) -> None:
        super().__init__(task, argument, input)
        self.bank_text = self.check_argument(argument)

    @classmethod
    def check_argument(cls, argument: str | None) -> str:
        from benchmark.pairs.appearance import parse_appearance_bank

        text = argument if argument is not None else V3_BANK
        try:
            return parse_appearance_bank(text).text
        except BenchmarkError as error:
            raise BenchmarkError(f"--pair-protocol stylize:{argument}: {error}") from None

    def partner(self, item: Any, rng: np.random.Generator) -> tuple[Any, int | None]:
        return self.task.motionless_partner(item, rng)


class Kowal2022Pairs(AppearancePairs):
    """The papers' construction (Kowal et al. 2022; protocol version 2's ``stylize``): the
    item in two procedural styles (dynamic pair; default bank
    :data:`benchmark.pairs.styles.DEFAULT_STYLES`, ``kowal2022:0,1`` names others) or in one style
    beside the task's static partner (frames permuted after temporal subsampling for clips;
    the flow image colour-jittered for AVOS).  Kept so that numbers measured with it stay
    reproducible; it does not rank models like true pairs (docs/validity.md)."""

    name = "kowal2022"

    def __init__(self, task, argument: str | None, input: InputSpec | None = None) -> None:
        super().__init__(task, argument, input)
        self.styles = self.check_argument(argument)
        self.bank_text = "styles:" + ",".join(map(str, self.styles))

    @classmethod
    def check_argument(cls, argument: str | None) -> tuple[int, ...]:
        try:
            return parse_style_bank(argument)
        except BenchmarkError as error:
            raise BenchmarkError(f"--pair-protocol kowal2022:{argument}: {error}") from None

    def partner(self, item: Any, rng: np.random.Generator) -> tuple[Any, int | None]:
        return self.task.static_partner(item, rng)


class PrestylizedPairs(AppearancePairs):
    """The papers' construction on their pre-stylised data: like ``kowal2022`` (the task's
    static partner), with the styles read from a pre-stylised copy of the dataset laid
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

    def partner(self, item: Any, rng: np.random.Generator) -> tuple[Any, int | None]:
        return self.task.static_partner(item, rng)

    def __call__(self, source, spec: PairSpec) -> PairClips:
        first, second, rng = choose_styles(len(self.styles), spec)
        style_a, style_b = self.styles[first], self.styles[second]
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
for _entry in PROTOCOLS.values():
    PAIR_PROTOCOLS.register(_entry.name, _entry.implementation)


def parse_protocol(text: str, task, input: InputSpec | None = None) -> PairProtocol:
    """The protocol ``name[:argument]`` bound to ``task`` (and to the model's ``input``,
    whose frames alone are loaded and styled); an unknown name, style id or a bad
    argument is a :class:`BenchmarkError` here, before anything runs."""
    name, sep, argument = text.partition(":")
    if name not in PAIR_PROTOCOLS:
        raise BenchmarkError(
            f"--pair-protocol {text}: unknown protocol {name!r}. Known: {grammar()}."
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
