"""Activations against torch 2.13 (session 31): float16 threshold / softshrink / hardtanh
computed in float32, F.softmax and F.log_softmax with F's signature, the top-level and
method forms torch has, and hardtanh's refusal of negative limits for unsigned tensors.
The references are numpy's; the torch comparison at the end is optional."""
import inspect

import numpy as np
import pytest

import nn.functional as F
import tinygrad_edu as tg

NEAR_07 = np.linspace(0.69, 0.71, 41).astype(np.float16)
"""float16 values on both sides of 0.7, whose float16 rounding (0.7002) is above 0.7."""


def _float16_input() -> tuple[np.ndarray, np.ndarray]:
    x16 = np.concatenate([NEAR_07, -NEAR_07])
    return x16, x16.astype(np.float32)


def test_threshold_float16_compares_in_float32():
    x16, x = _float16_input()
    expected = np.where(x > np.float32(0.7), x, np.float32(-5.0)).astype(np.float16)
    out = F.threshold(tg.tensor(x16), 0.7, -5.0)
    assert out.dtype == np.float16
    np.testing.assert_array_equal(out.numpy(), expected)
    a = tg.tensor(x16, requires_grad=True)
    F.threshold(a, 0.7, -5.0).sum().backward()
    assert a.grad.dtype == np.float16
    np.testing.assert_array_equal(a.grad.numpy(), (x > np.float32(0.7)).astype(np.float16))


def test_softshrink_float16_is_float32_rounded_once():
    x16, x = _float16_input()
    lambd = np.float32(0.7)
    expected = np.where(x > lambd, x - lambd, np.where(x < -lambd, x + lambd, 0))
    out = F.softshrink(tg.tensor(x16), 0.7)
    assert out.dtype == np.float16
    np.testing.assert_array_equal(out.numpy(), expected.astype(np.float16))
    assert out.numpy()[list(x16).index(np.float16(0.7))] == np.float16(0.0001953)


def test_hardtanh_float16_bounds_are_not_rounded_to_float16():
    a = tg.tensor(np.array([0.1, -0.1, 0.2, -0.2], np.float16), requires_grad=True)
    out = F.hardtanh(a, -0.1, 0.1)                 # float16(0.1) = 0.09998 < 0.1: inside
    assert out.dtype == np.float16
    np.testing.assert_array_equal(out.numpy(), np.float16([0.1, -0.1, 0.1, -0.1]))
    out.sum().backward()
    assert a.grad.dtype == np.float16 and a.grad.tolist() == [1.0, 1.0, 0.0, 0.0]


def test_hardshrink_float16_compares_in_float16_as_torch():
    out = F.hardshrink(tg.tensor(np.float16([0.7, 0.7007])), 0.7)    # torch: lambd as float16
    assert out.dtype == np.float16 and out.tolist() == [0.0, np.float16(0.7007)]


def test_hardtanh_refuses_negative_limits_for_unsigned():
    x = tg.tensor(np.array([1, 200], np.uint8))
    with pytest.raises(ValueError, match=r"hardtanh: .*unsigned.*uint8.*min_val=-1"):
        F.hardtanh(x, -1.0, 5.0)
    assert F.hardtanh(x, 0.0, 5.0).tolist() == [1, 5]
    assert F.hardtanh(tg.tensor(np.array([-3, 9], np.int8)), -1.5, 2.5).tolist() == [-1, 2]


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_functional_softmax_takes_stacklevel_then_dtype(name):
    fn = getattr(F, name)
    parameters = inspect.signature(fn).parameters
    assert [(p.name, p.default) for p in parameters.values()] == [
        ("input", inspect.Parameter.empty), ("dim", None), ("_stacklevel", 3), ("dtype", None)]
    x = tg.tensor([[1.0, 2.0], [3.0, 5.0]])
    expected = getattr(x, name)(1)
    assert fn(x, 1, 3, tg.float64).dtype == np.float64
    np.testing.assert_array_equal(fn(x, 1, 3).numpy(), expected.numpy())
    np.testing.assert_array_equal(fn(x, dim=1, _stacklevel=5).numpy(), expected.numpy())
    with pytest.warns(UserWarning, match=f"Implicit dimension choice for {name}"):
        np.testing.assert_array_equal(fn(x).numpy(), expected.numpy())
    assert getattr(tg, name)(x, 1, tg.float64).dtype == np.float64    # torch.softmax's


def test_top_level_threshold_and_in_place_activations():
    x = tg.tensor([-1.0, 0.3, 2.0])
    assert tg.threshold(x, 0.5, -9.0).tolist() == [-9.0, -9.0, 2.0]
    for name, args in [("threshold", (0.5, -9.0)), ("selu", ()), ("celu", (2.0,)),
                       ("rrelu", ())]:                      # rrelu: eval mode, deterministic
        y = x.clone()
        assert getattr(tg, f"{name}_")(y, *args) is y
        np.testing.assert_array_equal(y.numpy(), getattr(F, name)(x, *args).numpy())


def test_hardshrink_and_prelu_methods():
    x = tg.tensor([-1.0, 0.3, 2.0])
    assert x.hardshrink(0.5).tolist() == F.hardshrink(x, 0.5).tolist() == [-1.0, 0.0, 2.0]
    weight = tg.tensor([0.25])
    np.testing.assert_array_equal(x.prelu(weight).numpy(), np.float32([-0.25, 0.3, 2.0]))


def test_against_torch():
    torch = pytest.importorskip("torch")
    tF = torch.nn.functional
    x16, _ = _float16_input()
    for name, args in [("threshold", (0.7, -5.0)), ("softshrink", (0.7,)),
                       ("hardshrink", (0.7,)), ("hardtanh", (-0.7, 0.7))]:
        ours = getattr(F, name)(tg.tensor(x16), *args).numpy()
        np.testing.assert_array_equal(ours, getattr(tF, name)(torch.tensor(x16), *args).numpy())
    for name in ("softmax", "log_softmax"):
        ours, theirs = (inspect.signature(getattr(m, name)).parameters for m in (F, tF))
        assert [(p.name, p.default) for p in ours.values()] == [
            (p.name, p.default) for p in theirs.values()]
    for name in ("threshold", "threshold_", "selu_", "celu_", "rrelu_"):
        assert hasattr(torch, name) and hasattr(tg, name), name
    for name in ("hardshrink", "prelu"):
        assert hasattr(torch.Tensor, name) and hasattr(tg.Tensor, name), name
