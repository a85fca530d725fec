"""Gamma draws with a gradient: `Gamma(a, 1).rsample((4096,))` + backward, against numpy's
gradient-free sampler (what `sample()` uses) and torch's rsample, for a few shapes a:
median ms per call.

rsample here is the quantile P^-1(a, u) of a uniform u (Newton steps on series and a
continued fraction, ops/incomplete_gamma.py), exact to the last digits; torch samples by
Marsaglia-Tsang and fits the gradient. So this prints what the exactness costs.

    python benchmarks/bench_gamma_draws.py [--repeats 7]
"""
from __future__ import annotations

import argparse
import timeit

import numpy as np

import tinygrad_edu as tg

N, SHAPES = 4096, (0.3, 2.5, 30.0, 1000.0)


def timed(fn, repeats: int) -> float:
    """Median ms of `repeats` calls."""
    return 1000 * float(np.median(timeit.repeat(fn, number=1, repeat=repeats)))


def ours(a: float) -> None:
    concentration = tg.tensor([a], dtype=tg.float64, requires_grad=True)
    tg.distributions.Gamma(concentration, 1.0).rsample((N,)).sum().backward()


def torch_rsample(torch, a: float) -> None:
    concentration = torch.tensor([a], dtype=torch.float64, requires_grad=True)
    torch.distributions.Gamma(concentration, 1.0).rsample((N,)).sum().backward()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    repeats = parser.parse_args().repeats
    try:
        import torch
        torch.set_num_threads(1)
    except ImportError:
        torch = None
    rng = np.random.default_rng(0)
    print(f"{N} draws + backward, median ms of {repeats}")
    for a in SHAPES:
        line = (f"a = {a:7g}:  rsample (quantile) {timed(lambda: ours(a), repeats):8.2f}   "
                f"numpy standard_gamma (no gradient) "
                f"{timed(lambda: rng.standard_gamma(a, N), repeats):6.3f}")
        if torch is not None:
            line += f"   torch rsample {timed(lambda: torch_rsample(torch, a), repeats):6.3f}"
        print(line)


if __name__ == "__main__":
    main()
