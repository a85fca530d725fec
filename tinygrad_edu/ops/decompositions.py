"""Matrix decompositions of symmetric matrices: Cholesky and the eigendecomposition.

Both read one triangle of A (the lower one), so a derivative with respect to A has a
choice to make about the other; as torch, the gradient returned is the symmetric one,
the derivative along symmetric changes dA = dA^T. (A gradient check therefore feeds
them a symmetric matrix such as (B + B^T) / 2 and differentiates through that.)
"""
from __future__ import annotations

import numpy as np

from ..function import Function


def _not_positive_definite(a: np.ndarray) -> np.linalg.LinAlgError:
    """numpy says only "Matrix is not positive definite": name the op and the matrix."""
    which = ""
    if a.ndim > 2:                         # (the error path only: find the batch entry)
        failed = [i for i in np.ndindex(a.shape[:-2])
                  if np.any(np.linalg.eigvalsh(a[i]) <= 0)]
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
    eigenvalues w_i = w_j make F_ij infinite: where skew(V^T g_V)_ij is 0 there (a loss
    of the eigenvalues alone) that entry adds 0; otherwise the gradient does not exist
    and backward raises (torch returns inf/nan). Saves out.
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
        gap = w.unsqueeze(-2) - w.unsqueeze(-1)           # w_j - w_i
        tie = gap.data == 0                                # (the diagonal, and equal w's)
        rotation = V.mT @ g_V
        skew = (rotation - rotation.mT) / 2
        undefined = np.argwhere(tie & (skew.data != 0))
        if len(undefined):
            *batch, i, j = undefined[0]
            raise np.linalg.LinAlgError(
                f"eigh backward: the loss depends on the eigenvectors {i} and {j} of the "
                f"repeated eigenvalue {w.data[(*batch, i)]}, which are not unique, so they "
                "have no gradient (torch returns inf/nan)")
        F = (1 / gap.where(~tie, 1)).where(~tie, 0)        # 1 / (w_j - w_i), 0 at ties
        return V @ (g_w.diag_embed() + skew * F) @ V.mT
