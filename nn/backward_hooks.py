"""Module backward hooks, as torch's `register_full_backward_hook` and
`register_full_backward_pre_hook`.

    pre_hook(module, grad_output)        when dL/d(outputs) are known, before they enter
                                         the module; may return a new grad_output
    hook(module, grad_input, grad_output)  when dL/d(inputs) are known; may return a new
                                         grad_input, which then flows on to the caller

grad_input has one entry per positional argument of the call and grad_output one per
output (a Tensor, or the items of a returned tuple or list); an entry is None where the
argument is not a Tensor, and zeros for a Tensor that does not require grad (as torch;
what a hook returns there is ignored). Keyword arguments are not seen (as torch).

How it works. The engine calls a tensor hook once per backward, with that tensor's
whole gradient. So the Tensor arguments that require grad are packed into one tensor
(the concatenation of their flattened values) and forward gets views of it, shaped
and typed like the arguments; the outputs are packed the same way and the caller gets
views. The gradients of all views add up in the packed tensor before its hook runs:
the hook on the packed outputs sees every dL/d(output) at once, the hook on the packed
inputs every gradient the module sends to its inputs (only those: the caller's own
other uses of an input add to its gradient later, outside). torch does the same with
one identity node of several outputs; here each node has one output, hence the packing,
which copies the hooked module's inputs and outputs once per call.

If no argument requires grad, the hooks run when grad_output is known, with a
grad_input of Nones, and what they return is ignored (as torch).
"""
from __future__ import annotations

from typing import Any

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import Tensor


class _Packed:
    """How tensors are flattened into one (`whole`, in their common dtype), and the way
    back. It keeps no tensor: the hook on `whole`'s node holds the call that holds this,
    and a reference back to `whole` would make that a cycle holding the step's graph."""

    def __init__(self, tensors: list[Tensor]) -> None:
        self.shapes = [t.shape for t in tensors]
        self.dtypes = [t.dtype for t in tensors]
        self.dtype = np.result_type(*self.dtypes)
        ends = np.cumsum([t.numel() for t in tensors]).tolist()
        self.bounds = list(zip([0] + ends[:-1], ends))

    def whole(self, tensors: list[Tensor]) -> Tensor:
        return tg.cat([t.reshape(-1).to(self.dtype) for t in tensors])

    def split(self, flat: Tensor) -> list[Tensor]:
        """`flat` (shaped like `whole`) cut into pieces shaped and typed like the tensors."""
        return [flat[start:stop].reshape(shape).to(dtype)
                for (start, stop), shape, dtype in zip(self.bounds, self.shapes, self.dtypes)]

    def join(self, pieces: list, what: str) -> Tensor:
        """The pieces (a None is zeros) flattened back into one tensor like `whole`."""
        flat = []
        for piece, shape in zip(pieces, self.shapes):
            if piece is None:
                piece = tg.zeros(*shape, dtype=self.dtype)
            elif not isinstance(piece, Tensor) or piece.shape != shape:
                got = piece.shape if isinstance(piece, Tensor) else type(piece).__name__
                raise RuntimeError(f"backward hook: {what} entry of shape {shape} was replaced "
                                   f"by {got}; return Tensors of the same shapes (or None)")
            flat.append(piece.reshape(-1).to(self.dtype))
        return tg.cat(flat)


def _tensors_needing_grad(values: list) -> list[int]:
    return [i for i, v in enumerate(values) if isinstance(v, Tensor) and v.requires_grad]


class BackwardHookCall:
    """One call of a module that has backward hooks: wraps its inputs and outputs and
    runs the hooks (taken when the call starts) during backward."""

    def __init__(self, module: Any, args: tuple, hooks: list, pre_hooks: list) -> None:
        self.module = module
        self.hooks = [hook for (hook,) in hooks]
        self.pre_hooks = [hook for (hook,) in pre_hooks]
        self.arg_count = len(args)
        self.inputs = self.outputs = None
        self.grad_output: tuple = ()

    def wrap_inputs(self, args: tuple) -> tuple:
        """The arguments for forward: views of the packed inputs where they require grad."""
        self.input_positions = _tensors_needing_grad(list(args))
        if not self.input_positions:
            return args
        self.constant_inputs = [(i, a.shape, a.dtype) for i, a in enumerate(args)  # (torch:
                                if isinstance(a, Tensor) and not a.requires_grad]  # zeros)
        tensors = [args[i] for i in self.input_positions]
        self.inputs = _Packed(tensors)
        whole = self.inputs.whole(tensors)
        whole.register_hook(self._on_grad_input)
        args = list(args)
        for i, view in zip(self.input_positions, self.inputs.split(whole)):
            args[i] = view
        return tuple(args)

    def wrap_outputs(self, output: Any) -> Any:
        """What the caller gets: the output with views of the packed outputs in place of
        the Tensors that require grad (a Tensor, or the items of a tuple or list)."""
        single = isinstance(output, Tensor)
        items = [output] if single else list(output) if isinstance(output, (tuple, list)) else []
        self.output_count = len(items)
        self.output_positions = _tensors_needing_grad(items)
        if not self.output_positions:
            return output
        tensors = [items[i] for i in self.output_positions]
        self.outputs = _Packed(tensors)
        whole = self.outputs.whole(tensors)
        whole.register_hook(self._on_grad_output)
        for i, view in zip(self.output_positions, self.outputs.split(whole)):
            items[i] = view
        if single:
            return items[0]
        if hasattr(output, "_fields"):                     # a namedtuple
            return type(output)(*items)
        return type(output)(items)

    def _on_grad_output(self, flat: Tensor) -> Tensor:
        grad_output = _spread(self.outputs.split(flat), self.output_positions,
                              self.output_count)
        for hook in self.pre_hooks:
            grad_output = _replaced(hook(self.module, grad_output), grad_output,
                                    f"backward pre-hook {hook!r}", "grad_output")
        self.grad_output = grad_output
        if self.inputs is None:                 # no input needs a gradient: the hooks run now
            for hook in self.hooks:
                hook(self.module, (None,) * self.arg_count, grad_output)
        return self.outputs.join([grad_output[i] for i in self.output_positions], "grad_output")

    def _on_grad_input(self, flat: Tensor) -> Tensor:
        grad_input = list(_spread(self.inputs.split(flat), self.input_positions,
                                  self.arg_count))
        for i, shape, dtype in self.constant_inputs:
            grad_input[i] = tg.zeros(shape, dtype=dtype)
        grad_input = tuple(grad_input)
        for hook in self.hooks:
            grad_input = _replaced(hook(self.module, grad_input, self.grad_output),
                                   grad_input, f"backward hook {hook!r}", "grad_input")
        return self.inputs.join([grad_input[i] for i in self.input_positions], "grad_input")


def _spread(pieces: list, positions: list[int], count: int) -> tuple:
    """A tuple of `count` entries: the pieces at `positions`, None elsewhere."""
    entries: list = [None] * count
    for i, piece in zip(positions, pieces):
        entries[i] = piece
    return tuple(entries)


def _replaced(result: Any, current: tuple, who: str, what: str) -> tuple:
    """A hook's result: None keeps `current`; else a tuple (or list) of as many entries."""
    if result is None:
        return current
    if not isinstance(result, (tuple, list)) or len(result) != len(current):
        got = len(result) if isinstance(result, (tuple, list)) else type(result).__name__
        raise RuntimeError(f"{who} returned {got} for a {what} of {len(current)} entries; "
                           f"return None or a tuple of {len(current)} (Tensors or None)")
    return tuple(result)
