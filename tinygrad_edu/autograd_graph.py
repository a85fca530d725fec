"""torch.autograd.graph: hooks that see (and may move) what each op saves for backward.

An op's forward saves values its VJP will need (`ctx.save_for_backward`): Mul keeps both
factors, Exp its output, Relu its mask [a > 0], Sum nothing. That is why training takes
more memory than inference. Inside

    with tg.autograd.graph.saved_tensors_hooks(pack_hook, unpack_hook):
        loss = model(x)

every value a recorded op saves goes to `pack_hook` as a Tensor (the op's input or output
Tensor itself when that is what it saved), and the node keeps whatever pack_hook returns
instead: a copy on disk, a compressed form, a counter's ticket. Backward calls
`unpack_hook(packed)` each time a VJP reads the saved values, and computes with the Tensor
it returns. That Tensor still stands for the original in the graph (a gradient taken
through it with create_graph=True reaches the original), as in torch.

As in torch: the innermost block's hooks apply; ops run inside a hook are not packed
again; a pack hook may not change its input in place; unpack_hook must return a Tensor;
in-place changes to a packed value are not checked (backward uses what unpack returns).
Where this engine differs: a node also keeps its input Tensors (`node.inputs`, for the
graph walk and viz), so packing an input does not free its memory, only packing the
values an op computes (outputs, masks) does. A pack hook that returns the op's output
Tensor itself gets a detached Tensor of the same values back in unpack_hook (the node
keeping the output would be a reference cycle).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from . import grad_mode, tensor, versions
from .function import Function

Node = Function          # torch's base class of grad_fn nodes: isinstance(y.grad_fn, Node)

_hooks: list = []         # (pack, unpack) pairs of the open blocks, innermost last
_disabled: list = []      # messages of the open disable_saved_tensors_hooks blocks

OUTPUT = -1               # Packed.source for the op's output (else an input's index, or None)


class saved_tensors_hooks:
    """Within the block, recorded ops pack what they save with `pack_hook(tensor) -> Any`
    and their VJPs read it back through `unpack_hook(packed) -> Tensor`."""

    def __init__(self, pack_hook: Callable[[Any], Any],
                 unpack_hook: Callable[[Any], Any]) -> None:
        self.pack_hook, self.unpack_hook = pack_hook, unpack_hook

    def __enter__(self) -> saved_tensors_hooks:
        if _disabled:
            raise RuntimeError(_disabled[-1])
        _hooks.append((self.pack_hook, self.unpack_hook))
        return self

    def __exit__(self, *exc_info: Any) -> None:
        _hooks.pop()


class save_on_cpu(saved_tensors_hooks):
    """torch's hooks that move saved values to the CPU. Every tensor here lives on the
    CPU already, so the values are kept as they are (pin_memory changes nothing)."""

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda") -> None:
        super().__init__(_unchanged, _unchanged)


def _unchanged(t: Any) -> Any:
    return t


class disable_saved_tensors_hooks:
    """Within the block, using saved_tensors_hooks is an error with `error_message`."""

    def __init__(self, error_message: str) -> None:
        self.error_message = error_message

    def __enter__(self) -> disable_saved_tensors_hooks:
        if _hooks:
            raise RuntimeError(self.error_message)
        _disabled.append(self.error_message)
        return self

    def __exit__(self, *exc_info: Any) -> None:
        _disabled.pop()


class Packed:
    """What a node keeps of one saved value while hooks are on: pack_hook's result, the
    unpack hook, and which of the node's tensors it was (an input's index, OUTPUT, or None
    for a value the op computed for itself), with its shape and dtype for a check."""

    __slots__ = ("packed", "unpack_hook", "source", "shape", "dtype")

    def __init__(self, packed: Any, unpack_hook: Callable, source: int | None,
                 array: np.ndarray) -> None:
        self.packed, self.unpack_hook, self.source = packed, unpack_hook, source
        self.shape, self.dtype = array.shape, array.dtype

    def unpack(self, node: Function) -> Any:
        """unpack_hook's Tensor, standing for the saved tensor in the graph."""
        value = self.unpack_hook(self.packed)
        if not isinstance(value, tensor.Tensor):
            raise TypeError(f"{node.name}: saved_tensors_hooks: unpack_hook must return a "
                            f"Tensor, got {type(value).__name__}")
        if value.shape != self.shape or value.dtype != self.dtype:
            raise RuntimeError(f"{node.name}: saved_tensors_hooks: unpack_hook returned "
                               f"{value.dtype} {value.shape} for a saved {self.dtype} "
                               f"{self.shape} tensor; it must give back what was packed")
        if self.source is None:
            return tensor.Tensor._from_node(value.data, None)
        original_node = node if self.source == OUTPUT else node.inputs[self.source]._ctx
        if original_node is not None:           # the graph reaches the original through its node
            return tensor.Tensor._from_node(value.data, original_node)
        leaf = node.inputs[self.source]
        if value is leaf or not leaf._requires_grad:
            return leaf if value is leaf else tensor.Tensor._from_node(value.data, None)
        if grad_mode.is_grad_enabled():         # create_graph: a path back to the leaf itself
            return SavedLeaf.apply(leaf, tensor.Tensor._from_node(value.data, None))
        twin = tensor.Tensor._from_node(value.data, None)
        twin._requires_grad = True              # (read by VJPs; nothing is recorded now)
        return twin


class SavedLeaf(Function, register=False):
    """out = the value unpack_hook gave back for a saved leaf x: it stands for x.
    VJP: dL/dx = g (and nothing for the unpacked copy, a constant).
    An engine node, made only under create_graph (not a registered op)."""

    @staticmethod
    def forward(ctx, leaf, value):
        return value

    @staticmethod
    def backward(ctx, g):
        return g, None


def pack(node: Function, output: Any) -> None:
    """Hand each array `node` saved to the innermost pack hook (called by Function.apply
    for a recorded op while hooks are on); the node keeps Packed entries instead."""
    pack_hook, unpack_hook = _hooks[-1]
    saved_hooks = _hooks[:]
    _hooks.clear()                      # ops run by the hook are not packed again
    try:
        node._saved = tuple(_packed(node, output, arr, pack_hook, unpack_hook)
                            if type(arr) is np.ndarray else arr for arr in node._saved)
    finally:
        _hooks[:] = saved_hooks
    node._out = None                    # (the output's array is no longer held here)


def _packed(node: Function, output: Any, arr: np.ndarray, pack_hook: Callable,
            unpack_hook: Callable) -> Packed:
    if arr is node._out:
        source, t = OUTPUT, output
    else:
        source = next((i for i, x in enumerate(node.inputs) if x._data is arr), None)
        t = tensor.Tensor._from_node(arr, None) if source is None else node.inputs[source]
    before = versions.version(arr)
    packed = pack_hook(t)
    if versions.version(arr) != before or t._data is not arr:    # (a recorded write gives
        #                                                           t a new array)
        raise RuntimeError(f"{node.name}: saved_tensors_hooks: the pack hook changed its "
                           f"input ({arr.dtype} {arr.shape}) in place; pack a copy instead")
    if packed is output:        # kept as is, the output would hold its own node: a cycle
        packed = tensor.Tensor._from_node(arr, None)
    return Packed(packed, unpack_hook, source, arr)
