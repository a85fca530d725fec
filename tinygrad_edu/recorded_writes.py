"""In-place writes that autograd records, as torch records them: `x[index] = value` when x
or the value is in a graph (tensor.py's __setitem__ calls `record`), and the in-place
methods (`x.mul_(3)`, `x.index_add_(...)`: x[...] = x * 3, in_place.py).

A constant c: x becomes where(written, c, x_old), so the gradient reaching x_old is g
with zeros where it was overwritten (attention's `scores[~mask] = -1e6`). A value v in
the graph: x becomes x_old with v's elements copied in (index_copy), so dL/dv gathers g
at the written positions (the backprop-ninja exercise's `dlogits[range(n), y] -= 1`).
The Tensor object x takes the new value and node, while the old value keeps its own
array, so what earlier ops saved for backward does not change. Because the graph's edges
are Tensors, an op that already read x would see the new node in backward: every tensor
counts the live recorded ops that read it (`_consumed`: raised in Function.apply, lowered
when the reading node is freed, Function.__del__). Reads made by
the value itself (`x[i] -= 1` reads x[i] first) are moved to a Tensor holding the old
value; any other read makes the write refused. A write through a view goes to the tensor
that owns the memory, and every live view of it (each tensor keeps weak references to the
views a recorded op made of it: note_view) is made again from the new value. A constant x
(outside any graph) that takes a value in the graph takes a new array, as every written
tensor does (views of it made before it joined the graph keep the old values: README).
"""
from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

import numpy as np

from . import tensor as tensor_module        # (Tensor is read from it at call time)
from . import versions

if TYPE_CHECKING:
    from .tensor import Tensor


def _node(data: np.ndarray, ctx: Any) -> Tensor:
    return tensor_module.Tensor._from_node(data, ctx)


def record(x: Tensor, index: Any, value: Any, op: str = "setitem", fresh: bool = False
           ) -> None:
    """x[index] = value, recorded (see the module docstring); `op` names the call in
    errors (x.mul_(3) is x[...] = x * 3), and `fresh` says that value is the in-place
    method's own result, which x may simply become. If x is a view (x =
    y.reshape(...), y.T, y[0], or a view of a view) the owner of the memory takes the
    write and every live view of its memory is made again from it, as torch writes their
    shared memory; each of these tensors must have been read by its views alone, or by
    the value written (`x[i] -= 1` reads x[i] first: that read is moved to the old x)."""
    chain = [x]                                # x, the tensor it views, ..., the owner
    while (base := _viewed(chain[-1], op)) is not None:
        chain.append(base)
    owner = chain[-1]
    if owner is not x and not (owner.data.flags.c_contiguous or owner.data.flags.f_contiguous):
        raise RuntimeError(f"{op}: the tensor this view's memory belongs to is itself "
                           "strided (a view of an array numpy did not copy); write into "
                           "x.clone() instead")
    graph_value = isinstance(value, tensor_module.Tensor) and value.requires_grad
    if graph_value and owner.dtype.kind != "f":
        raise TypeError(f"{op}: a value that requires grad cannot be written into a "
                        f"{owner.dtype} tensor")
    if owner._ctx is None and owner.data.base is not None:
        raise RuntimeError(f"{op}: this tensor is a view of memory outside the graph (of "
                           "another tensor, or of a numpy array), which would take the "
                           "values but not their gradient; write into the tensor it views, "
                           "or into x.clone()")
    family = Family(chain)
    if graph_value:
        family.find_reads(value)
    olds = family.move_reads(op)
    old = olds[id(owner)]
    if graph_value:
        new = _placed(old, x, index, olds.get(id(value), value), op, fresh)
    else:
        written, filled = _positions_written(x, index, value, owner.data)
        new = old.where(~written, filled)
    _take_value(owner, new)
    views_of: dict = {key: [] for key in family.members}
    for view, base in family.views:            # base first: each view made again from it
        _stop_reading(view._ctx, base)         # (the old view's node goes with the old view)
        _take_value(view, type(view._ctx).apply(base, **view._ctx.options))
        views_of[id(base)].append(weakref.ref(view))
    for key, t in family.members.items():      # each tensor's views, once each (apply
        t.__dict__["_views"] = views_of[key]   # noted the temporaries the views took)


