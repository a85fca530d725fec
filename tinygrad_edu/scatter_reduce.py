"""scatter_reduce: src's values reduced (sum, prod, mean, amax, amin) into a copy of
input at scatter's positions, as torch.scatter_reduce (and index_reduce, its form with one
index per slice); a graph network's message passing (the mean or max of each node's
neighbours) is one call.

Composed from the primitives of indexed.py: IndexAdd sums the values that reach each
position, so sum and mean are sums, and amax/amin add to the (constant) result r the
term sum_k w_k (v_k - r), which is 0 (w_k is 0 off the values equal to r) but carries
the gradient: each value equal to r gets g / (how many equal it), as torch splits ties.
prod lays each position's values out in a row and takes Prod along the rows.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .composed import cat
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
    too; nan is equal to nothing, so a nan result sends none); prod the product of the
    others, zeros included. torch differs in one case: with include_self=False it counts
    input's element among the ties (though it takes no part), so the values there share
    less than g; here they share g. An integer mean rounds down, as torch.
    """
    return _reduced("scatter_reduce", input, dim, index, src, reduce, include_self)


def _reduced(op: str, input: Tensor, dim: int, index: Any, src: Tensor, reduce: str,
             include_self: bool) -> Tensor:
    """scatter_reduce, with errors that name `op` (index_reduce calls it too)."""
    if reduce not in REDUCTIONS:
        raise ValueError(f"{op}: reduce must be one of {', '.join(REDUCTIONS)}, got {reduce!r}")
    x = _tensor(input)
    if reduce == "mean" and x.dtype.kind == "b":
        raise TypeError(f"{op}: reduce='mean' is not defined for bool tensors (as torch)")
    src = _same_dtype(op, x, _tensor(src))
    idx, dim = _indices(op, index), _axis(x, dim, op)
    x1, idx, src = [t if t.ndim else t.reshape(1) for t in (x, idx, src)]
    flat = _positions(op, x1.shape, dim, idx, src)
    values = src[tuple(slice(n) for n in idx.shape)].reshape(-1)   # in index's order
    mine = x1.reshape(-1)
    hits = np.bincount(flat, minlength=mine.numel())               # values per position
    if reduce == "prod":
        out = _product(mine, values, flat, hits, include_self)
    elif reduce in ("sum", "mean"):
        total = movement.IndexAdd.apply(values, shape=(mine.numel(),), index=(flat,))
        if include_self:
            total = total + mine
        if reduce == "mean":                     # (an integer mean rounds down, as torch)
            count = np.maximum(hits + include_self, 1).astype(x.dtype)
            total = total // count if x.dtype.kind in "iu" else total / count
        out = total.where(hits > 0, mine)
    else:
        out = _extreme(reduce, mine, values, flat, hits, include_self)
    return out.reshape(x.shape)


def _product(mine: Tensor, values: Tensor, flat: np.ndarray, hits: np.ndarray,
             include_self: bool) -> Tensor:
    """prod: the values of each position laid out in a row of a table padded with 1s
    (input's element first when included), and Prod along the rows, whose VJP handles
    zeros. The table has as many columns as the position hit most."""
    positions = mine.numel()
    order = np.argsort(flat, kind="stable")
    slot = np.empty_like(flat)
    slot[order] = np.arange(flat.size) - (np.cumsum(hits) - hits)[flat[order]]
    width = int(hits.max()) if flat.size else 0
    padding = np.ones((positions, width), dtype=mine.dtype)
    padding[flat, slot] = 0
    table = movement.IndexAdd.apply(values, shape=(positions, width), index=(flat, slot))
    table = table + Tensor._from_node(padding, None)             # v + 0 and 0 + 1: exact
    if include_self:
        table = cat([mine.unsqueeze(1), table], 1)
    return table.prod(1).to(mine.dtype).where(hits > 0, mine)   # (ints wrap, as torch)


def _extreme(reduce: str, mine: Tensor, values: Tensor, flat: np.ndarray, hits: np.ndarray,
             include_self: bool) -> Tensor:
    """amax/amin: the result r plus sum_k w_k (v_k - r) for the gradient. Where r is
    infinite, v_k - r would be nan: there r is sum_k w_k v_k itself (each tie is r)."""
    pick = np.maximum if reduce == "amax" else np.minimum
    written = hits > 0
    best = mine.data.copy()
    if not include_self:                               # start from the bottom (the top)
        kind = mine.dtype.kind
        bottom, top = ((-np.inf, np.inf) if kind == "f" else (False, True) if kind == "b"
                       else (np.iinfo(mine.dtype).min, np.iinfo(mine.dtype).max))
        best[written] = bottom if reduce == "amax" else top
    with np.errstate(invalid="ignore"):                 # (a nan wins, as in torch)
        pick.at(best, flat, values.data)
    if mine.dtype.kind != "f":                         # (no gradient to carry)
        return Tensor._from_node(best, None)
    shift = np.where(np.isinf(best), 0, best)          # r, but 0 where infinite (nan stays)
    value_ties = values.data == best[flat]
    own_ties = include_self & (mine.data == best)
    share = 1 / np.maximum(np.bincount(flat, weights=value_ties, minlength=best.size)
                           + own_ties, 1)
    steps = (values - shift[flat]).where(value_ties, 0) * share[flat].astype(mine.dtype)
    result = Tensor._from_node(shift.astype(mine.dtype), None) + movement.IndexAdd.apply(
        steps, shape=(best.size,), index=(flat,))
    if include_self:
        result = result + (mine - shift).where(own_ties, 0) * share.astype(mine.dtype)
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
    return _reduced("index_reduce", x, dim, idx, src, reduce, include_self)


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
