"""Check hand-written VJPs against central finite differences, in float64.

For a function f and a random direction v (shaped like f's output) the engine's
vector-Jacobian product  v^T J  must match, element by element, the numerical

    d(v . f(x)) / dx_i  ~  (v . f(x + eps e_i) - v . f(x - eps e_i)) / (2 eps)

whose error is O(eps^2). Projecting on a random v needs one backward pass and
two forward passes per input element, and any wrong Jacobian entry shows up with
probability 1. `gradgradcheck` applies the same test to the function
(x, v) -> v^T J(x), whose own VJP is made of second derivatives.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from . import grad_mode
from .autograd import grad
from .tensor import Tensor


class GradcheckError(AssertionError):
    """The analytic gradient disagrees with the finite-difference one."""


def _float_outputs(result: Any) -> list[Tensor]:
    outs = list(result) if isinstance(result, (tuple, list)) else [result]
    return [o for o in outs if isinstance(o, Tensor) and o.dtype.kind == "f"]


def _differentiates_inside(fn: Callable, inputs: Sequence, outs: list[Tensor]) -> bool:
    """Whether fn takes gradients itself (a gradient penalty, a MAML step): then it fails
    or computes other values without a graph, and its finite differences must record one
    (they run without, for speed, when fn does not care)."""
    try:
        with grad_mode.no_grad():
            plain = _float_outputs(fn(*inputs))
    except RuntimeError:
        return True
    return len(plain) != len(outs) or not all(
        np.array_equal(p.data, o.data, equal_nan=True) for p, o in zip(plain, outs))


def _projected(fn: Callable, inputs: Sequence, directions: list[np.ndarray],
               record: bool) -> float:
    with grad_mode.enable_grad() if record else grad_mode.no_grad():
        outs = _float_outputs(fn(*inputs))
    return float(sum(np.sum(o.data * v) for o, v in zip(outs, directions)))


def gradcheck(fn: Callable, inputs: Any, *, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, raise_exception: bool = True, fast_mode: bool = False,
              seed: int = 0) -> bool:
    """Compare the VJP of `fn` at `inputs` with central differences; True, or a
    GradcheckError (False with `raise_exception=False`, as torch.autograd.gradcheck).

    `inputs` is a Tensor or a sequence; the float64 Tensors with requires_grad=True are
    checked. On failure the error names the input, the worst element, and the
    analytic and numerical values of v^T J there. `seed` picks the random direction v
    (torch has no such argument: its check builds the whole Jacobian instead, or, with
    fast_mode=True, projects on both sides; either mode runs this check here).
    """
    return _reported(lambda: _check(fn, inputs, eps, atol, rtol, seed, record=False),
                     raise_exception)


def gradgradcheck(fn: Callable, inputs: Any, grad_outputs: Any = None, *, eps: float = 1e-6,
                  atol: float = 1e-5, rtol: float = 1e-3, raise_exception: bool = True,
                  fast_mode: bool = False, seed: int = 0) -> bool:
    """Check second derivatives: gradcheck of (x, v) -> v^T J(x) built with create_graph=True.

    v is `grad_outputs` (one Tensor per floating output of `fn`; those that require
    grad are checked as inputs too), or random float64 Tensors that require grad, as in
    torch.autograd.gradgradcheck.
    """
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    checked = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradgradcheck: no input has requires_grad=True")
    outs = _float_outputs(fn(*inputs))
    if grad_outputs is None:
        rng = np.random.default_rng(seed + 1)
        directions = tuple(Tensor(rng.standard_normal(o.shape), dtype=np.float64,
                                  requires_grad=True) for o in outs)
    else:
        directions = _checked_directions(grad_outputs, outs)

    def first_derivatives(*args: Tensor) -> tuple:
        xs, vs = args[:len(inputs)], args[len(inputs):]
        outs = _float_outputs(fn(*xs))
        pairs = [(o, v) for o, v in zip(outs, vs) if o.requires_grad]
        wrt = [x for x in xs if isinstance(x, Tensor) and x.requires_grad]
        if not pairs:
            return ()
        grads = grad([o for o, _ in pairs], wrt, [v for _, v in pairs],
                     create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    # first_derivatives differentiates inside, so its finite differences must record a graph
    return _reported(lambda: _check(first_derivatives, (*inputs, *directions), eps, atol, rtol,
                                    seed, record=True), raise_exception)


def _checked_directions(grad_outputs: Any, outs: list[Tensor]) -> tuple:
    given = tuple(grad_outputs) if isinstance(grad_outputs, (tuple, list)) else (grad_outputs,)
    if len(given) != len(outs) or any(not isinstance(v, Tensor) or v.shape != o.shape
                                      for v, o in zip(given, outs)):
        raise ValueError(
            "gradgradcheck: grad_outputs must be one Tensor per floating output of fn, shaped "
            f"like it: outputs {[o.shape for o in outs]}, got "
            f"{[getattr(v, 'shape', type(v).__name__) for v in given]}")
    return given


def _reported(check: Callable[[], bool], raise_exception: bool) -> bool:
    try:
        return check()
    except GradcheckError:
        if raise_exception:
            raise
        return False


def _check(fn: Callable, inputs: Any, eps: float, atol: float, rtol: float, seed: int,
           record: bool) -> bool:
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input has requires_grad=True")
    for i in checked:
        if inputs[i].dtype != np.float64:
            raise ValueError(f"gradcheck: input {i} has dtype {inputs[i].dtype}; finite "
                             "differences need float64 (use .double())")
    rng = np.random.default_rng(seed)
    outs = _float_outputs(fn(*inputs))
    record = record or _differentiates_inside(fn, inputs, outs)
    directions = [rng.standard_normal(o.shape) for o in outs]
    analytic = [np.zeros(inputs[i].shape) for i in checked]
    pairs = [(o, Tensor(v, dtype=o.dtype)) for o, v in zip(outs, directions) if o.requires_grad]
    if pairs:
        grads = grad([o for o, _ in pairs], [inputs[i] for i in checked],
                     [v for _, v in pairs], allow_unused=True)
        analytic = [a if g is None else g.data for a, g in zip(analytic, grads)]

    for k, i in enumerate(checked):
        x = inputs[i]
        if not x.data.flags.writeable:       # a broadcast view: perturb a copy instead
            x.data = x.data.copy()
        data, numerical = x.data, np.zeros(x.shape)
        for index in np.ndindex(x.shape):    # perturbed in place, whatever its memory order
            original = data[index]
            data[index] = original + eps
            plus = _projected(fn, inputs, directions, record)
            data[index] = original - eps
            minus = _projected(fn, inputs, directions, record)
            data[index] = original
            numerical[index] = (plus - minus) / (2 * eps)
        excess = np.abs(analytic[k] - numerical) - (atol + rtol * np.abs(numerical))
        if excess.size and not np.all(excess <= 0):      # (nan anywhere fails too)
            worst = np.unravel_index(np.nanargmax(np.where(np.isfinite(excess), excess, np.inf)),
                                     x.shape)
            raise GradcheckError(
                f"gradcheck: input {i} (shape {x.shape}): worst element {tuple(map(int, worst))}: "
                f"analytic {analytic[k][worst]:.10g}, numerical {numerical[worst]:.10g} "
                f"(v^T J for a random v; atol={atol}, rtol={rtol})")
    return True
