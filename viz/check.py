"""Diagnostics drawn on the picture: is each hand-written VJP right, and where do inf/nan start?

`check_node(node)` re-runs the node's op on float64 copies of its actual inputs and
compares, for a random output direction v and a random input direction u per input,

    analytic   <VJP(v), u>                      (the op's backward, through the engine)
    numerical  (v.f(x + eps u) - v.f(x - eps u)) / (2 eps)

A wrong Jacobian entry changes the first with probability 1, so one pair (u, v) per
input is a complete test at these inputs, for the cost of three forward passes. When
the one-sided differences disagree with each other, f has a kink or a tie at x (relu
at 0, equal maxima): no rule is "the" derivative there, so the node is reported as
not differentiable here rather than wrong.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from tinygrad_edu import grad as autograd_grad
from tinygrad_edu import grad_mode
from tinygrad_edu.random import generator
from tinygrad_edu.tensor import Tensor

from . import fmt
from .flows import reapply

EPS = 1e-6
RTOL = 1e-5
KINK = 1e-3


@dataclass
class CheckResult:
    """`status` is "ok", "wrong", "kink" or "skipped"; `detail` says what was found."""

    status: str
    detail: str


def check_node(node: Any, seed: int = 0) -> CheckResult:
    """Compare `node`'s VJP with central differences at its inputs, in float64."""
    if any(t.dtype.kind == "f" and not np.all(np.isfinite(t.data)) for t in node.inputs):
        return CheckResult("skipped", "not checked: an input is not finite")
    if not getattr(type(node), "reruns_forward", True):
        return CheckResult("skipped", f"not checked: {node.name} cannot be re-run on other "
                                      "inputs (a checkpoint keeps its result, not its graph)")
    try:
        copies, out, random = reapply(node, np.float64)
    except Exception as error:  # a user's op may not accept float64 copies
        return CheckResult("skipped", f"not checked: re-running failed ({error})")
    if random:
        return CheckResult("skipped", "not checked: forward draws random numbers")
    if out.dtype != np.float64:
        return CheckResult("skipped", f"not checked: output is {out.dtype}, not float64")
    if not np.all(np.isfinite(out.data)):
        return CheckResult("skipped", "not checked: the output is not finite (overflow)")
    rng = np.random.default_rng(seed)
    v = rng.standard_normal(out.shape)
    wrt = [i for i, c in enumerate(copies) if getattr(c, "requires_grad", False)]
    grads = autograd_grad(out, [copies[i] for i in wrt], Tensor(v), allow_unused=True)
    scale = float(np.sum(np.abs(v * out.data)))
    for i, gi in zip(wrt, grads):
        u = rng.standard_normal(copies[i].shape)
        analytic = 0.0 if gi is None else float(np.sum(gi.data * u))
        f = [_projected(node, copies, i, step * EPS * u, v) for step in (1, 0, -1)]
        forward, backward = (f[0] - f[1]) / EPS, (f[1] - f[2]) / EPS
        numerical = (f[0] - f[2]) / (2 * EPS)
        if abs(forward - backward) > KINK * (1 + abs(numerical)):
            slopes = f"{fmt.fmt_num(forward)} and {fmt.fmt_num(backward)}"
            return CheckResult("kink", f"input #{i}: not differentiable here (one-sided "
                                       f"slopes {slopes})")
        tolerance = RTOL * max(abs(analytic), abs(numerical)) + 1e-9 * (1 + scale)
        if not abs(analytic - numerical) <= tolerance:
            return CheckResult("wrong", f"input #{i}: VJP gives {fmt.fmt_num(analytic)}, "
                                        f"finite differences {fmt.fmt_num(numerical)}")
    return CheckResult("ok", "VJP matches finite differences")


def _projected(node: Any, copies: list, i: int, shift: np.ndarray, v: np.ndarray) -> float:
    """v . f(inputs with input i shifted), with the random generator held fixed."""
    args = [c if k != i else Tensor(c.data + shift) for k, c in enumerate(copies)]
    rng = generator().bit_generator
    state = rng.state
    with grad_mode.no_grad():
        out = type(node).apply(*args, **node.options)
    rng.state = state
    return float(np.sum(v * out.data))


def nonfinite_origins(graph: Any) -> set[str]:
    """Ids of the tensor boxes holding inf/nan computed from all-finite inputs (or leaves)."""
    origins = set()
    for value in graph.values:
        if _finite(value.tensor.data):
            continue
        op = value.op
        if op is None or all(_finite(t.data) for t in op.node.inputs):
            origins.add(value.id)
    return origins


def _finite(a: np.ndarray) -> bool:
    return a.dtype.kind != "f" or bool(np.all(np.isfinite(a)))
