"""Lesson 1: the chain rule on scalars, micrograd's neuron o = tanh(x1*w1 + x2*w2 + b).

Backward multiplies, node by node, the upstream gradient g = dL/d(out) by the
node's local derivative (its VJP rule) and sends the result to each input:

    dL/dn  = dL/do * (1 - o**2)  = 1 * 0.5
    dL/dw1 = dL/dn * x1          = 0.5 * 2     = 1
    dL/dx1 = dL/dn * w1          = 0.5 * -3    = -1.5

Writes the graph before and after backward, and an HTML page that replays backward
one step at a time:  python examples/viz_chain_rule.py [out_dir]
"""
import sys
from pathlib import Path

import tinygrad_edu as tg
import viz


def main(out: Path) -> None:
    def leaf(value, name):
        return tg.Tensor(value, dtype=tg.float64, requires_grad=True, name=name)

    x1, x2 = leaf(2.0, "x1"), leaf(0.0, "x2")
    w1, w2 = leaf(-3.0, "w1"), leaf(1.0, "w2")
    b = leaf(6.8813735870195432, "b")
    n = x1 * w1 + x2 * w2 + b
    n.name = "n"
    o = n.tanh()
    o.name = "o"

    print("before backward:", viz.render(o, out / "neuron_before.svg"))
    steps = viz.trace(o)                 # backward, recording every chain-rule step
    print(steps)
    print("after backward: ", viz.render(o, out / "neuron_after.svg"))
    print("step by step:   ", viz.animate(o, out / "neuron_backward.html"))

    assert abs(n.data - 0.8813735870195432) < 1e-12
    assert abs(x1.grad.item() - (-1.5)) < 1e-9 and abs(w1.grad.item() - 1.0) < 1e-9
    assert abs(x2.grad.item() - 0.5) < 1e-9 and w2.grad.item() == 0.0
    for t in (x1, w1, x2, w2, b):
        print(f"{t.name}.grad = {t.grad.item():.4f}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "out"))
