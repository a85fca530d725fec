"""Gradient-check cases for pooling, dropout and cross-entropy (ops/pool, dropout, loss).

Max-pool inputs are distinct values 0.1 apart (a shuffled ramp), so the finite-difference
step (1e-6) never changes which cell is a window's max. Dropout re-seeds the generator
inside `fn`, so every evaluation draws the same mask.
"""
from __future__ import annotations

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.ops.pool import MaxPool2dGather, MaxPool2dScatter

from . import GradCase, rand_tensor

CASES: list[GradCase] = []


def case(op: str, id: str, fn, makers, **kw) -> None:
    CASES.append(GradCase(op=op, fn=fn, inputs=lambda: [make() for make in makers],
                          id=f"{op}-{id}", **kw))


def ramp(*shape: int, seed: int = 0) -> Tensor:
    """Distinct values spaced 0.1 apart in random order: no ties, no max flips under eps."""
    n = int(np.prod(shape))
    data = np.random.default_rng(seed).permutation(n).reshape(shape) * 0.1 - 0.05 * n
    return Tensor(data, dtype=np.float64, requires_grad=True)


# ------------------------------------------------------------------------ pooling
POOLS = {                      # id: (input shape, kernel, stride, padding, dilation, ceil_mode)
    "2x2": ((1, 2, 4, 4), 2, None, 0, 1, False),
    "overlap": ((2, 1, 5, 5), 3, 1, 1, 1, False),
    "ceil": ((1, 1, 5, 6), 2, 2, 0, 1, True),
    "ceil-pad": ((1, 2, 5, 5), 3, 2, 1, 1, True),
    "dilation": ((1, 1, 6, 5), 2, 1, 1, 2, False),
    "rect": ((1, 1, 5, 4), (3, 2), (2, 1), (1, 0), 1, False),
    "unbatched": ((2, 4, 3), 2, 1, 0, 1, False),
}
for pid, (shape, k, s, p, d, ceil) in POOLS.items():
    case("max_pool2d", pid, lambda x, k=k, s=s, p=p, d=d, ceil=ceil: tg.max_pool2d(
        x, k, s, p, d, ceil), [lambda shape=shape: ramp(*shape)])
    case("avg_pool2d", pid, lambda x, k=k, s=s, p=p, ceil=ceil: tg.avg_pool2d(x, k, s, p, ceil),
         [lambda shape=shape: rand_tensor(*shape)])
case("avg_pool2d", "exclude-pad", lambda x: tg.avg_pool2d(x, 3, 2, 1, True, False),
     [lambda: rand_tensor(1, 1, 4, 5)])


def winner_case(in_shape, kernel, stride, padding, dilation, ceil):
    """(pool options, a fixed argmax-offset Tensor) for the scatter/gather primitives."""
    options = dict(kernel_size=kernel, stride=stride, padding=padding, dilation=dilation,
                   ceil_mode=ceil)
    x = ramp(*in_shape, seed=3)
    out = tg.max_pool2d(x, kernel, stride, padding, dilation, ceil)
    winner = np.random.default_rng(4).integers(0, kernel[0] * kernel[1], out.shape)
    return options, Tensor(winner.astype(np.uint8)), out.shape


for sid, geometry in {"overlap": ((1, 2, 5, 5), (3, 3), (1, 1), (1, 1), (1, 1), False),
                      "disjoint": ((2, 1, 4, 6), (2, 2), (2, 2), (0, 0), (1, 1), False),
                      "ceil": ((1, 1, 5, 5), (2, 2), (2, 2), (1, 1), (1, 1), True)}.items():
    opts, winner, out_shape = winner_case(*geometry)
    in_shape = geometry[0]
    case("max_pool2d_scatter", sid, lambda g, opts=opts, winner=winner, in_shape=in_shape:
         MaxPool2dScatter.apply(g, winner, **opts, input_size=in_shape[-2:]),
         [lambda out_shape=out_shape: rand_tensor(*out_shape)])
    case("max_pool2d_gather", sid, lambda h, opts=opts, winner=winner:
         MaxPool2dGather.apply(h, winner, **opts),
         [lambda in_shape=in_shape: rand_tensor(*in_shape)])
case("avg_pool2d_adjoint", "direct",
     lambda g: tg.OPS["avg_pool2d_adjoint"].apply(
         g, kernel_size=(2, 3), stride=(1, 2), padding=(1, 1), ceil_mode=False,
         count_include_pad=False, divisor_override=None, input_size=(3, 5)),
     [lambda: rand_tensor(1, 2, 4, 3)])


# ------------------------------------------------------------------------ dropout
def seeded_dropout(fn, p):
    def run(x):
        tg.manual_seed(11)
        return fn(x, p)
    return run


case("dropout", "p0.3", seeded_dropout(tg.dropout, 0.3), [lambda: rand_tensor(3, 4)])
case("dropout", "2d", seeded_dropout(tg.dropout2d, 0.5), [lambda: rand_tensor(2, 3, 2, 2)])
case("dropout", "p1", seeded_dropout(tg.dropout, 1.0), [lambda: rand_tensor(4)])


# ------------------------------------------------------------------------ cross-entropy
def indices(*values: int):
    return lambda: Tensor(np.array(values))


def probabilities(n: int, c: int, seed: int = 0):
    data = np.random.default_rng(seed).dirichlet(np.ones(c), n)
    return lambda: Tensor(data, dtype=np.float64, requires_grad=True)


WEIGHT = Tensor(np.array([0.5, 2.0, 1.0, 1.5]), dtype=np.float64)
for red in ("mean", "sum", "none"):
    case("cross_entropy", f"index-{red}",
         lambda x, t, red=red: tg.cross_entropy(x, t, reduction=red),
         [lambda: rand_tensor(3, 4), indices(2, 0, 3)])
    case("cross_entropy", f"prob-{red}",
         lambda x, t, red=red: tg.cross_entropy(x, t, WEIGHT, reduction=red, label_smoothing=0.2),
         [lambda: rand_tensor(3, 4), probabilities(3, 4)])
case("cross_entropy", "weight-ignore-smooth",
     lambda x, t: tg.cross_entropy(x, t, WEIGHT, ignore_index=1, label_smoothing=0.1),
     [lambda: rand_tensor(4, 4), indices(1, 3, 0, 1)])
case("cross_entropy", "weight", lambda x, t: tg.cross_entropy(x, t, WEIGHT),
     [lambda: rand_tensor(4, 4), indices(1, 3, 0, 1)])
case("cross_entropy", "ignore-dense-sum",
     lambda x, t: tg.cross_entropy(x, t, ignore_index=2, reduction="sum"),
     [lambda: rand_tensor(2, 3, 2), lambda: Tensor(np.array([[2, 0], [1, 2]]))])
case("cross_entropy", "dense-target",
     lambda x, t: tg.cross_entropy(x, t, reduction="none"),
     [lambda: rand_tensor(2, 3, 2, 2),
      lambda: Tensor(np.array([[[0, 2], [1, 1]], [[2, 2], [0, 1]]]))])
case("cross_entropy", "unbatched", lambda x, t: tg.cross_entropy(x, t),
     [lambda: rand_tensor(5), lambda: Tensor(np.array(3))])
