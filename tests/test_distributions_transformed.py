"""TransformedDistribution and its transforms, MixtureSameFamily, Poisson and Binomial:
each against its definition (closed forms it must equal, quadrature, sums over the
support, moments of draws), and against torch when it is installed."""
from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, gradcheck
from tinygrad_edu.distributions import transforms as T

D = tg.distributions


def t64(values) -> Tensor:
    return Tensor(np.asarray(values, dtype=np.float64))


def integrate(f: np.ndarray, x: np.ndarray) -> float:
    return float(((f[1:] + f[:-1]) / 2 * np.diff(x)).sum())


NORMAL = D.Normal(t64(0.3), t64(0.8))


def test_exp_and_affine_give_the_closed_forms():
    y = t64([0.2, 1.0, 4.0])
    pushed = D.TransformedDistribution(NORMAL, T.ExpTransform())
    np.testing.assert_allclose(pushed.log_prob(y).numpy(),
                               D.LogNormal(t64(0.3), t64(0.8)).log_prob(y).numpy(), rtol=1e-15)
    moved = D.TransformedDistribution(NORMAL, [T.AffineTransform(1.0, -2.0)])
    np.testing.assert_allclose(moved.log_prob(y).numpy(),
                               D.Normal(t64(1 - 0.6), t64(1.6)).log_prob(y).numpy(), rtol=1e-15)
    np.testing.assert_allclose(moved.cdf(y).numpy(),               # a decreasing map
                               D.Normal(t64(0.4), t64(1.6)).cdf(y).numpy(), rtol=1e-14)
    np.testing.assert_allclose(moved.icdf(moved.cdf(y)).numpy(), y.numpy(), rtol=1e-14)


@pytest.mark.parametrize("transform, grid", [
    (T.SigmoidTransform(), np.linspace(1e-12, 1 - 1e-12, 400_001)),
    (T.TanhTransform(), np.linspace(-1 + 1e-12, 1 - 1e-12, 400_001)),
    (T.SoftplusTransform(), np.geomspace(1e-12, 40, 400_001)),
    (T.PowerTransform(3.0), np.geomspace(1e-12, 1e4, 400_001)),
    (T.ComposeTransform([T.AffineTransform(-1.0, 0.5), T.SigmoidTransform()]),
     np.linspace(1e-12, 1 - 1e-12, 400_001)),
], ids=["sigmoid", "tanh", "softplus", "power", "compose"])
def test_pushed_densities_integrate_to_one(transform, grid):
    base = D.Gamma(t64(2.0), t64(1.5)) if isinstance(transform, T.PowerTransform) else NORMAL
    pushed = D.TransformedDistribution(base, transform)
    density = np.exp(pushed.log_prob(t64(grid)).numpy())
    assert integrate(density, grid) == pytest.approx(1, abs=2e-5)
    tg.manual_seed(0)
    draws = pushed.sample((100_000,)).numpy()
    mean = integrate(density * grid, grid)
    assert abs(draws.mean() - mean) < 5 * draws.std() / math.sqrt(len(draws))


def test_tanh_squashed_gaussian_is_sacs_formula_and_stays_finite():
    u = t64([-30.0, -2.0, 0.1, 25.0])
    squashed = D.TransformedDistribution(NORMAL, T.TanhTransform())
    y = u.tanh()
    log_jacobian = T.TanhTransform().log_abs_det_jacobian(u, y)
    np.testing.assert_allclose(log_jacobian.numpy()[1:3], np.log(1 - np.tanh([-2.0, 0.1]) ** 2),
                               rtol=1e-13)       # (the reference's 1 - tanh^2 cancels: 1e-14)
    assert np.isfinite(log_jacobian.numpy()).all()     # log(1 - tanh^2) would be -inf at 25
    np.testing.assert_allclose(squashed.log_prob(y[1:3]).numpy(),
                               (NORMAL.log_prob(u[1:3]) - log_jacobian[1:3]).numpy(), rtol=1e-12)
    loc = t64([0.2, -0.1]).requires_grad_()
    assert gradcheck(lambda m: D.TransformedDistribution(D.Normal(m, t64(0.5)),
                                                         T.TanhTransform()).log_prob(
        t64([0.3, -0.8])), [loc])


