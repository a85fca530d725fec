"""Backward, step by step: what every node received and what it sent to each input.

`trace(output)` runs the engine's own backward (`autograd.run_backward`) with an
observer, so `.grad` is filled exactly as `output.backward()` fills it, and records
one `Step` per node in the order the engine processed them:

    upstream g = dL/d(node's output)  ->  VJP rule  ->  one contribution per input
    and, per input, the gradient accumulated so far (the SUM over its consumers).

When the graph was already freed by an earlier `backward()`, the steps are replayed
instead: each op is re-run (`OpClass.apply`) on copies of its recorded inputs and its
VJP applied to the same upstream gradient, without touching `.grad`. Two things make
that replay wrong, and both are an error (`ReplayError`) telling the learner to record
the first backward with `viz.trace`: an op whose forward draws random numbers (dropout),
and an input changed in place since the forward pass (an optimizer step), whose
gradients would come out at the new values.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from tinygrad_edu import grad_mode, versions
from tinygrad_edu.autograd import run_backward, topological_order
from tinygrad_edu.random import generator
from tinygrad_edu.tensor import Tensor

from . import fmt
from .graph import Graph, build, value_key
from .rules import node_rules, op_title, rule_for_input

_RECORDED: dict[int, Trace] = {}
"""id(output) -> the steps trace(output) recorded, for draw(output); an entry goes with
its output tensor. (Kept on the output's node, the steps, which hold that node, made a
reference cycle that kept the whole graph alive until the cycle collector ran.)"""


class ReplayError(RuntimeError):
    """Backward cannot be replayed exactly from what the freed graph still holds."""


@dataclass
class Contribution:
    """What one step sent to input `position` and that input's gradient so far."""

    position: int
    title: str
    grad: np.ndarray
    total: np.ndarray
    rule: str | None
    summed_axes: tuple = ()


@dataclass
class Step:
    """One node's turn in backward: dL/d(out) in, one contribution per input out."""

    index: int
    node: Any
    op: str
    title: str
    output: str
    upstream: np.ndarray
    rules: tuple
    contributions: list[Contribution] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"{self.title} -> {self.output}",
                 f"upstream g = dL/d{self.output} = {fmt.fmt_grad(self.upstream)}"]
        if self.rules:
            lines.append("local rule (VJP): " + ";  ".join(self.rules))
        for c in self.contributions:
            summed = f", summed over the broadcast axes {c.summed_axes}" if c.summed_axes else ""
            lines.append(f"sends {fmt.fmt_grad(c.grad)} to {c.title} (#{c.position}){summed}; "
                         f"gradient of {c.title} so far: {fmt.fmt_grad(c.total)}")
        return "\n".join(lines)


class Trace(list):
    """The list of `Step`s of one backward; `print(trace)` shows them as a table."""

    replayed = False

    def __str__(self) -> str:
        header = ("step", "op -> output", "upstream g", "to input", "local rule (VJP)",
                  "contribution", "grad so far")
        rows = []
        for step in self:
            first = (str(step.index), f"{step.title} -> {step.output}", fmt.fmt_grad(step.upstream))
            for k, c in enumerate(step.contributions or [None]):
                lead = first if k == 0 else ("", "", "")
                if c is None:
                    rows.append(lead + ("(no input needs a gradient)", "", "", ""))
                    continue
                summed = f" (summed over axes {c.summed_axes})" if c.summed_axes else ""
                rule = c.rule or "(its docstring states no VJP for this input)"
                rows.append(lead + (f"{c.title} (#{c.position})", _clip(rule, 44),
                                    fmt.fmt_grad(c.grad) + summed, fmt.fmt_grad(c.total)))
        widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip()
                 for row in [header] + rows]
        if self.replayed:
            lines.append("(replayed from the recorded inputs; .grad was not changed)")
        return "\n".join(lines[:1] + ["-" * len(lines[0])] + lines[1:])

    def __repr__(self) -> str:
        return f"<viz.Trace of {len(self)} steps>"


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def summed_axes(in_shape: tuple, out_shape: tuple) -> tuple:
    """Axes of the output a broadcast input was stretched along (its gradient was summed there)."""
    if in_shape == out_shape or len(in_shape) > len(out_shape):
        return ()
    lead = len(out_shape) - len(in_shape)
    if any(n != 1 and n != out_shape[lead + i] for i, n in enumerate(in_shape)):
        return ()
    return tuple(i for i, n in enumerate(out_shape)
                 if n > 1 and (i < lead or in_shape[i - lead] == 1))


