"""Uniform, Exponential, Laplace, LogNormal, Gamma, Beta, Dirichlet (continuous.py) and
Independent, Normal.cdf, Categorical.mode (distributions.py).

Without torch: each density integrates to 1 and gives the entropy and moments it claims
(quadrature on a fine grid), the cdf is the integral of the density and icdf its inverse,
draws have the claimed mean and variance (within 5 standard errors), the reparameterized
draws carry their exact pathwise derivative, and log_prob and entropy pass gradcheck and
gradgradcheck in the parameters. With torch installed, values also match torch's.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, gradcheck, gradgradcheck

D = tg.distributions


def t64(values) -> Tensor:
    return Tensor(np.asarray(values, dtype=np.float64))


# name: (make from float64 parameter tensors, parameters, support grid for quadrature)
FAMILIES = {
    "Uniform": (D.Uniform, [[-1.0, 0.5], [2.0, 0.75]], (-1.0, 2.0)),
    "Exponential": (D.Exponential, [[0.7, 3.0]], (0.0, 60.0)),
    "Laplace": (D.Laplace, [[0.3, -1.0], [0.8, 2.0]], (-60.0, 60.0)),
    "LogNormal": (D.LogNormal, [[0.1, -0.5], [0.4, 0.6]], (1e-9, 60.0)),
    "Gamma": (D.Gamma, [[2.5, 7.0], [1.5, 3.0]], (1e-9, 40.0)),
    "Beta": (D.Beta, [[2.5, 1.5], [3.0, 4.0]], (1e-9, 1 - 1e-9)),
}


def make(name: str, requires_grad: bool = False):
    cls, params, _ = FAMILIES[name]
    tensors = [Tensor(np.array(p), requires_grad=requires_grad) for p in params]
    return cls(*tensors), tensors


def grid(name: str, n: int = 400_001):
    low, high = FAMILIES[name][2]
    x = np.linspace(low, high, n)
    if name == "Uniform":
        x = x[:-1]                                        # the support is [low, high)
    return x


def trapezoid(f: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The trapezoid rule along axis 0 (numpy renamed trapz to trapezoid in 2.0)."""
    widths = np.diff(x).reshape((-1,) + (1,) * (f.ndim - 1))
    return ((f[1:] + f[:-1]) / 2 * widths).sum(0)


def density(dist, x: np.ndarray) -> np.ndarray:
    """exp(log_prob) on the grid, one column per batch entry."""
    values = np.broadcast_to(x[:, None], (len(x),) + dist.batch_shape)
    return np.exp(dist.log_prob(t64(values)).numpy())


@pytest.mark.parametrize("name", [n for n in FAMILIES if n != "Uniform"])
def test_density_integrates_to_one_with_the_claimed_moments_and_entropy(name):
    dist, _ = make(name)
    x = grid(name)
    p = density(dist, x)
    integral = lambda f: trapezoid(f, x)                  # noqa: E731
    np.testing.assert_allclose(integral(p), 1, atol=2e-5)
    mean = integral(p * x[:, None])
    np.testing.assert_allclose(mean, dist.mean.numpy(), rtol=2e-4, atol=2e-5)
    np.testing.assert_allclose(integral(p * (x[:, None] - mean) ** 2), dist.variance.numpy(),
                               rtol=2e-3)
    logp = np.log(np.where(p > 0, p, 1))
    np.testing.assert_allclose(-integral(p * logp), dist.entropy().numpy(), rtol=2e-3,
                               atol=2e-4)


def test_uniform_density_moments_and_out_of_support():
    dist = D.Uniform(t64([-1.0, 0.5]), t64([2.0, 0.75]))
    np.testing.assert_allclose(dist.log_prob(t64([0.0, 0.6])).numpy(), [-math.log(3),
                                                                        -math.log(0.25)])
    np.testing.assert_allclose(dist.mean.numpy(), [0.5, 0.625])
    np.testing.assert_allclose(dist.variance.numpy(), [9 / 12, 0.0625 / 12])
    np.testing.assert_allclose(dist.entropy().numpy(), [math.log(3), math.log(0.25)])
    lenient = D.Uniform(t64([0.0]), t64([1.0]), validate_args=False)
    assert lenient.log_prob(t64([1.5])).item() == -np.inf
    with pytest.raises(ValueError, match=r"Uniform.log_prob: expected values in the "
                                         r"support, low <= x <= high"):
        dist.log_prob(t64([5.0, 0.6]))


