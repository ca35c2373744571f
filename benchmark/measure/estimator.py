"""The static/dynamic measure of Kowal et al. (METHOD.md §3-§5), streaming and mergeable.

Everything is a function of per-layer, per-factor sums accumulated in float64:

- point sums per unit: ``sum_a, sum_b, sum_ab, sum_a2, sum_b2`` and the pair count;
- Poisson-bootstrap replicate sums (METHOD.md §5): per replicate and factor the weighted
  count, the weighted per-unit sum of ``a + b``, and the weighted scalars ``<a, b>`` and
  ``|a|^2 + |b|^2``.  These are exactly what the layer score needs, so a replicate costs
  O(C) memory and every interval comes out of the same single pass.

Every sum is taken about a per-unit reference point ``shift`` (the mean of the first batch a
layer sees), so float64 raw moments do not cancel catastrophically when features carry a
large common offset (scores are translation invariant, so the shift changes nothing else).
Sums merge by addition after re-centring onto a common shift (an exact identity), so two
partial states merge exactly and ``torch.distributed``
all-reduce of the state equals one process.  Bootstrap weights are a pure function of
``(seed, pair_id, replicate)``, so the replicates are identical however pairs are batched,
ordered or sharded over ranks.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np
import torch

from benchmark.api.intervals import (  # noqa: F401  (poisson_weights re-exported)
    MIN_PAIRS_FOR_INTERVAL,
    Estimate,
    percentile_estimate,
    poisson_weights,
)
from benchmark.errors import EstimatorError
from benchmark.measure.factors import DYNAMIC, FACTORS, STATIC  # noqa: F401  (re-exported)

UNIT_THRESHOLD = 0.5
# A variance below this fraction of the raw second moment counts as zero (constant features):
# float32 features that vary only in their last few bits are constant for our purposes.
_FLAT = 1e-12
UNIT_CLASSES: tuple[str, ...] = ("joint", "dynamic", "static", "neither")
_POINT_KEYS = ("count", "sum_a", "sum_b", "sum_ab", "sum_a2", "sum_b2")
_BOOT_KEYS = ("boot_count", "boot_sum", "boot_dot", "boot_sq")
_SUM_KEYS = _POINT_KEYS + _BOOT_KEYS  # everything but the reference point ``shift``


# --------------------------------------------------------------------------- the formulas


def factor_scores(
    count: torch.Tensor, sum_pair: torch.Tensor, dot: torch.Tensor, sq: torch.Tensor
) -> torch.Tensor:
    """Raw scores ``s_F`` (METHOD.md §3) from moments; leading dims are batch dims.

    Args:
        count: (..., 2) pairs per factor.
        sum_pair: (..., 2, C) per-unit sum over pairs of ``a + b``.
        dot: (..., 2) sum over pairs of ``<a, b>``.
        sq: (..., 2) sum over pairs of ``|a|^2 + |b|^2``.

    Returns (..., 2): ``sum_c mean_n[(a-m_F)(b-m_F)] / V`` with ``m_F`` the factor's own
    mean and ``V`` the summed per-unit variance of all 2N clips around the global mean.
    NaN where a factor has no pairs.
    """
    n = count.unsqueeze(-1)
    mean_f = sum_pair / (2.0 * n)  # (..., 2, C)
    covariance = dot / count - (mean_f * mean_f).sum(-1)  # (..., 2)
    clips = 2.0 * count.sum(-1)  # (...)
    mean_all = sum_pair.sum(-2) / clips.unsqueeze(-1)  # (..., C)
    variance = sq.sum(-1) / clips - (mean_all * mean_all).sum(-1)  # (...)
    return covariance / variance.unsqueeze(-1)


def shares(scores: torch.Tensor) -> torch.Tensor:
    """Softmax over ``[s_dyn, s_stat, s_R = 1]`` (..., 2) -> (..., 3), as exp(s - max)/sum."""
    residual = torch.ones_like(scores[..., :1])
    logits = torch.cat([scores, residual], dim=-1)
    logits = logits - logits.max(dim=-1, keepdim=True).values
    weights = torch.exp(logits)
    return weights / weights.sum(dim=-1, keepdim=True)


def dims_and_percent(p: torch.Tensor, units: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Integer dims ``floor(p_F * C)`` (residual takes the rest) and their percent of C."""
    dims_fs = torch.floor(p[..., :2] * units)
    dims = torch.cat([dims_fs, units - dims_fs.sum(-1, keepdim=True)], dim=-1)
    return dims, 100.0 * dims / units


