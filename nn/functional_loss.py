"""More losses of `torch.nn.functional`: the margin and embedding losses, the multi-label
losses, and the Poisson and Gaussian negative log-likelihoods.

Each is composed from differentiable Tensor ops (no backward of its own). A hinge
max(0, z) is `clamp(min=0)` where torch clamps (gradient 1 at z = 0, torch's inclusive
clamp) and `relu` where torch's kernel tests z > 0 (gradient 0 there). reduction is
'none', 'mean' (over every loss term) or 'sum', as torch.
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from tinygrad_edu import Tensor
from tinygrad_edu.cnn import (_broadcasts_to, _check_reduction, _float_operands, _reduce,
                              _same_shape, _weighted, log1p_exp)
from tinygrad_edu.shapes import broadcast_shapes
from tinygrad_edu.tensor import _tensor

from .functional_extra import pairwise_distance
from .functional_more import _floating, logsigmoid

__all__ = ["margin_ranking_loss", "hinge_embedding_loss", "soft_margin_loss",
           "cosine_embedding_loss", "triplet_margin_loss", "triplet_margin_with_distance_loss",
           "multilabel_soft_margin_loss",
           "multilabel_margin_loss", "poisson_nll_loss", "gaussian_nll_loss"]

COSINE_EPS = 1e-12
"""cosine_embedding_loss adds this to each squared norm, as torch (zero vectors: cos 0)."""


def _check_broadcast(op: str, **tensors: Tensor) -> None:
    """An error naming each shape unless the tensors broadcast together."""
    try:
        broadcast_shapes(*(t.shape for t in tensors.values()))
    except ValueError:
        shapes = ", ".join(f"{name} {tuple(t.shape)}" for name, t in tensors.items())
        raise ValueError(f"{op}: shapes {shapes} cannot be broadcast together") from None


def _same_ndim(op: str, **tensors: Tensor) -> None:
    if len({t.ndim for t in tensors.values()}) > 1:
        shapes = ", ".join(f"{name} {tuple(t.shape)}" for name, t in tensors.items())
        raise ValueError(f"{op}: expected inputs with the same number of dimensions, got "
                         f"{shapes}")


# ---------------------------------------------------------------------------- margins
def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                        *, reduction: str = "mean") -> Tensor:
    """max(0, -y (x1 - x2) + margin), y = 1 where x1 should rank higher, -1 where x2 should.
    The three inputs have the same number of dimensions and broadcast, as torch."""
    op = "margin_ranking_loss"
    _check_reduction(op, reduction)
    x1, x2, y = _float_operands(op, input1, input2, target)     # (int, int, int): float32
    _same_ndim(op, input1=x1, input2=x2, target=y)
    _check_broadcast(op, input1=x1, input2=x2, target=y)
    return _reduce((-y * (x1 - x2) + margin).clamp(min=0), reduction)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0,
                         *, reduction: str = "mean") -> Tensor:
    """x where y = 1, max(0, margin - x) where y = -1 (x is a distance; y says whether
    the pair is similar). As torch, a target that is neither contributes both terms."""
    op = "hinge_embedding_loss"
    _check_reduction(op, reduction)
    x, y = _same_shape(op, input, target)
    hinge = (margin - x).clamp(min=0).where(y.data != 1, 0)
    return _reduce(hinge + x.where(y.data != -1, 0), reduction)


def soft_margin_loss(input: Tensor, target: Tensor, *, reduction: str = "mean") -> Tensor:
    """log(1 + e^(-y x)) for labels y = +-1 (a smooth hinge), without overflow.
    Derivative -y sigmoid(-y x)."""
    op = "soft_margin_loss"
    _check_reduction(op, reduction)
    x, y = _same_shape(op, input, target)
    return _reduce(log1p_exp(-y * x), reduction)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                          *, reduction: str = "mean") -> Tensor:
    """1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1, 0 for other
    targets, with cos along the last dimension of (N, D) inputs and (N,) target, or of
    (D,) inputs and a 0-d target, computed as torch:

        cos = sum(x1 x2) / sqrt((sum(x1^2) + 1e-12) (sum(x2^2) + 1e-12))
    """
    op = "cosine_embedding_loss"
    _check_reduction(op, reduction)
    x1, x2 = _float_operands(op, input1, input2, bools=True)     # (bool, bool): float32
    y = _tensor(target)
    if y.ndim > 1 or x1.ndim != y.ndim + 1 or x2.ndim != y.ndim + 1:
        raise ValueError(f"{op}: expected inputs (N, D) with target (N,) or inputs (D,) with "
                         f"a 0-d target, got input1 {tuple(x1.shape)}, input2 "
                         f"{tuple(x2.shape)}, target {tuple(y.shape)}")
    _check_broadcast(op, input1=x1, input2=x2)
    dot = (x1 * x2).sum(-1)
    cos = dot / (((x1 * x1).sum(-1) + COSINE_EPS) * ((x2 * x2).sum(-1) + COSINE_EPS)).sqrt()
    _check_broadcast(op, cosine=cos, target=y)
    losses = (1 - cos).where(y.data == 1, 0) + (cos - margin).clamp(min=0).where(y.data == -1, 0)
    return _reduce(losses, reduction)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0,
                        p: float = 2.0, eps: float = 1e-6, swap: bool = False,
                        *, reduction: str = "mean") -> Tensor:
    """max(0, margin + d(a, p) - d(a, n)) with d = pairwise_distance(., ., p, eps) over the
    last dimension. swap=True replaces d(a, n) by min(d(a, n), d(p, n)) (Balntas et al.;
    ties share the gradient evenly, as torch's minimum)."""
    return _triplet("triplet_margin_loss", anchor, positive, negative,
                    lambda x, y: pairwise_distance(x, y, p, eps), margin, swap, reduction)


def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function: Callable | None = None,
                                      margin: float = 1.0, swap: bool = False,
                                      reduction: str = "mean") -> Tensor:
    """triplet_margin_loss with any distance d(x, y) -> one value per row (default
    pairwise_distance), e.g. 1 - cosine_similarity for the metric-learning recipes."""
    return _triplet("triplet_margin_with_distance_loss", anchor, positive, negative,
                    distance_function or pairwise_distance, margin, swap, reduction)


