"""Matrix product, inverse, pseudo-inverse, matrix exponential, linear solve, det and
log |det|."""
from __future__ import annotations

import math

import numpy as np

from .. import grad_mode
from ..function import Function


class Matmul(Function):
    """out = a @ b for a: (..., n, k), b: (..., k, m) -> (..., n, m); batch axes broadcast.

    out[i, j] = sum_k a[i, k] b[k, j], so
    VJP: dL/da = g @ b^T   (n, m)(m, k) -> (n, k)
         dL/db = a^T @ g   (k, n)(n, m) -> (k, m)
    (^T swaps the last two axes; a broadcast batch axis is summed by the engine).
    1-D operands are handled by `Tensor.matmul`, which adds and removes the axis.
    Saves a, b. (A gradient nobody needs, e.g. for the input batch, is not computed.)
    """

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        # Matmul.apply rather than @: the shapes are known to fit (Tensor.matmul checks them)
        grad_a = Matmul.apply(g, b.mT) if need_a else None        # g @ b^T
        grad_b = Matmul.apply(a.mT, g) if need_b else None        # a^T @ g
        return grad_a, grad_b


class Affine(Function):
    """out = x @ w^T + b, the affine map of nn.Linear: x (..., in), w (out, in), b (out,)
    or none. (Named `affine`, not `linear`: a learner's own `class Linear(Function)`, the
    classic exercise, keeps its name.)

    out[..., o] = sum_i x[..., i] w[o, i] + b[o], so with g = dL/dout (..., out):
    VJP: dL/dx = g @ w                               (..., out)(out, in) -> (..., in)
         dL/dw = g^T x, summed over the batch axes   (out, rows)(rows, in) -> (out, in)
         dL/db = g summed over the batch axes        (out,)
    Saves x, w. (One node where transpose, matmul and add made three.)
    """

    @staticmethod
    def forward(ctx, x, w, b=None):
        ctx.save_for_backward(x, w)
        out = np.matmul(x, w.T)
        if b is not None:
            out += b
        return out

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        need_x, need_w = ctx.needs_input_grad[:2]
        count = math.prod(x.shape[:-1])                            # rows of the batch
        rows = g.reshape(count, w.shape[0])                         # (rows, out)
        grad_x = Matmul.apply(rows, w).reshape(x.shape) if need_x else None     # g @ w
        grad_w = Matmul.apply(rows.mT, x.reshape(count, w.shape[1])) if need_w else None
        if len(ctx.inputs) == 2:
            return grad_x, grad_w
        return grad_x, grad_w, rows.sum(0) if ctx.needs_input_grad[2] else None


def singular(op: str, a: np.ndarray) -> np.linalg.LinAlgError:
    """The error for a singular matrix, naming the op and, in a batch, the first singular
    entry (numpy says only "Singular matrix"): the LU that inverts A has a zero pivot
    exactly where log |det A| is -inf."""
    failed = np.argwhere(sign_logabsdet(a)[1] == -np.inf) if a.ndim > 2 else ()
    which = f" (batch entry {tuple(int(i) for i in failed[0])})" if len(failed) else ""
    return np.linalg.LinAlgError(f"{op}: a matrix of shape {a.shape[-2:]}{which} is singular "
                                 "(no inverse)")


def matrices_with(mask: np.ndarray) -> np.ndarray:
    """(..., 1, 1): which matrices of the (..., m, n) boolean `mask` hold a True."""
    return mask.any(axis=(-2, -1), keepdims=True)


def set_aside(a: np.ndarray, bad: np.ndarray) -> np.ndarray:
    """a with the matrices where `bad` (..., 1, 1) is True replaced by I, so that LAPACK
    cannot fail on them; the caller then puts nan in their results. (LAPACK's LU can take
    a nan pivot for a zero one and call a matrix holding nan singular: torch answers nan.)"""
    return np.where(bad, np.eye(a.shape[-1], dtype=a.dtype), a) if bad.any() else a


def nan_where(bad: np.ndarray, out: np.ndarray) -> np.ndarray:
    """out with nan in the results of the matrices `set_aside` replaced (out itself, not a
    copy, when there were none)."""
    return np.where(bad, np.nan, out) if bad.any() else out


