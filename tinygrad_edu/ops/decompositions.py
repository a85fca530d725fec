"""Matrix decompositions: Cholesky, the symmetric eigendecomposition, the SVD and QR.

Cholesky and eigh read one triangle of A (the lower one), so a derivative with respect
to A has a choice to make about the other; as torch, the gradient returned is the
symmetric one, the derivative along symmetric changes dA = dA^T. (A gradient check
therefore feeds them a symmetric matrix such as (B + B^T) / 2 and differentiates
through that.) An op returns one array, so eigh and svd stack their factors into one
and `tinygrad_edu.linalg` splits it; the gradient of the split stacks back into g.

Eigenvectors and singular vectors are not unique where values repeat: their VJPs
divide by gaps between values, and `_divided` refuses to divide where there is no gap
and the loss uses those vectors.
"""
from __future__ import annotations

import numpy as np

from ..function import Function


def _not_positive_definite(a: np.ndarray) -> np.linalg.LinAlgError:
    """numpy says only "Matrix is not positive definite": name the op and the matrix."""
    which = ""
    if a.ndim > 2:                         # (the error path only: find the batch entry)
        failed = [i for i in np.ndindex(a.shape[:-2]) if not np.isfinite(a[i]).all()
                  or np.any(np.linalg.eigvalsh(a[i]) <= 0)]
        which = f" (batch entry {failed[0]})" if failed else ""
    return np.linalg.LinAlgError(
        f"cholesky: the matrix of shape {a.shape[-2:]}{which} is not positive-definite, so it "
        "has no Cholesky factor (add a multiple of the identity, or check that it is "
        "symmetric)")