def _triplet(op: str, anchor: Tensor, positive: Tensor, negative: Tensor, distance: Callable,
             margin: float, swap: bool, reduction: str) -> Tensor:
    _check_reduction(op, reduction)
    if not margin > 0:
        raise ValueError(f"{op}: margin must be greater than 0, got {margin}")
    a, pos, neg = _float_operands(op, anchor, positive, negative)     # (ints: float32)
    _same_ndim(op, anchor=a, positive=pos, negative=neg)
    _check_broadcast(op, anchor=a, positive=pos, negative=neg)
    d_pos, d_neg = distance(a, pos), distance(a, neg)
    if swap:
        d_neg = d_neg.minimum(distance(pos, neg))
    return _reduce((margin + d_pos - d_neg).clamp(min=0), reduction)


# ---------------------------------------------------------------------------- multi-label
def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                *, reduction: str = "mean") -> Tensor:
    """One-vs-all logistic loss of (N, C) logits against (N, C) 0/1 targets, averaged
    over the C classes:

        loss_n = -(1/C) sum_c w_c [y log sigmoid(x) + (1 - y) log sigmoid(-x)]

    (reduction then over N), with stable log-sigmoids.
    """
    op = "multilabel_soft_margin_loss"
    _check_reduction(op, reduction)
    x, y = _same_shape(op, input, target)
    if x.ndim == 0:
        raise ValueError(f"{op}: expected an input of shape (N, C) or (C,), got a 0-d tensor")
    losses = _weighted(op, -(y * logsigmoid(x) + (1 - y) * logsigmoid(-x)), weight)
    return _reduce(losses.sum(-1) / x.shape[-1], reduction)


def multilabel_margin_loss(input: Tensor, target: Tensor, *, reduction: str = "mean") -> Tensor:
    """Multi-label hinge loss of (N, C) scores (or (C,)): target holds each sample's label
    indices, ended by the first -1 (the entries after it are ignored), and

        loss_n = (1/C) sum_(j label) sum_(i not a label) max(0, 1 - (x[y_j] - x[i]))

    (a label listed twice counts twice, as torch). Vectorized over (N, labels, C).
    """
    op = "multilabel_margin_loss"
    _check_reduction(op, reduction)
    x, t = _floating(op, input), _tensor(target)
    if x.ndim > 2 or t.shape != x.shape:
        raise ValueError(f"{op}: expected an input of shape (N, C) or (C,) and a target of "
                         f"the same shape, got input {tuple(x.shape)}, target {tuple(t.shape)}")
    if t.dtype.kind not in "iu":
        raise TypeError(f"{op}: target must hold integer class indices, got dtype {t.dtype}")
    scores = x.reshape(-1, x.shape[-1] if x.ndim else 1)
    labels, listed = _label_slots(op, t.data.reshape(scores.shape), scores.shape)
    is_label = np.zeros(scores.shape, dtype=bool)
    rows, slots = np.nonzero(listed)
    is_label[rows, labels[rows, slots]] = True
    label_scores = scores.take_along_dim(labels, 1)                      # (N, K)
    hinge = (1 - label_scores.unsqueeze(2) + scores.unsqueeze(1)).relu()  # (N, K, C)
    mask = listed[:, :, None] & ~is_label[:, None, :]
    losses = (hinge * Tensor(mask.astype(x.dtype))).sum((1, 2)) / scores.shape[1]
    return _reduce(losses if x.ndim == 2 else losses.reshape(()), reduction)