def sign_logabsdet(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """numpy's slogdet, but (0, nan) for a matrix holding nan, as torch."""
    bad = matrices_with(np.isnan(a))
    sign, logabsdet = np.linalg.slogdet(set_aside(a, bad))
    bad = bad[..., 0, 0]
    return np.where(bad, 0, sign), nan_where(bad, logabsdet)


class Inverse(Function):
    """out = A^-1 for square A (..., n, n).

    From A A^-1 = I: dA A^-1 + A d(A^-1) = 0, so d(A^-1) = -A^-1 dA A^-1 and
    VJP: dL/dA = -out^T @ g @ out^T   (^T swaps the last two axes).   Saves out.
    A singular A raises numpy's LinAlgError, as torch raises; an A holding nan gives nan.
    """

    @staticmethod
    def forward(ctx, a):
        bad = matrices_with(np.isnan(a))
        try:
            out = nan_where(bad, np.linalg.inv(set_aside(a, bad)))
        except np.linalg.LinAlgError:
            raise singular("inverse", a) from None
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return -Matmul.apply(Matmul.apply(out.mT, g), out.mT)


class PseudoInverse(Function):
    """out = P = A^+, the Moore-Penrose pseudo-inverse of A (..., m, n): from the SVD
    A = U S V^T, P = V S^+ U^T, where S^+ inverts the singular values above `tol` (the
    others count as 0); with `hermitian`, from A's eigenvalues instead.

    Where the rank does not change nearby (Golub and Pereyra),
        dP = -P dA P + P P^T dA^T (I - A P) + (I - P A) dA^T P^T P,   so
    VJP: dL/dA = -P^T g P^T + (I - A P) g^T P P^T + P^T P g^T (I - P A)
    (for invertible A only the first term is left: the inverse's VJP). Saves A, P.
    """

    @staticmethod
    def forward(ctx, a, atol, rtol, hermitian):
        if hermitian:
            values, u = np.linalg.eigh(a)
            vh, magnitudes = u.swapaxes(-1, -2), np.abs(values)
        else:
            u, magnitudes, vh = np.linalg.svd(a, full_matrices=False)
            values = magnitudes
        largest = magnitudes.max(axis=-1, keepdims=True, initial=0.0)
        kept = magnitudes > np.maximum(atol, rtol * largest)
        inverted = np.divide(1, values, out=np.zeros_like(values), where=kept)
        out = (vh.swapaxes(-1, -2) * inverted[..., None, :]) @ u.swapaxes(-1, -2)
        ctx.save_for_backward(a, out)
        return out.astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        a, p = ctx.saved_tensors
        pt, gt = p.mT, g.mT
        mm = Matmul.apply
        first = -mm(mm(pt, g), pt)                                  # -P^T g P^T
        x = mm(mm(gt, p), pt)                                       # g^T P P^T
        second = x - mm(a, mm(p, x))                                # (I - A P) g^T P P^T
        y = mm(mm(pt, p), gt)                                       # P^T P g^T
        third = y - mm(mm(y, p), a)                                 # P^T P g^T (I - P A)
        return first + second + third


class MatrixExp(Function):
    """out = e^A = sum_k A^k / k! for square A (..., n, n), by scaling and squaring:
    e^A = (e^(A / 2^s))^(2^s), the inner one a degree-13 Pade approximant (Higham 2005,
    accurate to float64 rounding once ||A / 2^s||_1 <= 5.37). Each matrix of a batch has
    its own s (squaring multiplies the rounding error by about 2^s).

    The derivative in direction E is the integral of e^(tA) E e^((1-t)A) over t in [0, 1],
    which is the top-right block of e^[[A, E], [0, A]]. Its adjoint gives
    VJP: dL/dA = top-right n x n block of e^[[A^T, g], [0, A^T]]
    (this op again, on a 2n x 2n matrix: it differentiates to any order). Saves A.
    """

    THETA_13 = 5.371920351148152                       # the largest ||A / 2^s||_1 wanted
    PADE_13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0,
               1187353796428800.0, 129060195264000.0, 10559470521600.0, 670442572800.0,
               33522128640.0, 1323241920.0, 40840800.0, 960960.0, 16380.0, 182.0, 1.0)

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        if a.shape[-1] == 0:
            return a.copy()
        b = MatrixExp.PADE_13
        broken = matrices_with(~np.isfinite(a))                      # nan or inf: nan out
        a_finite = set_aside(a, broken)
        norm = np.abs(a_finite).sum(axis=-2).max(axis=-1)[..., None, None]    # ||A||_1
        squarings = np.ceil(np.log2(np.maximum(norm / MatrixExp.THETA_13, 1))).astype(int)
        x = np.ldexp(a_finite, -squarings)                           # A / 2^s, exactly
        eye = np.broadcast_to(np.eye(a.shape[-1], dtype=a.dtype), a.shape)
        x2 = x @ x
        x4 = x2 @ x2
        x6 = x4 @ x2
        u = x @ (x6 @ (b[13] * x6 + b[11] * x4 + b[9] * x2) + b[7] * x6 + b[5] * x4
                 + b[3] * x2 + b[1] * eye)
        v = x6 @ (b[12] * x6 + b[10] * x4 + b[8] * x2) + b[6] * x6 + b[4] * x4 + b[2] * x2 \
            + b[0] * eye
        out = np.linalg.solve(v - u, v + u)
        for step in range(squarings.max(initial=0)):
            more = squarings[..., 0, 0] > step                      # the matrices still squaring
            out[more] = out[more] @ out[more]
        return nan_where(broken, out)

    @staticmethod
    def backward(ctx, g):
        from ..composed import cat                   # (composed.py builds on the ops)
        (a,) = ctx.saved_tensors
        n = a.shape[-1]
        block = cat([cat([a.mT, g], -1), cat([g * 0, a.mT], -1)], -2)   # [[A^T, g], [0, A^T]]
        return MatrixExp.apply(block)[..., :n, n:]


