"""einsum and the products and distances built on it or on matmul: tensordot, inner,
addmm, baddbmm, kron, mv, cross, cdist, dist.

einsum is one primitive (ops/einsum.py, whose docstring derives its VJP); everything
else here is composed, so its gradient comes from Einsum, Matmul, Mul and norm. The
functions torch also has as Tensor methods are attached at the bottom of the file.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from .composed import cat
from .linear_algebra import bmm, dot, mm, norm, outer
from .ops.einsum import LETTERS, Einsum, normalize, split
from .shapes import broadcast_pair, broadcast_shapes
from .tensor import Number, Tensor, _axis, _other_tensor, _tensor


def einsum(*args: Any) -> Tensor:
    """torch.einsum: einsum('ij,jk->ik', a, b), einsum('ij,jk', [a, b]) and the sublist
    form einsum(a, [0, 1], b, [1, 2], [0, 2]) (ints in [0, 52), ... for '...').

    Each letter names a dimension; letters repeated across operands are multiplied
    along, letters left out of the output are summed: 'ij,jk->ik' is a @ b, 'ii->' the
    trace, 'ii->i' the diagonal, 'i,j->ij' the outer product, 'bij,bjk->bik' bmm.
    Without '->' the output is '...' then the letters that appear once, sorted. '...'
    stands for the dimensions the letters do not name, broadcast as numpy; a letter of
    size 1 also broadcasts. Operands that are summed over need one dtype, as torch (a
    product alone, 'se,sc->sec', promotes as *): a single integer or bool operand that is
    summed over gives int64 (it is a sum), and bool operands cannot be multiplied and
    summed (their products are fine: 'ij,ij->ij').
    Gradient: the VJP of the Einsum primitive, again an einsum (ops/einsum.py).
    """
    equation, operands = _einsum_arguments(args)
    tensors = [_tensor(t) for t in operands]
    equation = normalize(equation, [t.shape for t in tensors])
    terms, out = split(equation)
    summed = set("".join(terms)) - set(out)
    dtypes = {t.dtype for t in tensors}
    if len(dtypes) > 1 and summed:
        raise TypeError(f"einsum: the operands must have one dtype, got "
                        f"{', '.join(str(t.dtype) for t in tensors)} (shapes "
                        f"{', '.join(str(t.shape) for t in tensors)}); convert with .to()")
    if len(dtypes) > 1:                  # a product alone promotes, as torch's mul does
        common = np.result_type(*dtypes)
        tensors, dtypes = [t.to(common) for t in tensors], {common}
    if summed and len(tensors) == 1 and tensors[0].dtype.kind in "biu":
        tensors = [tensors[0].to(np.int64)]            # as sum: small integers widen
    elif summed and np.dtype(np.bool_) in dtypes:
        raise TypeError(f"einsum: {equation!r} sums products of bool tensors, which torch "
                        "does not implement; convert them with .int() or .float()")
    return Einsum.apply(*tensors, equation=equation)


def _einsum_arguments(args: tuple) -> tuple[str, Sequence]:
    """(equation, operands) from torch's three calling forms."""
    if not args:
        raise TypeError("einsum: expected an equation and at least one operand")
    if isinstance(args[0], str):
        operands = args[1:]
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = operands[0]                      # einsum('ij,jk', [a, b])
        if not operands:
            raise TypeError("einsum: expected at least one operand after the equation")
        return args[0], operands
    pairs = list(zip(args[0::2], args[1::2]))           # (operand, sublist), ..., [output]
    terms = [_sublist(sub) for _, sub in pairs]
    equation = ",".join(terms) + ("->" + _sublist(args[-1]) if len(args) % 2 else "")
    return equation, [operand for operand, _ in pairs]


def _sublist(subscripts: Any) -> str:
    """[0, 1, ...] -> 'AB...' (ints 0-25 are A-Z, 26-51 a-z: sorting order is kept)."""
    if not isinstance(subscripts, (list, tuple)):
        raise TypeError(f"einsum: expected a list of subscripts, got "
                        f"{type(subscripts).__name__}")
    letters = ""
    for s in subscripts:
        if s is Ellipsis:
            letters += "..."
        elif isinstance(s, (int, np.integer)) and 0 <= s < len(LETTERS):
            letters += LETTERS[s]
        else:
            raise ValueError(f"einsum: subscript {s!r} in a subscript list is not an int in "
                             "[0, 52) or ...")
    return letters


