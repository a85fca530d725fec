"""Hessian-vector products by double backward ("Pearlmutter's trick"), checked two ways.

For a scalar loss f(w) with n parameters, the Hessian H is n x n, but H v for one vector v
costs only two backward passes:

    g(w)  = grad f(w)                    (backward with create_graph=True: g is in a graph)
    H v   = grad (g(w) . v)              (a second backward through that graph)

Checks: H v against the central difference of the gradient,
(g(w + eps v) - g(w - eps v)) / (2 eps), and, for the Rosenbrock function, against its
Hessian written out by hand. Building the whole Hessian from n products e_1 .. e_n shows
it is symmetric, as second derivatives commute.

    python examples/hessian_vector.py
"""
from __future__ import annotations

from typing import Callable

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import Tensor


def gradient(f: Callable[[Tensor], Tensor], w: np.ndarray) -> np.ndarray:
    w_t = Tensor(w, requires_grad=True)
    (g,) = tg.grad(f(w_t), w_t)
    return g.data


def hvp(f: Callable[[Tensor], Tensor], w: np.ndarray, v: np.ndarray) -> np.ndarray:
    """H(w) v by differentiating (grad f(w)) . v once more."""
    w_t = Tensor(w, requires_grad=True)
    (g,) = tg.grad(f(w_t), w_t, create_graph=True)
    (hv,) = tg.grad((g * Tensor(v)).sum(), w_t)
    return hv.data


def finite_difference_hvp(f: Callable[[Tensor], Tensor], w: np.ndarray, v: np.ndarray,
                          eps: float = 1e-5) -> np.ndarray:
    return (gradient(f, w + eps * v) - gradient(f, w - eps * v)) / (2 * eps)


def rosenbrock(x: Tensor) -> Tensor:
    """sum_i 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2."""
    return (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()


def rosenbrock_hessian(x: np.ndarray) -> np.ndarray:
    """The Rosenbrock Hessian derived by hand: tridiagonal."""
    n = len(x)
    h = np.zeros((n, n))
    i = np.arange(n - 1)
    h[i, i] += 1200 * x[:-1] ** 2 - 400 * x[1:] + 2
    h[i + 1, i + 1] += 200
    h[i, i + 1] = h[i + 1, i] = -400 * x[:-1]
    return h


def make_network_loss(seed: int) -> tuple[Callable[[Tensor], Tensor], int]:
    """Mean squared error of a tiny tanh network 3-4-1; w holds all its 21 parameters."""
    rng = np.random.default_rng(seed)
    inputs, targets = Tensor(rng.standard_normal((16, 3))), Tensor(rng.standard_normal((16, 1)))

    def loss(w: Tensor) -> Tensor:
        w1, b1 = w[:12].reshape(3, 4), w[12:16]
        w2, b2 = w[16:20].reshape(4, 1), w[20:]
        hidden = (inputs @ w1 + b1).tanh()
        return ((hidden @ w2 + b2 - targets) ** 2).mean()
    return loss, 21


def report(name: str, f: Callable[[Tensor], Tensor], w: np.ndarray, v: np.ndarray,
           exact: np.ndarray | None = None) -> dict:
    hv = hvp(f, w, v)
    numerical = finite_difference_hvp(f, w, v)
    errors = {"finite difference": np.max(np.abs(hv - numerical)) / np.max(np.abs(hv))}
    if exact is not None:
        errors["hand-written Hessian"] = np.max(np.abs(hv - exact @ v)) / np.max(np.abs(hv))
    full = np.stack([hvp(f, w, e) for e in np.eye(len(w))], axis=1)
    errors["asymmetry of H"] = np.max(np.abs(full - full.T)) / np.max(np.abs(full))
    print(f"{name} (n = {len(w)}): |Hv| = {np.linalg.norm(hv):.6f}")
    for what, err in errors.items():
        print(f"  max relative difference, {what}: {err:.2e}")
    return errors


def main() -> None:
    rng = np.random.default_rng(0)
    w = rng.uniform(-1.5, 1.5, 8)
    v = rng.standard_normal(8)
    report("rosenbrock", rosenbrock, w, v, exact=rosenbrock_hessian(w))
    loss, n = make_network_loss(seed=1)
    report("tanh network 3-4-1 loss", loss, rng.standard_normal(n) * 0.5, rng.standard_normal(n))


if __name__ == "__main__":
    main()