def _stop_reading(node: Any, base: Tensor) -> None:
    """A view's node that a write replaced no longer counts as a reader of `base` (it now
    reads the old value's copy). Any other node stops counting when it is freed
    (Function.__del__)."""
    if node._reading:
        node._reading = False
        base._consumed -= 1


class Family:
    """The tensors a write changes: the owner of the memory and every live view of it,
    at any depth (the written x among them, and views that the value written reads, as
    `tmp = x[i]` in `x[i] -= 1`), with the reads made of them. The views are made again
    from the new value, so all of them see the write, as torch's views of one memory do.

    Each tensor may be read by the views of it in the family; every other read must come
    from the value's graph, and is moved to a Tensor holding the old value (the op that
    read x for `x[i] -= 1` keeps reading the old x). A reader anywhere else would see the
    written values in backward: the write is refused."""

    def __init__(self, chain: list) -> None:
        owner = chain[-1]
        self.members = {id(owner): owner}
        self.views: list = []                  # (view, base), base first
        self.reads: list = []                  # (node, input position) of reads of members
        self.unexplained = owner._consumed
        for base in (queue := [owner]):        # (the queue grows as views join)
            for view in _live_views(base):
                if id(view) not in self.members:
                    self._join(view, base)
                    queue.append(view)
        self.adopt(chain[0])                   # (in case x's own view was not noted)

    def _join(self, view: Tensor, base: Tensor) -> None:
        self.members[id(view)] = view
        self.views.append((view, base))
        # the view's own read of base is allowed; reads of the view must be explained
        self.unexplained += view._consumed - (1 if view._ctx._reading else 0)

    def adopt(self, t: Tensor) -> bool:
        """Whether t is a member, or a view of one (then t, and any views between, join)."""
        path = []
        while id(t) not in self.members:
            base = view_base(t)
            if base is None:
                return False
            path.append((t, base))
            t = base
        for view, base in reversed(path):      # base first
            self._join(view, base)
        return True

    def find_reads(self, value: Tensor) -> None:
        """The reads of members in value's graph, searched depth-first (not past members)
        until every read of a member is accounted for."""
        if self.adopt(value) or value._ctx is None:
            return                             # (value itself is a member: read as old)
        stack, seen = [value._ctx], {id(value._ctx)}
        while stack and self.unexplained > 0:
            node = stack.pop()
            for i, t in enumerate(node.inputs):
                if self.adopt(t):
                    self.reads.append((node, i))
                    self.unexplained -= 1
                elif t._ctx is not None and id(t._ctx) not in seen:
                    seen.add(id(t._ctx))
                    stack.append(t._ctx)

    def move_reads(self, op: str) -> dict:
        """Refuse if some read is unexplained; else move the reads to old copies of the
        members (id -> old copy, returned) and make the old view nodes read old bases."""
        if self.unexplained > 0:
            raise RuntimeError(f"{op}: this tensor (or a tensor sharing its memory) was "
                               "already used by a recorded op that is still alive, whose "
                               "backward would see the written values; write into a copy "
                               "instead: x = x.clone() first, or write before that read")
        olds = {key: _node(t.data, t._ctx) for key, t in self.members.items()}
        for node, i in self.reads:
            moved = olds[id(node.inputs[i])]
            node.inputs[i]._consumed -= 1
            moved._consumed += 1
            node.inputs = node.inputs[:i] + (moved,) + node.inputs[i + 1:]
        for view, base in self.views:          # (the count is lowered when each view is
            view._ctx.inputs = (olds[id(base)],)           # made again, in record)
        return olds


def view_base(t: Tensor) -> Tensor | None:
    """The tensor t is a view of (its node's one input, sharing memory), or None."""
    inputs = t._ctx.inputs if t._ctx is not None else ()
    if len(inputs) == 1 and np.may_share_memory(t.data, inputs[0].data):
        return inputs[0]
    return None


def note_view(view: Tensor) -> None:
    """Called by Function.apply for a recorded result that may be a view: the tensor it
    views (in the graph, not a leaf: a leaf's views are never written) keeps a weak
    reference to each view of its memory, so that a write can make them all again."""
    base = view_base(view)
    if base is not None and base._ctx is not None:
        views = base.__dict__.setdefault("_views", [])
        if len(views) >= 64 and not len(views) & (len(views) - 1):   # at 64, 128, ...:
            views[:] = [ref for ref in views if ref() is not None]  # drop the dead
        views.append(weakref.ref(view))


