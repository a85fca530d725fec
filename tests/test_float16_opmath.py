"""float16 work computed in float32 and rounded once, as torch's CPU kernels do: functions
composed of several ops would otherwise round at every step and can overflow where the
answer is finite. Also the fake-quantization and GradScaler checks found with them."""
import numpy as np
import pytest

import nn
import nn.functional as F
import tinygrad_edu as tg
from tinygrad_edu import Tensor


def half(values) -> Tensor:
    return tg.tensor(values, dtype=tg.float64).half()


def rounded_once(values: np.ndarray) -> list:
    """The float64 answer rounded to float16: what one rounding at the end gives."""
    return np.asarray(values, np.float64).astype(np.float16).tolist()


def test_norms_of_float16_with_large_deviations_are_not_zero():
    x = np.array([[300.0, -200.0, 100.0, -250.0]])
    expected = (x - x.mean()) / np.sqrt(x.var() + 1e-5)      # squares of 300 overflow float16
    assert F.layer_norm(half(x), (4,)).tolist() == rounded_once(expected)
    assert nn.LayerNorm(4).half()(half(x)).dtype == np.float16
    assert F.group_norm(half(x).reshape(1, 4, 1), 1).reshape(1, 4).tolist() == \
        rounded_once(expected)
    images = half(x.reshape(1, 1, 1, 4))
    trained = F.batch_norm(images, None, None, training=True)
    assert trained.dtype == np.float16 and trained.reshape(1, 4).tolist() == \
        rounded_once(expected)


def test_layer_norm_of_float16_has_a_float16_gradient():
    x = half([[300.0, -200.0, 100.0, -250.0]]).requires_grad_()
    (F.layer_norm(x, (4,)) * half([[1.0, 2.0, 3.0, 4.0]])).sum().backward()
    assert x.grad.dtype == np.float16 and np.all(np.isfinite(x.grad.data))


def test_sinc_lerp_addcmul_and_activations_round_once():
    big = np.array([30000.0, -25000.0])
    assert np.all(np.isfinite(tg.sinc(half(big)).data))             # x * pi overflowed
    start, end = half([-30000.0]), half([30000.0])
    assert tg.lerp(start, end, 0.0128).tolist() == rounded_once([-30000 + 0.0128 * 60000])
    assert tg.addcmul(half([-1000.0]), half([300.0]), half([32.0])).tolist() == [8600.0]
    logits = np.array([5.0, -3.6], np.float16).astype(np.float64)
    softmax = np.exp(logits - np.log(np.exp(logits).sum()))
    assert half(logits).softmax(0).tolist() == rounded_once(softmax)
    assert half([-1.1387]).sigmoid().tolist() == rounded_once(
        [1 / (1 + np.exp(np.float64(np.float16(1.1387))))])


@pytest.mark.parametrize("fake_quantize", [
    lambda x: tg.fake_quantize_per_tensor_affine(x, 0.1, 0, 0, 9),
    lambda x: tg.fake_quantize_per_channel_affine(x, tg.tensor([0.1, 0.1]),
                                                  tg.tensor([0, 0], dtype=tg.int32), 0, 0, 9),
])
def test_fake_quantize_of_float16_scales_in_float32(fake_quantize):
    x = half([0.85, 0.2]).requires_grad_()           # 0.8501 / 0.1 = 8.501: level 9, not 8
    out = fake_quantize(x)
    out.sum().backward()
    assert out.dtype == np.float16 and out.tolist() == rounded_once([0.9, 0.2])
    assert x.grad.tolist() == [1.0, 1.0]


def test_fake_quantize_zero_point_rules_as_torch():
    x = tg.tensor([[0.0, 1 / 7], [2 / 7, 3 / 7]])
    out = tg.fake_quantize_per_channel_affine(x, tg.tensor([0.2, 0.2]), tg.tensor([1.4, 1.4]),
                                              1, 0, 255)       # a float zero point: shift first
    np.testing.assert_allclose(out.tolist(), [[-0.08, 0.12], [0.32, 0.52]], rtol=1e-6)
    with pytest.raises(TypeError, match="zero_point must be an integer, got 1.7"):
        tg.fake_quantize_per_tensor_affine(tg.tensor([-1.0]), 0.1, 1.7, 0, 255)
    with pytest.raises(TypeError, match="quant_min must be an int, got False"):
        tg.fake_quantize_per_tensor_affine(tg.tensor([-1.0]), 0.1, 0, False, True)
    with pytest.raises(ValueError, match="needs an axis of channels, got a 0-d tensor"):
        tg.fake_quantize_per_channel_affine(tg.tensor(1.0), tg.tensor([0.1]), tg.tensor([0]),
                                            0, 0, 255)


def test_grad_scaler_refuses_a_scale_beyond_float32_and_passes_step_arguments():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="init_scale 1e\\+40 does not fit in float32"):
        tg.amp.GradScaler("cpu", init_scale=1e40).scale((w * w).sum())
    scaler, calls = tg.amp.GradScaler("cpu"), []

    class Recording(nn.optim.SGD):
        def step(self, *args):
            calls.append(args)
            return super().step()

    scaler.scale((w * w).sum()).backward()
    scaler.step(Recording([w], lr=0.1), "extra")           # positional: passed on, as torch
    assert calls == [("extra",)]


@pytest.mark.parametrize("activation", [
    F.softplus, F.logsigmoid, F.hardswish, F.hardsigmoid, F.selu, F.leaky_relu,
    lambda x: F.rrelu(x, training=False), lambda x: F.softplus(x, beta=2.0, threshold=5.0)])
def test_float16_activations_round_once(activation):
    """Each is the float64 answer rounded once to float16 on a grid of 2001 points (in
    float16 steps, softplus was 1 ulp off at 278 of them and leaky_relu at 315: 0.01 in
    float16 is 0.010002)."""
    grid = np.linspace(-8, 8, 2001).astype(np.float16).astype(np.float64)
    assert activation(half(grid)).tolist() == rounded_once(activation(Tensor(grid)).data)
    x = half(grid[:7]).requires_grad_()
    activation(x).sum().backward()
    assert x.grad.dtype == np.float16


@pytest.mark.parametrize("function, low, high", [
    (tg.rsqrt, 0.01, 8.0), (tg.tan, -8.0, 8.0), (tg.logit, 0.01, 0.99)])
def test_float16_rsqrt_tan_logit_round_once(function, low, high):
    """1 / sqrt(x), sin / cos and log p - log1p(-p) in float16 steps were 1 ulp off at 565,
    600 and 803 of 2001 grid points."""
    grid = np.linspace(low, high, 2001).astype(np.float16).astype(np.float64)
    assert function(half(grid)).tolist() == rounded_once(function(Tensor(grid)).data)


def test_float16_hypot_and_norm_round_once():
    """hypot in float16 steps was 1 ulp off at 1096 of 3000 random pairs, norm at 10 of
    40 rows of 300 (torch sums the powers in float32)."""
    rng = np.random.default_rng(16)
    x = rng.uniform(-8, 8, 3000).astype(np.float16).astype(np.float64)
    y = rng.uniform(0.1, 8, 3000).astype(np.float16).astype(np.float64)
    assert tg.hypot(half(x), half(y)).tolist() == rounded_once(np.hypot(x, y))
    rows = x.reshape(100, 30)
    for p in (2, 1, 3, 0.5):
        expected = (np.abs(rows) ** p).sum(1) ** (1 / p)
        assert half(rows).norm(p, dim=1).tolist() == rounded_once(expected), p
