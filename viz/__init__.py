"""viz: pictures of backprop on tinygrad_edu graphs: values, gradients and the chain rule.

    import tinygrad_edu as tg, viz
    a = tg.Tensor(2.0, requires_grad=True, name="a")
    b = tg.Tensor(-3.0, requires_grad=True, name="b")
    loss = a * b + b ** 2
    viz.render(loss, "before.svg")       # values and VJP rules
    steps = viz.trace(loss)              # backward, one chain-rule step at a time
    print(steps)                         # the table of those steps
    viz.render(loss, "after.svg")        # ... now with the gradients on every edge
    viz.animate(loss, "backward.html")   # backward replayed one step per frame

`draw` builds a graphviz.Digraph (no Graphviz program needed); `render` and `animate`
run Graphviz's `dot`. `grad_flow(model)` gives per-parameter gradient norms.
"""
from .animate import animate
from .check import CheckResult, check_node
from .draw import GraphvizNotInstalled, draw, render
from .flows import Step, Trace, trace
from .gradflow import grad_flow

__all__ = ["draw", "render", "trace", "animate", "grad_flow", "Step", "Trace", "CheckResult",
           "check_node", "GraphvizNotInstalled"]
