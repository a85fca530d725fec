"""Lesson 2: where gradients are summed, and why.

Fan-out: a tensor read by k ops gets k contributions, and its gradient is their SUM
(the multivariable chain rule: L depends on x through every path).
Broadcasting: b of shape (3,) added to every row of a (2, 3) was used twice per
element, so its gradient is the SUM of g over the broadcast axis 0; c of shape (2, 1)
was stretched along axis 1, so its gradient sums g over axis 1.

    python examples/viz_broadcast_fanout.py [out_dir]
"""
import sys
from pathlib import Path

import numpy as np

import tinygrad_edu as tg
import viz


def main(out: Path) -> None:
    # fan-out: y = x*x + exp(x), so dy/dx = x + x + exp(x): three contributions
    x = tg.Tensor(1.5, dtype=tg.float64, requires_grad=True, name="x")
    y = x * x + x.exp()
    steps = viz.trace(y)
    print(steps)
    sent = [float(c.grad) for s in steps for c in s.contributions if c.title == "x"]
    print(f"contributions to x: {sent}, sum {sum(sent):.6f} = x.grad {x.grad.item():.6f}")
    assert np.isclose(sum(sent), 2 * 1.5 + np.exp(1.5)) and np.isclose(x.grad.item(), sum(sent))
    print(viz.render(y, out / "fan_out.svg"))

    # broadcasting: out = a * b + c, with b (3,) and c (2, 1) stretched to (2, 3)
    a = tg.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True, name="a")
    b = tg.Tensor(np.array([1.0, -1.0, 2.0]), requires_grad=True, name="b")
    c = tg.Tensor(np.array([[0.5], [-0.5]]), requires_grad=True, name="c")
    loss = (a * b + c).sum()
    print(viz.trace(loss))
    assert np.allclose(b.grad.data, a.data.sum(axis=0))          # summed over axis 0
    assert np.allclose(c.grad.data, np.full((2, 1), 3.0))        # summed over axis 1
    print(f"b.grad = {b.grad.data} = column sums of a;  c.grad = {c.grad.data.ravel()} "
          "= one per stretched copy")
    print(viz.render(loss, out / "broadcast.svg"))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "out"))
