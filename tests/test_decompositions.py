"""linalg.cholesky, eigh, eigvalsh, solve_triangular and cholesky_solve: values against
numpy and the definitions, which triangle each reads, and errors (their gradients are
checked against finite differences in gradcases/decompositions.py)."""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, linalg

RNG = np.random.default_rng(11)
B = RNG.standard_normal((2, 4, 4))
SPD = B @ B.transpose(0, 2, 1) + np.eye(4)          # symmetric positive-definite


def test_cholesky_factors_and_reads_one_triangle():
    L = linalg.cholesky(Tensor(SPD))
    np.testing.assert_allclose(L.numpy() @ L.numpy().transpose(0, 2, 1), SPD, rtol=1e-13)
    assert np.all(np.triu(L.numpy(), 1) == 0) and np.all(np.diagonal(L.numpy(), 0, 1, 2) > 0)
    noisy_upper = SPD + np.triu(RNG.standard_normal((4, 4)), 1)  # upper triangle not read
    np.testing.assert_array_equal(linalg.cholesky(Tensor(noisy_upper)).numpy(), L.numpy())
    U = linalg.cholesky(Tensor(SPD), upper=True)
    np.testing.assert_allclose(U.numpy(), L.numpy().transpose(0, 2, 1), rtol=1e-15)


def test_cholesky_gradient_is_symmetric_and_exact_along_symmetric_changes():
    a = Tensor(SPD[0], requires_grad=True)
    weights = RNG.standard_normal((4, 4))
    (linalg.cholesky(a) * Tensor(weights)).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), a.grad.numpy().T, atol=1e-15)
    change = RNG.standard_normal((4, 4))
    change += change.T                                # a symmetric direction

    def loss(m):
        return (np.linalg.cholesky(m) * weights).sum()

    slope = (loss(SPD[0] + 1e-6 * change) - loss(SPD[0] - 1e-6 * change)) / 2e-6
    assert np.isclose((a.grad.numpy() * change).sum(), slope, rtol=1e-8)


def test_eigh_is_a_decomposition_with_ascending_eigenvalues():
    symmetric = (B + B.transpose(0, 2, 1)) / 2
    w, V = linalg.eigh(Tensor(symmetric))
    assert w.shape == (2, 4) and V.shape == (2, 4, 4)
    assert np.all(np.diff(w.numpy(), axis=-1) > 0)
    rebuilt = V.numpy() @ (w.numpy()[..., None] * V.numpy().transpose(0, 2, 1))
    np.testing.assert_allclose(rebuilt, symmetric, atol=1e-13)
    np.testing.assert_allclose(linalg.eigvalsh(Tensor(symmetric)).numpy(), w.numpy())
    upper_only = np.triu(symmetric) + np.tril(RNG.standard_normal((4, 4)), -1)
    np.testing.assert_allclose(linalg.eigvalsh(Tensor(upper_only), UPLO="U").numpy(),
                               w.numpy(), rtol=1e-13)


def test_eigh_eigenvalue_gradient_is_v_v_transpose_even_for_repeated_eigenvalues():
    a = Tensor(np.diag([2.0, 2.0, 5.0]), requires_grad=True)    # w = 2 twice
    w, _ = linalg.eigh(a)
    w[2].backward()                  # d w_i / dA = v_i v_i^T: here e_3 e_3^T, finite
    np.testing.assert_allclose(a.grad.numpy(), np.diag([0.0, 0.0, 1.0]), atol=1e-15)
    _, V = linalg.eigh(a)
    with pytest.raises(np.linalg.LinAlgError, match=r"eigh backward: the loss uses "
                                                     r"eigenvectors of a repeated"):
        V[1, 0].backward()           # any rotation of the first two is as good: no gradient


def test_a_matrix_function_through_eigh_at_a_tie_is_refused_not_truncated():
    # sqrt(A) = V sqrt(W) V^T does not depend on which eigenvectors are chosen, and its
    # gradient at A = I is sym(G) / 2; eigh's VJP sees only dL/dV, whose limit there is
    # 0/0, so it raises (torch: nan) instead of returning the diagonal part alone
    a = Tensor(np.eye(3), requires_grad=True)
    w, V = linalg.eigh(a)
    root = V @ w.sqrt().diag_embed() @ V.mT
    with pytest.raises(np.linalg.LinAlgError, match=r"0/0 \(even a function of the matrix"):
        (root * Tensor(np.arange(9.0).reshape(3, 3))).sum().backward()
    near = Tensor(np.diag([1.0, 1.0 + 1e-4, 1.0 + 2e-4]), requires_grad=True)
    w, V = linalg.eigh(near)                                  # distinct: the limit appears
    (V @ w.sqrt().diag_embed() @ V.mT * Tensor(np.arange(9.0).reshape(3, 3))).sum().backward()
    G = np.arange(9.0).reshape(3, 3)
    np.testing.assert_allclose(near.grad.numpy(), (G + G.T) / 4, rtol=1e-3)


