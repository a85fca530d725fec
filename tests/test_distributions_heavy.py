"""Cauchy, HalfNormal, HalfCauchy and OneHotCategorical, checked without torch: densities
integrate to 1 and to their cdfs, icdf inverts cdf, entropies and KLs equal their
integrals, draws have the right spread, and moments follow the definitions."""
import math

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.distributions as D
from tinygrad_edu import Tensor, gradcheck


def t64(values, requires_grad: bool = False) -> Tensor:
    return Tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


def integrate(f: np.ndarray, x: np.ndarray) -> float:
    return float(((f[1:] + f[:-1]) / 2 * np.diff(x)).sum())


def expectation(dist, f, loc: float, scale: float, half: bool) -> float:
    """E[f(log p(X))] by the substitution x = loc + scale tan(t): the integrand
    p(x) dx/dt stays bounded, so the midpoint rule reaches the heavy tails."""
    edges = np.linspace(0 if half else -np.pi / 2, np.pi / 2, 200_001)
    t, width = (edges[1:] + edges[:-1]) / 2, edges[1] - edges[0]
    log_p = dist.log_prob(t64(loc + scale * np.tan(t))).numpy()
    return float((np.exp(log_p) * f(log_p) * scale / np.cos(t) ** 2).sum() * width)


@pytest.mark.parametrize("family", ["Cauchy", "HalfNormal", "HalfCauchy"])
def test_density_cdf_icdf_and_entropy_agree(family):
    dist = {"Cauchy": D.Cauchy(t64(0.4), t64(1.5)), "HalfNormal": D.HalfNormal(t64(1.5)),
            "HalfCauchy": D.HalfCauchy(t64(1.5))}[family]
    loc, half = (0.4, False) if family == "Cauchy" else (0.0, True)
    assert expectation(dist, np.ones_like, loc, 1.5, half) == pytest.approx(1.0, abs=1e-9)
    # -log p grows like log sec^2 t at the ends: the midpoint rule gets ~1e-5 there
    assert dist.entropy().item() == pytest.approx(
        expectation(dist, lambda lp: -lp, loc, 1.5, half), abs=2e-5)
    points = t64([0.1, 0.9, 2.5, 7.0], requires_grad=True)
    cdf = dist.cdf(points)
    cdf.sum().backward()                                  # d cdf / dx is the density
    np.testing.assert_allclose(points.grad.numpy(), np.exp(dist.log_prob(points).numpy()),
                               rtol=1e-14)
    # (1 - cdf is small in the tail: its rounding, 1e-16, costs the inverse ~1e-12)
    np.testing.assert_allclose(dist.icdf(cdf.detach()).numpy(), points.numpy(), rtol=1e-11)
    assert dist.cdf(t64(0.0)).item() == (0.0 if half else pytest.approx(0.5 - math.atan(
        0.4 / 1.5) / math.pi, rel=1e-15))
    if half:
        assert dist.mode.item() == 0.0
        loose = type(dist)(t64(1.5), validate_args=False)
        assert loose.log_prob(t64(-0.5)).item() == -np.inf
        with pytest.raises(ValueError, match=f"{family}.log_prob: expected values in the "
                                             "support, x >= 0"):
            dist.log_prob(t64(-0.5))


def test_cauchy_tails_moments_and_kl():
    cauchy = D.Cauchy(t64([0.0, 1.0]), t64([1.0, 2.0]))
    assert cauchy.cdf(t64([0.0, 3.0])).numpy().tolist() == pytest.approx([0.5, 0.75])
    assert np.isnan(cauchy.mean.numpy()).all() and np.isinf(cauchy.variance.numpy()).all()
    assert cauchy.mode.numpy().tolist() == [0.0, 1.0]
    p, q = D.Cauchy(t64(0.2), t64(0.7)), D.Cauchy(t64(-0.5), t64(1.3))
    edges = np.linspace(-np.pi / 2, np.pi / 2, 200_001)
    t = (edges[1:] + edges[:-1]) / 2
    x = t64(0.2 + 0.7 * np.tan(t))
    lp, lq = p.log_prob(x).numpy(), q.log_prob(x).numpy()
    kl = float((np.exp(lp) * (lp - lq) * 0.7 / np.cos(t) ** 2).sum() * (edges[1] - edges[0]))
    assert D.kl_divergence(p, q).item() == pytest.approx(kl, abs=1e-9)
    tg.manual_seed(0)
    draws = cauchy.sample((40_000,)).numpy()[:, 1]
    assert np.median(draws) == pytest.approx(1.0, abs=0.05)          # the median is loc
    assert np.median(np.abs(draws - 1.0)) == pytest.approx(2.0, abs=0.08)   # and scale
    assert gradcheck(lambda loc, s: D.Cauchy(loc, s).log_prob(t64([0.3, -2.0])),
                     [t64([0.1, 0.5], True), t64([1.2, 0.8], True)])


