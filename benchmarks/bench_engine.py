"""Engine speed: (a) a scalar graph of about 10,000 ops, (b) an MLP SGD train step.

(a) A 2-16-16-1 ReLU MLP whose every weight is a 0-d Tensor (micrograd style), evaluated on
    16 points, summed, then backward: about 10,000 recorded scalar ops. Reported as
    microseconds per op (forward + backward) with Python's garbage collector on (what a
    user gets: the collector runs every 700 new objects and scans the young ones) and off
    (the engine alone).
(b) An MLP 784-256-128-10 with ReLU, batch 128, float32, cross-entropy (the library's
    fused `cross_entropy` in both), then an SGD update done on `.data` / under no_grad.

Medians of repeated runs. With PyTorch importable the same work runs in PyTorch in this
process, interleaved with ours (both see the same machine load), with the same number of
threads, and the ratio ours/torch is printed. Compare ratios, not absolute times: the
machines here are shared and noisy.

    python benchmarks/bench_engine.py [--repeats 15] [--threads N]
"""
from __future__ import annotations

import argparse
import gc
import os
import time
from contextlib import contextmanager
from typing import Callable

import numpy as np

import tinygrad_edu as tg

import blas

SCALAR_SIZES = (2, 16, 16, 1)
SCALAR_POINTS = 16
MLP_SIZES = (784, 256, 128, 10)
BATCH = 128
LR = 0.01


# ---------------------------------------------------------------- (a) scalar graph
def scalar_weights(rng: np.random.Generator) -> list[np.ndarray]:
    """One (n_out, n_in + 1) matrix per layer: weights and, last column, the bias."""
    return [rng.uniform(-1, 1, (n_out, n_in + 1))
            for n_in, n_out in zip(SCALAR_SIZES[:-1], SCALAR_SIZES[1:])]


def scalar_forward(params: list[list[list]], points: list[list[float]], relu: Callable):
    """sum over points of MLP(point), with one scalar op per multiply, add and relu."""
    total = None
    for point in points:
        x = point
        for depth, layer in enumerate(params):
            out = []
            for row in layer:
                acc = row[-1]
                for w, xi in zip(row[:-1], x):
                    acc = acc + w * xi
                out.append(relu(acc) if depth < len(params) - 1 else acc)
            x = out
        total = x[0] if total is None else total + x[0]
    return total


def count_nodes(root: tg.Tensor) -> int:
    seen, stack = set(), [root.grad_fn]
    while stack:
        node = stack.pop()
        if node is not None and node not in seen:
            seen.add(node)
            stack.extend(t.grad_fn for t in node.inputs)
    return len(seen)


def scalar_case(weights: list[np.ndarray], points: np.ndarray, torch=None):
    """A function running one forward+backward of the scalar graph, in ours or in torch."""
    pts = points.tolist()
    if torch is None:
        params = [[[tg.Tensor(w, requires_grad=True) for w in row] for row in m.tolist()]
                  for m in weights]
        inputs = [[tg.Tensor(v) for v in p] for p in pts]
        relu = tg.Tensor.relu
    else:
        params = [[[torch.tensor(w, requires_grad=True) for w in row] for row in m.tolist()]
                  for m in weights]
        inputs = [[torch.tensor(v) for v in p] for p in pts]
        relu = torch.relu

    def step():
        out = scalar_forward(params, inputs, relu)
        out.backward()
        return out
    return step, params


# ---------------------------------------------------------------- (b) MLP train step
def mlp_case(weights: list[np.ndarray], x: np.ndarray, y: np.ndarray, torch=None):
    """A function running one SGD step of the MLP, in ours or in torch."""
    lib = tg if torch is None else torch
    params = [lib.tensor(w.copy(), requires_grad=True) for w in weights]
    inputs = lib.tensor(x)
    labels = lib.tensor(y)
    cross_entropy = tg.cross_entropy if torch is None else torch.nn.functional.cross_entropy

    def step():
        h = inputs
        for i in range(0, len(params), 2):
            h = h @ params[i] + params[i + 1]
            if i + 2 < len(params):
                h = h.relu()
        loss = cross_entropy(h, labels)
        loss.backward()
        if torch is None:
            for p in params:
                p.data -= LR * p.grad.data
                p.grad = None
        else:
            with torch.no_grad():
                for p in params:
                    p -= LR * p.grad
                    p.grad = None
        return loss
    return step, params


