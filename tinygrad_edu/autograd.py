"""Reverse-mode automatic differentiation: walk the graph backwards, applying each VJP once.

The graph: every non-leaf Tensor points to the node (`grad_fn`) that made it, and a
node points to its input Tensors. Backward from a root:

1. order the nodes so that every node comes after all nodes that consume its output
   (reverse post-order of an iterative depth-first search: no recursion limit);
2. walk that order with a table node -> dL/d(node's output), where the gradients of
   all consumers have already been summed when a node's turn comes;
3. call the node's VJP once, sum each returned gradient down to its input's shape
   (undoing broadcasting, in this one place for all ops) and add it to the table,
   or, for a leaf, to its `.grad`.

Gradients of slices: the VJP of x[i] is zeros like x with g at [i]. A loop over
x[0], ..., x[L-1] (or unbind, split) would add L full-size arrays, O(L * size of x).
In a plain backward, GetItem returns that gradient unbuilt (SparseGrad), and the
table sums gradients in an array of its own (_Sum) where each slice is added only
where it is nonzero: O(size of x) in all. (torch builds the zeros for every x[i].)
"""
from __future__ import annotations

import warnings
from typing import Callable, Iterable, Sequence

import numpy as np

from . import anomaly, grad_mode, tensor
from .function import AFTER_VJP_HOOKS, BEFORE_VJP_HOOKS, Function, kept_on_ctx_error
from .ops.movement import SparseGrad, scatter_add
from .ops.reduce import SumTo
from .shapes import broadcast_shapes


def topological_order(roots: Iterable) -> list[Function]:
    """Nodes reachable from `roots`, each listed before the nodes that produced its inputs."""
    order, visited = [], set()
    for root in roots:
        if root is None or root in visited:
            continue
        visited.add(root)
        stack = [(root, iter(root.inputs))]
        while stack:
            node, inputs = stack[-1]
            for t in inputs:
                parent = t._ctx
                if parent is not None and parent not in visited:
                    visited.add(parent)
                    stack.append((parent, iter(parent.inputs)))
                    break
            else:
                stack.pop()
                order.append(node)
    order.reverse()
    return order


def leading_to(order: list, inputs: Sequence) -> set:
    """The nodes of `order` from which one of `inputs` is reached: the only VJPs that
    `grad(outputs, inputs)` runs (the graph below the inputs is left as it is)."""
    leaves = {id(t) for t in inputs if t._ctx is None}
    targets = {t._ctx for t in inputs if t._ctx is not None}
    needed: set = set()

    def leads_on(t) -> bool:                        # t is an input, or made by a needed node
        return id(t) in leaves if t._ctx is None else t._ctx in needed or t._ctx in targets

    for node in reversed(order):                    # every producer before its consumers
        if any(leads_on(t) for t in node.inputs):
            needed.add(node)
    return needed


def unbroadcast(grad, shape: tuple, op_name: str):
    """Sum a gradient shaped like a broadcast result down to its input's `shape`."""
    if grad.shape == shape:
        return grad
    try:
        fits = broadcast_shapes(grad.shape, shape) == grad.shape   # shape broadcast to it
    except ValueError:
        fits = False
    if not fits:
        raise RuntimeError(f"{op_name}: backward returned a gradient of shape {grad.shape} "
                           f"for an input of shape {shape}")
    return SumTo.apply(grad, shape=shape)


class _Sum:
    """A running sum of gradients in an array the engine owns (plain backward only), made
    when a SparseGrad takes part: each further gradient is added in place, a SparseGrad
    only at its index."""

    __slots__ = ("array",)

    def __init__(self, g) -> None:
        self.array = g.dense() if type(g) is SparseGrad else np.array(g.data)

    def add(self, g) -> _Sum:
        values = g.values if type(g) is SparseGrad else g.data
        if values.dtype != self.array.dtype:        # promote, as total + g would
            self.array = self.array.astype(np.result_type(self.array.dtype, values.dtype))
        if type(g) is SparseGrad:
            scatter_add(self.array, g.index, values)
        else:
            self.array += values
        return self


def _built(g):
    """A gradient (sum) of the table as a Tensor."""
    if isinstance(g, tensor.Tensor):
        return g
    return tensor.Tensor._from_node(g.array if type(g) is _Sum else g.dense(), None)