def is_freed(graph_nodes: list) -> bool:
    """True when an earlier backward freed what some node saved."""
    return any(getattr(node, "_freed", False) for node in graph_nodes)


def reapply(node: Any, dtype: Any = None) -> tuple[list[Tensor], Tensor, bool]:
    """Re-run `node`'s op on fresh copies of its inputs (cast to `dtype` if given).

    Returns the input copies (leaves, requiring grad where the node needed it; a number
    a user's op took as it is stays that number), the new output, and whether the forward
    drew random numbers. The library's random generator is left as it was, so replaying
    never changes later draws. A node that does not re-run from its inputs' values
    (`reruns_forward = False`: a checkpoint, whose recorded call reads the parameters
    themselves) is given its leaf inputs as they are, so the graph it records reaches them.
    """
    rng = generator().bit_generator
    state = rng.state
    keep_leaves = not getattr(type(node), "reruns_forward", True)
    copies = []
    for i, (t, needed) in enumerate(zip(node.inputs, node.needs_input_grad)):
        if i in node._passed:
            copies.append(node._passed[i])
        elif keep_leaves and t._ctx is None:
            copies.append(t)
        else:
            data = t.data.astype(dtype) if dtype is not None and t.dtype.kind == "f" else t.data
            copies.append(Tensor(data, requires_grad=bool(needed)))
    with grad_mode.enable_grad():
        out = type(node).apply(*copies, **node.options)
    random = rng.state != state
    rng.state = state
    return copies, out, random


def reapplied_vjp(node: Any, g: np.ndarray, dtype: Any = None) -> tuple[list, bool]:
    """The VJP of a re-run copy of `node` at upstream gradient g: one array (or None) per
    input, and whether the forward drew random numbers. The user's hooks are not run."""
    copies, out, random = reapply(node, dtype)
    needed = [getattr(c, "requires_grad", False) for c in copies]
    wrt = [c for c, n in zip(copies, needed) if n]
    seed = Tensor(np.asarray(g, dtype=out.dtype))
    grads = iter(run_backward([out], [seed], retain_graph=False, create_graph=False,
                              inputs=wrt, only_to_inputs=True, run_hooks=False))
    result = []
    for n in needed:
        gi = next(grads) if n else None
        result.append(None if gi is None else gi.data)
    return result, random


def check_unchanged(node: Any) -> None:
    """Refuse to replay `node` when one of its inputs was changed in place after the forward
    pass (an optimizer step): the replay would give the gradients at the new values."""
    for i, t in enumerate(node.inputs):
        if i not in node._passed and versions.changed_since(t.data, node._born):
            raise ReplayError(
                f"viz: backward was already run and freed the graph, and input #{i} of the "
                f"op '{node.name}' was changed in place after the forward pass (an optimizer "
                "step, w -= ..., w.zero_(), ...), so a replay would show the gradients at the "
                "new values, not the ones this output was computed with. Draw or trace "
                "before optimizer.step(), or run backward as viz.trace(loss) in place of "
                "loss.backward() to record its gradients (backward(retain_graph=True) keeps "
                "the graph, but the engine refuses to backpropagate it after such a change).")


def _seed(output: Tensor, gradient: Any) -> Tensor:
    if not output.requires_grad:
        raise RuntimeError("viz.trace: the output does not require grad, so there is no "
                           "backward to trace; create its inputs with requires_grad=True")
    if gradient is None:
        if output.data.size != 1:
            raise RuntimeError(f"viz.trace: the output has shape {output.shape}; pass "
                               "gradient= (dL/d output, same shape), as for backward()")
        return Tensor(np.ones(output.shape, dtype=output.dtype))
    g = gradient if isinstance(gradient, Tensor) else Tensor(gradient, dtype=output.dtype)
    if g.shape != output.shape:
        raise RuntimeError(f"viz.trace: gradient has shape {g.shape} but the output has "
                           f"shape {output.shape}")
    return g


