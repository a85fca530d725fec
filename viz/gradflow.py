"""`grad_flow`: how much gradient reaches each parameter, layer by layer.

The norm ||dL/dW|| per parameter, in `named_parameters()` order (input side first),
shows vanishing gradients at a glance. In a deep sigmoid network each layer on the way
back to the input multiplies the gradient by sigmoid'(z) <= 1/4 (elementwise) and by
W^T: the activation alone shrinks it by at least a factor of 4, while W^T may shrink or
grow it, so a layer's norm can fall by less than 4x (or rise), yet with weights of
modest size it falls geometrically with depth.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from . import fmt


class GradFlow(dict):
    """Parameter name -> gradient norm; `print()` shows it as a table."""

    def __str__(self) -> str:
        width = max([len(n) for n in self] + [len("parameter")])
        lines = [f"{'parameter'.ljust(width)}  grad norm", "-" * (width + 11)]
        lines += [f"{name.ljust(width)}  {fmt.fmt_num(value)}" for name, value in self.items()]
        return "\n".join(lines)


def grad_flow(model: Any, path: str | Path | None = None, title: str | None = None) -> GradFlow:
    """Gradient norm of every parameter that has a gradient, by name (after backward).

    With `path` and matplotlib installed, also writes a bar chart (log scale) there;
    with `path` but no matplotlib, prints the table and says how to get the chart.
    """
    if not hasattr(model, "named_parameters"):
        raise TypeError("viz.grad_flow: expected an nn.Module (something with "
                        f"named_parameters()), got {type(model).__name__}")
    norms = GradFlow((name, fmt.norm(p.grad.data)) for name, p in model.named_parameters()
                     if p.grad is not None)
    if not norms:
        raise RuntimeError("viz.grad_flow: no parameter of the model has a gradient; call "
                           "loss.backward() first")
    if path is not None:
        try:
            from matplotlib.backends.backend_agg import FigureCanvasAgg
            from matplotlib.figure import Figure
        except ImportError:
            print(norms)
            print("(viz.grad_flow: install matplotlib, e.g. pip install 'tinygrad_edu[demo]', "
                  "to get the chart)")
            return norms
        figure = Figure(figsize=(max(4.0, 0.45 * len(norms) + 1.5), 3.6), layout="constrained")
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        axes.bar(range(len(norms)), [max(v, 1e-30) for v in norms.values()], color="#4c72b0")
        axes.set_yscale("log")
        axes.set_xticks(range(len(norms)), list(norms), rotation=60, ha="right", fontsize=8)
        axes.set_ylabel("‖dL/dW‖")
        axes.set_title(title or "gradient norm per parameter (input side on the left)")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path)
    return norms