def _input_gradient(t, gi, node: Function, g):
    """A VJP's gradient for input t as the table keeps it: an array wrapped as a Tensor,
    a broadcast-shaped one summed down to t's shape; a SparseGrad as it is (t's shape).
    With create_graph, an array becomes a node that refuses to be differentiated (its
    VJP computed it outside the graph), so no higher derivative silently misses it."""
    if type(gi) is SparseGrad:
        return gi
    if not isinstance(gi, tensor.Tensor):
        gi = np.asarray(gi, dtype=t.dtype)
        gi = (NumpyGradient.apply(g, *node.inputs, value=gi, op=node.name,
                                  built_in=type(node)._fresh_gradients,
                                  why=_why_first_order(type(node)))
              if grad_mode._enabled else tensor.Tensor._from_node(gi, None))
    return gi if gi.data.shape == t.data.shape else unbroadcast(gi, t.shape, node.name)


def _why_first_order(op_class: type) -> str:
    """What an op's class says about why its gradient cannot be differentiated again."""
    if getattr(op_class.backward, "once_differentiable", False):
        return ("its backward is marked @once_differentiable (remove the decorator if that "
                "backward is written with Tensor operations)")
    return op_class.second_order_note


class NumpyGradient(Function, register=False):
    """A gradient that an op's backward returned as a numpy array while the gradients were
    being recorded (create_graph): its value, recorded as depending on what that backward
    read (g and the op's inputs). It cannot be differentiated: its VJP raises, as torch's
    once_differentiable does, where a constant would silently drop this op's part of
    every higher derivative. Saves nothing."""

    @staticmethod
    def forward(ctx, *arrays, value, op, built_in, why):
        return value

    @staticmethod
    def backward(ctx, g):
        op = ctx.options["op"]
        if ctx.options["built_in"] or ctx.options["why"]:
            why = ctx.options["why"] or "it is computed outside the graph"
            raise RuntimeError(f"{op}: a second derivative through this gradient is not "
                               f"available: {why}")
        raise RuntimeError(
            f"{op}: cannot differentiate its gradient: its backward returned numpy arrays "
            "(computed outside the graph), so a second derivative through it is unknown. "
            "Write that backward with Tensor operations (g * a, not g.data * a.data), as the "
            "built-in ops do; then higher derivatives work.")


def _run_prehooks(node: Function, g):
    """torch's Node.register_prehook: hook((g,)) right before the VJP; may return (g',)."""
    for (hook,) in list(BEFORE_VJP_HOOKS[node]):
        result = hook((g,))
        if result is None:
            continue
        if not isinstance(result, (tuple, list)) or len(result) != 1:
            raise RuntimeError(f"{node.name}: a prehook must return None or a 1-tuple "
                               f"(dL/d(output),), got {type(result).__name__}")
        g = _checked_replacement(hook, result[0], g)
    return g


def _run_node_hooks(node: Function, grads: tuple, g) -> tuple:
    """torch's Node.register_hook: hook(grad_inputs, grad_outputs) after the VJP, with one
    Tensor of each input's shape (None where none is needed); a hook may return new ones."""
    grad_inputs = tuple(_built(_input_gradient(t, gi, node, g)) if needed and gi is not None
                        else None
                        for t, gi, needed in zip(node.inputs, grads, node.needs_input_grad))
    for (hook,) in list(AFTER_VJP_HOOKS[node]):
        result = hook(grad_inputs, (g,))
        if result is None:
            continue
        if not isinstance(result, (tuple, list)) or len(result) != len(grad_inputs):
            raise RuntimeError(f"{node.name}: a hook must return None or {len(grad_inputs)} "
                               f"gradients (one per input), got {result!r:.80}")
        grad_inputs = tuple(result)
    return grad_inputs


