"""Newton's method on scalar functions, with the second derivative from autograd.

To minimise f, Newton's method steps to the minimum of the local quadratic model:

    x  <-  x - f'(x) / f''(x)

`tinygrad_edu.grad(f(x), x, create_graph=True)` returns f'(x) as a Tensor that is itself
part of a graph, so differentiating it once more gives f''(x). Near the minimum the
number of correct digits doubles every step (quadratic convergence).

    python examples/newton.py
"""
from __future__ import annotations

import math
from typing import Callable

import tinygrad_edu as tg
from tinygrad_edu import Tensor


def derivatives(f: Callable[[Tensor], Tensor], x: float) -> tuple[float, float]:
    """f'(x) and f''(x) by differentiating twice."""
    x_t = Tensor(x, dtype=tg.float64, requires_grad=True)
    (first,) = tg.grad(f(x_t), x_t, create_graph=True)
    (second,) = tg.grad(first, x_t)
    return first.item(), second.item()


def newton_minimize(f: Callable[[Tensor], Tensor], x: float, steps: int = 20,
                    tol: float = 1e-12) -> tuple[float, int]:
    """Iterate x <- x - f'(x)/f''(x); print each step; return the last x and the steps taken."""
    for step in range(1, steps + 1):
        d1, d2 = derivatives(f, x)
        x = x - d1 / d2
        print(f"  step {step}: x = {x:.15f}   f'(x) before the step = {d1:+.3e}")
        if abs(d1) < tol:
            break
    return x, step


PROBLEMS = [
    # name, f, start, exact minimiser
    ("x^4 - 3x^3 + 2", lambda x: x ** 4 - 3 * x ** 3 + 2, 4.0, 9 / 4),
    ("exp(x) - 2x", lambda x: x.exp() - 2 * x, 3.0, math.log(2)),
    ("x log(x)", lambda x: x * x.log(), 0.5, math.exp(-1)),
    ("sqrt(x^2 + 1) - x / 2", lambda x: (x * x + 1).sqrt() - x / 2, 1.0, 1 / math.sqrt(3)),
]


def main() -> None:
    for name, f, start, exact in PROBLEMS:
        print(f"minimise {name} from x = {start}")
        x, steps = newton_minimize(f, start)
        d1, d2 = derivatives(f, x)
        print(f"minimum of {name}: x = {x:.12f} (exact {exact:.12f}) after {steps} steps, "
              f"f'(x) = {d1:.1e}, f''(x) = {d2:.6f}")


if __name__ == "__main__":
    main()
