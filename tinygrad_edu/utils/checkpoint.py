"""Gradient checkpointing, as torch.utils.checkpoint: keep less for backward, compute twice.

Backward needs what each op saved in the forward pass, so a deep network holds every
layer's activations until backward reaches that layer. `checkpoint(function, *args)`
runs `function`, drops the graph it recorded (its intermediate values are freed at once)
and records ONE node in its place, whose inputs are the tensor arguments and the
parameters that graph reached. That node's VJP runs `function` again on the same inputs
(with the same random draws), recording this time, and backpropagates the upstream
gradient g through the recomputed graph:

    dL/d(args, params) = g^T d function/d(args, params),  for one more forward pass

`checkpoint_sequential(layers, segments, x)` does this for each of `segments` runs of
layers: the activations kept drop from every layer's to one segment's plus the values
at the segment boundaries.

The gradients are torch's (either `use_reentrant` mode; `grad()`, `backward(inputs=)`
and second derivatives work, as in torch's non-reentrant mode). A tensor that requires
grad and was computed before the call should be passed as an argument: if `function`
reads it from outside, its own graph is walked again inside each recomputation.
"""
from __future__ import annotations

from typing import Any, Callable, Iterator, Sequence

import numpy as np

from .. import autograd, grad_mode, random
from ..autograd import grad
from ..function import Function
from ..tensor import Tensor


class _Call:
    """One checkpointed call: the function, its arguments (Tensors in `positions`), how
    its outputs were packed into one array, and the random state to replay."""

    def __init__(self, function: Callable, args: tuple, kwargs: dict, keep_rng: bool):
        self.function, self.args, self.kwargs = function, args, kwargs
        self.positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)] + [
            key for key, value in kwargs.items() if isinstance(value, Tensor)]
        self.rng_state = random.get_rng_state() if keep_rng else None
        self.wanted: list[int] = []
        self.bounds: list = []

    def tensors(self) -> list[Tensor]:
        """The Tensor arguments, positional ones first, then keyword ones."""
        return [self.args[p] if isinstance(p, int) else self.kwargs[p] for p in self.positions]

    def run(self, tensors: Sequence[Tensor]) -> Any:
        args, kwargs = list(self.args), dict(self.kwargs)
        for p, t in zip(self.positions, tensors):
            if isinstance(p, int):
                args[p] = t
            else:
                kwargs[p] = t
        return self.function(*args, **kwargs)

    def replay(self, tensors: Sequence[Tensor]) -> Any:
        """`run` again, drawing the same random numbers as the first time."""
        if self.rng_state is None:
            return self.run(tensors)
        now = random.get_rng_state()
        random.set_rng_state(self.rng_state)
        try:
            return self.run(tensors)
        finally:
            random.set_rng_state(now)

    def pack(self, outputs: Any) -> np.ndarray:
        """The outputs that require grad (Tensors anywhere in nested tuples, lists and
        dicts), flattened into one array: a node has one output. Keeps the structure
        with a _Slot in their places; the other outputs are kept as they are."""
        leaves = _leaves(outputs)
        self.wanted = [i for i, x in enumerate(leaves) if isinstance(x, Tensor) and
                       x.requires_grad]
        chosen = [leaves[i] for i in self.wanted]
        slots = iter(_Slot(x.shape, x.dtype) if i in self.wanted else x
                     for i, x in enumerate(leaves))
        self.structure = _rebuilt(outputs, slots)
        self.single = isinstance(outputs, Tensor) and bool(chosen)
        if self.single:
            return outputs.data
        ends = np.cumsum([x.numel() for x in chosen]).tolist()
        self.bounds = list(zip([0] + ends[:-1], ends))
        dtype = np.result_type(*[x.dtype for x in chosen]) if chosen else np.float32
        return np.concatenate([x.data.reshape(-1).astype(dtype) for x in chosen] or [[]])

    def wanted_outputs(self, outputs: Any) -> list[Tensor]:
        """The outputs of a run in the places that `pack` chose."""
        leaves = _leaves(outputs)
        return [leaves[i] for i in self.wanted]

    def unpack(self, packed: Tensor) -> Any:
        """The outputs, the chosen ones now pieces of the recorded node's output."""
        if self.single:
            return packed
        pieces = iter(packed[start:stop] for start, stop in self.bounds)
        leaves = (next(pieces).reshape(x.shape).to(x.dtype) if isinstance(x, _Slot) else x
                  for x in _leaves(self.structure))
        return _rebuilt(self.structure, leaves)


def _leaves(tree: Any) -> list:
    """The leaves of nested tuples, lists and dicts (values in order), in order."""
    if isinstance(tree, (tuple, list)):
        return [leaf for item in tree for leaf in _leaves(item)]
    if isinstance(tree, dict):
        return [leaf for item in tree.values() for leaf in _leaves(item)]
    return [tree]


def _rebuilt(tree: Any, leaves: Iterator) -> Any:
    """`tree`'s structure with the next of `leaves` in each leaf's place."""
    if isinstance(tree, dict):
        return type(tree)((key, _rebuilt(item, leaves)) for key, item in tree.items())
    if isinstance(tree, (tuple, list)):
        items = [_rebuilt(item, leaves) for item in tree]
        return type(tree)(*items) if hasattr(tree, "_fields") else type(tree)(items)
    return next(leaves)