def call_node(node: Function, grad_outputs: tuple):
    """torch's `y.grad_fn(g)`: node's VJP applied by hand to g = dL/d(node's output), under
    the current grad mode (so itself recorded, as torch's). One gradient per input (None
    where an input needs none), shaped like it; just the gradient for a one-input node."""
    if len(grad_outputs) != 1:
        raise TypeError(f"{node.name}: a node takes one gradient, dL/d(its output), got "
                        f"{len(grad_outputs)}")
    g = grad_outputs[0]
    g = g if isinstance(g, tensor.Tensor) else tensor.Tensor(g)
    grads = tuple(_built(_input_gradient(t, gi, node, g)) if needed and gi is not None
                  else None
                  for t, gi, needed in zip(node.inputs, _vjp(node, g), node.needs_input_grad))
    return grads[0] if len(grads) == 1 else grads


def _vjp(node: Function, g) -> tuple:
    """Run one node's backward and return one gradient (or None) per input."""
    grads = type(node).backward(node, g)
    if type(grads) is tuple and len(grads) == len(node.inputs) and not node._passed:
        return grads                            # (the usual case: nothing to check)
    if not isinstance(grads, tuple):
        grads = (grads,)
    if len(grads) > len(node.inputs):
        given = [i for i in range(len(node.inputs), len(grads)) if grads[i] is not None]
        if not given:
            grads = grads[:len(node.inputs)]    # trailing Nones for optional args left out
        elif given[0] < len(node.needs_input_grad):
            raise RuntimeError(f"{node.name}: backward returned a gradient for argument "
                               f"{given[0]}, which was None in apply; return None there, as "
                               "torch requires")
    if len(grads) != len(node.inputs):
        raise RuntimeError(f"{node.name}: backward returned {len(grads)} gradients "
                           f"for {len(node.inputs)} inputs")
    for i in node._passed:
        if grads[i] is not None:
            raise RuntimeError(f"{node.name}: backward returned a gradient for argument {i}, "
                               "which is not a Tensor (it reached forward as it is); return "
                               "None there, as torch requires")
    return grads


