"""Softmax and log-softmax along one axis, both stable for huge logits."""
from __future__ import annotations

import numpy as np

from ..function import Function


def log_softmax_array(a: np.ndarray, dim: int) -> np.ndarray:
    """log softmax with the max subtracted first, so logits of 1e4 give finite numbers
    (an empty axis gives an empty result: the max starts from -inf). A row that is all
    -inf (every key masked) gives nan, as torch, without numpy's warning. float16 is
    computed in float32 and rounded once, as torch."""
    work = a.astype(np.promote_types(a.dtype, np.float32), copy=False)
    with np.errstate(divide="ignore", invalid="ignore"):     # log(0); -inf - (-inf)
        shifted = work - work.max(axis=dim, keepdims=True, initial=-np.inf)
        out = shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))
    return out.astype(a.dtype, copy=False)


class Softmax(Function):
    """out = exp(a) / sum(exp(a)) along `dim`.

    Jacobian d out_i / d a_j = out_i (delta_ij - out_j), so
    VJP: dL/da = out * (g - sum(g * out, dim)).   Saves out.
    """

    @staticmethod
    def forward(ctx, a, dim):
        work = a.astype(np.promote_types(a.dtype, np.float32), copy=False)
        out = np.exp(log_softmax_array(work, dim)).astype(a.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        dim = ctx.options["dim"]
        return out * (g - (g * out).sum(dim, keepdim=True))


class LogSoftmax(Function):
    """out = a - log(sum(exp(a))) along `dim` (max-shifted log-sum-exp).

    d out_i / d a_j = delta_ij - softmax_j, so
    VJP: dL/da = g - exp(out) * sum(g, dim).   Saves out.
    """

    @staticmethod
    def forward(ctx, a, dim):
        out = log_softmax_array(a, dim)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g - out.exp() * g.sum(ctx.options["dim"], keepdim=True)
