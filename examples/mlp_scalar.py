"""micrograd's demo with tinygrad_edu: an MLP built from 0-d Tensors, one scalar op at a time,
learns to separate the two moons.

Every weight is its own 0-d Tensor and every neuron computes  relu(sum_i w_i x_i + b)
with scalar multiplications and additions, exactly as in micrograd, so the graph has one
node per arithmetic operation (about 20,000 per training step here). The loss is micrograd's:
the mean hinge loss  max(0, 1 - y * score)  over the points, plus an L2 penalty.

    python examples/mlp_scalar.py              # 100 points, 2-8-8-1, 60 steps: 100% train acc
    python examples/mlp_scalar.py --hidden 16  # micrograd's 2-16-16-1 (about 3x slower)
    python examples/mlp_scalar.py --quick      # a few seconds: 40 points, 25 steps
"""
from __future__ import annotations

import argparse
import time

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import Tensor


def two_moons(n: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """n points on two interleaved half circles (as sklearn's make_moons), labels -1 / +1."""
    rng = np.random.default_rng(seed)
    upper = n // 2
    angles = np.concatenate([rng.uniform(0, np.pi, upper), rng.uniform(0, np.pi, n - upper)])
    x = np.where(np.arange(n) < upper, np.cos(angles), 1 - np.cos(angles))
    y = np.where(np.arange(n) < upper, np.sin(angles), 0.5 - np.sin(angles))
    points = np.stack([x, y], axis=1) + rng.normal(0, noise, (n, 2))
    labels = np.where(np.arange(n) < upper, -1.0, 1.0)
    return points, labels


class Neuron:
    """act(sum_i w_i x_i + b) with each w_i and b a 0-d Tensor, initialised uniform in [-1, 1]."""

    def __init__(self, n_in: int, nonlinear: bool = True) -> None:
        self.w = [(tg.rand() * 2 - 1).requires_grad_() for _ in range(n_in)]
        self.b = Tensor(0.0, requires_grad=True)
        self.nonlinear = nonlinear

    def __call__(self, x: list) -> Tensor:
        total = self.b
        for w, xi in zip(self.w, x):
            total = total + w * xi
        return total.relu() if self.nonlinear else total

    def parameters(self) -> list[Tensor]:
        return self.w + [self.b]


class MLP:
    """Layers of Neurons; the last layer is linear."""

    def __init__(self, sizes: list[int]) -> None:
        self.layers = [[Neuron(n_in, nonlinear=i < len(sizes) - 2) for _ in range(n_out)]
                       for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]))]

    def __call__(self, x: list) -> Tensor:
        for layer in self.layers:
            x = [neuron(x) for neuron in layer]
        return x[0]

    def parameters(self) -> list[Tensor]:
        return [p for layer in self.layers for neuron in layer for p in neuron.parameters()]


def loss_and_accuracy(model: MLP, points: np.ndarray, labels: np.ndarray,
                      alpha: float = 1e-4) -> tuple[Tensor, float]:
    """Mean hinge loss + alpha * sum(p^2), and the fraction of points on the right side."""
    scores = [model([Tensor(v) for v in p]) for p in points.tolist()]
    hinge = [(1 - float(y) * s).relu() for y, s in zip(labels, scores)]
    data_loss = sum(hinge[1:], hinge[0]) * (1.0 / len(hinge))
    l2 = sum((p * p for p in model.parameters()), Tensor(0.0))
    correct = [(s.item() > 0) == (y > 0) for y, s in zip(labels, scores)]
    return data_loss + alpha * l2, sum(correct) / len(correct)


def train(points: np.ndarray, labels: np.ndarray, sizes: list[int], steps: int,
          log_every: int) -> tuple[float, float]:
    model = MLP(sizes)
    params = model.parameters()
    print(f"{len(points)} points, MLP {'-'.join(map(str, sizes))} with {len(params)} scalar "
          f"parameters")
    for step in range(steps):
        loss, accuracy = loss_and_accuracy(model, points, labels)
        for p in params:
            p.grad = None
        loss.backward()
        lr = 1.0 - 0.9 * step / steps               # micrograd's decaying step size
        with tg.no_grad():
            for p in params:
                p.data = p.data - lr * p.grad.data
        if step % log_every == 0 or step == steps - 1:
            print(f"step {step}: loss {loss.item():.4f}, accuracy {100 * accuracy:.1f}%")
    loss, accuracy = loss_and_accuracy(model, points, labels)
    return loss.item(), accuracy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="small run for tests: 40 points, 25 steps (seconds)")
    parser.add_argument("--points", type=int, default=100)
    parser.add_argument("--hidden", type=int, default=8, help="neurons per hidden layer")
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1337)
    args = parser.parse_args()
    if args.quick:
        args.points, args.steps = 40, 25
    tg.manual_seed(args.seed)
    points, labels = two_moons(args.points, noise=0.1, seed=args.seed)
    start = time.perf_counter()
    loss, accuracy = train(points, labels, [2, args.hidden, args.hidden, 1], args.steps,
                           log_every=max(1, args.steps // 10))
    print(f"final: loss {loss:.4f}, train accuracy {100 * accuracy:.1f}% "
          f"({time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    main()