def test_eigenvalues_of_a_quadratic_form_give_the_hessian_spectrum():
    x = Tensor(np.array([0.3, -0.7]), requires_grad=True)
    f = (x[0] ** 2 * 3 + x[0] * x[1] + x[1] ** 2).sum()
    (g,) = tg.grad(f, x, create_graph=True)
    hessian = tg.stack([tg.grad(g[i], x, retain_graph=True)[0] for i in range(2)])
    np.testing.assert_allclose(linalg.eigvalsh(hessian).numpy(),
                               np.linalg.eigvalsh([[6.0, 1.0], [1.0, 2.0]]), rtol=1e-14)


@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("left", [True, False])
def test_solve_triangular_reads_its_triangle(upper, left):
    A = RNG.standard_normal((3, 3)) + 4 * np.eye(3)
    rhs = RNG.standard_normal((3, 2) if left else (2, 3))
    X = linalg.solve_triangular(Tensor(A), Tensor(rhs), upper=upper, left=left).numpy()
    T = np.triu(A) if upper else np.tril(A)
    np.testing.assert_allclose(T @ X if left else X @ T, rhs, atol=1e-14)
    unit = T - np.diag(np.diag(T)) + np.eye(3)
    X1 = linalg.solve_triangular(Tensor(A), Tensor(rhs), upper=upper, left=left,
                                 unitriangular=True).numpy()
    np.testing.assert_allclose(unit @ X1 if left else X1 @ unit, rhs, atol=1e-14)


def test_solve_triangular_gradient_reaches_only_the_triangle():
    a = Tensor(RNG.standard_normal((3, 3)) + 4 * np.eye(3), requires_grad=True)
    b = Tensor(RNG.standard_normal((3, 2)), requires_grad=True)
    assert tg.gradcheck(lambda a, b: linalg.solve_triangular(a, b, upper=False),
                        (a.detach().requires_grad_(), b))
    linalg.solve_triangular(a, b, upper=False).sum().backward()
    assert np.all(np.triu(a.grad.numpy(), 1) == 0) and np.any(np.tril(a.grad.numpy()) != 0)


def test_cholesky_solve_solves_with_the_factor():
    rhs = RNG.standard_normal((2, 4, 3))
    L = linalg.cholesky(Tensor(SPD))
    np.testing.assert_allclose(SPD @ tg.cholesky_solve(Tensor(rhs), L).numpy(), rhs,
                               atol=1e-12)
    np.testing.assert_allclose(Tensor(rhs).cholesky_solve(L.mT, upper=True).numpy(),
                               np.linalg.solve(SPD, rhs), rtol=1e-10)


def test_bad_input_is_named():
    with pytest.raises(np.linalg.LinAlgError, match=r"cholesky: the matrix of shape \(2, 2\) "
                                                     r"\(batch entry \(1,\)\) is not positive"):
        linalg.cholesky(Tensor(np.array([np.eye(2), -np.eye(2)])))
    with pytest.raises(ValueError, match=r"cholesky: A must be a batch of square matrices"):
        linalg.cholesky(Tensor(np.ones((2, 3))))
    with pytest.raises(TypeError, match="eigh: A must be floating point"):
        linalg.eigh(Tensor([[1, 0], [0, 1]]))
    with pytest.raises(ValueError, match="eigh: UPLO must be 'L' or 'U'"):
        linalg.eigh(Tensor(np.eye(2)), UPLO="X")
    with pytest.raises(ValueError, match=r"svd: A must be a batch of matrices \(\.\.\., m, n\), "
                                         r"got shape \(3,\)"):
        linalg.svd(Tensor(np.ones(3)))
    with pytest.raises(TypeError, match="svdvals: A must be floating point, got int64"):
        linalg.svdvals(Tensor([[1, 2]]))
    with pytest.raises(ValueError, match=r"solve_triangular: B must be a matrix .* got shape "
                                         r"\(3,\) \(write B.unsqueeze\(-1\)"):
        linalg.solve_triangular(Tensor(np.eye(3)), Tensor(np.ones(3)), upper=True)
    with pytest.raises(ValueError, match=r"cholesky_solve: B must be a matrix \(\.\.\., 3, k\)"):
        tg.cholesky_solve(Tensor(np.ones((2, 3))), Tensor(np.stack([np.eye(3)] * 2)))
    with pytest.raises(TypeError, match="cholesky_solve: B and the triangular matrix must "
                                        "have the same dtype, got float32 and float64"):
        tg.cholesky_solve(tg.ones(3, 1), Tensor(np.eye(3)))
    with pytest.raises(np.linalg.LinAlgError, match="not positive-definite"):
        linalg.cholesky(Tensor(np.array([[np.nan, 0.0], [0.0, 1.0]])))   # numpy gives nan


