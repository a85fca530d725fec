"""Python's protocols and numpy meeting a Tensor, where they once differed from torch:
the in-place operators, integer reductions and powers, from_numpy / asarray, setitem
range checks, format, bool arithmetic, and F's in-place activations."""
from __future__ import annotations

import operator

import numpy as np
import pytest

import nn.functional as F
import tinygrad_edu as tg


@pytest.mark.parametrize("update, expected", [
    (lambda x: operator.ipow(x, 2), [25.0, 49.0]),
    (lambda x: operator.ifloordiv(x, 2), [2.0, 3.0]),
    (lambda x: operator.imod(x, 3), [2.0, 1.0]),
])
def test_in_place_operators_write_into_the_tensor_and_its_views(update, expected):
    x = tg.tensor([5.0, 7.0])
    first = x[:1]
    result = update(x)
    assert result is x and x.tolist() == expected and first.tolist() == expected[:1]


def test_in_place_power_refuses_a_float_result_in_an_int_tensor():
    x = tg.tensor([1, 4])
    with pytest.raises(RuntimeError, match=r"x \*\*= y: the result \(float32.*cannot be written "
                                           r"into x \(int64"):
        x **= 0.5
    assert x.tolist() == [1, 4]


def test_parameter_update_through_a_loop_variable():
    import nn
    layer = nn.Linear(2, 1)
    with tg.no_grad():
        layer.weight.fill_(3.0)
        for p in layer.parameters():
            p **= 2
    assert layer.weight.tolist() == [[9.0, 9.0]]


def test_integer_sums_and_products_stay_in_the_asked_dtype():
    small = tg.tensor([200, 100], dtype=tg.uint8)
    total = small.sum(dtype=tg.uint8)
    assert total.dtype == np.uint8 and total.item() == 44          # wraps, as torch
    assert small.sum().dtype == np.int64 and small.sum().item() == 300
    truncated = tg.tensor([1.5, 2.5]).sum(dtype=tg.int32)
    assert truncated.dtype == np.int32 and truncated.item() == 3
    product = small.prod(dtype=tg.int16)
    assert product.dtype == np.int16 and product.item() == 20000
    assert tg.tensor([True, True]).sum(dtype=tg.bool).item() is True


def test_integer_power_with_negative_exponents_as_torch():
    base = tg.tensor([0, 1, -1, 2, -2, 3, -1])
    exponent = tg.tensor([-1, -1, -1, -1, -2, -3, -2])
    assert (base ** exponent).tolist() == [0, 1, -1, 0, 0, 0, 1]
    assert (2 ** tg.tensor([-1, 0, 3])).tolist() == [0, 1, 8]
    result = tg.tensor([-1, 2], dtype=tg.int8) ** tg.tensor([-3, 2], dtype=tg.int8)
    assert result.dtype == np.int8 and result.tolist() == [-1, 4]


def test_from_numpy_takes_only_number_arrays():
    with pytest.raises(TypeError, match="from_numpy: expected an np.ndarray, got list"):
        tg.from_numpy([1, 2])
    for bad in (np.array(["a"]), np.array([1 + 2j]), np.array([None])):
        with pytest.raises(TypeError, match=f"from_numpy: cannot wrap an array of numpy dtype "
                                            f"{bad.dtype}"):
            tg.from_numpy(bad)
    shared = np.zeros(2)
    tg.from_numpy(shared)[0] = 1.0
    assert shared[0] == 1.0


def test_writing_a_read_only_array_says_so():
    frozen = np.arange(3.0)
    frozen.flags.writeable = False
    with pytest.raises(RuntimeError, match="read-only numpy array wrapped by from_numpy"):
        tg.from_numpy(frozen)[0] = 5.0


def test_asarray_shares_copies_or_refuses_as_asked():
    array = np.ones(2, np.float32)
    shared = tg.asarray(array)
    shared[0] = 5.0
    assert array[0] == 5.0
    copied = tg.asarray(array, copy=True)
    copied[1] = 7.0
    assert array[1] == 1.0
    assert tg.asarray(array, dtype=tg.float64).dtype == np.float64
    with pytest.raises(ValueError, match="asarray: copy=False, but a list cannot be shared"):
        tg.asarray([1.0, 2.0], copy=False)
    with pytest.raises(ValueError, match="copy=False, but a ndarray cannot be shared as a "
                                         "tensor of dtype float64"):
        tg.asarray(array, dtype=tg.float64, copy=False)
    leaf = tg.asarray([1.0, 2.0], requires_grad=True)
    assert leaf.is_leaf and leaf.requires_grad


def test_setitem_refuses_a_number_the_integer_dtype_cannot_hold():
    x = tg.tensor([1, 2, 3], dtype=tg.uint8)
    with pytest.raises(ValueError, match=r"setitem: the value 300 does not fit in uint8 "
                                         r"\(\[0, 255\]\)"):
        x[0] = 300
    x[0], x[1] = 255, 2.7                         # fractions truncate, as torch
    assert x.tolist() == [255, 2, 3]