def mlp_weights(rng: np.random.Generator) -> list[np.ndarray]:
    out = []
    for n_in, n_out in zip(MLP_SIZES[:-1], MLP_SIZES[1:]):
        bound = 1 / np.sqrt(n_in)
        out += [rng.uniform(-bound, bound, (n_in, n_out)).astype(np.float32),
                rng.uniform(-bound, bound, n_out).astype(np.float32)]
    return out


# ---------------------------------------------------------------- timing
@contextmanager
def collector(enabled: bool):
    was = gc.isenabled()
    gc.enable() if enabled else gc.disable()
    try:
        yield
    finally:
        gc.enable() if was else gc.disable()


def interleaved(steps: dict[str, tuple[Callable, bool]], repeats: int) -> dict:
    """Median seconds per call of each (step, gc on?), the steps taking turns on every repeat."""
    times: dict[str, list[float]] = {name: [] for name in steps}
    for step, _ in steps.values():           # warm-up
        step()
    for _ in range(repeats):
        for name, (step, gc_on) in steps.items():
            with collector(gc_on):
                start = time.perf_counter()
                step()
                times[name].append(time.perf_counter() - start)
    return {name: float(np.median(t)) for name, t in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    try:
        import torch
        torch.set_num_threads(args.threads)
    except ImportError:
        torch = None
    blas.limit_threads(args.threads)          # numpy's BLAS gets the same threads as torch
    rng = np.random.default_rng(0)

    # (a)
    weights, points = scalar_weights(rng), rng.standard_normal((SCALAR_POINTS, 2))
    ours, params = scalar_case(weights, points)
    steps = {"ours gc on": (ours, True), "ours gc off": (ours, False)}
    n_ops = count_nodes(scalar_forward(params, [[tg.Tensor(v) for v in p] for p in points.tolist()],
                                       tg.Tensor.relu))
    if torch is not None:
        theirs, _ = scalar_case(weights, points, torch)
        steps.update({"torch gc on": (theirs, True), "torch gc off": (theirs, False)})
        assert abs(ours().item() - theirs().item()) < 1e-4, "scalar graph differs from torch"
    print(f"(a) scalar MLP {'-'.join(map(str, SCALAR_SIZES))} on {SCALAR_POINTS} points: "
          f"{n_ops} ops, forward+backward, median of {args.repeats}")
    us_per_op = {name: 1e6 * t / n_ops for name, t in interleaved(steps, args.repeats).items()}
    for mode in ("gc on", "gc off"):
        line = f"    {mode:6s}: ours {us_per_op['ours ' + mode]:5.2f} us/op"
        if torch is not None:
            line += (f", torch {us_per_op['torch ' + mode]:5.2f} us/op, ours/torch "
                     f"{us_per_op['ours ' + mode] / us_per_op['torch ' + mode]:.2f}x")
        print(line)

    # (b)
    weights = mlp_weights(rng)
    x = rng.standard_normal((BATCH, MLP_SIZES[0])).astype(np.float32)
    y = rng.integers(0, MLP_SIZES[-1], BATCH)
    ours, _ = mlp_case(weights, x, y)
    steps = {"ours": (ours, True)}
    if torch is not None:
        theirs, _ = mlp_case(weights, x, y, torch)
        steps["torch"] = (theirs, True)
        assert abs(ours().item() - theirs().item()) < 1e-4, "MLP loss differs from torch"
    medians = interleaved(steps, args.repeats * 4)
    line = ", ".join(f"{name} {1e3 * t:6.2f} ms" for name, t in medians.items())
    ratio = f", ours/torch {medians['ours'] / medians['torch']:.2f}x" if torch else ""
    print(f"(b) MLP {'-'.join(map(str, MLP_SIZES))}, batch {BATCH}, float32, SGD step, "
          f"median of {args.repeats * 4}: {line}{ratio}")
    print(f"    threads {args.threads}; {blas.describe()}")


if __name__ == "__main__":
    main()