class _Slot:
    """Where a float output goes, and its shape and dtype (not the output: the call must
    not keep the first run's values, or a graph, alive)."""

    def __init__(self, shape: tuple, dtype: np.dtype) -> None:
        self.shape, self.dtype = shape, dtype


class Checkpoint(Function, register=False):
    """One node standing for a whole `function` call whose graph was not kept.

    forward:  out = function(*args), run by checkpoint(); saves the call and its inputs
              (args, params), not the values inside
    VJP: dL/d(args, params) = g^T d function/d(args, params), by running function again
              in backward, recording, on a = args (detached, or views of them when the
              gradients are recorded too): grad(out, (a, params), g)

    A second backward without retain_graph=True is an error, as torch's (the first freed
    the saved inputs), and so is one after an input changed in place.
    """

    reruns_forward = False
    """Re-applied on other inputs (viz's finite-difference check), forward would still return
    the packed result: its output does not follow its inputs, so it cannot be checked."""

    @staticmethod
    def forward(ctx, *arrays, packed, call):
        ctx.save_for_backward(*arrays)
        return packed

    @staticmethod
    def backward(ctx, g):
        call = ctx.options["call"]
        count = len(call.positions)
        ctx.saved_tensors               # (an error once freed, or after an input changed)
        inputs = ctx.inputs
        create_graph = grad_mode.is_grad_enabled()       # the outer backward's create_graph
        with grad_mode.enable_grad():
            starts = [(t.view_as(t) if create_graph else t.detach().requires_grad_())
                      if t.requires_grad else t for t in inputs[:count]]
            outputs = call.wanted_outputs(call.replay(starts))
            if call.single:
                grads = [g]
            else:
                grads = [g[start:stop].reshape(x.shape).to(x.dtype)
                         for (start, stop), x in zip(call.bounds, outputs)]
            wanted = [i for i, x in enumerate(outputs) if x.requires_grad]
            sources = starts + list(inputs[count:])
            asked = [i for i, t in enumerate(sources) if ctx.needs_input_grad[i]]
            found = grad([outputs[i] for i in wanted], [sources[i] for i in asked],
                         [grads[i] for i in wanted], retain_graph=True,
                         create_graph=create_graph, allow_unused=True) if wanted else ()
        result = [None] * len(sources)
        for i, gi in zip(asked, found):
            result[i] = gi
        return tuple(result)


TORCH_ONLY_OPTIONS = {"context_fn", "determinism_check", "debug", "early_stop"}


def checkpoint(function: Callable, *args: Any, use_reentrant: bool | None = None,
               preserve_rng_state: bool = True, **kwargs: Any) -> Any:
    """`function(*args, **kwargs)`, recorded as one node that recomputes it in backward.

    `function` may return Tensors nested in tuples, lists and dicts; those that require
    grad come out of the checkpoint node, the others as they are.
    With `preserve_rng_state` the recomputation draws the same random numbers (dropout
    masks) as the first run. Under no_grad() it is a plain call.
    """
    if use_reentrant not in (None, True, False):
        raise TypeError(f"checkpoint: use_reentrant must be True, False or None, "
                        f"got {use_reentrant!r}")
    absent = sorted(TORCH_ONLY_OPTIONS & kwargs.keys())
    if absent:                  # (they would reach `function` as its keyword arguments)
        raise TypeError(f"checkpoint: torch's option(s) {', '.join(absent)} are not "
                        "supported here; call checkpoint(function, *args) without them")
    if not grad_mode.is_grad_enabled():
        return function(*args, **kwargs)
    call = _Call(function, args, kwargs, preserve_rng_state)
    tensors = call.tensors()
    starts = [t.detach().requires_grad_(t.requires_grad) for t in tensors]
    outputs = call.run(starts)                 # recorded: which parameters does it reach?
    packed = call.pack(outputs)
    if not call.wanted:                        # no output requires grad: nothing to record
        return outputs
    params = _parameters_reached(call.wanted_outputs(outputs), starts)
    return call.unpack(Checkpoint.apply(*tensors, *params, packed=packed, call=call))


def _parameters_reached(outputs: list[Tensor], starts: list[Tensor]) -> list[Tensor]:
    """The leaves that require grad, other than `starts`, in the graph of `outputs`."""
    skip = {id(t) for t in starts}
    found: dict = {}
    for node in autograd.topological_order(x.grad_fn for x in outputs):
        for t in node.inputs:
            if t._ctx is None and t.requires_grad and id(t) not in skip:
                found[id(t)] = t
    return list(found.values())


def checkpoint_sequential(functions: Any, segments: int, input: Tensor,
                          use_reentrant: bool | None = None, **kwargs: Any) -> Tensor:
    """Run `functions` (a Sequential or a list of modules) on `input` in `segments` runs
    of consecutive layers; every run but the last is checkpointed (as torch)."""
    layers = list(functions.children()) if hasattr(functions, "children") else list(functions)
    if not isinstance(segments, int) or not 1 <= segments <= max(len(layers), 1):
        raise ValueError(f"checkpoint_sequential: segments must be between 1 and the number "
                         f"of layers ({len(layers)}), got {segments!r}")
    size = len(layers) // segments

    def run_layers(start: int, stop: int) -> Callable:
        def run(x):
            for layer in layers[start:stop]:
                x = layer(x)
            return x
        return run

    for start in range(0, size * (segments - 1), size):
        input = checkpoint(run_layers(start, start + size), input,
                           use_reentrant=use_reentrant, **kwargs)
    last = size * (segments - 1)
    return run_layers(last, len(layers))(input)