def test_format_spec_applies_to_0d_tensors_only():
    assert f"{tg.tensor(1.5):.2f}" == "1.50"
    assert f"{tg.ones(2)}" == str(tg.ones(2))
    with pytest.raises(TypeError, match=r"format: the spec '.2f' applies to a 0-d tensor, not "
                                        r"to one of shape \(2,\)"):
        format(tg.ones(2), ".2f")


def test_small_torch_names():
    assert operator.index(tg.tensor(True)) == 1
    x = tg.ones(2, requires_grad=True)
    assert x.numpy(force=True) is x.data
    assert isinstance(tg.float32, tg.dtype) and not tg.is_complex(x)
    assert tg.tensor([1.0]).is_signed() and tg.tensor([-1]).is_signed()
    assert not tg.tensor([1], dtype=tg.uint8).is_signed() and not tg.tensor([True]).is_signed()


def test_minus_on_a_bool_tensor_is_refused_as_torch():
    mask = tg.tensor([True, False])
    for make in (lambda: 1 - mask, lambda: mask - 1, lambda: tg.tensor([1, 2]) - mask,
                 lambda: -mask):
        with pytest.raises(TypeError, match=r"the - operator on a bool tensor is not "
                                            r"supported.*~mask"):
            make()
    assert (~mask).tolist() == [False, True]


def test_a_float_alpha_with_integer_operands_is_refused_as_torch():
    with pytest.raises(TypeError, match="add: alpha 1.5 is a float, but the operands are "
                                        "integers"):
        tg.tensor([1, 2]).add(tg.tensor([1, 1]), alpha=1.5)
    assert tg.tensor([1, 2]).add(tg.tensor([1.0, 1.0]), alpha=1.5).tolist() == [2.5, 3.5]
    assert tg.tensor([1, 2]).sub(1, alpha=2).tolist() == [-1, 0]


@pytest.mark.parametrize("name, args, expected", [
    ("relu_", (), [0.0, 2.0]),
    ("leaky_relu_", (0.5,), [-0.5, 2.0]),
    ("hardtanh_", (-0.5, 0.5), [-0.5, 0.5]),
    ("threshold_", (0.5, 9.0), [9.0, 2.0]),
    ("elu_", (0.5,), [0.5 * (np.exp(-1.0) - 1), 2.0]),
    ("celu_", (2.0,), [2.0 * (np.exp(-0.5) - 1), 2.0]),
    ("rrelu_", (0.1, 0.3), [-0.2, 2.0]),                 # eval: the mean slope
])
def test_functional_in_place_activations_change_their_input(name, args, expected):
    x = tg.tensor([-1.0, 2.0], dtype=tg.float64)
    view = x[:1]
    assert getattr(F, name)(x, *args) is x
    np.testing.assert_allclose(x.numpy(), expected, rtol=1e-15)
    assert view.item() == x[0].item()