def tensordot(a: Tensor, b: Tensor, dims: Any = 2) -> Tensor:
    """Sum of products over the dims of a and b that `dims` pairs up: an int n pairs the
    last n dims of a with the first n of b; a pair of lists ([1, 2], [0, 1]) names them
    (a 2-row tensor too). The result has a's other dims, then b's. One einsum, e.g.
    tensordot(a, b, 1) is 'ijk,kl->ijl'."""
    a, b = _tensor(a), _tensor(b)
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, (int, np.integer)):
        if dims < 0:
            raise ValueError(f"tensordot: expects dims >= 0, got dims={dims}")
        if dims > min(a.ndim, b.ndim):
            raise ValueError(f"tensordot: dims={dims} is more than the dimensions of shapes "
                             f"{a.shape} and {b.shape}")
        dims_a, dims_b = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        if not isinstance(dims, (list, tuple)) or len(dims) != 2:
            raise TypeError(f"tensordot: dims must be an int or a pair of lists of dims, got "
                            f"{dims!r}")
        dims_a, dims_b = dims
        if not all(isinstance(d, (list, tuple)) for d in (dims_a, dims_b)):
            raise TypeError(f"tensordot: dims must be an int or a pair of lists of dims, got "
                            f"{dims!r}")
        if len(dims_a) != len(dims_b):
            raise ValueError(f"tensordot: both dimension lists should have the same length, "
                             f"got {list(dims_a)} and {list(dims_b)}")
    dims_a = [_axis(a, d, "tensordot") for d in dims_a]
    dims_b = [_axis(b, d, "tensordot") for d in dims_b]
    for dims_x in (dims_a, dims_b):
        if len(set(dims_x)) != len(dims_x):
            raise ValueError(f"tensordot: a dim appears more than once in {dims_x}")
    for da, db in zip(dims_a, dims_b):
        if a.shape[da] != b.shape[db]:
            raise ValueError(f"tensordot: contracted dimensions need to match, but the first "
                             f"(shape {a.shape}) has size {a.shape[da]} in dim {da} and the "
                             f"second (shape {b.shape}) has size {b.shape[db]} in dim {db}")
    letters_a = LETTERS[:a.ndim]
    fresh = iter(LETTERS[a.ndim:])
    shared = dict(zip(dims_b, (letters_a[d] for d in dims_a)))
    letters_b = "".join(shared[d] if d in shared else next(fresh) for d in range(b.ndim))
    out = "".join(c for i, c in enumerate(letters_a) if i not in dims_a) + "".join(
        c for i, c in enumerate(letters_b) if i not in dims_b)
    return einsum(f"{letters_a},{letters_b}->{out}", a, b)


def inner(input: Tensor, other: Tensor) -> Tensor:
    """Sum over the last dim of both: out[i.., j..] = sum_k input[i.., k] other[j.., k]
    (shape input.shape[:-1] + other.shape[:-1]); a 0-d operand multiplies instead."""
    a, b = _tensor(input), _tensor(other)
    if a.ndim == 0 or b.ndim == 0:
        return a * b                                   # (promotes, as torch)
    if a.dtype != b.dtype:
        raise TypeError(f"inner: both inputs must have the same dtype, got {a.dtype} and "
                        f"{b.dtype}")
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"inner: the last dimension must match on both inputs, got shapes "
                         f"{a.shape} and {b.shape}")
    return tensordot(a, b, ([-1], [-1]))


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: float = 1,
          alpha: float = 1) -> Tensor:
    """beta * input + alpha * (mat1 @ mat2) for (n, k) and (k, m) matrices, input
    broadcastable to (n, m). With beta = 0 input is ignored (nan and inf in it do not
    spread, as torch) and gets a zero gradient."""
    return _add_product("addmm", input, mm(mat1, mat2), beta, alpha)


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: float = 1,
            alpha: float = 1) -> Tensor:
    """beta * input + alpha * bmm(batch1, batch2) for (b, n, k) and (b, k, m) batches,
    input broadcastable to (b, n, m); beta = 0 ignores input, as addmm."""
    return _add_product("baddbmm", input, bmm(batch1, batch2), beta, alpha)


def _add_product(op: str, input: Any, product: Tensor, beta: float, alpha: float) -> Tensor:
    x = _tensor(input)
    if x.dtype != product.dtype:
        raise TypeError(f"{op}: input and the matrices must have the same dtype, got "
                        f"{x.dtype} and {product.dtype}")
    try:
        fits = broadcast_shapes(x.shape, product.shape) == product.shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"{op}: input of shape {x.shape} does not broadcast to the shape "
                         f"{product.shape} of the product")
    scaled = x.where(np.False_, 0) if beta == 0 else x if beta == 1 else x * beta
    return scaled + (product if alpha == 1 else product * alpha)


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta: float = 1,
          alpha: float = 1) -> Tensor:
    """beta * input + alpha * (mat @ vec) for an (n, m) matrix and an (m,) vector."""
    return _add_product("addmv", input, mv(mat, vec), beta, alpha)


