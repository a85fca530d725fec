"""Lesson 4: max-pool routes the gradient, dropout masks it.

Max-pool: each output is one input cell (the window's max), so backward sends g of
that output to that cell only; every other cell of the window gets 0. The heatmap of
x.grad has one coloured cell per window.

Dropout: out = x * m / (1 - p) with a random 0/1 mask m, so dL/dx = g * m / (1 - p):
the dropped cells get no gradient, the kept ones get g scaled by 1/(1 - p).

    python examples/viz_pool_dropout.py [out_dir]
"""
import sys
from pathlib import Path

import numpy as np

import tinygrad_edu as tg
import viz


def main(out: Path) -> None:
    tg.manual_seed(0)
    x = tg.randn(1, 1, 4, 4, requires_grad=True)
    x.name = "x"
    g = tg.Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 1, 2, 2), dtype=tg.float32,
                  name="g (upstream)")
    pooled = tg.max_pool2d(x, 2)
    loss = (pooled * g).sum()
    viz.trace(loss)
    windows = x.data[0, 0].reshape(2, 2, 2, 2).transpose(0, 2, 1, 3).reshape(2, 2, 4)
    routed = x.grad.data[0, 0].reshape(2, 2, 2, 2).transpose(0, 2, 1, 3).reshape(2, 2, 4)
    assert np.array_equal(routed.argmax(-1), windows.argmax(-1))        # to the max cell...
    assert np.array_equal(routed.sum(-1), g.data[0, 0])                 # ... all of g
    assert np.count_nonzero(x.grad.data) == 4                           # and nowhere else
    print("max-pool x.grad (g routed to each window's max):\n", x.grad.data[0, 0])
    print(viz.render(loss, out / "max_pool.svg"))

    p = 0.5
    h = tg.ones(1, 1, 4, 4, requires_grad=True)
    h.name = "h"
    dropped = tg.dropout(h, p)
    loss = (dropped * 3.0).sum()
    viz.trace(loss)
    kept = dropped.data != 0
    assert np.allclose(h.grad.data, np.where(kept, 3.0 / (1 - p), 0.0))
    print("dropout h.grad (3 / (1 - p) where kept, 0 where dropped):\n", h.grad.data[0, 0])
    print(viz.render(loss, out / "dropout.svg"))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "out"))