def test_functional_in_place_activation_in_a_graph():
    w = tg.tensor([-1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="relu_: a leaf tensor that requires grad"):
        F.relu_(w)
    hidden = w * 3
    F.relu_(hidden)
    hidden.sum().backward()
    assert w.grad.tolist() == [0.0, 3.0]


@pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")
def test_from_numpy_of_array_subclasses_and_byte_orders():
    matrix = tg.from_numpy(np.matrix([[1, 2], [3, 4]]))
    assert (matrix * matrix).tolist() == [[1, 4], [9, 16]] and matrix[0].shape == (2,)
    with pytest.raises(TypeError, match=r"from_numpy: the array's byte order \(>i4\) is not "
                                        "this machine's"):
        tg.from_numpy(np.arange(3, dtype=">i4"))


def test_asarray_copy_of_a_tensor_stays_in_the_graph():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    copied = tg.asarray(x, copy=True)
    assert copied.data is not x.data
    (copied * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_integer_nansum_and_scaled_operands_keep_the_dtype():
    total = tg.nansum(tg.tensor([200, 100], dtype=tg.uint8), dtype=tg.uint8)
    assert total.dtype == np.uint8 and total.item() == 44
    small = tg.tensor([1, 2], dtype=tg.uint8).add(tg.tensor([True, False]), alpha=2)
    assert small.dtype == np.uint8 and small.tolist() == [3, 2]
    both = tg.tensor([True, False]).add(tg.tensor([True, False]), alpha=2)
    assert both.dtype == np.bool_ and both.tolist() == [True, False]


def test_every_form_of_minus_refuses_bools():
    x, mask = tg.tensor([1, 2]), tg.tensor([True, False])
    for make in (lambda: tg.sub(x, mask, alpha=2), lambda: x.sub(mask, alpha=-1),
                 lambda: x - True, lambda: True - x, lambda: x.sub(True),
                 lambda: x.clone().sub_(mask, alpha=2), lambda: tg.rsub(mask, 1)):
        with pytest.raises(TypeError, match="the - operator on a bool tensor"):
            make()
    assert tg.rsub(tg.tensor([1.0, 2.0]), 5, alpha=2).tolist() == [3.0, 1.0]
    assert tg.is_signed(x) and not tg.is_signed(mask)


@pytest.mark.parametrize("value, written", [(-1, 255), (-255, 1), (2.7, 2), (255, 255)])
def test_numbers_that_fit_an_unsigned_tensor_as_torch(value, written):
    for write in (lambda t: t.__setitem__(0, value), lambda t: t.fill_(value)):
        x = tg.zeros(2, dtype=tg.uint8)
        write(x)
        assert x[0].item() == written
    assert tg.full((1,), value, dtype=tg.uint8).item() == written
    assert tg.tensor([[value, 3]], dtype=tg.uint8).tolist() == [[written, 3]]
    assert tg.tensor(value, dtype=tg.uint8).item() == written
    mask = tg.tensor([True, False])
    assert tg.zeros(2, dtype=tg.uint8).masked_fill(mask, value).tolist() == [written, 0]


def test_each_python_number_is_converted_by_its_own_type_as_torch():
    assert tg.tensor([2**63 - 1, 0.5], dtype=tg.int64).tolist() == [2**63 - 1, 0]   # exact
    assert tg.tensor([2**53 + 1, 0.5], dtype=tg.int64).tolist() == [2**53 + 1, 0]
    assert tg.tensor([-1, 2.5], dtype=tg.uint8).tolist() == [255, 2]     # an int may wrap
    assert tg.tensor([[True, -1], [np.int64(-2), 3.9]], dtype=tg.int8).tolist() == [[1, -1],
                                                                                     [-2, 3]]
    for value, dtype in ([2**63], tg.int64), (np.float64(-1.0), tg.uint8), (
            np.int64(300), tg.uint8), ([np.uint8(200)], tg.int8), ([-1.0, 2], tg.uint8):
        with pytest.raises(ValueError, match="Tensor: the value .* does not fit in"):
            tg.tensor(value, dtype=dtype)
    assert tg.tensor([1.9, -2.9, 2.0**52], dtype=tg.int64).tolist() == [1, -2, 2**52]
    with pytest.raises(TypeError, match="Tensor: expected numbers, got None in the data"):
        tg.tensor([1, None], dtype=tg.int64)
    with pytest.raises(ValueError, match="Tensor: cannot make a tensor from this data .*must "
                       "be rectangular"):
        tg.tensor([[1, 2], [3]], dtype=tg.int64)


def test_strings_and_none_are_refused_for_a_float_or_bool_dtype_as_torch():
    for dtype in tg.float32, tg.float64, tg.bool:          # numpy parses "1", makes None nan
        with pytest.raises(TypeError, match="^tensor: expected numbers, got None in the data"):
            tg.tensor([1, None], dtype=dtype)
        with pytest.raises(TypeError, match=r"^tensor: cannot make a tensor from list \(numpy "
                           r"dtype <U1\); expected numbers"):
            tg.tensor(["1"], dtype=dtype)
        with pytest.raises(TypeError, match=r"from ndarray \(numpy dtype <U1\)"):
            tg.tensor(np.array(["1"]), dtype=dtype)
    with pytest.raises(ValueError, match="must be rectangular"):
        tg.tensor([[1.0], []], dtype=tg.float64)
    assert tg.tensor([2**70, tg.tensor(0.5)], dtype=tg.float64).tolist() == [2.0**70, 0.5]
    assert tg.tensor([0.1], dtype=tg.float64).item() == 0.1      # parsed once, in float64
    assert tg.tensor(np.array([1, 2], dtype=object), dtype=tg.float32).tolist() == [1, 2]


def test_a_numpy_array_given_to_tensor_is_cast_as_numpy_casts():
    assert tg.tensor(np.array([-1, 300]), dtype=tg.uint8).tolist() == [255, 44]     # as torch
    assert tg.tensor(np.array([2.7, -1.5]), dtype=tg.int8).tolist() == [2, -1]


@pytest.mark.parametrize("value, dtype", [(-256, tg.uint8), (255.5, tg.uint8), (-0.5, tg.uint8),
                                          (127.5, tg.int8), (float("nan"), tg.int32)])
def test_numbers_that_do_not_fit_are_refused_everywhere(value, dtype):
    x = tg.zeros(2, dtype=dtype)
    for name, write in (("setitem", lambda: x.__setitem__(0, value)),
                        ("fill_", lambda: x.fill_(value)),
                        ("full", lambda: tg.full((1,), value, dtype=dtype)),
                        ("Tensor", lambda: tg.tensor([[1, 2], [value, 3]], dtype=dtype)),
                        ("masked_fill", lambda: x.masked_fill(tg.tensor([True, False]), value))):
        with pytest.raises(ValueError, match=f"{name}: the value .* does not fit in "):
            write()
    flags = tg.zeros(2, dtype=tg.bool)
    flags[0] = float("nan")                                  # any number fits a bool: True
    assert flags.tolist() == [True, False]