def dynamic_share(p: torch.Tensor) -> torch.Tensor:
    """``p_dyn / (p_dyn + p_stat)`` in [0, 1]; 0.5 is balanced."""
    return p[..., 0] / (p[..., 0] + p[..., 1])


# --------------------------------------------------------------------------- memory


def estimator_memory_bytes(widths: Mapping[str, int], bootstrap: int, batch_pairs: int = 16) -> int:
    """Bytes the estimator needs for layers of ``widths`` units: its float64 state,
    ``(2 * bootstrap + 11) * C`` values per layer, plus the largest transient of an update
    (the ``(bootstrap, C)`` product of the weights with the pair sums and the batch's
    float64 features, about ``(bootstrap + 8 * batch_pairs) * C`` values)."""
    total = sum((2 * bootstrap + 11) * units for units in widths.values())
    widest = max(widths.values(), default=0)
    return 8 * (total + (bootstrap + 8 * batch_pairs) * widest)


def check_memory(widths: Mapping[str, int], bootstrap: int, limit_bytes: float | None,
                 batch_pairs: int = 16) -> None:
    """Refuse, with the figure and how to lower it, an estimator that would need more than
    ``limit_bytes`` (None: no limit)."""
    if limit_bytes is None:
        return
    need = estimator_memory_bytes(widths, bootstrap, batch_pairs)
    if need <= limit_bytes:
        return
    widest = sorted(widths.items(), key=lambda kv: -kv[1])[:3]
    listed = ", ".join(f"{name!r}: {units:,} units" for name, units in widest)
    raise EstimatorError(
        f"The estimator would need about {need / 2**30:.1f} GiB for {len(widths)} probed "
        f"layer(s) ({listed}) with --bootstrap {bootstrap}, above the limit of "
        f"{limit_bytes / 2**30:.1f} GiB. Lower it with a smaller --bootstrap (memory grows "
        "with 2 x bootstrap x units), probe fewer or narrower layers (e.g. a pooled output), "
        "or raise --memory-limit if the machine has the memory."
    )


# --------------------------------------------------------------------------- results


@dataclass
class LayerScores:
    """Everything METHOD.md §3-§5 reports for one layer."""

    units: int
    pairs: dict[str, int]
    score: dict[str, Estimate]  # raw s_F, F in (dynamic, static)
    share: dict[str, Estimate]  # softmax p_F, F in (dynamic, static, residual)
    dims: dict[str, int]  # floor(p_F * C), residual the rest
    percent: dict[str, float]  # round(100 * dims / C, 1)
    percent_interval: dict[str, Estimate]
    dynamic_share: Estimate
    unit_classes: dict[str, float]  # percent of units per class (joint/dynamic/static/neither)
    unit_counts: dict[str, int]
    constant_units: dict[str, int]  # units with zero variance within a factor (scored 0)
    bootstrap: int = 0

    def to_dict(self) -> dict:
        """The result-file form: every :class:`Estimate` as ``{value, low, high}``."""

        def plain(v):
            if isinstance(v, Estimate):
                return v.as_dict()
            if isinstance(v, dict):
                return {k: plain(x) for k, x in v.items()}
            return v

        return {f.name: plain(getattr(self, f.name)) for f in fields(self)}


@dataclass
class UnitScores:
    """Per-unit scores ``u_F[c]`` (METHOD.md §4) and the class of each unit."""

    dynamic: np.ndarray
    static: np.ndarray
    classes: np.ndarray  # int index into UNIT_CLASSES
    constant: dict[str, int] = field(default_factory=dict)


# --------------------------------------------------------------------------- the estimator