@pytest.mark.parametrize("shape", [(4, 3), (3, 4), (2, 3, 3)])
def test_svd_reduced_and_full(shape):
    A = RNG.standard_normal(shape)
    m, n = shape[-2:]
    k = min(m, n)
    U, S, Vh = linalg.svd(Tensor(A), full_matrices=False)
    assert U.shape[-2:] == (m, k) and S.shape[-1] == k and Vh.shape[-2:] == (k, n)
    np.testing.assert_allclose((U.numpy() * S.numpy()[..., None, :]) @ Vh.numpy(), A,
                               atol=1e-13)
    assert np.all(np.diff(S.numpy(), axis=-1) <= 0)
    np.testing.assert_allclose(S.numpy(), np.linalg.svd(A, compute_uv=False), rtol=1e-13)
    full_U, full_S, full_Vh = linalg.svd(Tensor(A))              # full_matrices=True
    assert full_U.shape[-2:] == (m, m) and full_Vh.shape[-2:] == (n, n)
    eye = np.eye(m)
    np.testing.assert_allclose(full_U.numpy().swapaxes(-1, -2) @ full_U.numpy(),
                               np.broadcast_to(eye, full_U.shape), atol=1e-13)
    np.testing.assert_array_equal(full_U.numpy()[..., :k], U.numpy())   # the same k columns
    np.testing.assert_allclose(linalg.svdvals(Tensor(A)).numpy(), S.numpy(), rtol=1e-15)


def test_singular_value_gradients_exist_at_repeated_values_vector_ones_do_not():
    a = Tensor(np.diag([2.0, 2.0, 1.0])[:, :2] @ np.eye(2), requires_grad=True)  # s = 2, 2
    linalg.svdvals(a).sum().backward()          # d sum(s) / dA = U V^T: finite at the tie
    np.testing.assert_allclose(a.grad.numpy(), [[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]],
                               atol=1e-15)
    U, _, _ = linalg.svd(a, full_matrices=False)
    with pytest.raises(np.linalg.LinAlgError, match=r"svd backward: the loss uses "
                                                     r"singular vectors of a repeated"):
        U[1, 0].backward()
    U, S, Vh = linalg.svd(a, full_matrices=False)    # the reconstruction uses the vectors
    with pytest.raises(np.linalg.LinAlgError, match=r"svd backward: the loss uses"):
        (U @ S.diag_embed() @ Vh * Tensor(np.arange(6.0).reshape(3, 2))).sum().backward()


def test_matrix_norms_from_singular_values():
    a = Tensor(np.array([[3.0, 0.0], [0.0, -4.0], [0.0, 0.0]]), requires_grad=True)
    assert linalg.matrix_norm(a, 2).item() == pytest.approx(4.0)
    assert linalg.matrix_norm(a, -2).item() == pytest.approx(3.0)
    assert linalg.norm(a, "nuc").item() == pytest.approx(7.0) == a.norm("nuc").item()
    linalg.matrix_norm(a, 2).backward()          # d s_max / dA = u_1 v_1^T
    np.testing.assert_allclose(a.grad.numpy(), [[0, 0], [0, -1], [0, 0]], atol=1e-15)
    stacked = Tensor(RNG.standard_normal((2, 3, 4)))
    np.testing.assert_allclose(linalg.matrix_norm(stacked, "nuc", dim=(0, 2)).numpy(),
                               [np.linalg.norm(stacked.numpy()[:, i], "nuc") for i in range(3)],
                               rtol=1e-13)
    assert linalg.matrix_norm(stacked, 2, keepdim=True).shape == (2, 1, 1)
    assert linalg.matrix_norm(tg.zeros(3, 0), 2).item() == 0.0          # as torch