def run_backward(roots: Sequence, root_grads: Sequence, retain_graph: bool,
                 create_graph: bool, inputs: Sequence | None = None,
                 observer: Callable | None = None, only_to_inputs: bool = False,
                 fill_retained: bool = False, run_hooks: bool = True):
    """Backpropagate from `roots`. With `inputs`, return their gradients and leave `.grad` alone
    (but for tensors that called retain_grad(), with `fill_retained`, as backward(inputs=)
    does); with `only_to_inputs` too, run only the VJPs on the way to them (as `grad` does).

    `observer(node, g, contributions)`, when given, is called after each node's VJP with
    the upstream gradient g and, per input, the gradient sent to it (None where none):
    `viz.trace` uses it to show the chain rule step by step. `run_hooks=False` leaves the
    user's hooks out (viz drawing an intact graph must not call a gradient logger again).
    """
    Tensor = tensor.Tensor
    node_grads: dict = {}
    leaf_grads: dict = {}   # id(leaf) -> [leaf, summed gradient]
    capture = {t._ctx: None for t in inputs if t._ctx is not None} if inputs is not None else {}
    wanted_leaves = {id(t) for t in inputs if t._ctx is None} if only_to_inputs else None
    hooked_nodes = run_hooks and len(BEFORE_VJP_HOOKS) + len(AFTER_VJP_HOOKS) > 0
    looking_for_nan = anomaly.enabled and anomaly.check_nan

    def add(total, g):
        # the sum is itself differentiable only when building a graph of the gradients
        if create_graph:
            return total + g
        if type(total) is Tensor and type(g) is Tensor:
            return Tensor._from_node(np.asarray(total._data + g._data), None)
        return (total if type(total) is _Sum else _Sum(total)).add(g)

    # ids of the arrays already put into some .grad, or that the caller holds: a gradient
    # passed to backward reaches a leaf unchanged through + or -, and .grad gets a copy
    stored: set = {id(g.data) for g in root_grads}

    def store(t, g):
        # .grad gets its own array: a copy unless this one is fresh and nobody else holds it
        # (Add's VJP hands the same g to both inputs; views share their base's memory)
        arr = g.data
        shared = id(arr) in stored or not (arr.flags.owndata and arr.flags.writeable)
        stored.add(id(arr))
        t._accumulate(g, copy=shared)

    def send(t, g):
        if t._ctx is None:
            if wanted_leaves is not None and id(t) not in wanted_leaves:
                return                            # grad() fills only what it was asked for
            entry = leaf_grads.get(id(t))
            if entry is None:
                leaf_grads[id(t)] = [t, g]
            else:
                entry[1] = add(entry[1], g)
        else:
            previous = node_grads.get(t._ctx)
            node_grads[t._ctx] = g if previous is None else add(previous, g)

    with grad_mode.no_grad() if not create_graph else grad_mode.enable_grad():
        for root, g in zip(roots, root_grads):
            send(root, g)
        order = topological_order(t._ctx for t in roots)
        to_run = leading_to(order, inputs) if only_to_inputs else None
        for node in order:
            g = node_grads.pop(node, None)
            if g is None or to_run is not None and node not in to_run and node not in capture:
                continue                          # (grad(): nothing asked for is here or
            if not isinstance(g, Tensor):         # below: its hooks do not run, as torch)
                g = _built(g)
            if node._hooks and run_hooks:
                g = _run_hooks(node._hooks, g)
                stored.add(id(g.data))          # a hook may keep or return it: .grad copies
            if node in capture:
                capture[node] = g
            elif (inputs is None or fill_retained) and node._retained is not None:
                retained = node._retained()
                if retained is not None:
                    store(retained, g)
            if to_run is not None and node not in to_run:
                continue                          # an input itself, nothing asked for below
            if hooked_nodes and node in BEFORE_VJP_HOOKS:
                g = _run_prehooks(node, g)
            grads = _vjp(node, g)
            if looking_for_nan:
                anomaly.check(node, grads)
            if not node._fresh_gradients:         # a user's op may return a saved Tensor or
                stored.update(id(gi.data if isinstance(gi, Tensor) else gi)   # ndarray: .grad
                              for gi in grads)                                # copies it
                if create_graph and node._kept_on_ctx:
                    raise kept_on_ctx_error(node)
            if hooked_nodes and node in AFTER_VJP_HOOKS:
                grads = _run_node_hooks(node, grads, g)
            contributions = []
            for t, gi, needed in zip(node.inputs, grads, node.needs_input_grad):
                if needed and gi is not None:
                    if type(gi) is not Tensor or gi._data.shape != t._data.shape:
                        gi = _input_gradient(t, gi, node, g)
                    send(t, gi)
                else:
                    gi = None
                contributions.append(gi)
            if observer is not None:
                observer(node, g, [None if c is None else _built(c) for c in contributions])
            if not retain_graph:
                node.free_saved()
        results = {}
        for t, g in leaf_grads.values():
            if not t._requires_grad:              # turned off after the forward pass (torch)
                continue
            if not isinstance(g, Tensor):
                g = _built(g)
            if t._hooks and run_hooks:
                g = _run_hooks(t._hooks, g)
                stored.add(id(g.data))
            if inputs is None:
                store(t, g)
                if getattr(t, "_post_hooks", None):
                    _run_post_accumulate_hooks(t)
            else:
                results[id(t)] = g
    if inputs is None:
        return None
    return tuple(capture.get(t._ctx) if t._ctx is not None else results.get(id(t)) for t in inputs)


def _run_hooks(hooks: list, g):
    """Call the gradient hooks in order (a hook that removes itself does not skip the
    next); each may return a replacement gradient, of g's shape and dtype. `hooks` holds
    one 1-tuple per registration (see RemovableHandle)."""
    for (hook,) in list(hooks):
        replaced = hook(g)
        if replaced is not None:
            g = _checked_replacement(hook, replaced, g)
    return g


def _checked_replacement(hook: Callable, replaced, g):
    """A hook's new gradient, which must be a Tensor of g's shape and dtype."""
    if not isinstance(replaced, tensor.Tensor) or (replaced.shape, replaced.dtype) != (
            g.shape, g.dtype):
        got = (f"{replaced.dtype} {replaced.shape}" if isinstance(replaced, tensor.Tensor)
               else type(replaced).__name__)
        raise RuntimeError(f"hook: {getattr(hook, '__name__', hook)} returned {got} for a "
                           f"gradient of {g.dtype} {g.shape}; return None or a Tensor of "
                           "the same shape and dtype")
    return replaced