@pytest.mark.parametrize("name", ["Uniform", "Exponential", "Laplace"])
def test_cdf_is_the_integral_of_the_density_and_icdf_its_inverse(name):
    dist, _ = make(name)
    x = np.array([[0.1, 0.55], [0.4, 0.7], [1.5, 0.74]])
    if name != "Uniform":
        x = np.array([[-0.5, 0.1], [0.2, 1.0], [3.0, 4.0]]) if name == "Laplace" else \
            np.array([[0.1, 0.2], [1.0, 0.5], [4.0, 2.0]])
    cdf = dist.cdf(t64(x)).numpy()
    low = FAMILIES[name][2][0]
    for j in range(2):
        column = getattr(D, name)(*[t64(np.array(p)[j]) for p in FAMILIES[name][1]])
        start = column.low.item() if name == "Uniform" else max(low, -60.0)
        for i in range(3):
            s = np.linspace(start, x[i, j], 200_001)
            p = np.exp(column.log_prob(t64(s)).numpy())
            assert cdf[i, j] == pytest.approx(trapezoid(p, s), abs=1e-6)
    np.testing.assert_allclose(dist.icdf(t64(cdf)).numpy(), x, rtol=1e-12, atol=1e-12)


def test_normal_cdf_keeps_the_lower_tail():
    normal = D.Normal(t64(1.0), t64(2.0))
    out = normal.cdf(t64([1.0, 3.0, -59.0])).numpy()
    np.testing.assert_allclose(out[:2], [0.5, 0.5 * math.erfc(-1 / math.sqrt(2))], rtol=1e-15)
    assert out[2] == pytest.approx(0.5 * math.erfc(30 / math.sqrt(2)), rel=1e-12)   # not 0


@pytest.mark.parametrize("name", list(FAMILIES) + ["Dirichlet"])
def test_draws_have_the_claimed_mean_and_variance(name):
    tg.manual_seed(0)
    dist = D.Dirichlet(t64([[0.5, 2.0, 3.0]])) if name == "Dirichlet" else make(name)[0]
    draws = dist.sample((200_000,)).numpy()
    assert draws.shape == (200_000,) + dist.batch_shape + dist.event_shape
    sem = np.sqrt(dist.variance.numpy() / len(draws))
    assert np.all(np.abs(draws.mean(0) - dist.mean.numpy()) < 5 * sem)
    np.testing.assert_allclose(draws.var(0), dist.variance.numpy(), rtol=0.03)


@pytest.mark.parametrize("name", ["Uniform", "Exponential", "Laplace", "LogNormal"])
def test_rsample_carries_the_pathwise_derivative(name):
    """x = T(u; params) for a draw u that does not depend on them: dx/dparam is T's."""
    tg.manual_seed(1)
    dist, params = make(name, requires_grad=True)
    x = dist.rsample((5,))
    x.sum().backward()
    xs = x.detach().numpy()
    first, second = (params + [None])[:2]
    if name == "Uniform":            # x = low + (high - low) u: dx/dhigh = u
        u = (xs - first.detach().numpy()) / (second.detach().numpy() - first.detach().numpy())
        np.testing.assert_allclose(second.grad.numpy(), u.sum(0), rtol=1e-12)
        np.testing.assert_allclose(first.grad.numpy(), (1 - u).sum(0), rtol=1e-12)
    elif name == "Exponential":      # x = e / rate: dx/drate = -x / rate
        np.testing.assert_allclose(first.grad.numpy(), (-xs / first.detach().numpy()).sum(0))
    elif name == "Laplace":          # x = loc + scale e: dx/dscale = (x - loc) / scale
        loc, scale = first.detach().numpy(), second.detach().numpy()
        np.testing.assert_allclose(first.grad.numpy(), [5.0, 5.0])
        np.testing.assert_allclose(second.grad.numpy(), ((xs - loc) / scale).sum(0))
    else:                            # x = exp(loc + scale eps): dx/dloc = x
        np.testing.assert_allclose(first.grad.numpy(), xs.sum(0), rtol=1e-12)
    assert dist.has_rsample


@pytest.mark.parametrize("name", ["Gamma", "Beta", "Dirichlet"])
def test_the_gamma_family_samples_without_a_gradient_and_rsamples_with_one(name):
    dist = (D.Dirichlet(t64([1.0, 2.0]).requires_grad_()) if name == "Dirichlet"
            else make(name, True)[0])
    assert dist.has_rsample and not dist.sample((3,)).requires_grad
    assert dist.rsample((3,)).requires_grad          # (tests/test_incomplete_gamma.py)


CHECKS = {
    "Exponential": ([[0.7, 3.0]], [0.3, 2.0]),
    "Laplace": ([[0.3, -1.0], [0.8, 2.0]], [0.5, -1.5]),
    "LogNormal": ([[0.1, -0.5], [0.4, 0.6]], [0.9, 2.0]),
    "Gamma": ([[2.5, 0.7], [1.5, 3.0]], [0.9, 0.3]),
    "Beta": ([[2.5, 0.6], [3.0, 0.8]], [0.3, 0.95]),
}


