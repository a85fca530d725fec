"""Bad input fails at the call that caused it, with a message naming the op, the shapes and
what was expected; numerically hard inputs give no silent NaN."""
from __future__ import annotations

import re

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Function, Tensor

A = Tensor(np.ones((3, 4)))


def raises(exc, text: str):
    """pytest.raises matching `text` literally (messages contain brackets)."""
    return pytest.raises(exc, match=re.escape(text))


# ---------------------------------------------------------------- shapes
def test_matmul_inner_dimensions():
    with raises(ValueError, "matmul: (3, 4) @ (5, 6): inner dimensions 4 and 5 differ"):
        A @ Tensor(np.ones((5, 6)))
    with raises(ValueError, "matmul: (3,) @ (4,): inner dimensions 3 and 4 differ"):
        Tensor(np.ones(3)) @ Tensor(np.ones(4))


def test_matmul_batch_and_rank():
    with raises(ValueError, "matmul: (2, 3, 4) @ (3, 4, 5): batch dimensions (2,) and (3,)"):
        Tensor(np.ones((2, 3, 4))) @ Tensor(np.ones((3, 4, 5)))
    with pytest.raises(ValueError, match=r"matmul: .*at least 1 dimension.*\(\) and \(3, 4\)"):
        Tensor(2.0) @ A


def test_reshape_message():
    with pytest.raises(ValueError, match=r"^reshape: cannot view 12 elements .*\(5, 3\)"):
        A.reshape(5, 3)
    with pytest.raises(ValueError, match=r"^view: cannot view 12 elements"):
        A.view(-1, 5)                            # the error names the op called


@pytest.mark.parametrize("name, call", [
    ("add", lambda a, b: a + b), ("sub", lambda a, b: a - b), ("mul", lambda a, b: a * b),
    ("div", lambda a, b: a / b), ("pow", lambda a, b: a ** b),
    ("maximum", lambda a, b: a.maximum(b)),
    ("add", lambda a, b: b + a), ("sub", lambda a, b: b.data - a),
])
def test_broadcast_failure_names_the_op_and_shapes(name, call):
    with pytest.raises(ValueError, match=rf"^{name}: shapes \((3, 4|2, 4)\) and \((2, 4|3, 4)\) "
                                         r"cannot be broadcast"):
        call(A, Tensor(np.ones((2, 4))))


@pytest.mark.parametrize("call, text", [
    (lambda: tg.where(Tensor([True, False, True]), A, 0.0), "where: condition (3,), input (3, 4)"),
    (lambda: A.expand(2, 4), "expand: cannot expand shape (3, 4) to (2, 4)"),
    (lambda: A.permute(0, 0), "permute: (0, 0) is not a permutation"),
    (lambda: tg.cat([A, Tensor(np.ones((5, 6)))]), "cat: shapes (3, 4) and (5, 6) differ"),
    (lambda: tg.cat([]), "cat: expected a non-empty list"),
    (lambda: tg.stack([A, Tensor(np.ones((4, 3)))]), "stack: all tensors must have the same shape"),
    (lambda: tg.pad(A, (1,)), "pad: the pad tuple needs an even length of at most 2 * 2"),
    (lambda: tg.pad(A, (1, 1, 1, 1, 1, 1)), "pad (1, 1, 1, 1, 1, 1), input shape (3, 4))"),
    (lambda: Tensor([1.0]).var(), "var: 1 elements with correction=1"),
    (lambda: Tensor(np.ones((0, 3))).mean(), "mean: cannot average over zero elements"),
    (lambda: Tensor(np.ones((0, 3))).amax(), "amax: cannot take the max over an empty dimension of shape (0, 3)"),
    (lambda: Tensor(np.ones((0, 3))).argmax(), "argmax: cannot reduce an empty tensor"),
    (lambda: A.clamp(), "clamp: at least one of min and max"),
])
def test_value_errors(call, text):
    with raises(ValueError, text):
        call()


@pytest.mark.parametrize("call, text", [
    (lambda: A.sum(2), "sum: dimension 2 is out of range for a tensor of shape (3, 4)"),
    (lambda: A.softmax(-3), "softmax: dimension -3 is out of range"),
    (lambda: A.transpose(0, 5), "transpose: dimension 5 is out of range"),
    (lambda: A.unsqueeze(5), "unsqueeze: dimension 5 is out of range"),
    (lambda: A[3], "getitem: index (3,) is invalid for shape (3, 4)"),
    (lambda: A[0, 0, 0], "getitem: index (0, 0, 0) is invalid for shape (3, 4)"),
    (lambda: A[np.array([0.5])], "getitem: index arrays must be integer or bool"),
    (lambda: A[np.array([True, False])], "getitem: a mask of shape (2,) indexes axes of "
                                         "shape (3,) (axis 0 on, of (3, 4))"),
    (lambda: A[:, np.ones(6, bool)], "getitem: a mask of shape (6,) indexes axes of shape (4,)"),
    (lambda: A[..., np.ones(3, bool)], "a mask of shape (3,) indexes axes of shape (4,) (axis 1 on"),
    (lambda: A[np.ones((1, 4), bool)], "a mask of shape (1, 4) indexes axes of shape (3, 4)"),
])
def test_index_errors(call, text):
    with raises(IndexError, text):
        call()


def test_setitem_with_a_mask_of_the_wrong_shape_is_refused():
    x = Tensor(np.zeros(4))
    with raises(IndexError, "setitem: a mask of shape (2,) indexes axes of shape (4,)"):
        x[np.array([False, True])] = 7.0
    assert x.tolist() == [0.0] * 4


def test_max_dim_error_names_max():
    with pytest.raises(IndexError, match=r"^max: dimension 3"):
        A.max(3)