def test_half_normal_moments_draws_and_kl():
    half = D.HalfNormal(t64([1.0, 2.5]))
    assert half.mean.numpy().tolist() == pytest.approx([math.sqrt(2 / math.pi),
                                                        2.5 * math.sqrt(2 / math.pi)])
    assert half.variance.numpy()[1] == pytest.approx(6.25 * (1 - 2 / math.pi))
    tg.manual_seed(1)
    scale = t64([1.0, 2.5], requires_grad=True)
    draws = D.HalfNormal(scale).rsample((50_000,))
    assert (draws.numpy() >= 0).all()
    assert draws.numpy().mean(0)[1] == pytest.approx(half.mean.numpy()[1], rel=0.02)
    draws.mean(0).sum().backward()                       # d E|N(0, s)| / ds = sqrt(2/pi)
    assert scale.grad.numpy() == pytest.approx([math.sqrt(2 / math.pi)] * 2, rel=0.02)
    assert D.kl_divergence(D.HalfNormal(t64(1.0)), D.HalfNormal(t64(2.0))).item() == \
        pytest.approx(math.log(2) + 1 / 8 - 0.5, rel=1e-14)
    assert np.isinf(D.HalfCauchy(t64(1.0)).mean.item())


def test_one_hot_categorical_is_categorical_on_one_hot_vectors():
    probs = t64([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]])
    one_hot, plain = D.OneHotCategorical(probs=probs), D.Categorical(probs=probs)
    assert one_hot.event_shape == (3,) and one_hot.batch_shape == (2,)
    values = t64(np.eye(3)[[1, 2]])
    np.testing.assert_allclose(one_hot.log_prob(values).numpy(),
                               plain.log_prob(tg.tensor([1, 2])).numpy(), rtol=1e-15)
    assert one_hot.entropy().numpy().tolist() == plain.entropy().numpy().tolist()
    assert one_hot.mode.numpy().tolist() == [[0, 1, 0], [1, 0, 0]]
    assert one_hot.enumerate_support().shape == (3, 2, 3)
    tg.manual_seed(2)
    draws = one_hot.sample((20_000,)).numpy()
    assert (draws.sum(-1) == 1).all()
    np.testing.assert_allclose(draws.mean(0), probs.numpy(), atol=0.015)
    other = D.OneHotCategorical(logits=tg.zeros(2, 3, dtype=tg.float64))
    assert D.kl_divergence(one_hot, other).numpy().tolist() == pytest.approx(
        D.kl_divergence(plain, D.Categorical(logits=tg.zeros(2, 3, dtype=tg.float64)))
        .numpy().tolist(), rel=1e-15)
    with pytest.raises(ValueError, match="OneHotCategorical.log_prob: expected one-hot"):
        one_hot.log_prob(t64([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]]))


def test_relaxed_bernoulli_and_one_hot_categorical():
    """The binary Concrete density integrates to 1; with K = 2 the relaxed one-hot density
    is the relaxed Bernoulli's; the largest coordinate of a draw is categorical."""
    temperature = t64(0.7)
    binary = D.RelaxedBernoulli(temperature, logits=t64(0.7))
    z = np.linspace(-60, 60, 400_001)                     # y = sigmoid(z): dy = y (1 - y) dz
    y = 1 / (1 + np.exp(-z))
    density = np.exp(binary.log_prob(t64(np.clip(y, 1e-300, 1 - 1e-16))).numpy())
    assert integrate(density * y * (1 - y), z) == pytest.approx(1.0, abs=1e-6)
    pair = D.RelaxedOneHotCategorical(temperature, logits=t64([0.3, -0.4]))
    point = t64([0.37, 0.63])
    assert pair.log_prob(point).item() == pytest.approx(
        D.RelaxedBernoulli(temperature, logits=t64(0.7)).log_prob(t64(0.37)).item(), rel=1e-13)
    logits = t64([[1.0, 0.0, -1.0]], requires_grad=True)
    tg.manual_seed(3)
    draws = D.RelaxedOneHotCategorical(t64(0.5), logits=logits).rsample((20_000,))
    assert np.allclose(draws.numpy().sum(-1), 1.0) and (draws.numpy() > 0).all()
    counts = np.bincount(draws.numpy()[:, 0].argmax(-1), minlength=3) / 20_000
    np.testing.assert_allclose(counts, np.exp([1.0, 0.0, -1.0]) / np.exp([1.0, 0.0, -1.0]).sum(),
                               atol=0.015)
    draws[:, 0, 0].mean().backward()                      # reparameterized: a gradient
    assert logits.grad.numpy()[0, 0] > 0
    with pytest.raises(ValueError, match="the temperature must be positive"):
        D.RelaxedBernoulli(t64(0.0), probs=t64(0.5))
