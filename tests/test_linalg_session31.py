"""Session 31 linalg fixes: per-matrix scaling in matrix_exp, nan-holding matrices in
det/slogdet/inv/solve, lstsq's gels ignoring rcond, cond(A, 'nuc') of a singular A."""
import numpy as np
import pytest

import tinygrad_edu as tg

NAN_PIVOT = np.array([[np.nan, 1.0], [1.0, 1.0]])        # LAPACK takes this nan for a 0 pivot


def rotation_generator(t: float) -> np.ndarray:
    """[[0, -t], [t, 0]], whose exponential is the rotation by t."""
    return np.array([[0.0, -t], [t, 0.0]])


def rotation(t: float) -> np.ndarray:
    return np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])


@pytest.mark.parametrize("dtype, tol", [(np.float32, 1e-6), (np.float64, 1e-14)])
def test_matrix_exp_scales_each_matrix_of_a_batch_on_its_own(dtype, tol):
    # a batch-mate of norm 1e6 needs ~18 squarings; the small matrix needs none
    batch = np.stack([rotation_generator(1e6), rotation_generator(0.5)]).astype(dtype)
    out = tg.linalg.matrix_exp(tg.tensor(batch)).numpy()
    assert out.dtype == dtype
    np.testing.assert_allclose(out[1], rotation(0.5), rtol=0, atol=tol)


def test_matrix_exp_squares_a_single_matrix_and_a_zero_matrix():
    np.testing.assert_allclose(tg.linalg.matrix_exp(tg.tensor(rotation_generator(40.0))).numpy(),
                               rotation(40.0), rtol=0, atol=1e-12)
    batch = np.stack([np.zeros((2, 2)), rotation_generator(40.0)]).reshape(2, 1, 2, 2)
    out = tg.linalg.matrix_exp(tg.tensor(batch)).numpy()
    np.testing.assert_allclose(out[:, 0], [np.eye(2), rotation(40.0)], rtol=0, atol=1e-12)


def test_matrix_exp_gradient_in_a_batch_is_the_gradient_alone():
    rng = np.random.default_rng(0)
    small, weights = 0.3 * rng.standard_normal((2, 3, 3))
    big = 1e6 * rng.standard_normal((3, 3))
    batch = tg.tensor(np.stack([big - big.T, small]), requires_grad=True)
    alone = tg.tensor(small, requires_grad=True)
    (tg.linalg.matrix_exp(batch)[1] * tg.tensor(weights)).sum().backward()
    (tg.linalg.matrix_exp(alone) * tg.tensor(weights)).sum().backward()
    np.testing.assert_allclose(batch.grad.numpy()[1], alone.grad.numpy(), rtol=1e-13,
                               atol=1e-14)
    mixed = np.stack([rotation_generator(30.0), rotation_generator(0.2) + 0.1])
    assert tg.gradcheck(tg.linalg.matrix_exp, (tg.tensor(mixed, requires_grad=True),))


def test_det_and_slogdet_of_a_matrix_holding_nan_are_nan():
    batch = tg.tensor(np.stack([NAN_PIVOT, np.diag([2.0, 3.0])]), requires_grad=True)
    det = tg.linalg.det(batch)
    np.testing.assert_array_equal(det.numpy(), [np.nan, 6.0])
    sign, logabsdet = tg.linalg.slogdet(batch)
    np.testing.assert_array_equal(sign.numpy(), [0.0, 1.0])                 # torch's (0, nan)
    np.testing.assert_allclose(logabsdet.numpy(), [np.nan, np.log(6.0)])
    np.testing.assert_array_equal(tg.linalg.logdet(batch).numpy()[0], np.nan)
    det.sum().backward()                                     # (no "SVD did not converge")
    assert np.isnan(batch.grad.numpy()[0]).all()
    np.testing.assert_allclose(batch.grad.numpy()[1], [[3.0, 0.0], [0.0, 2.0]])


def test_det_and_slogdet_gradients_at_a_matrix_holding_nan_are_nan():
    a = tg.tensor(NAN_PIVOT, requires_grad=True)
    (second,) = tg.grad(tg.linalg.det(a), a, create_graph=True)
    (log_grad,) = tg.grad(tg.linalg.slogdet(a).logabsdet, a)
    assert np.isnan(second.numpy()).all() and np.isnan(log_grad.numpy()).all()
    infinite = tg.tensor([[np.inf, 1.0], [1.0, 1.0]], requires_grad=True)
    tg.linalg.det(infinite).backward()                       # (an inf has no SVD either)
    assert np.isnan(infinite.grad.numpy()[0, 0])