def test_a_matrix_right_hand_side_is_never_read_as_a_batch_of_vectors():
    factors = np.linalg.cholesky(SPD[:1].repeat(3, 0) + np.eye(4)[None] * np.arange(1, 4)[:,
                                                                                    None, None])
    rhs = RNG.standard_normal((4, 4))                   # (n, k) with k = n = 4: a matrix
    X = linalg.solve_triangular(Tensor(factors), Tensor(rhs), upper=False).numpy()
    assert X.shape == (3, 4, 4)                          # broadcast against the 3 factors
    np.testing.assert_allclose(factors @ X, np.broadcast_to(rhs, (3, 4, 4)), atol=1e-13)
    solved = tg.cholesky_solve(Tensor(rhs), Tensor(factors)).numpy()
    np.testing.assert_allclose(factors @ factors.swapaxes(1, 2) @ solved,
                               np.broadcast_to(rhs, (3, 4, 4)), atol=1e-12)


def test_cholesky_ex_reports_the_failing_minor_and_cholesky_inverse_inverts():
    batch = np.stack([np.eye(3), -np.eye(3), np.diag([1.0, -1.0, 1.0])])
    L, info = linalg.cholesky_ex(Tensor(batch))
    assert info.tolist() == [0, 1, 2] and L.numpy()[0].tolist() == np.eye(3).tolist()
    assert not L.numpy()[1:].any()                       # zeros where it failed
    with pytest.raises(np.linalg.LinAlgError, match="batch entry \\(1,\\)"):
        linalg.cholesky_ex(Tensor(batch), check_errors=True)
    L, info = linalg.cholesky_ex(Tensor(SPD, requires_grad=True))
    assert not info.numpy().any() and L.requires_grad
    inverse = tg.cholesky_inverse(linalg.cholesky(Tensor(SPD)))
    np.testing.assert_allclose(inverse.numpy(), np.linalg.inv(SPD), rtol=1e-10)


def test_torch_svd_returns_v_not_its_transpose():
    A = RNG.standard_normal((4, 3))
    U, S, V = tg.svd(Tensor(A))
    assert U.shape == (4, 3) and V.shape == (3, 3)
    np.testing.assert_allclose((U.numpy() * S.numpy()) @ V.numpy().T, A, atol=1e-13)
    assert tg.svd(Tensor(A), some=False).U.shape == (4, 4)
    U, S, V = Tensor(A).svd(compute_uv=False)
    assert U.shape == (4, 4) and V.shape == (3, 3) and not U.numpy().any()
    np.testing.assert_allclose(S.numpy(), np.linalg.svd(A, compute_uv=False), rtol=1e-13)


def test_empty_batches_and_non_finite_input():
    empty = Tensor(np.zeros((0, 2, 3)))
    assert [t.shape for t in linalg.svd(empty)] == [(0, 2, 2), (0, 2), (0, 3, 3)]
    assert linalg.svdvals(empty).shape == (0, 2) and linalg.matrix_norm(empty, "nuc").shape == (0,)
    with pytest.raises(np.linalg.LinAlgError, match="svd: the matrix of shape \\(2, 2\\) holds "
                                                     "inf or nan"):
        linalg.svd(Tensor(np.array([[np.nan, 0.0], [0.0, 1.0]])))


def test_a_singular_triangle_and_a_failed_check_name_the_function():
    with pytest.raises(np.linalg.LinAlgError, match="solve_triangular: a matrix of shape"):
        linalg.solve_triangular(Tensor(np.diag([1.0, 0.0])), Tensor(np.ones((2, 1))),
                                upper=True)
    with pytest.raises(np.linalg.LinAlgError, match="cholesky_ex: the matrix"):
        linalg.cholesky_ex(Tensor(-np.eye(2)), check_errors=True)


def test_qr_factors_reconstruct_a_in_every_mode():
    rng = np.random.default_rng(3)
    for shape in ((5, 3), (3, 5), (2, 4, 4)):
        a = rng.standard_normal(shape)
        q, r = linalg.qr(Tensor(a))
        k = min(shape[-2:])
        assert q.shape == (*shape[:-2], shape[-2], k) and r.shape == (*shape[:-2], k, shape[-1])
        np.testing.assert_allclose((q @ r).numpy(), a, atol=1e-13)
        np.testing.assert_allclose((q.mT @ q).numpy(), np.broadcast_to(np.eye(k), q.mT.shape[:-1]
                                                                        + (k,)), atol=1e-14)
        assert np.allclose(np.tril(r.numpy(), -1), 0)
    q, r = linalg.qr(Tensor(rng.standard_normal((5, 3))), mode="complete")
    assert q.shape == (5, 5) and r.shape == (5, 3)
    np.testing.assert_allclose((q.mT @ q).numpy(), np.eye(5), atol=1e-14)
    q, r = linalg.qr(Tensor(rng.standard_normal((4, 2))), mode="r")
    assert q.numel() == 0 and r.shape == (2, 2)
    with pytest.raises(ValueError, match="qr: mode must be"):
        linalg.qr(Tensor(np.eye(2)), mode="full")