def observe(output: Tensor, gradient: Any = None, graph: Graph | None = None,
            fill_grad: bool = False, model: Any = None) -> Trace:
    """The steps of backward from `output`; `.grad` is filled only with fill_grad=True.

    With fill_grad=False an intact graph is walked by the engine with retain_graph=True,
    nothing accumulated and the user's hooks not called (a picture must not log a second
    backward; the gradients shown are the chain rule's, before any hook would change
    them); a freed graph is replayed with `reapply`.
    """
    seed = _seed(output, gradient)
    own_graph = graph is None
    graph = graph or build(output, model)
    try:
        return _observed(output, seed, graph, fill_grad)
    finally:
        if own_graph:
            graph.unlink()


def _observed(output: Tensor, seed: Tensor, graph: Graph, fill_grad: bool) -> Trace:
    nodes = topological_order([output._ctx])
    steps = Trace()
    totals: dict[tuple, np.ndarray] = {}

    def record(node: Any, g: Any, contributions: list) -> None:
        box = graph.op_box(node)
        step = Step(len(steps) + 1, node, node.name, op_title(node),
                    box.output.title if box and box.output else "?", _array(g),
                    node_rules(node))
        for position, (t, gi) in enumerate(zip(node.inputs, contributions)):
            if gi is None:
                continue
            gi = _array(gi)
            key = value_key(t)
            totals[key] = gi.copy() if key not in totals else totals[key] + gi
            value = graph.value_box(t)
            step.contributions.append(Contribution(
                position, value.title if value else "?", gi, totals[key],
                rule_for_input(type(node), position, len(node.inputs)),
                summed_axes(t.shape, step.upstream.shape) if node.broadcasts else ()))
        steps.append(step)

    if not is_freed(nodes):
        run_backward([output], [seed], retain_graph=not fill_grad, create_graph=False,
                     inputs=None if fill_grad else [], observer=record, run_hooks=fill_grad)
    else:
        _replay(nodes, output, seed, record)
        steps.replayed = True
    return steps


def _array(x: Any) -> np.ndarray:
    return np.array(x.data if isinstance(x, Tensor) else x)


def _replay(nodes: list, output: Tensor, seed: Tensor, record: Callable) -> None:
    """The engine's loop, with each VJP computed on a re-run copy of the node."""
    pending = {id(output._ctx): seed.data}
    for node in nodes:
        g = pending.pop(id(node), None)
        if g is None:
            continue
        check_unchanged(node)
        contributions, random = reapplied_vjp(node, g)
        if random:
            raise ReplayError(
                f"viz: backward was already run and freed the graph, and the op "
                f"'{node.name}' draws random numbers in forward, so its gradients cannot "
                "be replayed exactly. Call viz.trace(loss) instead of loss.backward() "
                "(or backward(retain_graph=True)) to record them.")
        for t, gi in zip(node.inputs, contributions):
            if gi is not None and t._ctx is not None:
                previous = pending.get(id(t._ctx))
                pending[id(t._ctx)] = gi if previous is None else previous + gi
        record(node, g, contributions)


def trace(output: Tensor, gradient: Any = None, model: Any = None) -> Trace:
    """Run backward from `output` exactly as `output.backward(gradient)` and return its steps.

    Each `Step` has the node and its op, the upstream gradient dL/d(out), the local
    VJP rule from the op's docstring, the contribution sent to each input and that
    input's gradient accumulated so far. `print(steps)` shows them as a table; the
    numbers are the ones `viz.draw(output)` then shows. If an earlier backward freed
    the graph, the steps are replayed without changing `.grad` (`steps.replayed`), or a
    `ReplayError` says why they cannot be (dropout; an input changed in place since).
    `model` (an nn.Module) names the parameters.
    """
    if not isinstance(output, Tensor):
        raise TypeError(f"viz.trace: expected a Tensor, got {type(output).__name__}")
    if output._ctx is None:
        raise RuntimeError("viz.trace: the output is a leaf tensor; there is no graph to trace")
    steps = observe(output, gradient, fill_grad=True, model=model)
    if id(output) not in _RECORDED:
        weakref.finalize(output, _RECORDED.pop, id(output), None)
    _RECORDED[id(output)] = steps
    return steps


def recorded(output: Tensor) -> Trace | None:
    """The steps `trace(output)` recorded for this output, if any."""
    return _RECORDED.get(id(output)) if output._ctx is not None else None