def test_inverses_event_dims_and_rsample():
    affine = T.AffineTransform(t64([1.0, 2.0]), t64([0.5, -3.0]), event_dim=1)
    x = t64([[0.3, -0.2]])
    np.testing.assert_allclose(affine.inv(affine(x)).numpy(), x.numpy(), rtol=1e-15)
    assert affine.log_abs_det_jacobian(x, affine(x)).item() == pytest.approx(math.log(1.5))
    assert affine.inv.log_abs_det_jacobian(affine(x), x).item() == pytest.approx(-math.log(1.5))
    diagonal = D.TransformedDistribution(D.Normal(t64([0.0, 0.0]), t64([1.0, 1.0])), affine)
    assert diagonal.batch_shape == () and diagonal.event_shape == (2,)
    want = D.Normal(t64([1.0, 2.0]), t64([0.5, 3.0])).log_prob(t64([0.7, 1.0])).sum()
    assert diagonal.log_prob(t64([0.7, 1.0])).item() == pytest.approx(want.item(), rel=1e-14)
    scale = t64([2.0]).requires_grad_()
    flow = D.TransformedDistribution(D.Normal(t64([0.0]), t64([1.0])),
                                     [T.AffineTransform(0.0, scale), T.ExpTransform()])
    tg.manual_seed(1)
    draws = flow.rsample((4,))
    draws.sum().backward()
    np.testing.assert_allclose(scale.grad.numpy(), (draws.detach().numpy()
                                                    * np.log(draws.detach().numpy()) / 2).sum(0),
                               rtol=1e-12)                    # d e^(s z) / ds = z e^(s z)
    assert repr(T.ExpTransform().inv) == "ExpTransform().inv"


def gmm() -> D.MixtureSameFamily:
    return D.MixtureSameFamily(D.Categorical(logits=t64([[0.2, -0.5, 1.0], [0.0, 0.3, -0.3]])),
                               D.Normal(t64([[0.1, 2.0, -1.0], [0.5, 1.5, 0.2]]),
                                        t64([[0.5, 1.0, 2.0], [0.3, 0.4, 0.5]])))


def test_gaussian_mixture_density_moments_and_draws():
    mixture = gmm()
    assert mixture.batch_shape == (2,) and mixture.event_shape == ()
    x = np.linspace(-30, 30, 600_001)
    density = np.exp(mixture.log_prob(t64(x[:, None])).numpy())
    for j in range(2):
        assert integrate(density[:, j], x) == pytest.approx(1, abs=1e-8)
        mean = integrate(density[:, j] * x, x)
        assert mixture.mean.numpy()[j] == pytest.approx(mean, abs=1e-8)
        assert mixture.variance.numpy()[j] == pytest.approx(
            integrate(density[:, j] * (x - mean) ** 2, x), rel=1e-6)
    weights = np.exp(mixture.mixture_distribution.logits.numpy())
    cdf = (weights * mixture.component_distribution.cdf(t64([[[0.4]]])).numpy()).sum(-1)
    np.testing.assert_allclose(mixture.cdf(t64([[0.4]])).numpy(), cdf.reshape(1, 2),
                               rtol=1e-14)
    tg.manual_seed(0)
    draws = mixture.sample((100_000,)).numpy()
    assert draws.shape == (100_000, 2)
    sem = np.sqrt(mixture.variance.numpy() / len(draws))
    assert np.all(np.abs(draws.mean(0) - mixture.mean.numpy()) < 5 * sem)
    logits = t64([0.2, -0.5, 1.0]).requires_grad_()
    means = t64([0.1, 2.0, -1.0]).requires_grad_()
    assert gradcheck(lambda w, m: D.MixtureSameFamily(
        D.Categorical(logits=w), D.Normal(m, t64([0.5, 1.0, 2.0]))).log_prob(t64([0.3, 1.7])),
        [logits, means])


def test_mixture_of_vectors_and_its_errors():
    mixture = D.MixtureSameFamily(D.Categorical(probs=t64([0.25, 0.75])),
                                  D.Independent(D.Normal(t64([[0.0, 1.0], [2.0, 3.0]]),
                                                         t64([[1.0, 1.0], [0.5, 0.5]])), 1))
    assert mixture.event_shape == (2,)
    value = t64([0.5, 2.0])
    want = np.log(0.25 * np.exp(D.Normal(t64([0.0, 1.0]), 1.0).log_prob(value).sum().item())
                  + 0.75 * np.exp(D.Normal(t64([2.0, 3.0]), 0.5).log_prob(value).sum().item()))
    assert mixture.log_prob(value).item() == pytest.approx(want, rel=1e-14)
    assert mixture.sample((3,)).shape == (3, 2)
    with pytest.raises(ValueError, match="must end in the mixture's 3 components"):
        D.MixtureSameFamily(D.Categorical(probs=t64([0.2, 0.3, 0.5])), D.Normal(t64([0.0, 1.0]),
                                                                                t64(1.0)))