class Solve(Function):
    """out = X with A X = B, for A (..., n, n) and B (..., n, k); batch axes broadcast.

    From A X = B: dA X + A dX = dB, so dX = A^-1 (dB - dA X); with G = A^-T g,
    VJP: dL/dA = -G @ X^T,   dL/dB = G = Solve(A^T, g).   Saves A, out.
    (The gradient is itself a solve: no inverse is ever formed.)
    """

    @staticmethod
    def forward(ctx, a, b):
        bad = matrices_with(np.isnan(a))             # (an A holding nan gives nan, as torch)
        try:
            out = nan_where(bad, np.linalg.solve(set_aside(a, bad), b))
        except np.linalg.LinAlgError:
            raise singular("solve", a) from None
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        grad_b = Solve.apply(a.mT, g)
        return -Matmul.apply(grad_b, out.mT), grad_b


class Det(Function):
    """out = det A for square A (..., n, n).

    Jacobi's formula d det A = tr(adj(A) dA) gives
    VJP: dL/dA = g adj(A)^T, the matrix of cofactors (g broadcast over the last two axes),
    which is g det(A) A^-T for an invertible A. The cofactors exist at a singular A too:
    with the SVD A = U diag(s) V^T, adj(A)^T = det(U) det(V) U diag(p) V^T, where p_i is
    the product of the singular values other than s_i (nonzero at rank n - 1, zero below;
    torch 2.13 gives zeros at every singular A). Saves A.
    With create_graph the VJP is g det(A) A^-T in Tensor ops (so it differentiates
    again), which a singular A refuses.
    """

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        bad = matrices_with(np.isnan(a))             # (nan, as torch; numpy may answer 0)
        return nan_where(bad[..., 0, 0], np.linalg.det(set_aside(a, bad)))

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        g = g.unsqueeze(-1).unsqueeze(-1)
        if not grad_mode.is_grad_enabled():
            return g * cofactors(a.data)
        try:
            inverse = Inverse.apply(a)
        except np.linalg.LinAlgError:
            raise singular("det backward with create_graph", a.data) from None
        return g * Det.apply(a).unsqueeze(-1).unsqueeze(-1) * inverse.mT


def cofactors(a: np.ndarray) -> np.ndarray:
    """adj(A)^T = det(U) det(V) U diag(p) V^T from the SVD A = U diag(s) V^T, with
    p_i = prod_{j != i} s_j (see Det); nan for an A holding nan or inf (no SVD)."""
    bad = matrices_with(~np.isfinite(a))
    u, s, vt = np.linalg.svd(set_aside(a, bad))
    n = s.shape[-1]
    others = np.where(np.eye(n, dtype=bool), 1, s[..., None, :]).prod(-1)
    signs = np.linalg.det(u) * np.linalg.det(vt)
    return nan_where(bad, signs[..., None, None] * (u * others[..., None, :]) @ vt)


class LogAbsDet(Function):
    """out = log |det A| for square A (..., n, n) (-inf for a singular A).

    Jacobi's formula d det A = det A tr(A^-1 dA) gives d log|det A| = tr(A^-1 dA), so
    VJP: dL/dA = g A^-T   (g broadcast over the last two axes).   Saves A.
    At a singular A that inverse does not exist: backward raises an error naming it
    (torch 2.13 gives inf/nan there; det, whose gradient exists, is the op Det).
    """

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return sign_logabsdet(a)[1]

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        try:
            inverse = Inverse.apply(a)
        except np.linalg.LinAlgError:
            raise singular("det/slogdet backward", a.data) from None
        return g.unsqueeze(-1).unsqueeze(-1) * inverse.mT