class StaticDynamicEstimator:
    """Streaming static/dynamic statistics for any number of layers.

    Feed batches of pairs with :meth:`update`; read :meth:`layer_scores`.  Memory is
    ``(2 * bootstrap + 11) * C`` float64 values per layer whatever the number of pairs
    (6.4 MiB for C = 2048 and 200 replicates).

    Args:
        bootstrap: number of Poisson-bootstrap replicates (0 disables intervals).
        seed: seed of the bootstrap weights.
        threshold: unit-classification threshold ``t`` (METHOD.md §4).
    """

    def __init__(self, bootstrap: int = 200, seed: int = 0, threshold: float = UNIT_THRESHOLD,
                 memory_limit: float | None = None):
        self.bootstrap = int(bootstrap)
        self.seed = int(seed)
        self.threshold = float(threshold)
        self.memory_limit = memory_limit  # bytes; None: unlimited (checked before allocating)
        self.layers: dict[str, dict[str, torch.Tensor]] = {}

    # ---------------------------------------------------------------- accumulation

    def _new_state(self, units: int) -> dict[str, torch.Tensor]:
        f64 = torch.float64
        state = {"count": torch.zeros(2, dtype=f64)}
        for key in _POINT_KEYS[1:]:
            state[key] = torch.zeros(2, units, dtype=f64)
        reps = self.bootstrap
        state["boot_count"] = torch.zeros(reps, 2, dtype=f64)
        state["boot_sum"] = torch.zeros(reps, 2, units, dtype=f64)
        state["boot_dot"] = torch.zeros(reps, 2, dtype=f64)
        state["boot_sq"] = torch.zeros(reps, 2, dtype=f64)
        state["shift"] = torch.zeros(units, dtype=f64)
        return state

    def _state(self, layer: str, units: int) -> dict[str, torch.Tensor]:
        if layer not in self.layers:
            self.layers[layer] = self._new_state(units)
        self._check_width(layer, units)
        return self.layers[layer]

    def _check_width(self, layer: str, units: int) -> None:
        known = self.layers[layer]["sum_a"].shape[1]
        if known != units:
            raise EstimatorError(
                f"Layer {layer!r} gave {units} units, but earlier batches gave "
                f"{known}; pooled features must have a fixed width."
            )

    def update(
        self,
        features_a: Mapping[str, torch.Tensor],
        features_b: Mapping[str, torch.Tensor],
        factors: torch.Tensor | np.ndarray | Iterable[int],
        pair_ids: torch.Tensor | np.ndarray | Iterable[int],
    ) -> None:
        """Add a batch of pairs for every layer.

        The batch is validated for every layer before any state changes, so a rejected batch
        (non-finite values, wrong shape or width) leaves the estimator as it was.

        Args:
            features_a: layer -> (n, C) pooled features of the first clip of each pair (any
                float dtype and device; accumulated on the CPU in float64).
            features_b: layer -> (n, C) features of the second clip.
            factors: (n,) 0 for a dynamic pair, 1 for a static pair.
            pair_ids: (n,) global pair indices (fix the bootstrap weights).
        """
        factors = torch.from_numpy(_as_numpy(factors).astype(np.int64, copy=False).reshape(-1))
        ids = _as_numpy(pair_ids).astype(np.int64, copy=False).reshape(-1)
        if factors.numel() != ids.size:
            raise ValueError("factors and pair_ids must have one entry per pair")
        if ((factors != DYNAMIC) & (factors != STATIC)).any():
            raise ValueError("factors must be 0 (dynamic) or 1 (static)")
        if set(features_a) != set(features_b):
            raise EstimatorError(
                "features_a and features_b must hold the same layers; got "
                f"{sorted(features_a)} and {sorted(features_b)}."
            )
        new = {layer: _width(a) for layer, a in features_a.items() if layer not in self.layers}
        if new:  # before anything is allocated for the new layers
            widths = {layer: state["sum_a"].shape[1] for layer, state in self.layers.items()} | new
            check_memory(widths, self.bootstrap, self.memory_limit, len(ids))
        batch = {}
        for layer, a in features_a.items():
            a = _as_matrix(layer, a, "a", len(ids))
            b = _as_matrix(layer, features_b[layer], "b", len(ids))
            if a.shape != b.shape:
                raise EstimatorError(
                    f"Layer {layer!r}: the two clips of a pair gave features of different "
                    f"shapes, {tuple(a.shape)} and {tuple(b.shape)}."
                )
            _check_finite(layer, a, b, ids)
            if layer in self.layers:
                self._check_width(layer, a.shape[1])
            batch[layer] = (a, b)
        # Pairs sorted by factor: each factor is then a contiguous slice (views, no copies).
        order = torch.argsort(factors, stable=True)
        split = int((factors == DYNAMIC).sum())
        slices = (slice(0, split), slice(split, len(ids)))
        weights = None
        if self.bootstrap and len(ids):
            weights = torch.from_numpy(
                poisson_weights(self.seed, ids[order.numpy()], self.bootstrap)
            )
        for layer, (a, b) in batch.items():
            self._update_layer(layer, a[order], b[order], slices, weights)

    def _update_layer(self, layer, a, b, slices, weights) -> None:
        state = self._state(layer, a.shape[1])
        if len(a) == 0:
            return
        if float(state["count"].sum()) == 0.0:
            # First data for this layer: take its mean as the reference point.
            state["shift"] = torch.cat([a, b]).mean(0)
        shift = state["shift"]
        a = a - shift
        b = b - shift
        pair_sum = a + b
        ab = a * b
        dot = ab.sum(1)
        sq = (a * a).sum(1) + (b * b).sum(1)
        for f, rows in enumerate(slices):
            if rows.start == rows.stop:
                continue
            af, bf = a[rows], b[rows]
            state["count"][f] += float(rows.stop - rows.start)
            state["sum_a"][f] += af.sum(0)
            state["sum_b"][f] += bf.sum(0)
            state["sum_ab"][f] += ab[rows].sum(0)
            state["sum_a2"][f] += (af * af).sum(0)
            state["sum_b2"][f] += (bf * bf).sum(0)
            if weights is not None:
                w = weights[:, rows]
                state["boot_count"][:, f] += w.sum(1)
                state["boot_sum"][:, f] += w @ pair_sum[rows]
                state["boot_dot"][:, f] += w @ dot[rows]
                state["boot_sq"][:, f] += w @ sq[rows]

    # ---------------------------------------------------------------- merging

    def merge(self, other: StaticDynamicEstimator) -> StaticDynamicEstimator:
        """Add another estimator's sums into this one (exact; returns self; ``other`` unchanged)."""
        if (other.bootstrap, other.seed) != (self.bootstrap, self.seed):
            raise EstimatorError(
                "Cannot merge estimators with different bootstrap settings: "
                f"({self.bootstrap}, seed {self.seed}) vs ({other.bootstrap}, seed {other.seed})."
            )
        for layer, theirs in other.layers.items():
            if layer in self.layers:
                self._check_width(layer, theirs["sum_a"].shape[1])
        for layer, theirs in other.layers.items():
            mine = self._state(layer, theirs["sum_a"].shape[1])
            if float(mine["count"].sum()) == 0.0:
                mine["shift"] = theirs["shift"].clone()
            theirs = {key: value.clone() for key, value in theirs.items()}
            _recentre(theirs, mine["shift"])
            for key in _SUM_KEYS:
                mine[key] += theirs[key]
        return self

    def all_reduce(self, group=None) -> StaticDynamicEstimator:
        """Sum the state over all ranks of ``torch.distributed`` (in place; returns self).

        Every rank must call it (also ranks that saw no pairs). Settings and layer widths are
        checked on every rank alike, so a mismatch raises the same error everywhere instead
        of hanging. With the NCCL backend the sums travel through the current CUDA device.
        """
        import torch.distributed as dist

        mine = {
            "bootstrap": self.bootstrap,
            "seed": self.seed,
            "widths": {layer: s["sum_a"].shape[1] for layer, s in self.layers.items()},
        }
        gathered: list[dict] = [{} for _ in range(dist.get_world_size(group))]
        dist.all_gather_object(gathered, mine, group=group)
        settings = [(g["bootstrap"], g["seed"]) for g in gathered]
        if len(set(settings)) > 1:
            raise EstimatorError(
                "Cannot all-reduce estimators with different bootstrap settings; "
                f"(bootstrap, seed) per rank: {settings}."
            )
        widths: dict[str, int] = {}
        for rank, g in enumerate(gathered):
            for layer, units in g["widths"].items():
                if widths.setdefault(layer, units) != units:
                    raise EstimatorError(
                        f"Layer {layer!r} has {units} units on rank {rank} but "
                        f"{widths[layer]} on another rank; all ranks must probe the same model."
                    )
        layers = sorted(widths)
        for layer in layers:
            self._state(layer, widths[layer])
        if not layers:
            return self
        device = torch.device("cpu")
        if dist.get_backend(group) == "nccl":
            device = torch.device("cuda", torch.cuda.current_device())

        def reduce(tensors: list[torch.Tensor]) -> list[torch.Tensor]:
            flat = torch.cat([t.reshape(-1) for t in tensors]).to(device)
            dist.all_reduce(flat, op=dist.ReduceOp.SUM, group=group)
            flat = flat.cpu()
            out, start = [], 0
            for t in tensors:
                out.append(flat[start : start + t.numel()].reshape(t.shape))
                start += t.numel()
            return out

        # A common reference point: the clip-weighted mean of the ranks' shifts.
        clips = [2.0 * self.layers[layer]["count"].sum().reshape(1) for layer in layers]
        weighted = [self.layers[layer]["shift"] * c for layer, c in zip(layers, clips, strict=True)]
        reduced = reduce(clips + weighted)
        for i, layer in enumerate(layers):
            total, weighted_shift = reduced[i], reduced[len(layers) + i]
            shift = weighted_shift / total if float(total) > 0 else torch.zeros_like(weighted_shift)
            _recentre(self.layers[layer], shift)
        tensors = [self.layers[layer][key] for layer in layers for key in _SUM_KEYS]
        for t, summed in zip(tensors, reduce(tensors), strict=True):
            t.copy_(summed)
        return self

    # ---------------------------------------------------------------- checkpointing

    def state_dict(self) -> dict:
        return {
            "bootstrap": self.bootstrap,
            "seed": self.seed,
            "threshold": self.threshold,
            "layers": {
                layer: {key: value.clone() for key, value in state.items()}
                for layer, state in self.layers.items()
            },
        }

    def load_state_dict(self, state: Mapping) -> StaticDynamicEstimator:
        self.bootstrap = int(state["bootstrap"])
        self.seed = int(state["seed"])
        self.threshold = float(state["threshold"])
        self.layers = {}
        for layer, tensors in state["layers"].items():
            tensors = {k: v.detach().to("cpu", torch.float64).clone() for k, v in tensors.items()}
            # States written before the reference point existed hold raw (unshifted) sums.
            tensors.setdefault("shift", torch.zeros(tensors["sum_a"].shape[1], dtype=torch.float64))
            self.layers[layer] = tensors
        return self

    def save(self, path: str | Path) -> None:
        """Write the state atomically (temporary file + rename)."""
        save_atomic(self.state_dict(), path)

    @classmethod
    def load(cls, path: str | Path) -> StaticDynamicEstimator:
        state = torch.load(Path(path), weights_only=True)
        return cls().load_state_dict(state)

    # ---------------------------------------------------------------- scores

    def pairs(self, layer: str) -> dict[str, int]:
        count = self.layers[layer]["count"]
        return {FACTORS[f]: int(count[f]) for f in range(2)}

    def unit_scores(self, layer: str) -> UnitScores:
        """Per-unit ``u_F[c]`` and unit classes (METHOD.md §4)."""
        state = self._checked(layer)
        per_factor, constant = [], {}
        for f, name in enumerate(FACTORS):
            n = state["count"][f]
            mean = (state["sum_a"][f] + state["sum_b"][f]) / (2.0 * n)
            covariance = state["sum_ab"][f] / n - mean * mean
            second = (state["sum_a2"][f] + state["sum_b2"][f]) / (2.0 * n)
            variance = second - mean * mean
            # Constant within the factor: variance below 1e-12 of the raw second moment
            # (the sums are about ``shift``; add it back for the scale).
            raw_second = variance + (mean + state["shift"]) ** 2
            flat = variance <= _FLAT * raw_second
            u = torch.where(flat, torch.zeros_like(covariance), covariance / variance)
            per_factor.append(u.numpy())
            constant[name] = int(flat.sum())
        u_dyn, u_stat = per_factor
        t = self.threshold
        classes = np.full(u_dyn.shape, UNIT_CLASSES.index("neither"), dtype=np.int64)
        classes[(u_dyn > t) & ~(u_stat > t)] = UNIT_CLASSES.index("dynamic")
        classes[(u_stat > t) & ~(u_dyn > t)] = UNIT_CLASSES.index("static")
        classes[(u_dyn > t) & (u_stat > t)] = UNIT_CLASSES.index("joint")
        return UnitScores(dynamic=u_dyn, static=u_stat, classes=classes, constant=constant)

    def layer_scores(self, layer: str) -> LayerScores:
        """Scores, shares, dims, percents, dynamic share and unit classes of one layer."""
        state = self._checked(layer)
        units = state["sum_a"].shape[1]
        point_s = factor_scores(
            state["count"],
            state["sum_a"] + state["sum_b"],
            state["sum_ab"].sum(-1),
            (state["sum_a2"] + state["sum_b2"]).sum(-1),
        )
        point_p = shares(point_s)
        point_dims, point_percent = dims_and_percent(point_p, units)
        point_share = dynamic_share(point_p)

        if self.bootstrap and float(state["count"].min()) >= MIN_PAIRS_FOR_INTERVAL:
            boot_s = factor_scores(
                state["boot_count"], state["boot_sum"], state["boot_dot"], state["boot_sq"]
            )
            boot_s = torch.where(state["boot_count"] >= 2, boot_s, torch.nan)
            boot_p = shares(boot_s)
            _, boot_percent = dims_and_percent(boot_p, units)
            boot_share = dynamic_share(boot_p)
        else:
            boot_s = boot_p = boot_percent = boot_share = None

        def interval(point: torch.Tensor, replicates: torch.Tensor | None) -> Estimate:
            if replicates is None:
                return Estimate(float(point))
            return percentile_estimate(float(point), replicates.numpy())

        def col(x, i):
            return None if x is None else x[..., i]

        names3 = (*FACTORS, "residual")
        units_detail = self.unit_scores(layer)
        counts = {
            name: int((units_detail.classes == i).sum()) for i, name in enumerate(UNIT_CLASSES)
        }
        return LayerScores(
            units=units,
            pairs=self.pairs(layer),
            score={name: interval(point_s[i], col(boot_s, i)) for i, name in enumerate(FACTORS)},
            share={name: interval(point_p[i], col(boot_p, i)) for i, name in enumerate(names3)},
            dims={name: int(point_dims[i]) for i, name in enumerate(names3)},
            percent={name: round(float(point_percent[i]), 1) for i, name in enumerate(names3)},
            percent_interval={
                name: interval(point_percent[i], col(boot_percent, i))
                for i, name in enumerate(names3)
            },
            dynamic_share=interval(point_share, boot_share),
            unit_classes={name: round(100.0 * c / units, 1) for name, c in counts.items()},
            unit_counts=counts,
            constant_units=units_detail.constant,
            bootstrap=self.bootstrap,
        )

    def all_layer_scores(self) -> dict[str, LayerScores]:
        return {layer: self.layer_scores(layer) for layer in self.layers}

    def _checked(self, layer: str) -> dict[str, torch.Tensor]:
        if layer not in self.layers:
            raise EstimatorError(f"Layer {layer!r} has no statistics: no pairs were fed for it.")
        state = self.layers[layer]
        for f, name in enumerate(FACTORS):
            if state["count"][f] < 2:
                raise EstimatorError(
                    f"Layer {layer!r}: the {name} factor has {_pairs(state['count'][f])}; "
                    "at least 2 per factor are needed (raise --pairs)."
                )
        clips = 2.0 * state["count"].sum()
        mean = (state["sum_a"] + state["sum_b"]).sum(0) / clips
        second = (state["sum_a2"] + state["sum_b2"]).sum() / clips
        variance = float(second - (mean * mean).sum())
        raw_second = variance + float(((mean + state["shift"]) ** 2).sum())
        if not variance > _FLAT * raw_second:
            raise EstimatorError(
                f"Layer {layer!r}: the features have zero total variance over all "
                f"{int(clips)} clips (the layer's output does not depend on its input); "
                "it cannot be scored. Probe a different layer."
            )
        return state