def _live_views(base: Tensor) -> list:
    """The views of base's memory that are alive and still made from base."""
    views = [ref() for ref in base.__dict__.get("_views", ())]
    return [view for view in views if view is not None and view_base(view) is base]


def _placed(old: Tensor, x: Tensor, index: Any, value: Tensor, op: str, fresh: bool
            ) -> Tensor:
    """The owner's new value for x[index] = value with a value in the graph: old with
    value's elements copied in at the positions written (index_copy on the flat tensor,
    so dL/dvalue gathers g there and old gets g elsewhere). A position written twice
    keeps the last element, as numpy's assignment. When x is written whole, by a method's
    own result that read x (x.exp_()), x becomes that result, node and all, as in torch."""
    memory = old.data
    value = value.to(old.dtype)
    if x.data is memory and index is Ellipsis and value.shape == x.shape:
        if fresh and old._consumed and value is not x and value.data.base is None:
            return value
        return value.where(np.True_, old)   # old stays in the graph, its gradient 0, as torch
    positions = np.empty_like(memory, dtype=np.int64)     # laid out like memory
    positions[...] = np.arange(memory.size).reshape(memory.shape)
    try:
        selected = _node(_same_view(positions, x.data, memory), None)[index].data
    except IndexError as error:
        raise IndexError(str(error).replace("getitem:", f"{op}:", 1)) from None
    while value.ndim > selected.ndim and value.shape[0] == 1:
        value = value[0]                                  # torch drops a value's leading 1s
    try:
        value = value.expand(*selected.shape)
    except ValueError:
        raise ValueError(f"{op}: cannot write a value of shape {value.shape} into the "
                         f"{selected.shape} elements selected") from None
    flat = selected.reshape(-1)
    last = flat.size - 1 - np.unique(flat[::-1], return_index=True)[1]
    written = old.reshape(-1).index_copy(0, flat[last], value.reshape(-1)[last])
    return written.reshape(old.shape).clone()   # (its own memory: not a view the next
    #                                             write would have to follow back)


def _viewed(t: Tensor, op: str) -> Tensor | None:
    """The tensor whose memory t's data views through the op that made t (reshape,
    transpose, basic indexing), or None; refused when the write cannot follow."""
    base = view_base(t)
    if base is None:
        return None
    if base._ctx is None:
        raise RuntimeError(f"{op}: a view of a leaf tensor that requires grad cannot be "
                           "written in place (as torch); write the leaf inside no_grad()")
    if any(s == 0 and n > 1 for s, n in zip(t.data.strides, t.data.shape)):
        raise RuntimeError(f"{op}: this tensor is an expanded view (one element in several "
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
    """t becomes result (a new value and node): its retain_grad() moves to the new node,
    and the write counts in t._version, as torch."""
    old_node, old_data = t._ctx, t._data
    t._data, t._ctx, t._requires_grad = result._data, result._ctx, result._requires_grad
    if old_node is not None and old_node._retained is not None and old_node._retained() is t:
        t._ctx._retained, old_node._retained = old_node._retained, None
    versions.carry_version(old_data, t.data)


def note_untracked_view(t: Tensor, inputs: tuple) -> None:
    """Called by Function.apply for an unrecorded result t whose array is a numpy view: a
    view made under no_grad (or of such a view) of the memory of a tensor that requires
    grad is marked, and writing it with grad mode on is refused, as torch refuses: the
    write would change the graph's values behind its back. (The mark is an attribute set
    only here, read with getattr, so that no other tensor pays for it.)"""
    for x in inputs:
        if (x._requires_grad or getattr(x, "_untracked_view", False)) and np.may_share_memory(
                t.data, x.data):
            t._untracked_view = True
            return


def refuse_untracked_view(t: Tensor, what: str) -> None:
    """An in-place write into t, with grad mode on: refused when t is an untracked view."""
    if getattr(t, "_untracked_view", False):
        raise RuntimeError(f"{what} is a view made under no_grad() of a tensor that requires "
                           "grad, written with grad mode on: the write would not be recorded "
                           "(torch forbids it too). Make the view and write it both inside "
                           "no_grad(), or both outside it")
