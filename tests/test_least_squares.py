"""linalg.pinv, lstsq, matrix_rank, matrix_exp and the LU family: the Penrose conditions,
the normal equations, least norm for underdetermined systems, the rank tolerance, torch's
result fields per driver, closed-form exponentials, A = P L U and LAPACK's pivots."""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, gradcheck, linalg


def test_pinv_meets_the_four_penrose_conditions_also_for_a_singular_matrix():
    rng = np.random.default_rng(0)
    for a in (rng.standard_normal((5, 3)), rng.standard_normal((3, 5)),
              np.outer([1.0, 2.0, 3.0], [1.0, -1.0, 0.5])):          # rank 1
        p = linalg.pinv(Tensor(a)).numpy()
        np.testing.assert_allclose(a @ p @ a, a, atol=1e-13)
        np.testing.assert_allclose(p @ a @ p, p, atol=1e-13)
        np.testing.assert_allclose((a @ p).T, a @ p, atol=1e-13)
        np.testing.assert_allclose((p @ a).T, p @ a, atol=1e-13)
    sym = np.diag([2.0, -4.0, 0.0])
    assert np.allclose(linalg.pinv(Tensor(sym), hermitian=True).numpy(), np.diag([0.5, -0.25, 0]))
    assert linalg.matrix_rank(Tensor(np.outer([1.0, 2.0], [3.0, 4.0]))).item() == 1
    assert linalg.matrix_rank(Tensor(np.diag([1.0, 1e-20]))).item() == 1       # below tol
    assert linalg.matrix_rank(Tensor(np.diag([1.0, 1e-3])), atol=1e-2).item() == 1
    assert linalg.pinv(tg.zeros(0, 3, dtype=tg.float64)).shape == (3, 0)
    np.testing.assert_allclose(tg.pinverse(Tensor(np.eye(2) * 4)).numpy(), np.eye(2) / 4)


def test_lstsq_solves_the_normal_equations_and_reports_as_the_driver():
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((6, 3)), rng.standard_normal((6, 2))
    result = linalg.lstsq(Tensor(a), Tensor(b), driver="gelsd")
    x = result.solution.numpy()
    np.testing.assert_allclose(a.T @ (a @ x - b), 0, atol=1e-13)        # A^T r = 0
    np.testing.assert_allclose(result.residuals.numpy(), ((a @ x - b) ** 2).sum(0), rtol=1e-13)
    assert result.rank.item() == 3 and result.singular_values.shape == (3,)
    default = linalg.lstsq(Tensor(a), Tensor(b[:, 0]))                  # gelsy, a vector
    assert default.solution.shape == (3,) and default.residuals.shape == (0,)
    assert default.singular_values.shape == (0,) and default.rank.item() == 3
    wide = rng.standard_normal((2, 4))
    least_norm = linalg.lstsq(Tensor(wide), Tensor(np.array([[1.0], [2.0]]))).solution.numpy()
    np.testing.assert_allclose(wide @ least_norm, [[1.0], [2.0]], atol=1e-13)
    np.testing.assert_allclose(least_norm, wide.T @ np.linalg.solve(wide @ wide.T, [[1.0], [2.0]]),
                               atol=1e-13)                               # in A's row space
    a_t = Tensor(a, requires_grad=True)
    linalg.lstsq(a_t, Tensor(b)).solution.sum().backward()
    assert a_t.grad.shape == (6, 3) and np.isfinite(a_t.grad.numpy()).all()
    with pytest.raises(ValueError, match=r"lstsq: A \(6, 3\) needs B with 6 rows"):
        linalg.lstsq(Tensor(a), Tensor(b[:4]))
    with pytest.raises(ValueError, match="lstsq: driver must be one of"):
        linalg.lstsq(Tensor(a), Tensor(b), driver="qr")


def test_matrix_exp_of_a_rotation_generator_and_a_nilpotent_matrix():
    angle = 0.7
    rotation = linalg.matrix_exp(Tensor(np.array([[0.0, -angle], [angle, 0.0]]))).numpy()
    np.testing.assert_allclose(rotation, [[np.cos(angle), -np.sin(angle)],
                                          [np.sin(angle), np.cos(angle)]], rtol=1e-15, atol=1e-16)
    nilpotent = np.array([[0.0, 1.0, 2.0], [0.0, 0.0, 3.0], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(linalg.matrix_exp(Tensor(nilpotent)).numpy(),   # I + N + N^2/2
                               np.eye(3) + nilpotent + nilpotent @ nilpotent / 2, rtol=1e-15)
    big = np.diag([30.0, -30.0])                              # many squarings
    np.testing.assert_allclose(np.diag(linalg.matrix_exp(Tensor(big)).numpy()),
                               [np.exp(30.0), np.exp(-30.0)], rtol=1e-13)
    assert linalg.matrix_exp(tg.zeros(0, 0, dtype=tg.float64)).shape == (0, 0)


def test_lu_factors_reconstruct_a_and_solve_with_gradients():
    rng = np.random.default_rng(4)
    for shape in ((4, 4), (2, 3, 3), (5, 3), (3, 5)):
        a = rng.standard_normal(shape)
        P, L, U = linalg.lu(Tensor(a))
        np.testing.assert_allclose((P @ L @ U).numpy(), a, atol=1e-14)
        assert np.allclose(np.triu(L.numpy(), 1), 0) and np.allclose(np.diagonal(
            L.numpy(), axis1=-2, axis2=-1), 1) and np.allclose(np.tril(U.numpy(), -1), 0)
        assert np.abs(L.numpy()).max() <= 1 + 1e-15            # partial pivoting's bound
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    LU, pivots = linalg.lu_factor(Tensor(a))
    assert pivots.numpy().tolist() == [2, 2]                   # row 2 holds the larger 3
    np.testing.assert_allclose(LU.numpy(), [[3.0, 4.0], [1 / 3, 2 - 4 / 3]], rtol=1e-15)
    P, L, U = tg.lu_unpack(LU, pivots)
    np.testing.assert_allclose((P @ L @ U).numpy(), a, rtol=1e-15)
    b = rng.standard_normal((2, 3))
    for left, adjoint, rhs in ((True, False, b), (True, True, b), (False, False, b.T)):
        x = linalg.lu_solve(LU, pivots, Tensor(rhs), left=left, adjoint=adjoint).numpy()
        m = a.T if adjoint else a
        np.testing.assert_allclose(m @ x if left else x @ m, rhs, atol=1e-14)
    matrix = Tensor(rng.standard_normal((3, 3)) + 3 * np.eye(3), requires_grad=True)
    rhs = Tensor(rng.standard_normal((3, 2)), requires_grad=True)
    assert gradcheck(lambda m, r: linalg.lu_solve(*linalg.lu_factor(m), r), [matrix, rhs])
    singular = Tensor(np.array([[1.0, 2.0], [2.0, 4.0]]))
    assert linalg.lu_factor_ex(singular).info.item() == 2
    with pytest.raises(linalg.LinAlgError, match=r"lu_factor: U\[1, 1\] is zero"):
        linalg.lu_factor(singular)
