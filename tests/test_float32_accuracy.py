"""float32 results as accurate as torch's: sums, means, variances and running sums that
numpy, left alone, accumulates one element at a time (errors growing with the length)."""
import numpy as np
import pytest

import tinygrad_edu as tg


def _relative_error(found, truth) -> float:
    return float(np.max(np.abs(np.asarray(found, np.float64) - truth)) / np.max(np.abs(truth)))


def test_mean_and_std_over_the_batch_axis_of_a_dataset():
    rng = np.random.default_rng(0)
    pixels = (rng.integers(0, 256, (60000, 20)) / 255).astype(np.float32)
    exact = pixels.astype(np.float64)
    assert _relative_error(tg.tensor(pixels).mean(0).numpy(), exact.mean(0)) < 5e-7  # was 9e-6
    assert _relative_error(tg.tensor(pixels).std(0).numpy(), exact.std(0, ddof=1)) < 5e-7


def test_broadcast_bias_gradient_sums_many_rows_accurately():
    rng = np.random.default_rng(1)
    g = rng.standard_normal((200000, 4)).astype(np.float32)
    bias = tg.zeros(4, requires_grad=True)
    (tg.zeros(200000, 4) + bias).backward(tg.tensor(g))
    assert _relative_error(bias.grad.numpy(), g.astype(np.float64).sum(0)) < 5e-7   # was 5e-5


def test_variance_of_data_with_a_large_mean():
    rng = np.random.default_rng(2)
    x = (1e6 + rng.standard_normal(100_000)).astype(np.float32)
    exact = x.astype(np.float64).var(ddof=1)
    assert abs(tg.tensor(x).var().item() - exact) / exact < 1e-6                  # was 4e-3
    rows = (1e4 + rng.standard_normal((100, 1000))).astype(np.float32)
    for dim in (0, 1):
        truth = rows.astype(np.float64).var(dim, ddof=1)
        assert _relative_error(tg.tensor(rows).var(dim).numpy(), truth) < 1e-6



def test_variance_whose_squares_overflow_is_inf_not_nan():
    x = tg.tensor([[3e38, -3e38, 3e38], [1.0, 2.0, 4.0]])
    with np.errstate(over="ignore", invalid="ignore"):
        v = x.var(1).numpy()
    assert v[0] == np.inf                                           # was nan (inf - inf)
    assert v[1] == pytest.approx(7 / 3, rel=1e-6)


def test_cumsum_and_its_gradient_keep_float32_precision_over_a_long_axis():
    rng = np.random.default_rng(3)
    x = rng.standard_normal(100_000).astype(np.float32)
    g = rng.standard_normal(100_000).astype(np.float32)
    t = tg.tensor(x, requires_grad=True)
    out = t.cumsum(0)
    out.backward(tg.tensor(g))
    assert out.dtype == np.float32
    assert _relative_error(out.detach().numpy(), np.cumsum(x.astype(np.float64))) < 2e-7
    exact_grad = np.cumsum(g.astype(np.float64)[::-1])[::-1]
    assert _relative_error(t.grad.numpy(), exact_grad) < 2e-7                      # was 1.4e-3


def test_cross_entropy_over_a_large_vocabulary():
    import nn.functional as F
    rng = np.random.default_rng(4)
    z = (3 * rng.standard_normal((8, 50257))).astype(np.float32)
    y = rng.integers(0, 50257, 8)
    logits = tg.tensor(z, requires_grad=True)
    loss = F.cross_entropy(logits, tg.tensor(y))
    loss.backward()
    exact = z.astype(np.float64)
    shifted = exact - exact.max(1, keepdims=True)
    lp = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
    assert abs(loss.item() + lp[np.arange(8), y].mean()) / abs(lp[np.arange(8), y].mean()) \
        < 5e-7                                                                    # was 2.8e-6
    grad = np.exp(lp)
    grad[np.arange(8), y] -= 1
    assert _relative_error(logits.grad.numpy(), grad / 8) < 5e-6                  # was 6e-5


def test_std_of_huge_and_tiny_values_does_not_overflow_or_underflow():
    big = tg.tensor(np.array([1e20, 1e20, -1e20], np.float32), requires_grad=True)
    spread = big.std()
    spread.backward()
    assert spread.item() == pytest.approx(1.1547005e20, rel=1e-6)       # was inf
    np.testing.assert_allclose(big.grad.numpy(), [0.2886751, 0.2886751, -0.5773503], rtol=1e-5)
    tiny = tg.tensor(np.array([1e-30, 2e-30, 3e-30], np.float32))
    assert tiny.std().item() == pytest.approx(1e-30, rel=1e-6)          # was 0


def test_std_near_the_largest_float():
    assert tg.tensor([3e38, -3e38, 1.0]).std().item() == pytest.approx(3.0e38, rel=1e-6)
