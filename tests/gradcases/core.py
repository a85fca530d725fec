"""Gradient-check cases for the core primitives (elementwise, reduce, movement, linalg, activation).

Inputs stay away from the points where an op has no derivative (|x| and relu at 0,
clamp at its bounds, maximum on ties, log/sqrt at 0), because finite differences
across a kink measure an average of two slopes.
"""
from __future__ import annotations

import numpy as np

import nn
import tinygrad_edu as tg
from tinygrad_edu import OPS, Tensor
from tinygrad_edu.ops.elementwise import Tie

from . import GradCase, rand_tensor


def away_from_zero(*shape: int, seed: int = 0, margin: float = 0.1, center: float = 0.0) -> Tensor:
    """A leaf of random values in center + ([-2, -margin] U [margin, 2]) (random signs)."""
    rng = np.random.default_rng(seed)
    data = rng.uniform(margin, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    return Tensor(center + data, dtype=np.float64, requires_grad=True)


def positive(*shape: int, seed: int = 0) -> Tensor:
    return rand_tensor(*shape, low=0.5, high=2.0, seed=seed)


def inputs(*makers):
    """`inputs=` for a GradCase: a zero-argument function making fresh tensors."""
    return lambda: [make() for make in makers]


def r(*shape: int, seed: int = 0, **kw):
    return lambda: rand_tensor(*shape, seed=seed, **kw)


def full_rank(*shape: int, seed: int, boost: float = 3.0):
    """A random (..., m, n) matrix with `boost` added on its diagonal: of full rank and well
    conditioned, so QR, the pseudo-inverse and the matrix exponential are smooth nearby."""
    def make() -> Tensor:
        values = np.random.default_rng(seed).standard_normal(shape)
        k = min(shape[-2:])
        values[..., range(k), range(k)] += boost
        return Tensor(values, requires_grad=True)
    return make


def constant(*shape: int, seed: int = 0):
    """A float64 input that does not require grad (only the other input is checked)."""
    return lambda: rand_tensor(*shape, seed=seed, requires_grad=False)


def mask(*shape: int, seed: int = 0):
    return lambda: Tensor(np.random.default_rng(seed).random(shape) < 0.5)


CASES: list[GradCase] = []


def case(op: str, id: str, fn, makers, **kw) -> None:
    CASES.append(GradCase(op=op, fn=fn, inputs=inputs(*makers), id=f"{op}-{id}", **kw))


# ---------------------------------------------------------------- binary elementwise
BINARY_SHAPES = {                     # id: (shape of a, shape of b)
    "same": ((3, 4), (3, 4)),
    "row": ((3, 4), (4,)),
    "col": ((3, 1), (1, 4)),
    "0d": ((2, 3), ()),
    "both0d": ((), ()),
    "3d": ((2, 1, 3), (4, 1)),
    "empty": ((0, 3), (3,)),
}
for op, fn in [("add", lambda a, b: a + b), ("sub", lambda a, b: a - b),
               ("mul", lambda a, b: a * b)]:
    for sid, (sa, sb) in BINARY_SHAPES.items():
        case(op, sid, fn, [r(*sa, seed=1), r(*sb, seed=2)])
case("add", "number", lambda a: 2.5 + a, [r(2, 3)])
case("sub", "rsub-number", lambda a: 1.0 - a, [r(2, 3)])
case("sub", "one-input-const", lambda a, b: a - b, [constant(3, 4), r(3, 1)])
case("mul", "self", lambda a: a * a, [r(5)])
case("mul", "ndarray", lambda a: np.arange(3.0) * a, [r(2, 3)])

for sid, (sa, sb) in BINARY_SHAPES.items():
    case("div", sid, lambda a, b: a / b,
         [r(*sa, seed=1), lambda sb=sb: away_from_zero(*sb, seed=2)])
case("div", "rdiv-number", lambda b: 1.0 / b, [lambda: away_from_zero(4, 2)])

def away_from_multiples(divisor: np.ndarray, seed: int = 0) -> Tensor:
    """a with a / divisor at least 0.2 from an integer: % has jumps at the multiples."""
    rng = np.random.default_rng(seed)
    quotient = rng.integers(-3, 3, divisor.shape) + rng.uniform(0.2, 0.8, divisor.shape)
    return Tensor(quotient * divisor, dtype=np.float64, requires_grad=True)


DIVISORS = np.array([[1.5, -2.0, 0.75], [-1.25, 2.5, 1.0]])
case("remainder", "same", lambda a, b: a % b,
     [lambda: away_from_multiples(DIVISORS), lambda: Tensor(DIVISORS, requires_grad=True)])
case("remainder", "bcast", lambda a, b: a % b,
     [lambda: away_from_multiples(np.tile(DIVISORS[0], (2, 1)), seed=1),
      lambda: Tensor(DIVISORS[0], requires_grad=True)])
case("remainder", "number", lambda a: a % 1.5,
     [lambda: away_from_multiples(np.full((2, 3), 1.5), seed=2)])
case("remainder", "rmod-number", lambda b: 5.0 % b, [lambda: Tensor(
    np.array([1.5, -2.2, 0.9, 3.0]), dtype=np.float64, requires_grad=True)])

case("maximum", "same", lambda a, b: a.maximum(b), [r(3, 4, seed=1), r(3, 4, seed=2)])
case("maximum", "bcast", lambda a, b: a.maximum(b), [r(3, 1, seed=1), r(4, seed=2)])
case("maximum", "number", lambda a: a.maximum(0.25), [lambda: away_from_zero(6, center=0.25)])
case("maximum", "minimum", lambda a, b: tg.minimum(a, b), [r(2, 3, seed=1), r(3, seed=2)])

case("pow", "tensor-exp", lambda a, b: a ** b, [lambda: positive(3, 4, seed=1), r(3, 4, seed=2)])
case("pow", "bcast", lambda a, b: a ** b, [lambda: positive(2, 3, seed=1), r(3, seed=2)])
case("pow", "rpow-number", lambda b: 2.0 ** b, [r(5)])
case("pow", "neg-base-const-exp", lambda a, b: a ** b,
     [r(4, seed=1), lambda: Tensor(np.array([1.0, 2.0, 3.0, 2.0]), dtype=np.float64)])

where = tg.where
case("where", "same", where, [mask(3, 4), r(3, 4, seed=1), r(3, 4, seed=2)])
case("where", "bcast", where, [mask(3, 1), r(4, seed=1), r(3, 4, seed=2)])
case("where", "number", lambda c, a: a.where(c, 0.0), [mask(5), r(5)])

# ---------------------------------------------------------------- unary elementwise
UNARY_SHAPES = {"vec": (5,), "mat": (2, 3), "0d": (), "size1": (1, 3, 1), "empty": (0, 2)}
UNARY = {  # op: (function, (low, high) of the inputs, or None: away from the kink at 0)
    "neg": (lambda a: -a, (-2, 2)),
    "exp": (lambda a: a.exp(), (-2, 2)),
    "log": (lambda a: a.log(), (0.2, 3)),
    "sqrt": (lambda a: a.sqrt(), (0.2, 3)),
    "tanh": (lambda a: a.tanh(), (-2, 2)),
    "sigmoid": (lambda a: a.sigmoid(), (-6, 6)),
    "relu": (lambda a: a.relu(), None),
    "abs": (lambda a: a.abs(), None),
}
for op, (fn, bounds) in UNARY.items():
    for sid, shape in UNARY_SHAPES.items():
        make = r(*shape, seed=3, low=bounds[0], high=bounds[1]) if bounds else (
            lambda shape=shape: away_from_zero(*shape, seed=3))
        case(op, sid, fn, [make])
for slope in (0.01, 0.2, -0.5):
    case("leaky_relu", f"slope{slope}", lambda a, slope=slope: nn.functional.leaky_relu(a, slope),
         [lambda: away_from_zero(2, 3, seed=4)])
case("leaky_relu", "0d", lambda a: nn.functional.leaky_relu(a, 0.1), [lambda: away_from_zero()])
case("leaky_relu", "empty", lambda a: nn.functional.leaky_relu(a, 0.1), [r(0, 2)])
# tie: the identity in v with a zero derivative in `on` (relu's VJP ties itself to relu's input)
case("tie", "bcast-free", lambda v, on: Tie.apply(v, on), [r(2, 3, seed=1), r(4, seed=2)])
case("tie", "in-relu-vjp", lambda a: tg.grad(a.relu().sum() * 1.0, a, create_graph=True)[0] * a,
     [lambda: away_from_zero(3, seed=5)])
case("sigmoid", "large", lambda a: a.sigmoid(),
     [lambda: Tensor(np.array([-30.0, -8.0, 8.0, 30.0]), dtype=np.float64, requires_grad=True)])
case("exp", "composite", lambda a: (a.exp() * a).exp(), [r(3, high=1.0)])

for p in (2, 3, 1, 0, -1, -2):
    case("pow_scalar", f"p{p}", lambda a, p=p: a ** p, [lambda: away_from_zero(2, 3)])
for p in (0.5, 1.5, -0.5):
    case("pow_scalar", f"p{p}", lambda a, p=p: a ** p, [lambda: positive(2, 3)])
case("pow_scalar", "0d", lambda a: a ** 3, [r()])

case("clamp", "both", lambda a: a.clamp(-0.5, 0.5),
     [lambda: Tensor(np.array([-1.5, -0.7, -0.3, 0.1, 0.4, 0.9, 2.0]), dtype=np.float64,
                     requires_grad=True)])
case("clamp", "min-only", lambda a: a.clamp(min=0.3), [lambda: away_from_zero(3, 4, center=0.3)])
case("clamp", "max-only", lambda a: a.clamp(max=-0.3), [lambda: away_from_zero(4, center=-0.3)])
case("clamp", "0d", lambda a: a.clamp(-1, 1), [lambda: Tensor(0.5, dtype=np.float64,
                                                               requires_grad=True)])

# cast goes through float32, so the step must be large enough to show above float32 rounding;
# the function is linear, so a large step costs no accuracy.
case("cast", "f64-f32", lambda a: a.float(), [r(3, 4)], eps=1e-2, atol=1e-4)
case("cast", "roundtrip", lambda a: (a.float() * 3).double() * a, [r(5)], eps=1e-2, atol=1e-4,
     rtol=1e-3)

# ---------------------------------------------------------------- matmul
MATMUL_SHAPES = {
    "2d": ((3, 4), (4, 5)),
    "vec-vec": ((4,), (4,)),
    "vec-mat": ((4,), (4, 3)),
    "mat-vec": ((3, 4), (4,)),
    "batched": ((2, 3, 4), (2, 4, 5)),
    "batch-bcast": ((2, 1, 3, 4), (5, 4, 2)),
    "batch-mat": ((2, 3, 4), (4, 2)),
    "batch-vec": ((2, 3, 4), (4,)),
    "vec-batch": ((4,), (2, 4, 3)),
    "size1": ((1, 4), (4, 1)),
}
for sid, (sa, sb) in MATMUL_SHAPES.items():
    case("matmul", sid, lambda a, b: a @ b, [r(*sa, seed=1), r(*sb, seed=2)])
case("matmul", "one-const", lambda a, b: a @ b, [constant(3, 4), r(4, 2)])
case("matmul", "self", lambda a: a @ a.T, [r(3, 2)])

# ---------------------------------------------------------------- reductions
SUMS = {
    "all": lambda a: a.sum(),
    "dim0": lambda a: a.sum(0),
    "dim-1-keep": lambda a: a.sum(-1, keepdim=True),
    "tuple": lambda a: a.sum((0, 2)),
    "tuple-keep": lambda a: a.sum((0, 2), keepdim=True),
}
for sid, fn in SUMS.items():
    case("sum", sid, fn, [r(2, 3, 4)])
case("sum", "0d", lambda a: a.sum(), [r()])
case("sum", "empty-axis", lambda a: a.sum(0), [r(0, 3)])
MEANS = {
    "all": lambda a: a.mean(),
    "dim1": lambda a: a.mean(1),
    "tuple-keep": lambda a: a.mean((0, 2), keepdim=True),
    "neg-dim": lambda a: a.mean(-1),
}
for sid, fn in MEANS.items():
    case("mean", sid, fn, [r(2, 3, 4)])
case("mean", "0d", lambda a: a.mean(), [r()])
case("mean", "size-1", lambda a: a.mean(0), [r(1, 3)])
case("mean", "broadcast-after", lambda a, b: a.mean(0, keepdim=True) * b, [r(3, 4), r(2, 1, 4)])
case("sum", "var", lambda a: a.var(1), [r(3, 5)])
case("sum", "std", lambda a: a.std(), [r(2, 4)])
case("sum", "var-corr0-keep", lambda a: a.var(0, correction=0, keepdim=True), [r(4, 3)])

AMAXES = {
    "all": lambda a: a.amax(),
    "dim1": lambda a: a.amax(1),
    "keep": lambda a: a.amax(-1, keepdim=True),
    "tuple": lambda a: a.amax((0, 2)),
    "max()": lambda a: a.max(),
    "amin": lambda a: a.amin(0),
    "min()": lambda a: a.min(),
}
for sid, fn in AMAXES.items():
    case("amax", sid, fn, [r(2, 3, 4)])
case("amax", "0d", lambda a: a.amax(), [r()])
case("amax", "size1", lambda a: a.amax(1), [r(3, 1)])

for op, fn in [("softmax", Tensor.softmax), ("log_softmax", Tensor.log_softmax)]:
    case(op, "last", lambda a, fn=fn: fn(a, -1), [r(3, 5)])
    case(op, "first", lambda a, fn=fn: fn(a, 0), [r(3, 5)])
    case(op, "3d", lambda a, fn=fn: fn(a, 1), [r(2, 3, 4)])
    case(op, "size1", lambda a, fn=fn: fn(a, 1), [r(4, 1)])
    case(op, "1e4", lambda a, fn=fn: fn(a, -1), [r(2, 4, low=1e4 - 2, high=1e4 + 2)])

# ---------------------------------------------------------------- movement
case("reshape", "flat", lambda a: a.reshape(-1), [r(2, 3)])
case("reshape", "infer", lambda a: a.reshape(3, -1, 2), [r(2, 3, 2)])
case("reshape", "0d", lambda a: a.reshape(1, 1), [r()])
case("reshape", "view-flatten", lambda a: a.view(4, 3).flatten(), [r(2, 6)])
case("reshape", "unsqueeze-squeeze", lambda a: a.unsqueeze(1).squeeze() * a.unsqueeze(0),
     [r(3)])

case("permute", "3d", lambda a: a.permute(2, 0, 1), [r(2, 3, 4)])
case("permute", "T", lambda a: a.T, [r(3, 4)])
case("permute", "transpose", lambda a: a.transpose(0, 2), [r(2, 1, 3)])

case("expand", "row", lambda a: a.expand(3, 4), [r(1, 4)])
case("expand", "new-axes", lambda a: a.expand(2, 3, 4), [r(3, 1)])
case("expand", "0d", lambda a: a.expand(5), [r()])
case("expand", "keep-1", lambda a: a.expand(-1, 4), [r(3, 1)])

case("sum_to", "rows", lambda a: a.sum_to((1, 4)), [r(3, 4)])
case("sum_to", "lead", lambda a: a.sum_to((3, 1)), [r(2, 3, 4)])
case("sum_to", "0d", lambda a: a.sum_to(()), [r(2, 2)])

GETITEMS = {
    "int": lambda a: a[1],
    "neg-int": lambda a: a[-1, 2],
    "slice": lambda a: a[1:, ::2],
    "neg-step": lambda a: a[::-1, 1:3],
    "none-ellipsis": lambda a: a[None, ..., 1],
    "int-array-repeat": lambda a: a[[0, 2, 0, 0]],
    "2-int-arrays": lambda a: a[np.array([0, 1, 1]), np.array([3, 3, 0])],
    "bool-mask": lambda a: a[a.data > 0],
    "bool-rows": lambda a: a[np.array([True, False, True])],
    "mixed": lambda a: a[1:, [0, 0, 2]],
    "tensor-index": lambda a: a[Tensor(np.array([2, 2, 1]))],
    "empty": lambda a: a[1:1],
}
for sid, fn in GETITEMS.items():
    case("getitem", sid, fn, [r(3, 4, seed=5)])
case("getitem", "flip", lambda a: a.flip(0), [r(3, 2)])
case("getitem", "split", lambda a: a.split(2, 1)[1], [r(2, 5)])
case("getitem", "max-dim", lambda a: a.max(1).values, [r(3, 4)])
case("getitem", "take-along-dim", lambda a: a.take_along_dim(np.array([[0, 0], [2, 1]]), 1),
     [r(2, 3)])

INDEX_ADD = OPS["index_add"]
case("index_add", "basic", lambda g: INDEX_ADD.apply(g, shape=(3, 4), index=(slice(1, None),)),
     [r(2, 4)])
case("index_add", "repeat",
     lambda g: INDEX_ADD.apply(g, shape=(3, 2), index=(np.array([0, 2, 0, 0]),)), [r(4, 2)])
case("index_add", "2-arrays",
     lambda g: INDEX_ADD.apply(g, shape=(2, 3), index=(np.array([1, 1]), np.array([0, 0]))),
     [r(2)])

case("pad", "last", lambda a: tg.pad(a, (1, 2)), [r(2, 3)])
case("pad", "two-axes-value", lambda a: tg.pad(a, (0, 1, 2, 0), value=1.5), [r(2, 3)])
case("pad", "4d", lambda a: tg.pad(a, (1, 1, 1, 1)), [r(1, 2, 2, 3)])

case("cat", "dim0", lambda a, b: tg.cat([a, b]), [r(2, 3, seed=1), r(1, 3, seed=2)])
case("cat", "dim-1", lambda a, b, c: tg.cat([a, b, c], dim=-1),
     [r(2, 1, seed=1), r(2, 3, seed=2), r(2, 2, seed=3)])
case("cat", "one-const", lambda a, b: tg.cat([a, b], 1), [constant(2, 2), r(2, 3)])
case("cat", "same-twice", lambda a: tg.cat([a, a * 2]), [r(3)])
case("cat", "empty-part", lambda a, b: tg.cat([a, b]), [r(0, 3, seed=1), r(2, 3, seed=2)])
case("stack", "dim1", lambda a, b: tg.stack([a, b], dim=1), [r(2, 3, seed=1), r(2, 3, seed=2)])
case("stack", "last-scalars", lambda a, b, c: tg.stack([a, b, c], dim=-1),
     [r(seed=1), r(seed=2), r(seed=3)])
case("stack", "same-twice-const", lambda a, b: tg.stack([a, b, a]), [r(3, 1), constant(3, 1)])

case("fmod", "same", lambda a, b: tg.fmod(a, b),
     [lambda: away_from_multiples(DIVISORS, seed=3), lambda: Tensor(DIVISORS, requires_grad=True)])
case("fmod", "bcast-number", lambda a: a.fmod(-1.5),
     [lambda: away_from_multiples(np.full((2, 3), 1.5), seed=4)])
