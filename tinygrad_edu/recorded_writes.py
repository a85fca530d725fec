"""Writing a constant into a tensor that autograd tracks: `x[index] = c`, recorded as torch
records it (tensor.py's __setitem__ calls `record` when x requires grad and is computed by
ops).

x becomes where(written, c, x_old): the gradient reaching x_old is g with zeros where it
was overwritten (attention's `scores[~mask] = -1e6`). The Tensor object x takes the new
value and node, while the old value keeps its own array, so what earlier ops saved for
backward does not change. Because the graph's edges are Tensors, an op that already read
x would see the new node in backward: every tensor counts the recorded ops that read it
(`_consumed`, set in Function.apply), and a write into a tensor that was read is refused.
A write through a view goes to the tensor that owns the memory, and each view of the
chain is made again from it.
"""
from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

import numpy as np

from . import tensor as tensor_module        # (Tensor is read from it at call time)

if TYPE_CHECKING:
    from .tensor import Tensor


def _node(data: np.ndarray, ctx: Any) -> Tensor:
    return tensor_module.Tensor._from_node(data, ctx)


def record(x: Tensor, index: Any, value: Any) -> None:
    """x[index] = value, recorded (see the module docstring). If x is a view (x =
    y.reshape(...), y.T, y[0], or a view of a view) the owner of the memory takes the
    write and each view of the chain is made again from it, as torch writes their shared
    memory; every tensor of the chain must have been read by the next view alone."""
    _check_unread(x, 0)
    chain = [x]                                # x, the tensor it views, ..., the owner
    while (base := _viewed(chain[-1])) is not None:
        _check_unread(base, 1)
        chain.append(base)
    owner = chain[-1]
    if owner is not x and not (owner.data.flags.c_contiguous or owner.data.flags.f_contiguous):
        raise RuntimeError("setitem: the tensor this view's memory belongs to is itself "
                           "strided (a view of an array numpy did not copy); write into "
                           "x.clone() instead")
    written, filled = _positions_written(x, index, value, owner.data)
    _take_value(owner, _node(owner.data, owner._ctx).where(~written, filled))
    for view, base in zip(reversed(chain[:-1]), reversed(chain[1:])):
        _forget_reader(view._ctx, base)        # (the old view's node goes with the old view)
        _take_value(view, type(view._ctx).apply(base, **view._ctx.options))
        _REMADE[view._ctx] = weakref.finalize(view._ctx, _forget_reader, None,
                                              weakref.ref(base))


_REMADE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
"""view node made again by a write -> the finalizer that stops counting it as a reader of
its base when it is gone (run early when a later write replaces that node)."""


def _forget_reader(node: Any, base: Any) -> None:
    """One reader less for `base` (a Tensor, or a weak reference to one): a view's node
    that a write replaced, or that was garbage collected."""
    finalizer = _REMADE.pop(node, None) if node is not None else None
    if finalizer is not None:
        finalizer()                            # (runs the count's decrement once)
        return
    base = base() if isinstance(base, weakref.ref) else base
    if base is not None:
        base._consumed -= 1


def _check_unread(t: Tensor, allowed: int) -> None:
    if t._consumed > allowed:
        raise RuntimeError("setitem: this tensor (or the tensor it views) was already used by "
                           "a recorded op, which would see the written values in backward "
                           "(torch refuses such a backward); write into a copy first: "
                           "x = x.clone(); x[...] = value")


def _viewed(t: Tensor) -> Tensor | None:
    """The tensor whose memory t's data views through the op that made t (reshape,
    transpose, basic indexing), or None; refused when the write cannot follow."""
    inputs = t._ctx.inputs if t._ctx is not None else ()
    if len(inputs) != 1 or not np.may_share_memory(t.data, inputs[0].data):
        return None
    base = inputs[0]
    if base._ctx is None:
        raise RuntimeError("setitem: a view of a leaf tensor that requires grad cannot be "
                           "written in place (as torch); write the leaf inside no_grad()")
    if any(s == 0 and n > 1 for s, n in zip(t.data.strides, t.data.shape)):
        raise RuntimeError("setitem: this tensor is an expanded view (one element in several "
                           "places); write into x.clone() instead")
    return base


def _positions_written(t: Tensor, index: Any, value: Any, memory: np.ndarray) -> tuple:
    """(written, filled) laid out like `memory`, the array t's data is (or views): which
    elements t[index] = value writes, and memory's values with the write done."""
    written, filled = np.zeros_like(memory, dtype=np.bool_), memory.copy(order="K")
    for target, item in ((written, True), (filled, value)):
        _node(_same_view(target, t.data, memory), None)[index] = item
    return written, _node(filled, None)


def _same_view(array: np.ndarray, view: np.ndarray, memory: np.ndarray) -> np.ndarray:
    """The view of `array` (laid out like the contiguous `memory`) that `view` is of
    `memory`."""
    if view is memory:
        return array
    start = (view.__array_interface__["data"][0]
             - memory.__array_interface__["data"][0]) // memory.itemsize
    strides = tuple(s // memory.itemsize * array.itemsize for s in view.strides)
    flat = array.ravel(order="K")                       # (a view, in memory order)
    return np.lib.stride_tricks.as_strided(flat[start:], view.shape, strides)


def _take_value(t: Tensor, result: Tensor) -> None:
    t.data, t._ctx = result.data, result._ctx


UNTRACKED_VIEWS: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
"""id -> tensor: views made unrecorded (under no_grad, or of such a view) of the memory of a
tensor that requires grad. Writing one with grad mode on is refused, as torch refuses: the
write would change the graph's values behind its back."""


def note_untracked_view(t: Tensor, inputs: tuple) -> None:
    """Called by Function.apply for an unrecorded result t whose array is a numpy view."""
    for x in inputs:
        if (x._requires_grad or UNTRACKED_VIEWS.get(id(x)) is x) and np.may_share_memory(
                t.data, x.data):
            UNTRACKED_VIEWS[id(t)] = t
            return


def refuse_untracked_view(t: Tensor, what: str) -> None:
    """An in-place write into t, with grad mode on: refused when t is an untracked view."""
    if UNTRACKED_VIEWS.get(id(t)) is t:
        raise RuntimeError(f"{what} is a view made under no_grad() of a tensor that requires "
                           "grad, written with grad mode on: the write would not be recorded "
                           "(torch forbids it too). Make the view and write it both inside "
                           "no_grad(), or both outside it")