def _run_post_accumulate_hooks(leaf) -> None:
    """Call hook(leaf) for each post-accumulate-grad hook, after `.grad` was updated. What
    a hook returns is ignored, as in torch (`lambda p: p.add_(p.grad, alpha=-lr)`, torch's
    own example, returns p): it acts by changing p or p.grad in place."""
    for (hook,) in list(leaf._post_hooks):
        hook(leaf)


def _batched_grad(outputs, inputs, grad_outputs, retain_graph: bool | None,
                  create_graph: bool, allow_unused: bool | None,
                  materialize_grads: bool) -> tuple:
    """grad(..., is_grads_batched=True): a backward pass per entry of the grad_outputs'
    leading axis, the results stacked along a new first axis (None stays None)."""
    Tensor = tensor.Tensor
    batches = [grad_outputs] if isinstance(grad_outputs, Tensor) else list(grad_outputs or [])
    if not batches or any(not isinstance(g, Tensor) or g.ndim == 0 for g in batches):
        raise ValueError("grad: is_grads_batched=True needs grad_outputs, each a Tensor with a "
                         "leading batch axis")
    sizes = {len(g) for g in batches}
    if len(sizes) != 1:
        raise ValueError(f"grad: with is_grads_batched=True every grad_output needs the same "
                         f"batch size, got {sorted(sizes)}")
    (size,) = sizes
    if size == 0:
        raise ValueError("grad: is_grads_batched=True needs a batch of at least one entry")
    from .composed import stack                   # (composed.py imports this module)
    keep = create_graph if retain_graph is None else retain_graph
    rows = [grad(outputs, inputs, [g[i] for g in batches],
                 retain_graph=True if i < size - 1 else keep, create_graph=create_graph,
                 allow_unused=allow_unused, materialize_grads=materialize_grads)
            for i in range(size)]
    return tuple(None if column[0] is None else stack(list(column)) for column in zip(*rows))


def _as_grad_outputs(outputs: Sequence, grad_outputs: Sequence | None, op: str) -> list:
    Tensor = tensor.Tensor
    if grad_outputs is not None and len(grad_outputs) != len(outputs):
        raise RuntimeError(f"{op}: got {len(grad_outputs)} gradients for {len(outputs)} "
                           "outputs; pass one per output")
    grads = []
    for i, out in enumerate(outputs):
        g = None if grad_outputs is None else grad_outputs[i]
        if g is None:
            if out.data.size != 1:
                raise RuntimeError(
                    f"{op}: grad can be implicitly created only for scalar outputs, but the "
                    f"output has shape {out.shape}; pass a gradient of that shape")
            g = Tensor._from_node(np.ones(out.shape, dtype=out.dtype), None)
        elif not isinstance(g, Tensor):
            raise TypeError(f"{op}: gradients must be Tensors or None (as in torch), got "
                            f"{type(g).__name__}")
        elif g.dtype != out.dtype:                   # as torch: in the output's dtype
            g = g.to(out.dtype)
        if g.shape != out.shape:
            raise RuntimeError(f"{op}: gradient has shape {g.shape} but the output has "
                               f"shape {out.shape}")
        grads.append(g)
    return grads


def backward(tensors, grad_tensors=None, retain_graph: bool | None = None,
             create_graph: bool = False, inputs=None) -> None:
    """`Tensor.backward` (see its docstring) from one tensor or several at once, as
    `torch.autograd.backward`: their gradients flow back together and add up."""
    tensors = [tensors] if isinstance(tensors, tensor.Tensor) else list(tensors)
    if grad_tensors is not None and not isinstance(grad_tensors, (list, tuple)):
        grad_tensors = [grad_tensors]        # one gradient (a wrong type is named below)
    for output in tensors:
        if not output.requires_grad:
            raise RuntimeError("backward: this tensor does not require grad and has no "
                               "grad_fn; did you create its inputs with requires_grad=True? "
                               "Or, " + CREATE_GRAPH_HINT)
    retain = create_graph if retain_graph is None else retain_graph
    grads = _as_grad_outputs(tensors, grad_tensors, "backward")
    if inputs is None:
        run_backward(tensors, grads, retain, create_graph)
        return
    inputs = [inputs] if isinstance(inputs, tensor.Tensor) else list(inputs)
    if not inputs or not all(getattr(t, "requires_grad", False) for t in inputs):
        raise RuntimeError("backward: inputs must be a non-empty list of tensors that "
                           "require grad")
    inputs = list({id(t): t for t in inputs}.values())     # each tensor's .grad once
    for t in inputs:
        t.retain_grad()                  # as torch: a non-leaf input keeps its .grad
    for t, g in zip(inputs, run_backward(tensors, grads, retain, create_graph, inputs,
                                         only_to_inputs=True, fill_retained=True)):
        if g is not None:
            t._accumulate(g)
            if getattr(t, "_post_hooks", None):
                _run_post_accumulate_hooks(t)


