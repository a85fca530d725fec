"""Connectionist temporal classification, torch.nn.functional.ctc_loss (speech, OCR): the
negative log-probability of a label sequence y under per-frame class scores, summed over
every alignment that collapses to y (merge repeats, then drop blanks).

With y' = (blank, y_1, blank, y_2, ..., y_S, blank) (length 2S + 1) and the log-probs
lp[t, c], the forward variable alpha_t(s) = log of the probability of the alignments of
the first t + 1 frames that end at y'_s:

    alpha_0(0) = lp[0, blank],  alpha_0(1) = lp[0, y_1],  the others -inf
    alpha_t(s) = logaddexp(alpha_{t-1}(s), alpha_{t-1}(s-1)[, alpha_{t-1}(s-2)]) + lp[t, y'_s]

where the skip from s - 2 is allowed unless y'_s is a blank or repeats y'_{s-2}; the loss
is -logaddexp(alpha_{T-1}(2S), alpha_{T-1}(2S - 1)). One step per frame, each over the
whole batch and every s at once; composed of logaddexp (whose gradient stays finite where
both terms are -inf: unreachable states pass none), so backward is autograd's.
Differs from torch: log_probs.grad is the loss's gradient, -posterior / p; torch returns
that plus exp(log_probs) (the same once it goes back through a log_softmax). For an
impossible alignment (loss inf, without zero_infinity) the gradient is finite here, nan
in torch: it has no meaning either way.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu import Tensor, cat, stack
from tinygrad_edu.cnn import _check_reduction
from tinygrad_edu.math_more import logaddexp
from tinygrad_edu.tensor import _tensor

__all__ = ["ctc_loss"]


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths: Any, target_lengths: Any,
             blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """log_probs (T, N, C) (log_softmax over C; (T, C) unbatched), targets (N, S) padded or
    1-D (all targets one after the other), the lengths per sample. 'mean' divides each
    loss by its target length, then averages; zero_infinity turns impossible alignments'
    inf into 0 (with a zero gradient)."""
    op = "ctc_loss"
    _check_reduction(op, reduction)
    lp = _tensor(log_probs)
    unbatched = lp.ndim == 2
    if unbatched:
        lp = lp.unsqueeze(1)
    if lp.ndim != 3 or lp.dtype.kind != "f":
        raise ValueError(f"{op}: log_probs must be a float (T, N, C) or (T, C) tensor, got "
                         f"{lp.dtype} of shape {tuple(_tensor(log_probs).shape)}")
    steps, batch, classes = lp.shape
    frames, lengths = (_lengths(op, name, v, batch) for name, v in
                       (("input_lengths", input_lengths), ("target_lengths", target_lengths)))
    labels = _padded_targets(op, _tensor(targets), lengths, batch, unbatched)
    if not 0 <= blank < classes:
        raise ValueError(f"{op}: blank {blank} is not a class of C = {classes}")
    if np.any(lengths < 0):
        raise ValueError(f"{op}: target_lengths must be at least 0, got {lengths.tolist()}")
    if np.any(frames > steps) or np.any(frames < 0):
        raise ValueError(f"{op}: input_lengths {frames.tolist()} must lie in [0, T = {steps}]")
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError(f"{op}: targets must be classes in [0, {classes}), got values in "
                         f"[{labels.min()}, {labels.max()}]")
    width = 2 * labels.shape[1] + 1
    extended = np.full((batch, width), blank)
    extended[:, 1::2] = labels
    inside = np.arange(width) < (2 * lengths + 1)[:, None]
    skip = np.zeros((batch, width), bool)                     # from s - 2 to s
    skip[:, 2:] = (extended[:, 2:] != blank) & (extended[:, 2:] != extended[:, :-2])
    emissions = lp.gather(2, Tensor(np.broadcast_to(extended, (steps, batch, width)).copy()))
    emissions = emissions.where(inside, -np.inf)              # (T, N, 2S + 1)
    first = np.full((batch, width), -np.inf)
    first[:, :2] = 0
    alpha = (emissions[0] + Tensor(first.astype(lp.dtype))) if steps else \
        Tensor(np.where(np.arange(width) == 0, 0.0, -np.inf)[None].repeat(batch, 0))
    none = Tensor(np.full((batch, 1), -np.inf, lp.dtype))
    for t in range(1, steps):
        one_back = cat([none, alpha[:, :-1]], 1)
        two_back = cat([none, none, alpha[:, :-2]], 1).where(skip, -np.inf)
        step = logaddexp(logaddexp(alpha, one_back), two_back) + emissions[t]
        alpha = step.where((t < frames)[:, None], alpha)      # frozen after a sample ends
    last = 2 * lengths
    ends = stack([alpha.gather(1, Tensor(last[:, None])),
                  alpha.gather(1, Tensor(np.maximum(last - 1, 0)[:, None])).where(
                      (last > 0)[:, None], -np.inf)])
    losses = -logaddexp(ends[0], ends[1]).squeeze(1)
    if np.any(frames == 0):                   # no frames: only the empty target, probability 1
        losses = losses.where(frames > 0, np.where(lengths == 0, 0.0, np.inf))
    if zero_infinity:
        losses = losses.where(np.isfinite(losses.data), 0.0)
    if reduction == "mean":
        return (losses / Tensor(np.maximum(lengths, 1).astype(lp.dtype))).mean()
    if reduction == "sum":
        return losses.sum()
    return losses.squeeze(0) if unbatched else losses


def _lengths(op: str, name: str, value: Any, batch: int) -> np.ndarray:
    array = np.asarray(getattr(value, "data", value))
    if array.dtype.kind not in "iu" or array.shape not in ((batch,), ()):
        raise ValueError(f"{op}: {name} must hold {batch} integers (one per sample), got "
                         f"{array.dtype} of shape {array.shape}")
    return np.broadcast_to(array, (batch,)).astype(np.int64)


def _padded_targets(op: str, targets: Tensor, lengths: np.ndarray, batch: int,
                    unbatched: bool) -> np.ndarray:
    """The targets as (N, S) with S the longest target length (padding unread)."""
    data = targets.data
    if data.dtype.kind not in "iu":
        raise TypeError(f"{op}: targets must be integer classes, got {data.dtype}")
    longest = int(lengths.max(initial=0))
    if data.ndim == 1 and not unbatched:                  # concatenated
        if data.size != lengths.sum():
            raise ValueError(f"{op}: 1-D targets must hold sum(target_lengths) = "
                             f"{lengths.sum()} values, got {data.size}")
        rows = np.repeat(np.arange(batch), lengths)       # sample of each target value
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        padded = np.zeros((batch, longest), np.int64)
        padded[rows, np.arange(data.size) - np.repeat(starts, lengths)] = data
        return padded
    data = data[None] if unbatched else data
    if data.ndim != 2 or data.shape[0] != batch or data.shape[1] < longest:
        raise ValueError(f"{op}: padded targets must be (N = {batch}, S >= {longest}), got "
                         f"shape {targets.shape}")
    return data[:, :longest].astype(np.int64)