@pytest.mark.parametrize("name", CHECKS)
def test_log_prob_and_entropy_pass_gradcheck_in_the_parameters(name):
    params, value = CHECKS[name]
    cls = getattr(D, name)
    inputs = [Tensor(np.array(p), requires_grad=True) for p in params]
    fn = lambda *ps: cls(*ps).log_prob(t64(value)) + cls(*ps).entropy()     # noqa: E731
    assert gradcheck(fn, inputs) and gradgradcheck(fn, inputs)


def test_dirichlet_log_prob_entropy_and_gradients():
    a = Tensor(np.array([[0.5, 2.0, 3.0], [1.0, 1.0, 1.0]]), requires_grad=True)
    x = t64([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]])
    dist = D.Dirichlet(a)
    assert dist.batch_shape == (2,) and dist.event_shape == (3,)
    expected = [math.lgamma(5.5) - math.lgamma(0.5) - math.lgamma(2) - math.lgamma(3)
                - 0.5 * math.log(0.2) + math.log(0.3) + 2 * math.log(0.5), math.log(2)]
    np.testing.assert_allclose(dist.log_prob(x).detach().numpy(), expected, rtol=1e-14)
    assert dist.entropy().detach().numpy()[1] == pytest.approx(-math.log(2), rel=1e-14)
    assert gradcheck(lambda c: D.Dirichlet(c).log_prob(x) + D.Dirichlet(c).entropy(), [a])
    with pytest.raises(ValueError, match="Dirichlet.log_prob: expected values on the simplex"):
        dist.log_prob(t64([[0.5, 0.6, 0.1], [0.1, 0.1, 0.8]]))
    with pytest.raises(ValueError, match="Dirichlet: concentration needs at least one axis"):
        D.Dirichlet(t64(1.0))


def test_parameters_and_support_are_checked():
    with pytest.raises(ValueError, match="Gamma: expected rate > 0"):
        D.Gamma(t64([1.0]), t64([0.0]))
    with pytest.raises(ValueError, match="Uniform: expected low < high"):
        D.Uniform(t64([1.0]), t64([1.0]))
    with pytest.raises(ValueError, match=r"Beta.log_prob: expected values in the support, "
                                         r"0 <= x <= 1"):
        D.Beta(t64(2.0), t64(2.0)).log_prob(t64(1.5))
    with pytest.raises(ValueError, match="Exponential.log_prob: expected values in the support"):
        D.Exponential(t64(1.0)).log_prob(t64(-1.0))
    assert D.Beta(t64(1.0), t64(2.0)).log_prob(t64(0.0)).item() == pytest.approx(math.log(2))
    with pytest.raises(ValueError, match="Exponential.cdf: expected values in the support"):
        D.Exponential(t64(1.0)).cdf(t64(-1.0))
    for name, make_it in (("Laplace", D.Laplace), ("LogNormal", D.LogNormal)):
        with pytest.raises(ValueError, match=f"{name}: expected loc without nan"):
            make_it(t64(np.nan), t64(1.0))
    # x = 0 is in Gamma's support (torch's): inf, log(rate) or -inf as a < 1, = 1, > 1
    at_zero = D.Gamma(t64([0.5, 1.0, 2.0]), t64(3.0)).log_prob(t64(0.0)).numpy()
    np.testing.assert_array_equal(at_zero, [np.inf, math.log(3.0), -np.inf])
    assert D.Uniform(t64(0.0), t64(1.0)).log_prob(t64(1.0)).item() == -np.inf


def test_numbers_take_the_dtype_of_the_tensor_parameters():
    """As torch's broadcast_all: 0.1 beside a float64 scale is float64, not float32."""
    for dist in (D.Laplace(0.1, t64([1.0])), D.Normal(0.1, t64([1.0])),
                 D.Gamma(2.0, t64([1.0])), D.StudentT(t64([3.0]), 0.1, 2.0)):
        assert all(v.dtype == np.float64 for v in vars(dist).values()
                   if isinstance(v, Tensor)), dist
    assert D.Laplace(0.1, t64(2.0)).log_prob(0.7).item() == pytest.approx(
        -math.log(4.0) - 0.3, rel=1e-15)                  # (float32 0.1: off by 1e-9)
    assert D.Laplace(0.1, 2.0).loc.dtype == np.float32


