"""MultivariateNormal: densities against the formula written with numpy, its three
parameterizations, sampling, the KL divergence, gradients by finite differences, errors."""
from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.distributions import MultivariateNormal, Normal, kl_divergence

RNG = np.random.default_rng(5)
B = RNG.standard_normal((3, 3))
SIGMA = B @ B.T + np.eye(3)
LOC = np.array([0.5, -1.0, 2.0])


def density(x, loc, sigma):
    diff = x - loc
    return (-0.5 * diff @ np.linalg.solve(sigma, diff) - 0.5 * np.log(np.linalg.det(sigma))
            - 1.5 * math.log(2 * math.pi))


def test_three_parameterizations_give_the_density_and_entropy():
    x = RNG.standard_normal((4, 3))
    expected = [density(row, LOC, SIGMA) for row in x]
    for kind, matrix in (("covariance_matrix", SIGMA), ("precision_matrix",
                         np.linalg.inv(SIGMA)), ("scale_tril", np.linalg.cholesky(SIGMA))):
        d = MultivariateNormal(Tensor(LOC), **{kind: Tensor(matrix)})
        np.testing.assert_allclose(d.log_prob(Tensor(x)).numpy(), expected, rtol=1e-12)
        np.testing.assert_allclose(d.covariance_matrix.numpy(), SIGMA, rtol=1e-12)
        entropy = 0.5 * (3 * (1 + math.log(2 * math.pi)) + math.log(np.linalg.det(SIGMA)))
        assert d.entropy().item() == pytest.approx(entropy, rel=1e-13)
    assert d.variance.numpy() == pytest.approx(np.diag(SIGMA), rel=1e-13)
    from tinygrad_edu.distributions.multivariate_normal import MultivariateNormal as path
    assert path is MultivariateNormal                         # torch's module path


def test_batches_broadcast_and_samples_have_the_covariance():
    d = MultivariateNormal(Tensor(np.zeros((2, 1, 3))), Tensor(np.stack([SIGMA] * 4)))
    assert d.batch_shape == (2, 4) and d.event_shape == (3,)
    assert d.rsample((5,)).shape == (5, 2, 4, 3) and d.log_prob(tg.zeros(2, 4, 3)).shape == (2, 4)
    tg.manual_seed(0)
    draws = MultivariateNormal(Tensor(LOC), Tensor(SIGMA)).sample((100_000,)).numpy()
    np.testing.assert_allclose(np.cov(draws.T), SIGMA, atol=0.1)   # ~ 4 standard errors
    np.testing.assert_allclose(draws.mean(0), LOC, atol=0.03)


def test_gradients_by_finite_differences_and_the_pathwise_rsample():
    free = Tensor(B, requires_grad=True)
    loc = Tensor(LOC, requires_grad=True)
    x = Tensor(RNG.standard_normal((2, 3)))

    def log_prob(loc, free):
        sigma = free @ free.mT + Tensor(np.eye(3))
        return MultivariateNormal(loc, covariance_matrix=sigma).log_prob(x)
    assert tg.gradcheck(log_prob, (loc, free)) and tg.gradgradcheck(log_prob, (loc, free))
    tg.manual_seed(1)
    MultivariateNormal(loc, scale_tril=Tensor(np.linalg.cholesky(SIGMA))).rsample((7,)).sum()\
        .backward()
    np.testing.assert_allclose(loc.grad.numpy(), [7.0, 7.0, 7.0])   # d(loc + L eps)/d loc


def test_kl_divergence_closed_form():
    p = MultivariateNormal(Tensor(LOC), Tensor(SIGMA))
    assert abs(kl_divergence(p, p).item()) < 1e-12
    variances_p, variances_q = np.array([1.0, 4.0, 0.5]), np.array([2.0, 1.0, 3.0])
    mp, mq = np.array([0.0, 1.0, -1.0]), np.array([1.0, 1.0, 0.0])
    diagonal = kl_divergence(MultivariateNormal(Tensor(mp), Tensor(np.diag(variances_p))),
                             MultivariateNormal(Tensor(mq), Tensor(np.diag(variances_q))))
    per_axis = kl_divergence(Normal(Tensor(mp), Tensor(np.sqrt(variances_p))),
                             Normal(Tensor(mq), Tensor(np.sqrt(variances_q))))
    assert diagonal.item() == pytest.approx(per_axis.sum().item(), rel=1e-13)


