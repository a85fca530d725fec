"""torch.linalg's inv, solve, det, slogdet, norm, vector_norm, matrix_norm, cross,
matrix_power, matrix_exp, cholesky, eigh, eigvalsh, svd, svdvals, qr and solve_triangular
(pinv, lstsq, matrix_rank, inv_ex, solve_ex: least_squares.py; the LU family: lu.py), also
`tinygrad_edu.inverse`, `x.inverse()`, `x.det()`, `tinygrad_edu.cholesky_solve`: the
primitives Inverse, PseudoInverse, MatrixExp, Solve, Det and LogAbsDet of ops/linalg.py and
Cholesky, Eigh, Svd and Qr of ops/decompositions.py, with their checks, and the rest
composed from them, sums, maxima and matmuls."""
from __future__ import annotations

import math
from collections import namedtuple
from numbers import Number
from typing import Any, Sequence

import numpy as np

from . import indexed, linear_algebra, linear_algebra_more
from .composed import cat
from .dtypes import check_int
from .ops.decompositions import Cholesky, Eigh, Qr, Svd
from .ops.linalg import Det, Inverse, LogAbsDet, MatrixExp, Solve, sign_logabsdet
from .shapes import broadcast_shapes
from .statistics import cumprod
from .tensor import Tensor, _axis, _tensor


def _matrices(op: str, a: Any, square: bool = False) -> Tensor:
    a = _tensor(a)
    if a.ndim < 2 or square and a.shape[-1] != a.shape[-2]:
        kind = "square matrices (..., n, n)" if square else "matrices (..., m, n)"
        raise ValueError(f"{op}: A must be a batch of {kind}, got shape {a.shape}")
    if a.dtype.kind != "f":
        raise TypeError(f"{op}: A must be floating point, got {a.dtype} (as torch)")
    return a


def _square(op: str, a: Any) -> Tensor:
    return _matrices(op, a, square=True)


def inv(A: Any) -> Tensor:
    """A^-1 for square A (..., n, n). Derivative: dL/dA = -A^-T g A^-T."""
    return Inverse.apply(_square("inv", A))


def solve(A: Any, B: Any, *, left: bool = True) -> Tensor:
    """X with A X = B (A (..., n, n); B (..., n, k), or (..., n) / (n,) for vectors, as
    torch decides: B is a batch of vectors when B.ndim == 1 or B.shape == A.shape[:-1]).
    left=False solves X A = B instead. Never forms A^-1: derivatives are solves too."""
    a, b = _square("solve", A), _tensor(B)
    if b.dtype != a.dtype:
        raise TypeError(f"solve: A and B must have the same dtype, got {a.dtype} and {b.dtype}")
    if not left:                                   # X A = B  <=>  A^T X^T = B^T
        if b.ndim < 2 or b.shape[-1] != a.shape[-1] or b.shape == a.shape[:-1]:
            raise ValueError(f"solve: X A = B (left=False) needs B of shape (..., k, "
                             f"{a.shape[-1]}) for A {a.shape}, got shape {b.shape}")
        return Solve.apply(a.mT, b.mT).mT
    vector = b.ndim == 1 or b.shape == a.shape[:-1]
    rhs = b.unsqueeze(-1) if vector else b
    if rhs.ndim < 2 or rhs.shape[-2] != a.shape[-1]:
        raise ValueError(f"solve: A {a.shape} needs B with {a.shape[-1]} rows, got shape "
                         f"{b.shape}")
    try:
        broadcast_shapes(a.shape[:-2], rhs.shape[:-2])
    except ValueError:
        raise ValueError(f"solve: the batch dimensions of A {a.shape} and B {b.shape} do not "
                         "broadcast") from None
    out = Solve.apply(a, rhs)
    return out.squeeze(-1) if vector else out


SignLogAbsDet = namedtuple("SignLogAbsDet", ["sign", "logabsdet"])