CREATE_GRAPH_HINT = ("if it is itself a gradient, take that gradient with create_graph=True "
                     "(not under no_grad or through detach)")
PIECEWISE_LINEAR_HINT = (" (a gradient through only piecewise-linear ops composed from where, "
                         "such as hardtanh, relu6 or threshold, is constant here, where torch "
                         "returns zeros: materialize_grads=True gives those zeros)")


def grad(outputs, inputs, grad_outputs=None, retain_graph: bool | None = None,
         create_graph: bool = False, only_inputs: bool = True,
         allow_unused: bool | None = None, is_grads_batched: bool = False,
         materialize_grads: bool = False) -> tuple:
    """Gradients of `outputs` with respect to `inputs`, like `torch.autograd.grad`.

    Returns a tuple with one Tensor per input, and does not touch any `.grad`.
    With `create_graph=True` the results are part of a new graph, so they can be
    differentiated again (second and higher derivatives). An input the outputs do not
    depend on is an error, or None with `allow_unused=True`, or zeros with
    `materialize_grads=True` (allow_unused then defaults to True). `only_inputs` is
    torch's deprecated argument, ignored there too. With `is_grads_batched`, each
    grad_output has a leading batch axis and the results gain it: one backward pass per
    entry here (torch vmaps them), e.g. the rows of a Jacobian from grad_outputs = eye.
    """
    if is_grads_batched:
        return _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph,
                             allow_unused, materialize_grads)
    Tensor = tensor.Tensor
    single = isinstance(outputs, Tensor)
    outputs = [outputs] if single else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if not inputs:
        raise ValueError("grad: inputs is empty; pass the tensors to differentiate with "
                         "respect to (as torch)")
    if isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs]
    elif grad_outputs is not None and not isinstance(grad_outputs, (list, tuple)):
        raise TypeError(f"grad: grad_outputs must be a Tensor, a sequence of Tensors or None, "
                        f"got {type(grad_outputs).__name__}")
    if not only_inputs:
        warnings.warn("grad: only_inputs is deprecated and ignored (as in torch); to fill the "
                      ".grad of other tensors use backward()", stacklevel=2)
    if allow_unused is None:
        allow_unused = materialize_grads
    elif materialize_grads and not allow_unused:
        raise ValueError("grad: materialize_grads=True needs allow_unused=True (or None)")
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError(f"grad: an input of shape {t.shape} does not require grad")
    root_grads = _as_grad_outputs(outputs, grad_outputs, "grad")
    if allow_unused:      # a gradient of piecewise-linear ops (relu'' = 0) is a constant here,
        kept = [i for i, t in enumerate(outputs) if t.requires_grad]    # where torch keeps
        outputs, root_grads = [outputs[i] for i in kept], [root_grads[i] for i in kept]  # a graph
    for t in outputs:
        if not t.requires_grad:
            raise RuntimeError("grad: an output does not require grad and has no grad_fn; "
                               + CREATE_GRAPH_HINT + PIECEWISE_LINEAR_HINT)
    retain = create_graph if retain_graph is None else retain_graph
    result = run_backward(outputs, root_grads, retain, create_graph, inputs,
                          only_to_inputs=True) if outputs else (None,) * len(inputs)
    if not allow_unused:
        for t, g in zip(inputs, result):
            if g is None:
                raise RuntimeError(f"grad: an input of shape {t.shape} was not used in the "
                                   "graph of the outputs; pass allow_unused=True to get None"
                                   + PIECEWISE_LINEAR_HINT)
    if materialize_grads:
        return tuple(Tensor._from_node(np.zeros_like(t.data), None) if g is None else g
                     for t, g in zip(inputs, result))
    return result