def test_bad_parameters_are_named():
    with pytest.raises(ValueError, match="give exactly one of covariance_matrix"):
        MultivariateNormal(Tensor(LOC), Tensor(SIGMA), scale_tril=Tensor(SIGMA))
    with pytest.raises(ValueError, match=r"must have shape \(\.\.\., 3, 3\) for loc of shape "
                                         r"\(3,\), got \(2, 2\)"):
        MultivariateNormal(Tensor(LOC), Tensor(np.eye(2)))
    with pytest.raises(ValueError, match="scale_tril lower triangular with a positive"):
        MultivariateNormal(Tensor(LOC), scale_tril=Tensor(SIGMA))
    with pytest.raises(np.linalg.LinAlgError, match="not positive-definite"):
        MultivariateNormal(Tensor(LOC), Tensor(-SIGMA))


def test_batches_from_the_matrix_alone_mixed_dtypes_and_validation():
    d = MultivariateNormal(Tensor(LOC), Tensor(np.stack([SIGMA, 2 * SIGMA])))  # one mean
    assert d.batch_shape == (2,) and d.loc.shape == (2, 3) and d.scale_tril.shape == (2, 3, 3)
    x = RNG.standard_normal(3)
    np.testing.assert_allclose(d.log_prob(Tensor(x)).numpy(),
                               [density(x, LOC, SIGMA), density(x, LOC, 2 * SIGMA)], rtol=1e-12)
    np.testing.assert_allclose(d.stddev.numpy()[1], np.sqrt(2 * np.diag(SIGMA)), rtol=1e-13)
    assert d.mode is d.loc
    mixed = MultivariateNormal(Tensor(LOC.astype(np.float32)), Tensor(SIGMA))  # promotes
    assert mixed.log_prob(Tensor(x.astype(np.float32))).dtype == tg.float64
    with pytest.raises(ValueError, match="expected a symmetric matrix"):
        MultivariateNormal(Tensor(LOC), Tensor(SIGMA + np.triu(np.ones((3, 3)), 1)))
    with pytest.raises(ValueError, match="expected a loc without nan"):
        MultivariateNormal(Tensor(np.array([np.nan, 0.0, 0.0])), Tensor(SIGMA))
    with pytest.raises(ValueError, match=r"log_prob: the value must have shape \(\.\.\., 3\)"):
        d.log_prob(Tensor(1.0))
    with pytest.raises(ValueError, match=r"kl_divergence: the batch shapes \(2,\) and \(3,\)"):
        kl_divergence(d, MultivariateNormal(Tensor(np.zeros((3, 3))), Tensor(SIGMA)))


def test_torchs_tolerances_and_errors_that_name_the_distribution():
    nearly = SIGMA + np.triu(np.full((3, 3), 1e-8), 1)        # round-off: accepted, as torch
    assert np.isfinite(MultivariateNormal(Tensor(LOC), Tensor(nearly)).log_prob(
        Tensor(LOC)).item())
    d = MultivariateNormal(Tensor(LOC), Tensor(SIGMA))
    with pytest.raises(ValueError, match="log_prob: expected a value without nan"):
        d.log_prob(Tensor(np.array([np.nan, 0.0, 0.0])))
    with pytest.raises(ValueError, match=r"log_prob: the value's batch axes \(4,\) do not "
                                         r"broadcast with the batch shape \(2,\)"):
        MultivariateNormal(Tensor(np.zeros((2, 3))), Tensor(SIGMA)).log_prob(tg.zeros(4, 3))
    with pytest.raises(np.linalg.LinAlgError, match="MultivariateNormal: precision_matrix must "
                                                     "be positive-definite"):
        MultivariateNormal(Tensor(LOC), precision_matrix=Tensor(-SIGMA))