class Cholesky(Function):
    """out = L, lower triangular with a positive diagonal, such that A = L L^T, for a
    symmetric positive-definite A (..., n, n) (only its lower triangle is read).

    Differentiate A = L L^T: dA = dL L^T + L dL^T. Multiply by L^-1 on the left and
    L^-T on the right: L^-1 dA L^-T = X + X^T with X = L^-1 dL lower triangular. So
    X = Phi(L^-1 dA L^-T), where Phi keeps the lower triangle and halves the diagonal,
    and dL = L Phi(L^-1 dA L^-T). Moving L and the L^-1's to the other side of the
    inner product (Phi is its own adjoint):
    VJP: dL/dA = sym(L^-T Phi(L^T g) L^-1),   sym(M) = (M + M^T) / 2.
    The L^-1's are solves with L, never an inverse. Saves out.
    """

    @staticmethod
    def forward(ctx, a):
        try:
            out = np.linalg.cholesky(a)
        except np.linalg.LinAlgError:
            raise _not_positive_definite(a) from None
        if not np.isfinite(out).all():            # (numpy lets nan through)
            raise _not_positive_definite(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        from ..linalg import solve              # (linalg.py builds on this module)
        (L,) = ctx.saved_tensors
        inner = (L.mT @ g).tril()
        phi = inner - inner.diagonal(dim1=-2, dim2=-1).diag_embed() / 2
        grad = solve(L.mT, solve(L, phi, left=False))     # L^-T (Phi L^-1)
        return (grad + grad.mT) / 2


class Eigh(Function):
    """The eigendecomposition A = V diag(w) V^T of a symmetric A (..., n, n) (only its
    lower triangle is read): eigenvalues w ascending, eigenvectors the columns of V.
    An op returns one array, so out (..., n + 1, n) stacks w as row 0 above V;
    `linalg.eigh` splits it (and the gradient of the split stacks back into g).

    Differentiate A v_i = w_i v_i with |v_i| = 1: dw_i = v_i^T dA v_i, and
    dV = V (F o (V^T dA V)), F_ij = 1 / (w_j - w_i) off the diagonal, 0 on it
    (o the elementwise product). Moving V to the other side of the inner product, with
    g_w, g_V the parts of g:
    VJP: dL/dA = V (diag(g_w) + F o skew(V^T g_V)) V^T,   skew(M) = (M - M^T) / 2
    (the symmetric gradient: F is antisymmetric, so F o skew(.) is symmetric). Equal
    eigenvalues w_i = w_j make F_ij infinite: where (V^T g_V)_ij and _ji are 0 there (a
    loss of the eigenvalues alone) that entry adds 0; otherwise backward raises (torch
    returns nan): the vectors are not unique, and even a loss that does not care which
    are chosen (sqrt(A) = V sqrt(W) V^T) has a limit there that this VJP cannot see.
    Saves out.
    """

    @staticmethod
    def forward(ctx, a):
        w, v = np.linalg.eigh(a)
        out = np.concatenate([w[..., None, :], v], axis=-2)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        w, V = out[..., 0, :], out[..., 1:, :]
        g_w, g_V = g[..., 0, :], g[..., 1:, :]
        rotation = V.mT @ g_V
        gap = w.unsqueeze(-2) - w.unsqueeze(-1)           # w_j - w_i (0 on the diagonal)
        turn = _divided((rotation - rotation.mT) / 2, gap, "eigh", "eigenvectors",
                        "a repeated eigenvalue", uses=rotation.data)
        return V @ (g_w.diag_embed() + turn) @ V.mT


class Svd(Function):
    """The reduced SVD A = U diag(s) V^T of A (..., m, n), k = min(m, n): U (..., m, k)
    and V (..., n, k) with orthonormal columns, s descending and >= 0. out (..., m k + k
    + k n) holds U, s and Vh = V^T flattened one after the other.

    Differentiate A = U S V^T with U^T U = I (so U^T dU is antisymmetric; V likewise):
    ds = diag(U^T dA V), and the off-diagonal part of U^T dA V = U^T dU S + dS + S dV^T V
    gives U^T dU and V^T dV through F_ij = 1 / (s_j^2 - s_i^2); when m > k (n > k) the
    part of dU (dV) outside the columns of U (V) is (I - U U^T) dA V S^-1. Moving the
    factors to the other side of the inner product, with g_U, g_s, g_V the parts of g:
    VJP: dL/dA = U [diag(g_s) + F o (skew(U^T g_U) S + S skew(V^T g_V))] V^T
    + (I - U U^T) g_U S^-1 V^T + U S^-1 g_V^T (I - V V^T).
    Here skew(M) = M - M^T (twice Eigh's skew: no 1/2, as F here pairs with both
    triangles); the second term is 0 unless m > n, the third unless n > m
    (U U^T = I when U is square). A loss of s alone (svdvals, matrix norms) uses
    diag(g_s) only, which is fine at repeated or zero singular values; a loss that uses
    the vectors there makes backward raise, as Eigh's (torch returns inf/nan). Saves out.
    """

    @staticmethod
    def forward(ctx, a):
        if not np.isfinite(a).all():
            raise np.linalg.LinAlgError(f"svd: the matrix of shape {a.shape[-2:]} holds inf "
                                        "or nan, so it has no singular value decomposition")
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        (m, n), batch = a.shape[-2:], a.shape[:-2]
        k = min(m, n)
        out = np.concatenate([u.reshape(*batch, m * k), s, vh.reshape(*batch, k * n)], axis=-1)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def split(stacked, m: int, n: int) -> tuple:
        """(U, s, Vh) out of a stacked svd (or its gradient), for A (..., m, n)."""
        k, batch = min(m, n), stacked.shape[:-1]
        return (stacked[..., :m * k].reshape(*batch, m, k), stacked[..., m * k:m * k + k],
                stacked[..., m * k + k:].reshape(*batch, k, n))

    @staticmethod
    def backward(ctx, g):
        m, n = ctx.inputs[0].shape[-2:]
        (out,) = ctx.saved_tensors
        (U, s, Vh), (g_U, g_s, g_Vh) = Svd.split(out, m, n), Svd.split(g, m, n)
        V, g_V = Vh.mT, g_Vh.mT
        U_turn, V_turn = U.mT @ g_U, V.mT @ g_V
        row, column = s.unsqueeze(-2), s.unsqueeze(-1)              # s_j, s_i
        mixed = (U_turn - U_turn.mT) * row + column * (V_turn - V_turn.mT)
        turn = _divided(mixed, row * row - column * column, "svd", "singular vectors",
                        REPEATED, uses=np.abs(U_turn.data) + np.abs(V_turn.data))
        grad = U @ (g_s.diag_embed() + turn) @ Vh
        if m > n:
            grad = grad + _divided(g_U - U @ U_turn, row, "svd", "left singular vectors",
                                   ZERO) @ Vh
        if n > m:
            grad = grad + U @ _divided(g_V - V @ V_turn, row, "svd", "right singular vectors",
                                       ZERO).mT
        return grad


class Qr(Function):
    """The reduced QR decomposition A = Q R of A (..., m, n), k = min(m, n): Q (..., m, k)
    with orthonormal columns, R (..., k, n) upper triangular (LAPACK's Householder signs,
    as torch). out (..., m k + k n) holds Q and R flattened one after the other.

    Tall or square (m >= n): differentiate A = Q R with Q^T Q = I. C = Q^T dQ is
    antisymmetric and dR R^-1 upper triangular, so X = Q^T dA R^-1 = C + dR R^-1 gives C
    from X's strict lower triangle, and (I - Q Q^T) dQ = (I - Q Q^T) dA R^-1. Moving
    the factors to the other side of the inner product, with g_Q, g_R the parts of g:
    VJP: dL/dA = (g_Q + Q copyltu(M)) R^-T,   M = R g_R^T - g_Q^T Q,
    copyltu keeping M's lower triangle and mirroring it above. Wide (m < n): A = [X Y]
    with X = Q R_1 square and R_2 = Q^T Y, so dL/dY = Q g_R2 and X gets the square VJP
    with g_Q + Y g_R2^T. R must be invertible (A of full rank). Saves A, out.
    """

    @staticmethod
    def forward(ctx, a):
        q, r = np.linalg.qr(a, mode="reduced")
        batch = a.shape[:-2]
        m, n = a.shape[-2:]
        k = min(m, n)
        out = np.concatenate([q.reshape(*batch, m * k), r.reshape(*batch, k * n)], axis=-1)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def split(stacked, m: int, n: int) -> tuple:
        """(Q, R) out of a stacked QR (or its gradient), for A (..., m, n)."""
        k, batch = min(m, n), stacked.shape[:-1]
        return (stacked[..., :m * k].reshape(*batch, m, k),
                stacked[..., m * k:].reshape(*batch, k, n))

    @staticmethod
    def backward(ctx, g):
        from ..linalg import cat, solve_triangular      # (linalg.py builds on this module)
        a, out = ctx.saved_tensors
        m, n = a.shape[-2:]
        (Q, R), (g_Q, g_R) = Qr.split(out, m, n), Qr.split(g, m, n)

        def tall(R, g_Q, g_R):                  # (g_Q + Q copyltu(M)) R^-T, R square
            M = R @ g_R.mT - g_Q.mT @ Q
            lower = M.tril()
            copyltu = lower + lower.tril(-1).mT
            return solve_triangular(R, (g_Q + Q @ copyltu).mT, upper=True).mT
        if m >= n:
            return tall(R, g_Q, g_R)
        Y, g_R2 = a[..., m:], g_R[..., m:]
        return cat([tall(R[..., :m], g_Q + Y @ g_R2.mT, g_R[..., :m]), Q @ g_R2], -1)


REPEATED, ZERO = "a repeated singular value", "a zero singular value"


def _divided(numerator, denominator, op: str, vectors: str, value: str, uses=None):
    """numerator / denominator (broadcast), and 0 where both are 0 because the loss does
    not use those vectors: `uses` (an array, square; default the numerator's) is 0 at
    entries ij and ji off the diagonal. Where the loss uses vectors that are not unique,
    backward raises."""
    uses = numerator.data if uses is None else uses
    if uses.shape[-1] == uses.shape[-2]:              # a pair i, j: either order counts,
        uses = (uses != 0) | (uses.swapaxes(-1, -2) != 0)        # the diagonal never does
        uses &= ~np.eye(uses.shape[-1], dtype=bool)
    zero = denominator.data == 0
    if np.any(zero & ((numerator.data != 0) | (uses != 0))):
        raise np.linalg.LinAlgError(
            f"{op} backward: the loss uses {vectors} of {value}, which are not unique, so "
            f"the gradient through them is 0/0 (even a function of the matrix such as "
            f"V f(W) V^T, whose limit exists, cannot be differentiated through {op} there; "
            "torch returns nan). Perturb the matrix slightly, or compute the function "
            f"without {op}")
    return (numerator / denominator.where(~zero, 1)).where(~zero, 0)