def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta: float = 1,
         alpha: float = 1) -> Tensor:
    """beta * input + alpha * outer(vec1, vec2) for (n,) and (m,) vectors."""
    return _add_product("addr", input, outer(vec1, vec2), beta, alpha)


def vdot(input: Tensor, other: Tensor) -> Tensor:
    """sum_i conj(input[i]) other[i] for two 1-D tensors; real numbers here, so `dot`."""
    return dot(input, other)


def kron(input: Tensor, other: Tensor) -> Tensor:
    """The Kronecker product: out[i * m + k, ...] = input[i, ...] * other[k, ...] along
    every dim, where other's dims have sizes m, ... (the operand with fewer dims gets
    leading size-1 dims). input with a size-1 axis after each dim times other with one
    before each, then merged: a Mul, whose VJP gives the gradients."""
    a, b = _tensor(input), _tensor(other)
    n = max(a.ndim, b.ndim)
    sa, sb = (1,) * (n - a.ndim) + a.shape, (1,) * (n - b.ndim) + b.shape
    spaced_a = a.reshape(*[k for size in sa for k in (size, 1)])
    spaced_b = b.reshape(*[k for size in sb for k in (1, size)])
    return (spaced_a * spaced_b).reshape(*[x * y for x, y in zip(sa, sb)])


CDIST_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
               "donot_use_mm_for_euclid_dist")


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0,
          compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """out[..., i, j] = the p-norm of x1[..., i, :] - x2[..., j, :] for x1 (..., P, M) and
    x2 (..., R, M); the batch dims broadcast. p >= 0, inf included (0 counts the unequal
    coordinates and has no gradient).

    p = 2 uses the expansion |x - y|^2 = |x|^2 + |y|^2 - 2 x.y, one matmul for all
    pairs, when compute_mode says so (by default when P > 25 or R > 25, as torch). It
    loses digits where |x|^2 is large next to |x - y|^2, so here it is made stable
    first: both sets are moved by the mean of their points (a constant: distances and
    their gradients do not change), and the rounding that leaves a small negative is
    clamped to 0. Otherwise (other p, or few points) the differences x - y are formed
    for every pair ((..., P, R, M) elements) and `norm` takes their p-norm.
    Where a distance is 0 its gradient is 0, as torch. For p = inf, coordinates that tie
    for the largest share the gradient evenly (torch's cdist gives each all of it).
    """
    a, b = _tensor(x1), _tensor(x2)
    for name, t in (("x1", a), ("x2", b)):
        if t.dtype.kind != "f":
            raise TypeError(f"cdist: only supports floating point tensors, {name} has dtype "
                            f"{t.dtype}")
        if t.ndim < 2:
            raise ValueError(f"cdist: expects tensors of at least 2 dims (..., points, "
                             f"coordinates), {name} has shape {t.shape}")
    if a.dtype != b.dtype:
        raise TypeError(f"cdist: x1 and x2 must have the same dtype, got {a.dtype} and "
                        f"{b.dtype}")
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"cdist: x1 and x2 must have the same number of columns, got shapes "
                         f"{a.shape} and {b.shape}")
    try:
        broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ValueError(f"cdist: the batch dims of x1 {a.shape} and x2 {b.shape} cannot be "
                         "broadcast together") from None
    if not isinstance(p, Number) or isinstance(p, (bool, np.bool_)) or not p >= 0:
        raise ValueError(f"cdist: only supports non-negative p values, got p={p!r}")
    if compute_mode not in CDIST_MODES:
        raise ValueError(f"cdist: {compute_mode!r} is not a valid value for compute_mode; "
                         f"expected one of {', '.join(CDIST_MODES)}")
    many = a.shape[-2] > 25 or b.shape[-2] > 25
    if p == 2 and (compute_mode == CDIST_MODES[1] or compute_mode == CDIST_MODES[0] and many):
        return _euclidean_by_matmul(a, b)
    differences = a.unsqueeze(-2) - b.unsqueeze(-3)
    if p == math.inf and a.shape[-1] == 0:           # no coordinates: every distance is 0
        return differences.sum(-1)
    return norm(differences, p, dim=-1)