def test_independent_sums_over_the_reinterpreted_axes():
    loc, scale = t64(np.zeros((3, 2))), t64(np.ones((3, 2)))
    diag = D.Independent(D.Normal(loc, scale), 1)
    assert diag.batch_shape == (3,) and diag.event_shape == (2,) and diag.has_rsample
    value = t64(np.arange(6.0).reshape(3, 2))
    np.testing.assert_allclose(diag.log_prob(value).numpy(),
                               D.Normal(loc, scale).log_prob(value).numpy().sum(-1))
    np.testing.assert_allclose(diag.entropy().numpy(), [1 + 2 * D.LOG_SQRT_2PI] * 3)
    other = D.Independent(D.Normal(t64(np.ones((3, 2))), scale), 1)
    np.testing.assert_allclose(D.kl_divergence(diag, other).numpy(), [1.0, 1.0, 1.0])
    assert diag.sample((4,)).shape == (4, 3, 2)
    with pytest.raises(ValueError, match=r"Independent: reinterpreted_batch_ndims must be in "
                                         r"0 .. 2"):
        D.Independent(D.Normal(loc, scale), 3)


def test_categorical_mode_and_event_shapes():
    assert D.Categorical(logits=t64([[0.0, 2.0, 1.0], [3.0, 0.0, 3.0]])).mode.tolist() == [1, 0]
    assert D.Normal(t64(0.0), t64(1.0)).event_shape == ()
    assert D.Multinomial(3, probs=t64([0.2, 0.8])).event_shape == (2,)
    from tinygrad_edu.distributions.gamma import Gamma
    assert Gamma is D.Gamma


def test_against_torch_when_installed():
    torch = pytest.importorskip("torch")
    TD = torch.distributions
    torch.set_default_dtype(torch.float64)
    try:
        _compare_with_torch(torch, TD)
    finally:
        torch.set_default_dtype(torch.float32)


def _compare_with_torch(torch, TD) -> None:
    for name, (params, value) in CHECKS.items():
        ours, theirs = getattr(D, name)(*map(t64, params)), getattr(TD, name)(
            *map(torch.tensor, params))
        for what in ("mean", "variance", "stddev"):
            np.testing.assert_allclose(getattr(ours, what).numpy(), getattr(theirs, what).numpy(),
                                       rtol=1e-13, err_msg=f"{name}.{what}")
        np.testing.assert_allclose(ours.log_prob(t64(value)).numpy(),
                                   theirs.log_prob(torch.tensor(value)).numpy(), rtol=1e-13)
        np.testing.assert_allclose(ours.entropy().numpy(), theirs.entropy().numpy(), rtol=1e-12)
    a = [[0.5, 2.0, 3.0]]
    np.testing.assert_allclose(D.Dirichlet(t64(a)).entropy().numpy(),
                               TD.Dirichlet(torch.tensor(a)).entropy().numpy(), rtol=1e-13)
    p = [0.1, 0.5, 0.9]
    for name, params in (("Exponential", [[0.7, 3.0, 2.0]]), ("Laplace", [[0.3], [0.8]])):
        ours, theirs = getattr(D, name)(*map(t64, params)), getattr(TD, name)(
            *map(torch.tensor, params))
        np.testing.assert_allclose(ours.icdf(t64(p)).numpy(), theirs.icdf(torch.tensor(p)).numpy(),
                                   rtol=1e-13)


def test_multinomial_log_prob_gradient_in_the_counts_binomial_mode_and_inf_logits():
    """d/dx_k log_prob = digamma(n + 1) - digamma(x_k + 1) + log p_k (0 log 0 = 0 at p = 0)."""
    d = tg.distributions.Multinomial(5, logits=tg.tensor([0.2, -1.0, float("-inf")],
                                                          dtype=tg.float64))
    counts = tg.tensor([2.0, 3.0, 0.0], dtype=tg.float64, requires_grad=True)
    d.log_prob(counts).backward()
    p = np.array([np.exp(0.2), np.exp(-1.0), 0.0]) / (np.exp(0.2) + np.exp(-1.0))
    log_p = np.log(np.where(p > 0, p, 1.0))
    expected = (tg.special.digamma(tg.tensor(6.0, dtype=tg.float64)).item()
                - tg.special.digamma(tg.tensor([3.0, 4.0, 1.0], dtype=tg.float64)).numpy()
                + log_p)
    np.testing.assert_allclose(counts.grad.numpy(), expected, rtol=1e-12)
    binomial = tg.distributions.Binomial(10, tg.tensor([0.3, 0.55, 1.0, 0.0]))
    assert binomial.mode.tolist() == [3.0, 6.0, 10.0, 0.0]
    with pytest.raises(ValueError, match=r"Categorical: expected logits that are not nan or "
                                         r"\+inf"):
        tg.distributions.Categorical(logits=tg.tensor([0.5, float("inf")]))
    assert tg.distributions.Categorical(logits=tg.tensor([0.0, float("-inf")])).probs.tolist() \
        == [1.0, 0.0]