def _label_slots(op: str, t: np.ndarray, shape: tuple) -> tuple[np.ndarray, np.ndarray]:
    """The first K columns of the (N, C) target (K = the most labels of a sample), with
    the -1 entries made 0, and a mask of the slots before each row's first -1. Every entry
    must be -1 or a class index, also after the first -1 (torch's check)."""
    bad = (t < -1) | (t >= shape[1])
    if bad.any():
        raise ValueError(f"{op}: target {t[bad][0]} is out of range for {shape[1]} classes "
                         f"(expected -1 <= target < {shape[1]})")
    listed = np.cumprod(t >= 0, axis=1).astype(bool)
    k = int(listed.sum(1).max(initial=0))
    return np.where(listed, t, 0)[:, :k], listed[:, :k]


# ---------------------------------------------------------------------------- likelihoods
def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,
                     *, eps: float = 1e-8, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of target counts y under Poisson(rate), dropping log(y!):

        log_input=True  (input = log rate):   e^x - y x
        log_input=False (input = rate):       x - y log(x + eps)

    full=True adds Stirling's approximation of log(y!), y log y - y + log(2 pi y) / 2,
    where y > 1 (0 elsewhere), as torch.
    """
    op = "poisson_nll_loss"
    _check_reduction(op, reduction)
    x, y = _same_shape(op, input, target, bools=True)            # (int, int): float32
    losses = x.exp() - y * x if log_input else x - y * (x + eps).log()
    if full:
        counts = y.data > 1
        safe = y.where(counts, 1)
        stirling = safe * safe.log() - safe + 0.5 * (2 * math.pi * safe).log()
        losses = losses + stirling.where(counts, 0)
    return _reduce(losses, reduction)


def gaussian_nll_loss(input: Tensor, target: Tensor, var: Any, full: bool = False,
                      eps: float = 1e-6, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of target under N(input, var), as torch:

        0.5 (log max(var, eps) + (x - y)^2 / max(var, eps))   (+ 0.5 log(2 pi) with full)

    var: a number, a tensor shaped like the input, or one with a single dimension of size
    1 where the input's differs or without the last dimension (one variance shared by
    those elements). The clamp at eps changes only the value: the gradient with respect
    to var is that of the formula at the clamped value, as torch (which clamps a copy).
    target must broadcast to the input's shape.
    """
    op = "gaussian_nll_loss"
    _check_reduction(op, reduction)
    x = _floating(op, input)
    y = _as_float(_tensor(target), x.dtype)          # (a float64 target promotes, as torch)
    if not _broadcasts_to(y.shape, x.shape):
        raise ValueError(f"{op}: target of shape {tuple(y.shape)} cannot be broadcast to input "
                         f"shape {tuple(x.shape)}")
    v = _variance(op, var, x)
    if (v.data < 0).any():
        raise ValueError(f"{op}: var has negative entries")
    v = v - v.detach() + v.detach().clamp(min=eps)            # the value clamped, not the slope
    diff = x - y
    losses = 0.5 * (v.log() + diff * diff / v)
    if full:
        losses = losses + 0.5 * math.log(2 * math.pi)
    return _reduce(losses, reduction)


def _as_float(t: Tensor, dtype: np.dtype) -> Tensor:
    """t itself when floating point (arithmetic then promotes, as torch), else as dtype."""
    return t if t.dtype.kind == "f" else t.to(dtype)


def _variance(op: str, var: Any, x: Tensor) -> Tensor:
    """var as a tensor that broadcasts to x (torch's homoscedastic and heteroscedastic forms)."""
    if isinstance(var, (int, float)) and not isinstance(var, bool):
        return Tensor(np.full(x.shape, var, dtype=x.dtype))
    v = _as_float(_tensor(var), x.dtype)
    if v.shape == x.shape:
        return v
    if x.ndim and v.shape == x.shape[:-1]:
        return v.unsqueeze(-1)
    differing = [i for i, (a, b) in enumerate(zip(x.shape, v.shape)) if a != b]
    if v.ndim == x.ndim and len(differing) == 1 and v.shape[differing[0]] == 1:
        return v
    raise ValueError(f"{op}: var of shape {tuple(v.shape)} does not fit input of shape "
                     f"{tuple(x.shape)} (expected {tuple(x.shape)}, {tuple(x.shape[:-1])}, or "
                     "that shape with one dimension of size 1)")