def test_poisson_and_binomial_sum_to_one_with_their_moments():
    k = np.arange(0, 200.0)
    poisson = D.Poisson(t64([0.5, 7.0]))
    pmf = np.exp(poisson.log_prob(t64(k[:, None])).numpy())
    np.testing.assert_allclose(pmf.sum(0), 1, rtol=1e-14)
    np.testing.assert_allclose((pmf * k[:, None]).sum(0), [0.5, 7.0], rtol=1e-13)
    np.testing.assert_array_equal(poisson.mode.numpy(), [0, 7])
    q = D.Poisson(t64([2.0, 3.0]))
    direct = (pmf * (poisson.log_prob(t64(k[:, None])).numpy()
                     - q.log_prob(t64(k[:, None])).numpy())).sum(0)
    np.testing.assert_allclose(D.kl_divergence(poisson, q).numpy(), direct, rtol=1e-12)
    binomial = D.Binomial(t64(10.0), probs=t64([0.3, 0.9]))
    ks = np.arange(11.0)
    pmf = np.exp(binomial.log_prob(t64(ks[:, None])).numpy())
    np.testing.assert_allclose(pmf[:, 0], [math.comb(10, int(i)) * 0.3 ** i * 0.7 ** (10 - i)
                                           for i in ks], rtol=1e-12)
    np.testing.assert_allclose(pmf.sum(0), 1, rtol=1e-14)
    np.testing.assert_allclose(binomial.mean.numpy(), [3.0, 9.0])
    np.testing.assert_allclose(binomial.variance.numpy(), [2.1, 0.9])
    tg.manual_seed(0)
    draws = binomial.sample((50_000,)).numpy()
    assert np.all(np.abs(draws.mean(0) - [3.0, 9.0]) < 5 * np.sqrt(np.array([2.1, 0.9]) / 5e4))
    with pytest.raises(ValueError, match="Poisson.log_prob: expected counts"):
        poisson.log_prob(t64([1.5, 2.0]))
    with pytest.raises(ValueError, match="Binomial.log_prob: expected counts: integers from 0 "
                                         "to total_count"):
        binomial.log_prob(t64([11.0, 2.0]))
    rate = t64([0.5, 7.0]).requires_grad_()
    assert gradcheck(lambda r: D.Poisson(r).log_prob(t64([0.0, 9.0])), [rate])


def test_against_torch_when_installed():
    torch = pytest.importorskip("torch")
    TD = torch.distributions
    f64 = lambda v: torch.tensor(v, dtype=torch.float64)       # noqa: E731
    y = [0.3, -0.7, 0.95]
    ours = D.TransformedDistribution(D.Normal(t64([0.3, -1.0, 2.0]), t64([0.5, 1.5, 0.8])),
                                     [T.TanhTransform()])
    theirs = TD.TransformedDistribution(TD.Normal(f64([0.3, -1.0, 2.0]), f64([0.5, 1.5, 0.8])),
                                        [TD.transforms.TanhTransform()])
    np.testing.assert_allclose(ours.log_prob(t64(y)).numpy(), theirs.log_prob(f64(y)).numpy(),
                               rtol=1e-13)
    mixture = gmm()
    theirs = TD.MixtureSameFamily(TD.Categorical(logits=f64([[0.2, -0.5, 1.0], [0.0, 0.3, -0.3]])),
                                  TD.Normal(f64([[0.1, 2.0, -1.0], [0.5, 1.5, 0.2]]),
                                            f64([[0.5, 1.0, 2.0], [0.3, 0.4, 0.5]])))
    x = [[0.4], [-1.3]]
    np.testing.assert_allclose(mixture.log_prob(t64(x)).numpy(),
                               theirs.log_prob(f64(x)).numpy(), rtol=1e-14)
    np.testing.assert_allclose(mixture.variance.numpy(), theirs.variance.numpy(), rtol=1e-14)
    np.testing.assert_allclose(D.Binomial(t64(10.0), probs=t64([0.3])).log_prob(t64([4.0])).numpy(),
                               TD.Binomial(f64(10.0), probs=f64([0.3])).log_prob(f64([4.0])),
                               rtol=1e-13)


def test_recheck_fixes():
    """Found by the recheck: float32 sigmoid draws of 0 or 1 (nan log_prob), a mixed-sign
    affine scale without a cdf, scalar-parameter count draws, a non-Transform accepted."""
    squashed = D.TransformedDistribution(D.Normal(tg.tensor(0.0), tg.tensor(10.0)),
                                         [T.SigmoidTransform()])
    tg.manual_seed(0)
    draws = squashed.sample((5000,))
    assert np.isfinite(squashed.log_prob(draws).numpy()).all()
    assert np.isfinite(squashed.log_prob(tg.tensor([0.0, 1.0])).numpy()).all()   # (torch's)
    flipped = D.TransformedDistribution(NORMAL, [T.AffineTransform(0.0, t64([1.0, -1.0]))])
    cdf = flipped.cdf(t64([0.5, 0.5])).numpy()
    np.testing.assert_allclose(cdf, [NORMAL.cdf(t64(0.5)).item(), 1 - NORMAL.cdf(
        t64(-0.5)).item()], rtol=1e-15)
    np.testing.assert_allclose(flipped.icdf(t64(cdf)).numpy(), [0.5, 0.5], rtol=1e-14)
    assert D.Poisson(3.0).sample().shape == () and D.Binomial(10, probs=0.3).sample().ndim == 0
    with pytest.raises(TypeError, match="transforms must be a Transform or a list of "
                                        "Transforms"):
        D.TransformedDistribution(NORMAL, [lambda x: x])