def _euclidean_by_matmul(a: Tensor, b: Tensor) -> Tensor:
    """sqrt(|x|^2 + |y|^2 - 2 x.y) for every pair, about the points' mean (see cdist)."""
    count = max(a.shape[-2] + b.shape[-2], 1)
    center = Tensor._from_node((a.data.sum(-2, keepdims=True) + b.data.sum(-2, keepdims=True))
                               / count, None)
    a, b = a - center, b - center
    squares = ((a * a).sum(-1).unsqueeze(-1) + (b * b).sum(-1).unsqueeze(-2)
               - 2 * a.matmul(b.mT)).clamp(min=0)
    positive = squares.data > 0              # sqrt's slope is infinite at 0: give it 0 there
    return squares.where(positive, 1).sqrt().where(positive, 0)


def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:
    """The p-norm of input - other (broadcast), over all elements: norm(input - other, p)."""
    if not isinstance(p, Number) or isinstance(p, (bool, np.bool_)):
        raise TypeError(f"dist: p must be a number, got {p!r}")
    return norm(_tensor(input) - _tensor(other), float(p))


def mv(input: Tensor, vec: Tensor) -> Tensor:
    """Matrix (n, m) times vector (m,): (n,)."""
    a, v = _tensor(input), _tensor(vec)
    if a.ndim != 2 or v.ndim != 1:
        raise ValueError(f"mv: expected a matrix and a vector, got shapes {a.shape} and "
                         f"{v.shape}")
    return a.matmul(v)


def renorm(input: Tensor, p: float, dim: int, maxnorm: float) -> Tensor:
    """Each slice input.select(dim, i) whose p-norm (over all its elements) exceeds
    maxnorm, scaled down to norm maxnorm (by maxnorm / (norm + 1e-7), as torch); the other
    slices unchanged. PGD-L2's projection: delta.renorm(2, 0, eps). The scale is a
    function of the input too, so the gradient flows through the norm, as torch's."""
    x = _tensor(input)
    if x.dtype.kind != "f":
        raise TypeError(f"renorm: expected a floating point input, got {x.dtype}")
    if not p > 0:
        raise ValueError(f"renorm: p must be positive, got {p}")
    if not maxnorm >= 0:
        raise ValueError(f"renorm: maxnorm must be non-negative, got {maxnorm}")
    if x.ndim < 2:
        raise ValueError(f"renorm: needs at least 2 dimensions, got shape {x.shape}")
    dim = _axis(x, dim, "renorm")
    norms = norm(x, p, tuple(i for i in range(x.ndim) if i != dim), keepdim=True)
    too_long = norms.data > maxnorm
    return x * (maxnorm / (norms + 1e-7)).where(too_long, 1.0)


def cross(input: Tensor, other: Tensor, dim: int | None = None) -> Tensor:
    """The cross product of 3-vectors along `dim` (broadcasting the other dims, of inputs
    with the same number of dims):
    (a2 b3 - a3 b2, a3 b1 - a1 b3, a1 b2 - a2 b1). Without dim, torch.cross's deprecated
    rule: the first dim of size 3 (torch.linalg.cross uses -1)."""
    a, b = _tensor(input), _other_tensor(other, "other", "cross")
    if a.ndim != b.ndim:
        raise ValueError(f"cross: input {a.shape} and other {b.shape} must have the same "
                         "number of dimensions (as torch; they broadcast otherwise): "
                         "unsqueeze the smaller one")
    shape = broadcast_pair("cross", a.shape, b.shape)
    if dim is None:
        dim = next((i for i, n in enumerate(shape) if n == 3), None)
        if dim is None:
            raise ValueError(f"cross: no dimension of size 3 in shape {shape}")
    a, b = a.expand(*shape), b.expand(*shape)
    d = _axis(a, dim, "cross")
    if shape[d] != 3:
        raise ValueError(f"cross: dimension {dim} must have size 3, got shapes {a.shape} and "
                         f"{b.shape}")

    def part(t: Tensor, k: int) -> Tensor:
        return t[(slice(None),) * d + (slice(k, k + 1),)]
    a1, a2, a3 = (part(a, k) for k in range(3))
    b1, b2, b3 = (part(b, k) for k in range(3))
    return cat([a2 * b3 - a3 * b2, a3 * b1 - a1 * b3, a1 * b2 - a2 * b1], d)


METHODS = [inner, addmm, addmv, addr, baddbmm, kron, dist, mv, cross, renorm, vdot]
for _fn in METHODS:
    setattr(Tensor, _fn.__name__, _fn)
