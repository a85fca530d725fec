"""Lesson 3: convolution backward on a 3x3 input with a 2x2 kernel.

conv2d computes a cross-correlation, out[i, j] = sum_(p,q) x[i+p, j+q] w[p, q]
(3x3 input, 2x2 kernel -> 2x2 output). With g = dL/dout:

    dL/dw[p, q] = sum_(i,j) x[i+p, j+q] g[i, j]    the input correlated with g
    dL/dx       = g padded by 1, correlated with w rotated by 180 degrees
                  (the "full" convolution of g with w: every x[a, b] collects
                   g[i, j] * w[a-i, b-j] from each output it touched)

Both are checked here against the engine's gradients and against finite
differences, and the graph is drawn with every tensor as a grid of numbers.

    python examples/viz_conv_backward.py [out_dir]
"""
import sys
from pathlib import Path

import numpy as np

import tinygrad_edu as tg
import viz


def correlate(a: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Valid cross-correlation of 2-D arrays, one shifted copy of `a` per kernel offset."""
    h, w = a.shape[0] - k.shape[0] + 1, a.shape[1] - k.shape[1] + 1
    return sum(k[p, q] * a[p:p + h, q:q + w] for p in range(k.shape[0]) for q in range(k.shape[1]))


def main(out: Path) -> None:
    image = np.array([[1.0, 2.0, 0.0], [-1.0, 3.0, 1.0], [2.0, 0.0, -2.0]])
    x = tg.Tensor(image.reshape(1, 1, 3, 3), requires_grad=True, name="x")
    w = tg.Tensor(np.array([[1.0, -1.0], [0.5, 2.0]]).reshape(1, 1, 2, 2),
                  requires_grad=True, name="w")
    g = tg.Tensor(np.array([[1.0, -2.0], [0.5, 1.0]]).reshape(1, 1, 2, 2), name="g (upstream)")
    y = tg.conv2d(x, w)
    y.name = "y"
    loss = (y * g).sum()           # so dL/dy = g exactly
    print(viz.trace(loss))

    x2, w2, g2 = x.data[0, 0], w.data[0, 0], g.data[0, 0]
    dx = correlate(np.pad(g2, 1), w2[::-1, ::-1])     # full correlation with the rotated kernel
    dw = correlate(x2, g2)                            # input correlated with g
    print("dL/dx = full correlation of g with rot180(w):\n", dx)
    print("dL/dw = correlation of x with g:\n", dw)
    assert np.allclose(x.grad.data[0, 0], dx) and np.allclose(w.grad.data[0, 0], dw)
    assert tg.gradcheck(lambda a, b: tg.conv2d(a, b), [x.double().detach().requires_grad_(),
                                                       w.double().detach().requires_grad_()])
    print("engine gradients == the formulas == finite differences")
    print(viz.render(loss, out / "conv_backward.svg", max_elements=16))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "out"))
