"""KL divergences of the continuous families, StudentT, Chi2, the cdfs and modes added with
them, and register_kl: each checked by quadrature of the densities (no torch needed), and
against torch when it is installed."""
from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, gradcheck

D = tg.distributions


def t64(values) -> Tensor:
    return Tensor(np.asarray(values, dtype=np.float64))


def integrate(f: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The trapezoid rule along axis 0."""
    widths = np.diff(x).reshape((-1,) + (1,) * (f.ndim - 1))
    return ((f[1:] + f[:-1]) / 2 * widths).sum(0)


def log_density(dist, x: np.ndarray) -> np.ndarray:
    values = np.broadcast_to(x[:, None], (len(x),) + dist.batch_shape)
    return dist.log_prob(t64(values)).numpy()


# name: (p, q, grid); KL by quadrature of p (log p - log q) on the grid
PAIRS = {
    "Gamma": (D.Gamma(t64([2.5, 0.8]), t64([1.5, 2.0])), D.Gamma(t64([1.7, 1.3]), t64([0.9, 3.0])),
              np.geomspace(1e-12, 80, 400_001)),
    "Chi2": (D.Chi2(t64([3.0])), D.Chi2(t64([5.0])), np.geomspace(1e-12, 120, 400_001)),
    "Beta": (D.Beta(t64([2.5, 1.5]), t64([3.0, 4.0])), D.Beta(t64([1.2, 2.0]), t64([2.0, 3.5])),
             np.linspace(1e-9, 1 - 1e-9, 400_001)),
    "Exponential": (D.Exponential(t64([0.7, 3.0])), D.Exponential(t64([1.5, 0.4])),
                    np.linspace(0, 80, 400_001)),
    "Laplace": (D.Laplace(t64([0.3, -1.0]), t64([0.8, 2.0])),
                D.Laplace(t64([-0.2, 0.5]), t64([1.1, 1.0])), np.linspace(-60, 60, 400_001)),
    "LogNormal": (D.LogNormal(t64([0.1, -0.5]), t64([0.4, 0.6])),
                  D.LogNormal(t64([0.3, 0.0]), t64([0.5, 0.4])), np.geomspace(1e-9, 80, 400_001)),
    "Uniform": (D.Uniform(t64([0.0, -1.0]), t64([1.0, 2.0])),
                D.Uniform(t64([-0.5, -1.0]), t64([1.5, 3.0])), None),
}


@pytest.mark.parametrize("name", list(PAIRS))
def test_kl_is_the_integral_of_p_log_p_over_q(name):
    p, q, x = PAIRS[name]
    kl = D.kl_divergence(p, q).numpy()
    if name == "Uniform":             # log of the ratio of the widths, q covering p
        np.testing.assert_allclose(kl, [math.log(2.0), math.log(4.0 / 3.0)], rtol=1e-15)
        return
    log_p, log_q = log_density(p, x), log_density(q, x)
    integrand = np.where(log_p > -np.inf, np.exp(log_p) * (log_p - log_q), 0)
    np.testing.assert_allclose(kl, integrate(integrand, x), rtol=2e-5, atol=1e-7)
    assert D.kl_divergence(p, p).numpy() == pytest.approx(0, abs=1e-15)


def test_kl_uniform_is_inf_where_q_misses_part_of_p():
    p, q = D.Uniform(t64([0.0, 0.0]), t64([1.0, 2.0])), D.Uniform(t64([0.0, 0.5]), t64([3, 3]))
    assert D.kl_divergence(p, q).numpy()[1] == np.inf


def test_kl_dirichlet_of_two_components_is_the_beta_one_and_has_gradients():
    a, b = t64([[2.5, 3.0], [0.7, 1.2]]), t64([[1.2, 2.0], [3.0, 0.4]])
    dirichlet = D.kl_divergence(D.Dirichlet(a), D.Dirichlet(b)).numpy()
    beta = D.kl_divergence(D.Beta(a[:, 0], a[:, 1]), D.Beta(b[:, 0], b[:, 1])).numpy()
    np.testing.assert_allclose(dirichlet, beta, rtol=1e-14)
    tg.manual_seed(0)                                      # K = 3, by Monte Carlo
    p, q = D.Dirichlet(t64([1.5, 2.0, 4.0])), D.Dirichlet(t64([2.0, 1.0, 2.0]))
    draws = p.sample((200_000,))
    ratio = (p.log_prob(draws) - q.log_prob(draws)).numpy()
    assert abs(ratio.mean() - D.kl_divergence(p, q).item()) < 5 * ratio.std() / math.sqrt(2e5)
    params = [t64(v).requires_grad_() for v in ([1.5, 2.0, 4.0], [2.0, 1.0, 2.0])]
    assert gradcheck(lambda u, v: D.kl_divergence(D.Dirichlet(u), D.Dirichlet(v)), params)


def test_kl_gradients_pass_gradcheck():
    for make in (lambda a, r: D.Gamma(a, r), lambda a, b: D.Beta(a, b),
                 lambda m, s: D.Laplace(m, s), lambda m, s: D.LogNormal(m, s)):
        params = [t64(v).requires_grad_() for v in ([0.8, 2.0], [1.5, 0.6], [1.1, 0.7],
                                                      [0.9, 1.3])]
        assert gradcheck(lambda a, b, c, d: D.kl_divergence(make(a, b), make(c, d)), params)


def test_register_kl_extends_kl_divergence_and_the_error_names_the_pairs():
    class Wide(D.Normal):
        pass

    with pytest.raises(NotImplementedError, match="no closed form for Gamma and Beta here "
                                                  r"\(two of one kind: Bernoulli, Beta,"):
        D.kl_divergence(D.Gamma(t64(1.0), t64(1.0)), D.Beta(t64(1.0), t64(1.0)))
    normal = D.Normal(t64(0.0), t64(1.0))
    assert D.kl_divergence(Wide(t64(0.0), t64(2.0)), normal).item() == pytest.approx(
        D.kl_divergence(D.Normal(t64(0.0), t64(2.0)), normal).item())     # (by the MRO)

    @D.register_kl(Wide, D.Normal)
    def _kl_wide(p, q):
        return t64(42.0)

    assert D.kl_divergence(Wide(t64(0.0), t64(2.0)), normal).item() == 42.0


def test_student_t_density_moments_entropy_and_draws():
    df, loc, scale = t64([5.0, 1.5, 0.8]), t64([1.0, -0.5, 0.0]), t64([2.0, 0.7, 1.0])
    dist = D.StudentT(df, loc, scale)
    x = np.linspace(-4000, 4000, 800_001)
    p = np.exp(log_density(dist, x))
    np.testing.assert_allclose(integrate(p, x)[0], 1, atol=1e-6)     # df 1.5, 0.8: heavy
    assert integrate(p * x[:, None], x)[0] == pytest.approx(1.0, abs=1e-5)
    var = integrate(p * (x[:, None] - 1) ** 2, x)[0]
    assert dist.variance.numpy()[0] == pytest.approx(var, rel=1e-3)
    assert np.isinf(dist.variance.numpy()[1]) and np.isnan(dist.variance.numpy()[2])
    assert np.isnan(dist.mean.numpy()[2]) and dist.mean.numpy()[1] == -0.5
    entropy = -integrate(np.where(p > 0, p * np.log(np.where(p > 0, p, 1)), 0), x)
    np.testing.assert_allclose(dist.entropy().numpy()[:2], entropy[:2], rtol=1e-4)
    assert gradcheck(lambda d, m, s: D.StudentT(d, m, s).log_prob(t64([0.3, 2.0, -1.0])),
                     [t64(v).requires_grad_() for v in ([3.0, 1.5, 7.0], [0.2, 0, 1], [1.0,
                                                                                   2.0, 0.5])])


def test_chi2_is_gamma_of_half_df():
    chi2 = D.Chi2(t64([3.0, 0.5]))
    assert isinstance(chi2, D.Gamma)
    np.testing.assert_array_equal(chi2.df.numpy(), [3.0, 0.5])
    np.testing.assert_allclose(chi2.mean.numpy(), [3.0, 0.5])
    np.testing.assert_allclose(chi2.variance.numpy(), [6.0, 1.0])
    x = t64([[1.0, 2.0]])
    np.testing.assert_allclose(chi2.log_prob(x).numpy(), [[
        -0.5 * math.log(2 * math.pi) - 0.5, -math.log(2) - 1 - math.lgamma(0.25)]], rtol=1e-14)


@pytest.mark.parametrize("dist, grid", [
    (D.Gamma(t64([0.7, 3.0]), t64([1.5, 0.5])), np.geomspace(1e-14, 6, 300_001)),
    (D.LogNormal(t64([0.1, -0.5]), t64([0.4, 0.6])), np.geomspace(1e-9, 2, 300_001)),
], ids=["Gamma", "LogNormal"])
def test_cdf_is_the_integral_of_the_density(dist, grid):
    p = np.exp(log_density(dist, grid))
    steps = (p[1:] + p[:-1]) / 2 * np.diff(grid)[:, None]
    cumulative = np.concatenate([np.zeros((1, 2)), np.cumsum(steps, 0)])
    picks = [50_000, 150_000, 300_000]
    np.testing.assert_allclose(dist.cdf(t64(np.broadcast_to(grid[picks, None], (3, 2))))
                               .numpy(), cumulative[picks], rtol=1e-5, atol=1e-9)


def test_modes():
    beta = D.Beta(t64([0.5, 2.0, 0.5, 3.0]), t64([0.5, 3.0, 2.0, 0.7])).mode.numpy()
    np.testing.assert_allclose(beta, [1.0, 1 / 3, 0.0, 1.0])
    dirichlet = D.Dirichlet(t64([[2.0, 3.0, 1.0], [0.3, 0.9, 0.2], [0.5, 2.0, 3.0]])).mode
    np.testing.assert_allclose(dirichlet.numpy(), [[1 / 3, 2 / 3, 0], [1, 0, 0], [0, 1 / 3,
                                                                                  2 / 3]])
    x = np.linspace(1e-6, 1 - 1e-6, 100_001)               # Beta(2, 3): the density's argmax
    assert x[np.argmax(log_density(D.Beta(t64([2.0]), t64([3.0])), x))] == pytest.approx(
        1 / 3, abs=1e-5)
    bernoulli = D.Bernoulli(t64([0.2, 0.5, 0.7]))
    np.testing.assert_array_equal(bernoulli.mode.numpy(), [0, np.nan, 1])
    np.testing.assert_allclose(bernoulli.mean.numpy(), [0.2, 0.5, 0.7])
    np.testing.assert_allclose(bernoulli.stddev.numpy(), np.sqrt([0.16, 0.25, 0.21]))
    assert np.isnan(D.Uniform(t64(0.0), t64(1.0)).mode.item())


def test_independent_multivariate_normal():
    loc, cov = t64(np.zeros((3, 2))), t64(np.eye(2) * 2)
    mvn = D.MultivariateNormal(loc, cov)
    assert isinstance(mvn, D.Distribution) and mvn.has_rsample
    joint = D.Independent(mvn, 1)
    assert joint.batch_shape == () and joint.event_shape == (3, 2)
    value = t64(np.arange(6.0).reshape(3, 2))
    assert joint.log_prob(value).item() == pytest.approx(mvn.log_prob(value).numpy().sum())
    other = D.Independent(D.MultivariateNormal(t64(np.ones((3, 2))), cov), 1)
    assert D.kl_divergence(joint, other).item() == pytest.approx(3 * 0.5 * 2 / 2)


def test_against_torch_when_installed():
    torch = pytest.importorskip("torch")
    TD = torch.distributions
    for name, (p, q, _) in PAIRS.items():
        cls = getattr(TD, name)
        theirs = [cls(*[torch.tensor(getattr(d, k).numpy()) for k in keys(name)])
                  for d in (p, q)]
        np.testing.assert_allclose(D.kl_divergence(p, q).numpy(),
                                   TD.kl_divergence(*theirs).numpy(), rtol=1e-13,
                                   err_msg=name)
    ours = D.StudentT(t64([5.0, 1.5]), t64([1.0, -0.5]), t64([2.0, 0.7]))
    f64 = lambda v: torch.tensor(v, dtype=torch.float64)      # noqa: E731
    theirs = TD.StudentT(*[f64(v) for v in ([5.0, 1.5], [1.0, -0.5], [2.0, 0.7])])
    value = [0.3, -4.0]
    np.testing.assert_allclose(ours.log_prob(t64(value)).numpy(),
                               theirs.log_prob(f64(value)).numpy(), rtol=1e-14)
    np.testing.assert_allclose(ours.entropy().numpy(), theirs.entropy().numpy(), rtol=1e-14)
    gamma = D.Gamma(t64([0.7, 3.0]), t64([1.5, 0.5]))
    np.testing.assert_allclose(gamma.cdf(t64([0.4, 9.0])).numpy(), TD.Gamma(
        f64([0.7, 3.0]), f64([1.5, 0.5])).cdf(f64([0.4, 9.0])), rtol=1e-14)


def keys(name: str) -> tuple:
    return {"Gamma": ("concentration", "rate"), "Chi2": ("df",),
            "Beta": ("concentration1", "concentration0"), "Exponential": ("rate",),
            "Laplace": ("loc", "scale"), "LogNormal": ("loc", "scale"),
            "Uniform": ("low", "high")}[name]


def test_value_checks_from_the_recheck():
    assert D.LogNormal(t64(0.0), t64(1.0)).cdf(t64(0.0)).item() == 0.0     # (torch's support)
    for call in (lambda: D.StudentT(t64(3.0)).log_prob(t64(np.nan)),
                 lambda: D.Laplace(t64(0.0), t64(1.0)).log_prob(t64(np.nan)),
                 lambda: D.Laplace(t64(0.0), t64(1.0)).cdf(t64(np.nan)),
                 lambda: D.Normal(t64(0.0), t64(1.0)).cdf(t64(np.nan))):
        with pytest.raises(ValueError, match="nan"):
            call()
    assert np.isnan(D.Laplace(t64(0.0), t64(1.0), validate_args=False).cdf(t64(np.nan)).item())
    with pytest.raises(TypeError, match="register_kl: expected two distribution classes"):
        D.register_kl("Normal", D.Normal)
