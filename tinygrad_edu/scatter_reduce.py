"""scatter_reduce: src's values reduced (sum, prod, mean, amax, amin) into a copy of
input at scatter's positions, as torch.scatter_reduce (and index_reduce, its form with one
index per slice); a graph network's message passing (the mean or max of each node's
neighbours) is one call.

Composed from the primitives of indexed.py: IndexAdd sums the values that reach each
position, so sum and mean are sums, and amax/amin add to the (constant) result r the
term sum_k w_k (v_k - r), which is 0 (w_k is 0 off the values equal to r) but carries
the gradient: each value equal to r gets g / (how many equal it), as torch splits ties.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import grad_mode
from .indexed import _along, _in_place, _indices, _positions, _same_dtype
from .ops import movement
from .tensor import Tensor, _axis, _tensor

REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def scatter_reduce(input: Tensor, dim: int, index: Any, src: Tensor, reduce: str, *,
                   include_self: bool = True) -> Tensor:
    """A copy of input where, for dim = 0, out[index[i][j]][j] is the reduction of every
    src[i][j] sent there, together with input's own element (include_self=False leaves
    it out where something arrives). Positions nothing reaches keep input's element.

    Gradient: sum as scatter_add; mean g / count to each value (and to input's element
    when included); amax/amin g / ties to each value equal to the result (input's element
    too), and none to a value tied with an infinite result that is not input's; prod
    none (torch's needs nonzero values: use exp of a sum of logs). torch differs in one
    case: with include_self=False it counts input's element among the ties (though it
    takes no part), so the values there share less than g; here they share g.
    """
    op = "scatter_reduce"
    if reduce not in REDUCTIONS:
        raise ValueError(f"{op}: reduce must be one of {', '.join(REDUCTIONS)}, got {reduce!r}")
    x = _tensor(input)
    src = _same_dtype(op, x, _tensor(src))
    idx, dim = _indices(op, index), _axis(x, dim, op)
    x1, idx, src = [t if t.ndim else t.reshape(1) for t in (x, idx, src)]
    flat = _positions(op, x1.shape, dim, idx, src)
    values = src[tuple(slice(n) for n in idx.shape)].reshape(-1)   # in index's order
    mine = x1.reshape(-1)
    hits = np.bincount(flat, minlength=mine.numel())               # values per position
    if reduce == "prod":
        out = _product(x1, mine, values, flat, hits, include_self)
    elif reduce in ("sum", "mean"):
        total = movement.IndexAdd.apply(values, shape=(mine.numel(),), index=(flat,))
        if include_self:
            total = total + mine
        if reduce == "mean":
            total = total / np.maximum(hits + include_self, 1).astype(x.dtype)
        out = total.where(hits > 0, mine)
    else:
        out = _extreme(reduce, mine, values, flat, hits, include_self)
    return out.reshape(x.shape)


def _product(x1: Tensor, mine: Tensor, values: Tensor, flat: np.ndarray, hits: np.ndarray,
             include_self: bool) -> Tensor:
    if grad_mode._enabled and (x1.requires_grad or values.requires_grad):
        raise RuntimeError("scatter_reduce: reduce='prod' has no gradient here; call it under "
                           "no_grad(), or reduce the logs with 'sum' and take exp")
    out = mine.data.copy() if include_self else np.where(hits > 0, 1, mine.data).astype(
        mine.dtype)
    np.multiply.at(out, flat, values.data)
    return Tensor._from_node(out, None)


def _extreme(reduce: str, mine: Tensor, values: Tensor, flat: np.ndarray, hits: np.ndarray,
             include_self: bool) -> Tensor:
    """amax/amin: the result r as a constant, plus sum_k w_k (v_k - r) for the gradient."""
    pick = np.maximum if reduce == "amax" else np.minimum
    written = hits > 0
    best = mine.data.copy()
    if not include_self:
        best[written] = -np.inf if reduce == "amax" else np.inf
    pick.at(best, flat, values.data)
    finite = np.isfinite(best)              # (inf - inf would be nan: no gradient there)
    value_ties = (values.data == best[flat]) & finite[flat]
    own_ties = include_self & (mine.data == best) & finite
    ties = np.bincount(flat, weights=value_ties, minlength=best.size) + own_ties
    share = 1 / np.maximum(ties, 1)
    result = Tensor._from_node(best.astype(mine.dtype), None)
    steps = (values - np.where(finite, best, 0)[flat]).where(value_ties, 0)
    result = result + movement.IndexAdd.apply(steps * share[flat].astype(mine.dtype),
                                              shape=(best.size,), index=(flat,))
    if include_self:
        own = (mine - np.where(finite, best, 0)).where(own_ties, 0)
        result = result + own * share.astype(mine.dtype)
        written = written & ~(~finite & (mine.data == best))   # an infinite r that is x's own
    return result.where(written, mine)


def index_reduce(input: Tensor, dim: int, index: Any, source: Tensor, reduce: str, *,
                 include_self: bool = True) -> Tensor:
    """A copy of input whose slice index[i] along `dim` is reduced with source's slice i
    (reduce 'prod', 'mean', 'amax' or 'amin'), as torch.index_reduce: scatter_reduce with
    the index repeated across the other dims. Gradients as scatter_reduce's."""
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise ValueError(f"index_reduce: reduce must be one of prod, mean, amax, amin, got "
                         f"{reduce!r}")
    x = _tensor(input)
    idx, src = _along("index_reduce", x, dim, index, source)
    return scatter_reduce(x, dim, idx, src, reduce, include_self=include_self)


def index_reduce_(self: Tensor, dim: int, index: Any, source: Tensor, reduce: str, *,
                  include_self: bool = True) -> Tensor:
    return _in_place("index_reduce_", self, (source,), lambda: index_reduce(
        self, dim, index, source, reduce, include_self=include_self))


def scatter_reduce_(self: Tensor, dim: int, index: Any, src: Tensor, reduce: str, *,
                    include_self: bool = True) -> Tensor:
    return _in_place("scatter_reduce_", self, (src,), lambda: scatter_reduce(
        self, dim, index, src, reduce, include_self=include_self))


Tensor.scatter_reduce, Tensor.scatter_reduce_ = scatter_reduce, scatter_reduce_
Tensor.index_reduce, Tensor.index_reduce_ = index_reduce, index_reduce_
