"""torch.autograd.functional: derivatives of a function rather than of a graph.

    jacobian(f, x)   J[i, j] = d f_i / d x_j           (one backward pass per output element)
    hessian(f, x)    H = jacobian of the gradient of a scalar f
    vjp(f, x, v)     v^T J      (one backward pass)
    jvp(f, x, v)     J v        (two: J v = (u -> u^T J)'s own VJP, the "double-VJP trick")
    hvp(f, x, v)     H v        (backward through the gradient: Pearlmutter's trick)
    vhp(f, x, v)     v^T H      (= H v, H being symmetric)

Each calls f on fresh leaves (copies of the inputs that require grad), so the inputs'
graphs and `.grad` are left alone; with create_graph=True the results are graph Tensors
that can be differentiated again. `inputs` is a Tensor or a tuple of them, and so are
f's outputs; results are shaped the same way (a tuple of tuples for jacobian and hessian
when both are tuples: [output i][input j], of shape output_i.shape + input_j.shape).
Where an output does not depend on an input its derivative is zeros, or an error with
strict=True. Only the reverse mode exists here: torch's `vectorize` and forward-mode
strategy are accepted and give the same numbers, computed by backward passes.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .autograd import grad
from .composed import stack
from .grad_mode import enable_grad
from .tensor import Tensor


def vjp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple:
    """(func(inputs), v^T J). v may be None when func returns a one-element Tensor."""
    with enable_grad():
        xs, single_input = _leaves(inputs, create_graph, "vjp")
        outs, single_output = _as_tuple(func(*xs), "vjp", "outputs")
        vs = _vectors(v, outs, "vjp")
        result = _grads(outs, xs, vs, create_graph, strict, "vjp")
    return _shaped(outs, single_output, create_graph), _shaped(result, single_input, create_graph)


def jvp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple:
    """(func(inputs), J v), from two reverse passes: u -> u^T J is linear in u, and its own
    VJP with v is (J^T)^T v = J v."""
    with enable_grad():
        xs, single_input = _leaves(inputs, create_graph, "jvp")
        outs, single_output = _as_tuple(func(*xs), "jvp", "outputs")
        vs = _vectors(v, xs, "jvp")
        us = [Tensor(np.zeros(o.shape, o.dtype), requires_grad=True) for o in outs]
        ut_j = _grads(outs, xs, us, True, strict, "jvp")
        result = _grads(ut_j, us, vs, create_graph, strict, "jvp")
    return _shaped(outs, single_output, create_graph), _shaped(result, single_output, create_graph)


def jacobian(func: Callable, inputs: Any, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode") -> Any:
    """d func(inputs) / d inputs, of shape output.shape + input.shape (one row per output
    element, each from one backward pass). torch's `vectorize` and `strategy` choose how
    its rows are computed, not what they are: accepted (checked as torch checks them), and
    the rows are computed the one way there is here."""
    _check_options("jacobian", strategy, vectorize, strict, create_graph)
    return _jacobian(func, inputs, create_graph, strict, "jacobian")


def _check_options(op: str, strategy: str, vectorize: bool, strict: bool,
                   create_graph: bool) -> None:
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError(f"{op}: strategy must be 'forward-mode' or 'reverse-mode', got "
                         f"{strategy!r}")
    if strategy == "forward-mode" and not vectorize:
        raise NotImplementedError(f"{op}: strategy='forward-mode' needs vectorize=True "
                                  "(as torch)")
    if strategy == "forward-mode" and create_graph:
        raise NotImplementedError(f"{op}: strategy='forward-mode' does not support "
                                  "create_graph=True (as torch)")
    if vectorize and strict:
        raise RuntimeError(f"{op}: strict=True and vectorize=True cannot be used together "
                           "(as torch)")


def _jacobian(func: Callable, inputs: Any, create_graph: bool, strict: bool, op: str) -> Any:
    with enable_grad():
        xs, single_input = _leaves(inputs, create_graph, op)
        outs, single_output = _as_tuple(func(*xs), op, "outputs")
        blocks = []
        for out in outs:
            rows = [[] for _ in xs]
            for element in out.reshape(-1):
                for row, g in zip(rows, _grads((element,), xs, (None,), create_graph, strict,
                                               op)):
                    row.append(g)
            blocks.append(tuple(_stacked(row, out.shape, x) for row, x in zip(rows, xs)))
    blocks = [block[0] if single_input else block for block in blocks]
    return blocks[0] if single_output else tuple(blocks)


def hessian(func: Callable, inputs: Any, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode") -> Any:
    """The matrix of second derivatives of a scalar func: the jacobian of its gradient."""
    def gradient(*xs: Tensor) -> Any:
        out, _ = _as_tuple(func(*xs), "hessian", "outputs")
        if len(out) != 1 or out[0].numel() != 1:
            raise RuntimeError("hessian: the function must return a single Tensor with one "
                               "element")
        return _shaped(_grads(out, xs, (None,), True, strict, "hessian"),
                       isinstance(inputs, Tensor), True)
    _check_options("hessian", outer_jacobian_strategy, vectorize, strict, create_graph)
    return _jacobian(gradient, inputs, create_graph, strict, "hessian")


def hvp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple:
    """(func(inputs), H v) for a scalar func, without forming H: the VJP of the gradient."""
    with enable_grad():
        xs, single_input = _leaves(inputs, create_graph, "hvp")
        out, _ = _as_tuple(func(*xs), "hvp", "outputs")
        if len(out) != 1 or out[0].numel() != 1:
            raise RuntimeError("hvp: the function must return a single Tensor with one element")
        vs = _vectors(v, xs, "hvp")
        gradient = _grads(out, xs, (None,), True, strict, "hvp")
        result = _grads(gradient, xs, vs, create_graph, strict, "hvp")
    return _shaped(out, True, create_graph), _shaped(result, single_input, create_graph)


vhp = hvp           # v^T H = (H v)^T: the Hessian is symmetric


# ---------------------------------------------------------------------------- helpers
def _as_tuple(value: Any, op: str, what: str) -> tuple[tuple, bool]:
    single = isinstance(value, Tensor)
    values = (value,) if single else value
    if not isinstance(values, tuple) or not all(isinstance(t, Tensor) for t in values):
        raise TypeError(f"{op}: the {what} must be a Tensor or a tuple of Tensors (as "
                        f"torch), got {type(value).__name__}")
    return values, single


def _leaves(inputs: Any, create_graph: bool, op: str) -> tuple[tuple, bool]:
    """Fresh leaves that require grad; with create_graph, connected to the given inputs
    (x * 1 keeps x's graph), so the results can be differentiated with respect to them."""
    xs, single = _as_tuple(inputs, op, "inputs")
    if create_graph:
        xs = tuple(x * 1 if x.requires_grad else x.detach().requires_grad_() for x in xs)
    else:
        xs = tuple(x.detach().requires_grad_() for x in xs)
    return xs, single


def _vectors(v: Any, like: tuple, op: str) -> tuple:
    if v is None:
        if len(like) != 1 or like[0].numel() != 1:
            raise RuntimeError(f"{op}: v can only be None if there is a single Tensor with "
                               "a single element")
        return (None,)
    vs, _ = _as_tuple(v, op, "v")
    if [t.shape for t in vs] != [t.shape for t in like]:
        raise RuntimeError(f"{op}: v has shapes {[t.shape for t in vs]}, expected "
                           f"{[t.shape for t in like]}")
    return vs


def _grads(outs: tuple, xs: tuple, vs: tuple, create_graph: bool, strict: bool,
           op: str) -> tuple:
    """grad(outs, xs, vs) with zeros where an output does not depend on an input (the
    graph is kept: jacobian and hessian backpropagate through it again)."""
    live = [(o, v) for o, v in zip(outs, vs) if o.requires_grad]
    found = (grad([o for o, _ in live], xs, [v for _, v in live], retain_graph=True,
                  create_graph=create_graph, allow_unused=True) if live else (None,) * len(xs))
    if strict and None in found:
        raise RuntimeError(f"{op}: with strict=True, the output does not depend on input "
                           f"{found.index(None)} (pass strict=False for zeros there)")
    return tuple(Tensor(np.zeros(x.shape, x.dtype)) if g is None else g
                 for g, x in zip(found, xs))


def _stacked(rows: list, out_shape: tuple, x: Tensor) -> Tensor:
    if not rows:                                   # an output with no elements
        return Tensor(np.zeros(out_shape + x.shape, x.dtype))
    return stack(rows).reshape(out_shape + x.shape)


def _shaped(values: tuple, single: bool, keep_graph: bool) -> Any:
    values = tuple(t if keep_graph else t.detach() for t in values)
    return values[0] if single else values