def slogdet(A: Any) -> SignLogAbsDet:
    """(sign, log |det A|), as torch: the log stays finite where det A would overflow or
    underflow (a normalizing flow's log-determinant). sign (+-1, 0 if singular) has no
    gradient; d log|det A| / dA = A^-T."""
    a = _square("slogdet", A)
    return SignLogAbsDet(Tensor(sign_logabsdet(a.data)[0]), LogAbsDet.apply(a))


def det(A: Any) -> Tensor:
    """det A (the primitive Det): dL/dA = g adj(A)^T, the cofactors, at a singular A too
    (torch 2.13 gives zeros there)."""
    return Det.apply(_square("det", A))


def logdet(A: Any) -> Tensor:
    """log det A: log |det A| where det A > 0, nan where it is negative (as torch)."""
    sign, logabsdet = slogdet(A)
    return logabsdet.where(sign.data >= 0, np.nan)


def vector_norm(x: Any, ord: Any = 2, dim: int | Sequence[int] | None = None,
                keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """torch.linalg.vector_norm: the `ord`-norm over dim (all elements when None); see
    `tinygrad_edu.norm`, which takes the order as p. The order is a number (inf too);
    torch's names 'fro' and 'nuc' are matrix norms (matrix_norm)."""
    if not isinstance(ord, Number):
        raise TypeError(f"vector_norm: ord must be a number (2, 1, inf, ...), got {ord!r} "
                        "('fro' and 'nuc' are for linalg.matrix_norm or linalg.norm)")
    x = _floating_norm_input("vector_norm", x, dtype)
    return linear_algebra.norm(x, ord, dim, keepdim)


def _floating_norm_input(op: str, x: Any, dtype: Any) -> Tensor:
    """x as a Tensor (in `dtype` when given); a TypeError naming op unless floating point."""
    x = _tensor(x) if dtype is None else _tensor(x).to(dtype)
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating point tensor, got dtype {x.dtype} (as "
                        "torch); convert it with .float()")
    return x


def vecdot(x: Any, y: Any, *, dim: int = -1) -> Tensor:
    """sum over `dim` of conj(x) * y, the batched dot product (x and y broadcast); real
    numbers here, so (x * y).sum(dim)."""
    a, b = _tensor(x), _tensor(y)
    if a.dtype != b.dtype or a.dtype.kind != "f":
        raise TypeError(f"vecdot: x and y must have one floating point dtype, got {a.dtype} "
                        f"and {b.dtype}")
    product = a * b
    return product.sum(_axis(product, dim, "vecdot"))


LinAlgError = np.linalg.LinAlgError
"""What a singular or non-positive-definite matrix raises (numpy's, a ValueError; torch's
torch.linalg.LinAlgError is a RuntimeError): `except tg.linalg.LinAlgError` catches it."""


def cond(A: Any, p: Any = None) -> Tensor:
    """The condition number ||A|| ||A^-1||: for p None or 2 the ratio of the largest to
    the smallest singular value (also -2: its inverse), else with matrix_norm's p."""
    a = _matrices("cond", A)
    if p not in (None, 2, -2):                        # (norms other than 2: A^-1 is needed)
        a = _square("cond", a)
    if 0 in a.shape[-2:]:
        return Tensor(np.zeros(a.shape[:-2], a.dtype))
    if p in (None, 2, -2):
        values = svdvals(a)
        with np.errstate(divide="ignore"):
            ratio = values[..., 0] / values[..., -1]          # (a singular A: inf)
        return ratio if p != -2 else 1 / ratio
    inverse, info = inv_ex(_square("cond", a))
    inverted = info.data == 0                         # (a singular A: inf)
    inverse = inverse.where(inverted[..., None, None], 0)   # (the SVD of 'nuc' refuses nan)
    return (matrix_norm(a, p) * matrix_norm(inverse, p)).where(inverted, np.inf)


def multi_dot(tensors: Sequence[Any]) -> Tensor:
    """tensors[0] @ tensors[1] @ ... with the first and last allowed to be vectors (a row
    and a column, dropped from the result), the others matrices. Multiplied left to right
    (torch picks the cheapest order: the same product, up to rounding)."""
    mats = [_tensor(t) for t in tensors]
    if len(mats) < 2:
        raise ValueError(f"multi_dot: expected at least 2 tensors, got {len(mats)}")
    for i, m in enumerate(mats):
        end = i in (0, len(mats) - 1)
        if m.ndim != 2 and not (end and m.ndim == 1):
            raise ValueError(f"multi_dot: tensor {i} must be 2-D" + (" or 1-D" if end else "")
                             + f", got shape {m.shape}")
    product = mats[0]
    for m in mats[1:]:
        product = product @ m
    return product


def diagonal(A: Any, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """torch.linalg.diagonal: tinygrad_edu.diagonal over the last two dims by default."""
    return indexed.diagonal(_tensor(A), offset, dim1, dim2)


def matrix_norm(A: Any, ord: Any = "fro", dim: tuple = (-2, -1), keepdim: bool = False, *,
                dtype: Any = None) -> Tensor:
    """torch.linalg.matrix_norm over the two axes `dim` = (rows, columns):

        'fro'     sqrt(sum a_ij**2)
        1, -1     max, min over columns of sum_i |a_ij|   (the largest column sum)
        inf, -inf max, min over rows of sum_j |a_ij|      (the largest row sum)
        2, -2     the largest, smallest singular value     (the spectral norm)
        'nuc'     the sum of the singular values           (the nuclear norm)"""
    a = _floating_norm_input("matrix_norm", A, dtype)
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        raise ValueError(f"matrix_norm: dim must be a pair of axes, got {dim!r}")
    if a.ndim < 2:
        raise ValueError(f"matrix_norm: A must have at least 2 dimensions, got shape {a.shape}")
    rows, cols = (d % a.ndim if -a.ndim <= d < a.ndim else d for d in dim)
    if not (0 <= rows < a.ndim and 0 <= cols < a.ndim) or rows == cols:
        raise ValueError(f"matrix_norm: dim {tuple(dim)} are not two different axes of a "
                         f"tensor of shape {a.shape}")
    if ord == "fro":
        return vector_norm(a, 2, (rows, cols), keepdim)
    if ord not in ("nuc", 2, -2, 1, -1, math.inf, -math.inf):
        raise ValueError(f"matrix_norm: ord must be 'fro', 'nuc', 1, -1, 2, -2, inf or -inf, "
                         f"got {ord!r}")
    if a.dtype.kind != "f":
        raise TypeError(f"matrix_norm: expected a floating point tensor, got {a.dtype}")
    if ord in ("nuc", 2, -2):
        s = svdvals(a.movedim((rows, cols), (-2, -1)))
        empty = s.shape[-1] == 0                # (the largest of none is 0, as torch)
        out = s.sum(-1) if ord == "nuc" or ord == 2 and empty else s.amax(-1) if ord == 2 \
            else s.amin(-1)
        return out.unsqueeze(min(rows, cols)).unsqueeze(max(rows, cols)) if keepdim else out
    summed, across = (rows, cols) if abs(ord) == 1 else (cols, rows)   # sums, then extreme
    sums = a.abs().sum(summed, keepdim=True)
    if ord > 0 and a.shape[across] == 0:            # the largest of no sums: 0, as torch
        out = sums.sum(across, keepdim=True)
    else:
        out = sums.amax(across, keepdim=True) if ord > 0 else sums.amin(across, keepdim=True)
    return out if keepdim else out.squeeze((rows, cols))


def norm(A: Any, ord: Any = None, dim: int | Sequence[int] | None = None,
         keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """torch.linalg.norm: a vector norm when dim is an int (or A is 1-D), a matrix norm
    when dim is a pair (or A is 2-D); with neither ord nor dim, the 2-norm of all the
    elements. (`tinygrad_edu.norm` is torch.norm, which reads every order as a vector's.)"""
    a = _tensor(A)
    if isinstance(dim, int) or (dim is None and ord is not None and a.ndim == 1) or (
            isinstance(dim, (tuple, list)) and len(dim) == 1) or (dim is None and ord is None):
        if isinstance(ord, str):
            raise ValueError(f"linalg.norm: ord={ord!r} is a matrix norm, but this is a vector "
                             f"norm (A of shape {a.shape}, dim {dim!r})")
        return vector_norm(a, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
    if dim is None and a.ndim != 2:
        raise ValueError(f"linalg.norm: with ord given and no dim, A must be 1-D or 2-D, got "
                         f"shape {a.shape}")
    return matrix_norm(a, "fro" if ord is None else ord, (-2, -1) if dim is None else dim,
                       keepdim, dtype=dtype)


def cross(input: Any, other: Any, *, dim: int = -1) -> Tensor:
    """torch.linalg.cross: the cross product of 3-vectors along `dim` (default the last)."""
    return linear_algebra_more.cross(input, other, dim)


def matrix_power(A: Any, n: int) -> Tensor:
    """A^n for square A (..., m, m) and an integer n: the identity for n = 0, products by
    repeated squaring (about log2 n matmuls) for n > 0, and inv(A)^|n| for n < 0. Composed
    of matmuls (and Inverse), so the gradient is theirs."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"matrix_power: n must be an int, got {n!r}")
    a = _tensor(A)
    if n < 0 or a.dtype.kind not in "iu":           # integer matrices: n >= 0, as torch
        a = _square("matrix_power", a)
    elif a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"matrix_power: A must be a batch of square matrices (..., n, n), "
                         f"got shape {a.shape}")
    if n < 0:
        a, n = inv(a), -n
    result, square = None, a
    while n:
        if n & 1:
            result = square if result is None else result @ square
        n >>= 1
        if n:
            square = square @ square
    if result is None:      # n = 0: the identity, constant in A (gradient 0, still in the graph)
        eye = np.broadcast_to(np.eye(a.shape[-1], dtype=a.dtype), a.shape)
        return a.where(np.zeros(a.shape, bool), eye)
    return result.clone() if result is A else result       # (n = 1: a new tensor, as torch)



def cholesky(A: Any, *, upper: bool = False) -> Tensor:
    """L lower triangular with A = L L^T for a symmetric positive-definite A (..., n, n),
    reading A's lower triangle; upper=True reads the upper one and returns U = L^T, with
    A = U^T U. The gradient is the symmetric one (see ops/decompositions.py)."""
    a = _square("cholesky", A)
    return Cholesky.apply(a.mT).mT if upper else Cholesky.apply(a)


EigenDecomposition = namedtuple("EigenDecomposition", ["eigenvalues", "eigenvectors"])


def eigh(A: Any, UPLO: str = "L") -> EigenDecomposition:
    """(w, V) with A = V diag(w) V^T for a symmetric A (..., n, n): eigenvalues ascending,
    eigenvectors the columns of V (each fixed only up to its sign), reading the triangle
    UPLO ('L' or 'U'). Gradients through V need distinct eigenvalues (as in torch)."""
    UPLO = UPLO.upper() if isinstance(UPLO, str) else UPLO          # ('u' too, as torch)
    if UPLO not in ("L", "U"):
        raise ValueError(f"eigh: UPLO must be 'L' or 'U', got {UPLO!r}")
    a = _square("eigh", A)
    stacked = Eigh.apply(a if UPLO == "L" else a.mT)
    return EigenDecomposition(stacked[..., 0, :], stacked[..., 1:, :])


def eigvalsh(A: Any, UPLO: str = "L") -> Tensor:
    """The eigenvalues of a symmetric A, ascending: eigh(A).eigenvalues."""
    return eigh(A, UPLO).eigenvalues


SingularValueDecomposition = namedtuple("SingularValueDecomposition", ["U", "S", "Vh"])


def svd(A: Any, full_matrices: bool = True, *, driver: Any = None) -> SingularValueDecomposition:
    """(U, S, Vh) with A = U diag(S) Vh for A (..., m, n): S descending, the columns of U
    and rows of Vh orthonormal (each pair fixed only up to sign). full_matrices=False gives
    k = min(m, n) of each; True (torch's default) completes U to (m, m) and Vh to (n, n)
    with columns that, as in torch, carry no gradient (A does not determine them).
    Gradients through U and Vh need distinct nonzero singular values."""
    a = _matrices("svd", A)
    m, n = a.shape[-2:]
    U, S, Vh = Svd.split(Svd.apply(a), m, n)
    if full_matrices and m != n:
        full_U, _, full_Vh = np.linalg.svd(a.data, full_matrices=True)
        if m > n:
            U = cat([U, Tensor(full_U[..., n:])], dim=-1)
        else:
            Vh = cat([Vh, Tensor(full_Vh[..., m:, :])], dim=-2)
    return SingularValueDecomposition(U, S, Vh)


def matrix_exp(A: Any) -> Tensor:
    """e^A for square A (..., n, n): rotations from skew-symmetric A, the transition
    matrices e^(Qt) of a continuous-time Markov chain, ... (ops/linalg.py, MatrixExp)."""
    return MatrixExp.apply(_square("matrix_exp", A))


QRResult = namedtuple("QRResult", ["Q", "R"])


def qr(A: Any, mode: str = "reduced") -> QRResult:
    """(Q, R) with A = Q R for A (..., m, n): Q's columns orthonormal, R upper triangular,
    with LAPACK's signs (as torch). mode 'reduced': Q (m, k), R (k, n), k = min(m, n);
    'complete': Q (m, m) (its extra columns carry no gradient: A does not determine them;
    torch's backward refuses them), R (m, n); 'r': Q empty, R (k, n) (differentiable here,
    where torch refuses). Gradients need R invertible (A of full rank)."""
    a = _matrices("qr", A)
    if mode not in ("reduced", "complete", "r"):
        raise ValueError(f"qr: mode must be 'reduced', 'complete' or 'r', got {mode!r}")
    m, n = a.shape[-2:]
    Q, R = Qr.split(Qr.apply(a), m, n)
    if mode == "complete" and m > n:
        full_Q = np.linalg.qr(a.data, mode="complete")[0]
        Q = cat([Q, Tensor(full_Q[..., n:])], dim=-1)
        R = cat([R, Tensor(np.zeros((*a.shape[:-2], m - n, n), a.dtype))], dim=-2)
    if mode == "r":
        Q = Tensor(np.zeros(0, a.dtype))
    return QRResult(Q, R)


def tensorinv(A: Any, ind: int = 2) -> Tensor:
    """The inverse of A read as a linear map from its last dims to its first `ind`:
    inv(A.reshape(p, p)) reshaped to A.shape[ind:] + A.shape[:ind], so that
    tensordot(tensorinv(A), A, ind) is the identity (torch.linalg.tensorinv)."""
    a = _tensor(A)
    check_int("tensorinv", "ind", ind)
    if ind <= 0:
        raise ValueError(f"tensorinv: ind must be positive, got {ind}")
    rows, cols = math.prod(a.shape[:ind]), math.prod(a.shape[ind:])
    if rows != cols:
        raise ValueError(f"tensorinv: A of shape {a.shape} with ind={ind} is a map from "
                         f"{cols} to {rows} numbers; the products of A.shape[:ind] and "
                         "A.shape[ind:] must be equal")
    return inv(a.reshape(rows, cols)).reshape(*a.shape[ind:], *a.shape[:ind])


def tensorsolve(A: Any, B: Any, dims: Sequence[int] | None = None) -> Tensor:
    """X with tensordot(A, X, X.ndim) = B (torch.linalg.tensorsolve): A's dims `dims` are
    first moved to the end; A is then a map from its last dims (X's shape) to its first
    B.ndim ones, solved as one square system."""
    a, b = _tensor(A), _tensor(B)
    if dims is not None:
        axes = [_axis(a, d, "tensorsolve") for d in dims]
        a = a.movedim(axes, list(range(a.ndim - len(axes), a.ndim)))
    if a.shape[:b.ndim] != b.shape or math.prod(b.shape) != math.prod(a.shape[b.ndim:]):
        raise ValueError(f"tensorsolve: A of shape {a.shape} must start with B's shape "
                         f"{b.shape}, and the rest of its shape must hold as many elements")
    unknowns = a.shape[b.ndim:]
    square = a.reshape(math.prod(b.shape), math.prod(unknowns))
    return solve(square, b.reshape(-1)).reshape(*unknowns)


def vander(x: Any, *, N: int | None = None) -> Tensor:
    """The Vandermonde matrices of x (..., n): columns x^0, x^1, ..., x^(N-1), N > 1
    (x.shape[-1] by default); increasing powers, unlike tinygrad_edu.vander's default
    (torch.linalg.vander). Integers and bools give int64, as torch."""
    t = _tensor(x)
    if t.ndim == 0:
        raise ValueError("linalg.vander: x must have at least one dimension, got a 0-d tensor")
    N = t.shape[-1] if N is None else N
    check_int("linalg.vander", "N", N)
    if N <= 1:
        raise ValueError(f"linalg.vander: N must be greater than 1, got {N}")
    return increasing_powers(t, N)


def increasing_powers(x: Tensor, N: int) -> Tensor:
    """(..., n, N): x^0, ..., x^(N-1) of each element of x (..., n), as a running product
    (cumprod) along [1, x, x, ...], so the gradient is exact also at x = 0 (x ** 0 would
    have the slope 0 * 0^-1). Integers and bools as int64."""
    if x.dtype.kind != "f":
        x = x.to(np.int64)
    column = x.unsqueeze(-1)
    ones = Tensor(np.ones(column.shape[:-1] + (min(N, 1),), x.dtype))
    return cumprod(cat([ones, column.expand(*x.shape, max(N - 1, 0))], -1), -1)


def svdvals(A: Any, *, driver: Any = None) -> Tensor:
    """The singular values of A (..., m, n), descending: svd(A).S, whose gradient is
    U diag(g) V^T (fine at repeated and zero singular values)."""
    a = _matrices("svdvals", A)
    return Svd.split(Svd.apply(a), *a.shape[-2:])[1]


def solve_triangular(A: Any, B: Any, *, upper: bool, left: bool = True,
                     unitriangular: bool = False) -> Tensor:
    """X with A X = B (left=False: X A = B) for triangular A (..., n, n), reading only
    its upper or lower triangle (unitriangular: with ones on the diagonal), and B always
    a matrix (..., n, k) (left=False: (..., k, n)), as torch; batch axes broadcast.
    Composed: Solve of the triangle, whose gradient with respect to A is the triangle of
    Solve's."""
    return _triangular("solve_triangular", _square("solve_triangular", A), _tensor(B),
                       upper, left, unitriangular)


def _triangular(op: str, a: Tensor, b: Tensor, upper: bool, left: bool = True,
                unitriangular: bool = False) -> Tensor:
    n = a.shape[-1]
    if b.ndim < 2 or b.shape[-2 if left else -1] != n:
        wanted = f"(..., {n}, k)" if left else f"(..., k, {n})"
        raise ValueError(f"{op}: B must be a matrix {wanted} to go with the {a.shape} "
                         f"matrix, got shape {b.shape}" + (
                             " (write B.unsqueeze(-1) for a vector)" if b.ndim == 1 else ""))
    if b.dtype != a.dtype:
        raise TypeError(f"{op}: B and the triangular matrix must have the same dtype, got "
                        f"{b.dtype} and {a.dtype}")
    try:
        broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ValueError(f"{op}: the batch axes of shapes {a.shape} and {b.shape} do not "
                         "broadcast") from None
    triangle = a.triu() if upper else a.tril()
    if unitriangular:
        eye = np.eye(n, dtype=a.dtype)
        triangle = triangle * (1 - eye) + eye
    try:
        return Solve.apply(triangle, b) if left else Solve.apply(triangle.mT, b.mT).mT
    except np.linalg.LinAlgError as error:       # (a 0 on the diagonal; torch returns inf)
        raise np.linalg.LinAlgError(str(error).replace("solve:", f"{op}:", 1)) from None


def cholesky_solve(B: Any, L: Any, upper: bool = False) -> Tensor:
    """X with A X = B, given A's Cholesky factor L (A = L L^T; upper=True: U, A = U^T U),
    by two triangular solves (torch.cholesky_solve; note B comes first)."""
    factor = _square("cholesky_solve", L)
    lower = factor.mT if upper else factor
    halfway = _triangular("cholesky_solve", lower, _tensor(B), upper=False)
    return _triangular("cholesky_solve", lower.mT, halfway, upper=True)


def cholesky_inverse(L: Any, upper: bool = False) -> Tensor:
    """A^-1 from A's Cholesky factor L (A = L L^T; upper=True: U, A = U^T U): cholesky_solve
    of the identity."""
    factor = _square("cholesky_inverse", L)
    return cholesky_solve(np.broadcast_to(np.eye(factor.shape[-1], dtype=factor.dtype),
                                          factor.shape), factor, upper)


CholeskyResult = namedtuple("CholeskyResult", ["L", "info"])


def cholesky_ex(A: Any, *, upper: bool = False, check_errors: bool = False) -> CholeskyResult:
    """(L, info) without raising (unless check_errors): info is 0 where A is positive-
    definite and else the order of its first leading minor that is not, as torch (a GP's
    loop adding jitter until info is 0). Where info > 0, L holds zeros here (torch leaves
    a partial factor); L has a gradient only when every matrix of the batch factored."""
    a = _square("cholesky_ex", A)
    try:
        return CholeskyResult(cholesky(a, upper=upper), Tensor(np.zeros(a.shape[:-2],
                                                                          np.int32)))
    except np.linalg.LinAlgError as error:
        if check_errors:
            raise np.linalg.LinAlgError(str(error).replace("cholesky:", "cholesky_ex:", 1)
                                        ) from None
    info, L = np.zeros(a.shape[:-2], np.int32), np.zeros(a.shape, a.dtype)
    for i in np.ndindex(a.shape[:-2]):               # (the failing case only)
        matrix = a.data[i].T if upper else a.data[i]
        if _factors(matrix):
            L[i] = np.linalg.cholesky(matrix)
            continue
        good, bad = 0, a.shape[-1]       # a minor that factors has every smaller one factor:
        while bad - good > 1:            # bisect for the first that does not (log2 n tries)
            middle = (good + bad) // 2
            good, bad = (middle, bad) if _factors(matrix[:middle, :middle]) else (good, middle)
        info[i] = bad
    return CholeskyResult(Tensor(L.swapaxes(-1, -2) if upper else L), Tensor(info))


def _factors(matrix: np.ndarray) -> bool:
    """Whether numpy's Cholesky factors `matrix` (a finite, positive-definite result)."""
    try:
        return bool(np.isfinite(np.linalg.cholesky(matrix)).all())
    except np.linalg.LinAlgError:
        return False


LegacySvd = namedtuple("svd", ["U", "S", "V"])


def svd_legacy(input: Any, some: bool = True, compute_uv: bool = True) -> LegacySvd:
    """torch.svd (deprecated in torch for linalg.svd, still in many PCA tutorials):
    (U, S, V) with A = U diag(S) V^T, so V is linalg.svd's Vh transposed; some=True is
    the reduced decomposition. compute_uv=False gives zero U (m, m) and V (n, n)."""
    a = _matrices("svd", input)
    if not compute_uv:
        m, n = a.shape[-2:]
        zeros = [Tensor(np.zeros((*a.shape[:-2], k, k), a.dtype)) for k in (m, n)]
        return LegacySvd(zeros[0], svdvals(a), zeros[1])
    U, S, Vh = svd(a, full_matrices=not some)
    return LegacySvd(U, S, Vh.mT)


Tensor.cholesky_solve, Tensor.cholesky_inverse = cholesky_solve, cholesky_inverse
Tensor.svd = svd_legacy
Tensor.inverse, Tensor.det, Tensor.slogdet, Tensor.logdet = inv, det, slogdet, logdet
Tensor.matrix_power = matrix_power


from .least_squares import inv_ex, lstsq, matrix_rank, pinv, solve_ex  # noqa: E402,F401
from .lu import lu, lu_factor, lu_factor_ex, lu_solve  # noqa: E402,F401  (lu.py)
from .householder import householder_product  # noqa: E402,F401  (householder.py)