def test_pad_mode():
    with raises(ValueError, "pad: unknown mode 'wrap'; expected one of 'constant', 'reflect'"):
        tg.pad(A, (1, 1), mode="wrap")


# ---------------------------------------------------------------- types
@pytest.mark.parametrize("value", ["abc", object(), {"a": 1}])
def test_tensor_from_wrong_type(value):
    with pytest.raises(TypeError, match=r"^Tensor: cannot make a tensor from .*expected numbers"):
        Tensor(value)


def test_tensor_from_none():
    with pytest.raises(TypeError, match=r"^Tensor: got None where a tensor \(or numbers"):
        Tensor(None)


def test_tensor_from_ragged_list_names_tensor():
    with pytest.raises((TypeError, ValueError), match=r"^Tensor: "):
        Tensor([[1.0, 2.0], [3.0]])


@pytest.mark.parametrize("name, call", [
    ("add", lambda: A + "x"), ("add", lambda: A + None), ("mul", lambda: A * object()),
    ("div", lambda: A / {}), ("pow", lambda: A ** "2"),
])
def test_operand_of_wrong_type(name, call):
    with pytest.raises(TypeError, match=rf"^{name}: expected a Tensor, a number or an array"):
        call()


def test_other_type_errors():
    with pytest.raises(TypeError, match="where: condition must be a bool tensor"):
        tg.where(Tensor([1, 0]), Tensor([1.0, 2.0]), 0.0)
    with pytest.raises(TypeError, match="to: 'nonsense' is not a dtype"):
        A.to("nonsense")
    with pytest.raises(TypeError, match="matmul: both operands must have the same dtype"):
        A.float() @ A.T
    with pytest.raises(TypeError, match="only integer tensors"):
        [1, 2, 3][Tensor(1.0)]


def test_truthiness_and_scalars():
    with pytest.raises(RuntimeError, match=r"bool: the truth value of a tensor of shape \(3, 4\)"):
        bool(A)
    assert bool(Tensor([2.0])) and int(Tensor(3.7)) == 3 and float(Tensor(0.5)) == 0.5
    with pytest.raises(ValueError, match=r"item: .*shape \(3, 4\)"):
        A.item()


# ---------------------------------------------------------------- autograd errors
def test_grad_related_errors():
    with pytest.raises(RuntimeError, match="floating point"):
        Tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="register_hook: cannot register a hook"):
        Tensor([1.0]).register_hook(lambda g: g)
    with pytest.raises(RuntimeError, match="retain_grad: the tensor does not require grad"):
        Tensor([1.0]).retain_grad()
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="non-leaf"):
        (x * 2).requires_grad_(False)
    with pytest.raises(RuntimeError, match=r"backward: gradient has shape \(3,\) but the output "
                                           r"has shape \(2,\)"):
        (x * 2).backward(Tensor([1.0, 1.0, 1.0]))
    with pytest.raises(RuntimeError, match=r"shape \(2,\); pass a gradient"):
        (x * 2).backward()


class WrongShape(Function, register=False):
    """out = a; VJP returns a gradient that cannot be summed to a's shape."""

    @staticmethod
    def forward(ctx, a):
        return a.copy()

    @staticmethod
    def backward(ctx, g):
        return Tensor(np.ones((5,)))


class TooManyGrads(Function, register=False):
    """out = a; VJP returns two gradients for one input."""

    @staticmethod
    def forward(ctx, a):
        return a.copy()

    @staticmethod
    def backward(ctx, g):
        return g, g


def test_bad_vjp_is_reported_with_the_op_name():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with raises(RuntimeError, "wrong_shape: backward returned a gradient of shape (5,) for an "
                              "input of shape (2,)"):
        WrongShape.apply(x).sum().backward()
    with raises(RuntimeError, "too_many_grads: backward returned 2 gradients for 1 inputs"):
        TooManyGrads.apply(x).sum().backward()


# ---------------------------------------------------------------- no silent NaN
def test_stable_ops_raise_no_floating_point_warning():
    x = Tensor(np.array([[1e4, -1e4, 0.0], [-800.0, 800.0, 1e-30]]), requires_grad=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):   # underflow to 0 is fine
        out = (x.softmax(1).sum() + x.log_softmax(0).sum() + x.sigmoid().sum()
               + x.tanh().sum() + x.logsumexp(1).sum())
        out.backward()
    assert np.isfinite(out.item()) and np.all(np.isfinite(x.grad.data))


def test_float32_sigmoid_and_log_softmax_extremes():
    x = Tensor([-1e4, -100.0, 0.0, 100.0, 1e4], requires_grad=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = x.sigmoid()
        ls = x.log_softmax(0)
        (s.sum() + ls[0]).backward()
    np.testing.assert_allclose(s.data, [0, 0, 0.5, 1, 1], atol=1e-30)
    assert np.all(np.isfinite(ls.data)) and np.all(np.isfinite(x.grad.data))


def test_pow_at_zero_base_has_finite_gradients():
    a = Tensor(np.array([0.0, 2.0]), requires_grad=True)
    b = Tensor(np.array([2.0, 3.0]), requires_grad=True)
    (a ** b).sum().backward()
    np.testing.assert_allclose(a.grad.data, [0.0, 12.0])
    np.testing.assert_allclose(b.grad.data, [0.0, 8 * np.log(2)])
    z = Tensor(np.array([0.0, 0.0, 3.0]), requires_grad=True)
    e = Tensor(np.array([0.0, 1.0, 0.0]), requires_grad=True)
    (z ** e).sum().backward()                    # 0**0 = 1 is constant in the base: 0
    np.testing.assert_array_equal(z.grad.data, [0.0, 1.0, 0.0])
    np.testing.assert_allclose(e.grad.data, [0.0, 0.0, np.log(3.0)])