def test_lstsq_gels_ignores_rcond():
    rng = np.random.default_rng(6)
    a, b = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    full_rank = np.linalg.solve(a.T @ a, a.T @ b)           # the normal equations
    gels = tg.linalg.lstsq(tg.tensor(a), tg.tensor(b), rcond=0.5, driver="gels")
    np.testing.assert_allclose(gels.solution.numpy(), full_rank, rtol=1e-12)
    np.testing.assert_allclose(gels.residuals.numpy(), ((a @ full_rank - b) ** 2).sum(0))
    assert gels.rank.shape == (0,)
    gelsd = tg.linalg.lstsq(tg.tensor(a), tg.tensor(b), rcond=0.5, driver="gelsd")
    assert gelsd.rank.item() == 2 and gelsd.residuals.shape == (0,)        # still truncates
    assert np.abs(gelsd.solution.numpy() - full_rank).max() > 0.1


def test_cond_nuc_of_a_singular_matrix_is_inf():
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    assert tg.linalg.cond(tg.tensor(singular), "nuc").item() == np.inf
    batch = tg.tensor(np.stack([np.eye(2), singular]), requires_grad=True)
    cond = tg.linalg.cond(batch, "nuc")
    np.testing.assert_array_equal(cond.numpy(), [4.0, np.inf])             # ||I||_* ||I||_*
    cond[0].backward()
    assert np.isfinite(batch.grad.numpy()).all()


def test_inv_and_solve_of_a_matrix_holding_nan_are_nan():
    assert np.isnan(tg.linalg.inv(tg.tensor(NAN_PIVOT)).numpy()).all()
    ones = tg.ones(2, dtype=tg.float64)
    x = tg.linalg.solve(tg.tensor(np.stack([NAN_PIVOT, 2 * np.eye(2)])), ones)
    np.testing.assert_array_equal(x.numpy(), [[np.nan, np.nan], [0.5, 0.5]])
    batch = np.stack([NAN_PIVOT, np.zeros((2, 2)), np.eye(2), [[1.0, 2.0], [2.0, 4.0]]])
    inverse, info = tg.linalg.inv_ex(tg.tensor(batch))
    np.testing.assert_array_equal(info.numpy(), [0, 1, 0, 2])              # torch's info
    np.testing.assert_array_equal(inverse.numpy()[2], np.eye(2))
    assert np.isnan(inverse.numpy()[[0, 1, 3]]).all()


def test_singular_errors_name_the_batch_entry():
    batch = tg.tensor(np.stack([np.eye(2), np.eye(2), np.zeros((2, 2))]))
    with pytest.raises(np.linalg.LinAlgError, match=r"inverse: a matrix of shape \(2, 2\) "
                                                    r"\(batch entry \(2,\)\) is singular"):
        tg.linalg.inv(batch)
    with pytest.raises(np.linalg.LinAlgError, match=r"solve: .*\(batch entry \(2,\)\)"):
        tg.linalg.solve(batch, tg.ones(2, dtype=tg.float64))
    with pytest.raises(np.linalg.LinAlgError, match=r"a matrix of shape \(2, 2\) is singular"):
        tg.linalg.inv(tg.zeros(2, 2))                        # (one matrix: no entry to name)


def test_against_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    big = 1e6 * rng.standard_normal((3, 3))
    batch = np.stack([big - big.T, rng.standard_normal((3, 3))]).astype(np.float32)
    expected = torch.linalg.matrix_exp(torch.tensor(batch, dtype=torch.float64)).numpy()[1]
    np.testing.assert_allclose(tg.linalg.matrix_exp(tg.tensor(batch)).numpy()[1], expected,
                               rtol=1e-5)
    t_nan = torch.tensor(NAN_PIVOT)
    sign, logabsdet = tg.linalg.slogdet(tg.tensor(NAN_PIVOT))
    np.testing.assert_array_equal([sign.item(), logabsdet.item()],
                                  [x.item() for x in torch.linalg.slogdet(t_nan)])
    np.testing.assert_array_equal(tg.linalg.inv(tg.tensor(NAN_PIVOT)).numpy(),
                                  torch.linalg.inv(t_nan).numpy())
    assert tg.linalg.inv_ex(tg.tensor(NAN_PIVOT)).info.item() == \
        torch.linalg.inv_ex(t_nan).info.item()
    a, b = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    np.testing.assert_allclose(
        tg.linalg.lstsq(tg.tensor(a), tg.tensor(b), rcond=0.5, driver="gels").solution.numpy(),
        torch.linalg.lstsq(torch.tensor(a), torch.tensor(b), rcond=0.5,
                           driver="gels").solution.numpy(), rtol=1e-10)
