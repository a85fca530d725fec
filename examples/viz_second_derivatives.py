"""Lesson 6: second derivatives, Newton's method with create_graph=True.

With create_graph=True, backward records the VJPs it runs, so f'(x) is itself a
graph that can be differentiated again: f''(x) = d f'(x) / dx. Newton's method for
a minimum of f(x) = x**4 - 3 x**2 + 2 x steps x <- x - f'(x) / f''(x):

    f'(x) = 4x^3 - 6x + 2 = (x - 1)(4x^2 + 4x - 2),   f''(x) = 12x^2 - 6

and from x = 2 converges quadratically to the minimum x = 1 (f''(1) = 6 > 0).
The picture shows the graph of f'(x) that backward built: the VJPs of pow and mul.

    python examples/viz_second_derivatives.py [out_dir]
"""
import sys
from pathlib import Path

import tinygrad_edu as tg
import viz


def f(x: tg.Tensor) -> tg.Tensor:
    return x ** 4 - 3 * x ** 2 + 2 * x


def main(out: Path) -> None:
    x = tg.Tensor(2.0, dtype=tg.float64, requires_grad=True, name="x")
    for step in range(8):
        (slope,) = tg.grad(f(x), x, create_graph=True)      # f'(x), itself a graph
        (curvature,) = tg.grad(slope, x)                     # f''(x)
        assert abs(slope.item() - (4 * x.item() ** 3 - 6 * x.item() + 2)) < 1e-9
        assert abs(curvature.item() - (12 * x.item() ** 2 - 6)) < 1e-9
        print(f"step {step}: x = {x.item():.12f}  f'(x) = {slope.item():+.3e}  "
              f"f''(x) = {curvature.item():.4f}")
        x = tg.Tensor(x.item() - slope.item() / curvature.item(), dtype=tg.float64,
                      requires_grad=True, name="x")
    assert abs(x.item() - 1.0) < 1e-12

    x = tg.Tensor(2.0, dtype=tg.float64, requires_grad=True, name="x")
    (slope,) = tg.grad(f(x), x, create_graph=True)
    slope.name = "f'(x)"
    print(viz.trace(slope))                  # backward through f'(x): fills x.grad = f''(2) = 42
    assert abs(x.grad.item() - 42.0) < 1e-9
    print(viz.render(slope, out / "newton_first_derivative_graph.svg"))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "out"))