def _pairs(count: torch.Tensor) -> str:
    n = int(count)
    return f"{n} pair" if n == 1 else f"{n} pairs"


def _as_numpy(x) -> np.ndarray:
    """Labels and ids as a numpy array, whatever they came as (list, numpy, CPU/CUDA tensor)."""
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def _check_finite(layer: str, a: torch.Tensor, b: torch.Tensor, ids: np.ndarray) -> None:
    for name, x in (("first", a), ("second", b)):
        bad = ~torch.isfinite(x)
        if bad.any():
            rows = torch.nonzero(bad.any(1)).flatten().tolist()
            raise EstimatorError(
                f"Layer {layer!r}: {int(bad.sum())} non-finite values (NaN/inf) in the "
                f"features of the {name} clip of pairs {[int(ids[r]) for r in rows[:10]]}. "
                "Check the model's numerics (e.g. fp16 overflow) or the input normalisation."
            )


def _recentre(state: dict[str, torch.Tensor], shift: torch.Tensor) -> None:
    """Re-express a layer's sums about a new reference point ``shift`` (in place, exact algebra).

    With ``d = old_shift - shift`` every centred value gains ``d``:
    ``sum(x + d) = sum x + n d`` and ``sum((x + d)(y + d)) = sum xy + d (sum x + sum y) + n d^2``.
    """
    d = state["shift"] - shift
    if not bool(d.any()):
        state["shift"] = shift.clone()
        return
    n = state["count"].unsqueeze(-1)  # (2, 1)
    nd2 = n * d * d
    state["sum_ab"] += d * (state["sum_a"] + state["sum_b"]) + nd2
    state["sum_a2"] += 2.0 * d * state["sum_a"] + nd2
    state["sum_b2"] += 2.0 * d * state["sum_b"] + nd2
    state["sum_a"] += n * d
    state["sum_b"] += n * d
    if state["boot_sum"].numel():
        cross = state["boot_sum"] @ d  # (R, 2): sum_n w <x_a + x_b, d>
        norm = float(d @ d)
        state["boot_dot"] += cross + state["boot_count"] * norm
        state["boot_sq"] += 2.0 * cross + 2.0 * state["boot_count"] * norm
        state["boot_sum"] += 2.0 * state["boot_count"].unsqueeze(-1) * d
    state["shift"] = shift.clone()


def _width(x) -> int:
    """Units of a batch of features (its last axis; 1 for a vector), read without copying."""
    shape = tuple(x.shape) if hasattr(x, "shape") else np.shape(x)
    return int(shape[-1]) if len(shape) > 1 else 1


def _as_matrix(layer: str, x: torch.Tensor, which: str, n: int) -> torch.Tensor:
    x = torch.as_tensor(x).detach().to("cpu", torch.float64)
    if x.ndim == 1:
        x = x.unsqueeze(1)
    if x.ndim != 2 or x.shape[0] != n:
        raise EstimatorError(
            f"Layer {layer!r}: expected pooled features of shape (pairs={n}, units) for clip "
            f"{which}, got {tuple(x.shape)}."
        )
    return x


def save_atomic(obj: object, path: str | Path) -> None:
    """``torch.save`` to a temporary file in the same folder, then rename over ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)
