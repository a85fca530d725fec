"""2x2 max-pool, forward + backward, on (32, 64, 32, 32) float32: median ms per step.

With PyTorch importable, the same work runs in PyTorch interleaved with ours in this
process, with the same number of threads, and the ratio ours/torch is printed
(compare ratios, not absolute times: the machines here are shared and noisy).

    python benchmarks/bench_pool.py [--steps 30]
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np

import tinygrad_edu as tg

SHAPE, KERNEL = (32, 64, 32, 32), 2


def ours_step(x: np.ndarray, g: np.ndarray):
    inp = tg.Tensor(x, requires_grad=True)
    out = tg.max_pool2d(inp, KERNEL)
    out.backward(tg.Tensor(g))
    return inp.grad


def torch_step(torch, x, g):
    inp = x.detach().requires_grad_(True)
    out = torch.nn.functional.max_pool2d(inp, KERNEL)
    out.backward(g)
    return inp.grad


def median_ms(times: list[float]) -> float:
    return 1000 * float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x = rng.standard_normal(SHAPE, dtype=np.float32)
    g = rng.standard_normal((SHAPE[0], SHAPE[1], SHAPE[2] // KERNEL, SHAPE[3] // KERNEL),
                            dtype=np.float32)
    try:
        import torch
    except ImportError:
        torch = None
    steps = [("ours", lambda: ours_step(x, g))]
    if torch is not None:
        torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", os.cpu_count() or 1)))
        tx, tgrad = torch.from_numpy(x), torch.from_numpy(g)
        steps.append(("torch", lambda: torch_step(torch, tx, tgrad)))
        ours, theirs = ours_step(x, g).data, torch_step(torch, tx, tgrad).numpy()
        assert np.array_equal(ours, theirs), "max_pool2d gradient differs from torch"
    times: dict[str, list[float]] = {name: [] for name, _ in steps}
    for _ in range(3):                       # warm-up
        for _, step in steps:
            step()
    for _ in range(args.steps):              # interleaved: both see the same machine load
        for name, step in steps:
            start = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - start)
    print(f"max_pool2d {KERNEL}x{KERNEL} on {SHAPE} float32, forward+backward, "
          f"median of {args.steps}:")
    for name, _ in steps:
        print(f"  {name:5s} {median_ms(times[name]):8.2f} ms")
    if torch is not None:
        print(f"  threads {torch.get_num_threads()}, ours/torch "
              f"{median_ms(times['ours']) / median_ms(times['torch']):.2f}x")


if __name__ == "__main__":
    main()
