"""Fixes of the twenty-third session: float16 beside a Python number, None arguments named
by the function that was called, ..."""
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F
import tinygrad_edu as tg

HALF_VALUES = np.concatenate([np.random.default_rng(0).standard_normal(500) * 10.0 ** k
                              for k in (-4, 0, 4)] + [[0.0, 65504.0, -6e-8]]).astype(np.float16)


def in_float32(op, x: np.ndarray, number) -> np.ndarray:
    """op on float16 values and a number kept in float32, rounded once to float16."""
    with np.errstate(all="ignore"):
        return op(x.astype(np.float32), np.float32(number)).astype(np.float16)


@pytest.mark.parametrize("number", [3.3, 0.1, 1e6, 1e-6, 70000, -2.5])
def test_float16_times_over_and_floor_by_a_number_round_once_as_torch(number):
    x = tg.tensor(HALF_VALUES)
    for got, want in [(x * number, in_float32(np.multiply, HALF_VALUES, number)),
                      (number * x, in_float32(np.multiply, HALF_VALUES, number)),
                      (x / number, in_float32(np.divide, HALF_VALUES, number)),
                      (x // number, in_float32(np.floor_divide, HALF_VALUES, number)),
                      (x.div(number, rounding_mode="trunc"),
                       in_float32(lambda a, b: np.trunc(a / b), HALF_VALUES, number))]:
        assert got.dtype == tg.float16
        np.testing.assert_array_equal(got.numpy(), want)


def test_float16_number_over_a_tensor_is_its_reciprocal_times_the_number_as_torch():
    x = tg.tensor(HALF_VALUES[np.abs(HALF_VALUES) > 1e-4])     # (1 / x stays finite)
    reciprocal = (1 / x.numpy().astype(np.float32)).astype(np.float16)
    np.testing.assert_array_equal((1e5 / x).numpy(), in_float32(np.multiply, reciprocal, 1e5))
    assert (1e5 / tg.tensor([2.0]).half()).item() == np.float16(50000)   # (1e5 in float16: inf)


def test_float16_overflow_example_of_the_readme_and_its_gradient():
    x = tg.tensor([1e-4, 2.0]).half().requires_grad_()
    y = x * 1e5
    assert y.dtype == tg.float16 and y.tolist() == [10.0, np.inf]
    (x * 100.0).sum().backward()
    assert x.grad.dtype == tg.float16 and x.grad.tolist() == [100.0, 100.0]


def test_float16_beside_a_number_out_of_range_is_inf_without_a_numpy_warning():
    x = tg.tensor([1.0, 2.0]).half()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert (x + 1e5).tolist() == [np.inf, np.inf]
        assert (x < 1e5).tolist() == [True, True]
        assert tg.tensor([1e5]).half().tolist() == [np.inf]
        assert tg.tensor([1e5], dtype=tg.float64, requires_grad=True).half().tolist() == [np.inf]


def test_float16_add_and_comparisons_round_the_number_first_as_torch():
    x = tg.tensor([65504.0]).half()
    assert (x < 65519).item() is False             # 65519 rounds to 65504 in float16
    assert (x + 0.1).item() == 65504.0


@pytest.mark.parametrize("call, name", [
    (lambda: tg.relu(None), "relu"), (lambda: F.relu(None), "relu"),
    (lambda: tg.add(None, tg.ones(2)), "add"), (lambda: tg.ones(2) @ None, "matmul"),
    (lambda: tg.cat([tg.ones(2), None]), "cat"), (lambda: tg.square(None), "square"),
    (lambda: F.linear(None, tg.ones(3, 3)), "linear"),
    (lambda: F.cross_entropy(tg.ones(2, 3), None), "cross_entropy"),
    (lambda: nn.Linear(3, 2)(None), "Linear"), (lambda: nn.MSELoss()(tg.ones(2), None), "MSELoss"),
    (lambda: tg.where(tg.ones(2) > 0, None, tg.ones(2)), "where"),
    (lambda: tg.tensor(None), "tensor"), (lambda: tg.Tensor(None), "Tensor"),
])
def test_a_none_argument_is_named_by_the_function_the_user_called(call, name):
    with pytest.raises(TypeError, match=rf"^{name}: got None where a tensor \(or numbers"):
        call()


def test_other_wrong_data_is_named_by_the_function_the_user_called():
    with pytest.raises(TypeError, match=r"^exp: cannot make a tensor from str"):
        tg.exp("abc")
    with pytest.raises(ValueError, match=r"^mse_loss: cannot make a tensor from this data"):
        F.mse_loss(tg.ones(2), [[1.0], []])


@pytest.mark.parametrize("role", ["input", "weight"])
def test_conv2d_names_a_missing_input_or_weight(role):
    args = {"input": tg.ones(1, 1, 3, 3), "weight": tg.ones(1, 1, 2, 2)}
    args[role] = None
    with pytest.raises(TypeError, match=rf"^conv2d: {role} must be a Tensor, got NoneType"):
        F.conv2d(**args)


HALF_CASES = {"add": lambda x, c: x + c, "rsub": lambda x, c: c - x, "mul": lambda x, c: x * c,
              "div": lambda x, c: x / c, "rdiv": lambda x, c: c / x,
              "floordiv": lambda x, c: x // c,
              "trunc": lambda x, c: x.div(c, rounding_mode="trunc"), "lt": lambda x, c: x < c,
              "eq": lambda x, c: x == c, "mod": lambda x, c: x % c}


@pytest.mark.parametrize("op", HALF_CASES)
def test_float16_with_a_number_matches_torch_bit_for_bit(op):
    torch = pytest.importorskip("torch")
    fn = HALF_CASES[op]
    for number in (3.3, 0.1, 1e6, 1e-6, 70000, 3, -2.5, 65519):
        with np.errstate(all="ignore"):
            got = fn(tg.tensor(HALF_VALUES), number).numpy()
            want = fn(torch.tensor(HALF_VALUES), number).numpy()
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want, err_msg=f"{op} {number}")


def test_the_operator_on_a_view_writes_the_tensor_it_views_as_the_method_does():
    a = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x = a * 1
    v = x[1:]
    v += 1                                             # was: v rebound, x unchanged
    (x * x).sum().backward()
    assert x.tolist() == [1.0, 3.0, 4.0] and v.tolist() == [3.0, 4.0]
    assert a.grad.tolist() == [2.0, 6.0, 8.0]          # torch's numbers
    b = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = b * 2
    t = y.T
    t *= 3
    del t
    row = y[0]
    row -= 1
    (y ** 2).sum().backward()
    assert y.tolist() == [[5.0, 11.0], [18.0, 24.0]]
    assert b.grad.tolist() == [[60.0, 132.0], [216.0, 288.0]]


@pytest.mark.parametrize("statement", ["row = w[0]; row -= 1", "wt = w.t(); wt *= 2"])
def test_the_operator_on_a_view_of_a_leaf_that_requires_grad_is_refused_as_torch(statement):
    w = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    with pytest.raises(RuntimeError, match="a view of a leaf tensor that requires grad"):
        exec(statement, {"w": w})
    assert w.tolist() == [[1.0, 2.0], [3.0, 4.0]]


def test_indexed_augmented_assignment_still_works_on_constants_and_graph_tensors():
    table = tg.zeros(3)
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    table[1:] += w                                     # a constant's view: setitem follows
    assert table.tolist() == [0.0, 1.0, 2.0]
    a = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x = a * 1
    x[1:] += a[:2] * 2
    (x * x).sum().backward()
    assert x.tolist() == [1.0, 4.0, 7.0] and a.grad.tolist() == [18.0, 36.0, 14.0]


@pytest.mark.parametrize("method, args", [("t_", ()), ("unsqueeze_", (0,)),
                                          ("transpose_", (0, 1)), ("squeeze_", ())])
def test_shape_changes_in_place_count_a_version_as_torch(method, args):
    x = tg.ones(2, 3)
    getattr(x, method)(*args)
    assert x._version == 1


def test_torch_aliases_of_in_place_methods():
    a = tg.tensor([4.0, 2.0])
    a.divide_(2).multiply_(3).subtract_(1, alpha=2)
    assert a.tolist() == [4.0, 1.0]
    a.arctan2_(tg.tensor([1.0, -1.0]))
    np.testing.assert_allclose(a.numpy(), np.arctan2([4.0, 1.0], [1.0, -1.0]), rtol=1e-6)
    assert a.sgn_().tolist() == [1.0, 1.0]


class _Scale(tg.Function, register=False):
    @staticmethod
    def forward(ctx, a, k):
        ctx.k = k
        return a * k

    @staticmethod
    def backward(ctx, g):
        return g * ctx.k, None


def test_viz_shows_a_number_argument_of_a_user_op_in_its_box_and_checks_the_op(tmp_path):
    import viz
    v = tg.tensor([1.0, -2.0], dtype=tg.float64, requires_grad=True)
    u = _Scale.apply(v, 2.0).sum()
    u.backward()
    source = viz.draw(u, check=True).source
    assert "#1 = 2.0 (not a tensor)" in source and "VJP matches finite differences" in source
    assert "<TR></TR>" not in source and "shape (0,)" not in source
    assert viz.render(u, str(tmp_path / "scale.svg"), check=True)
    assert "(its docstring states no VJP for this input)" in str(viz.trace(u))


def test_viz_renders_a_graph_holding_an_empty_tensor(tmp_path):
    import viz
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    y = (tg.cat([a, tg.zeros(0)]) * 2).sum()
    y.backward()
    source = viz.draw(y).source
    assert "<TR></TR>" not in source and "(no elements)" in source
    assert viz.render(y, str(tmp_path / "empty.svg"))


@pytest.mark.parametrize("name", ["flatten", "mean", "zeros_like", "ones_like", "rand_like",
                                  "randn_like", "empty_like", "det", "inverse", "slogdet",
                                  "logdet", "matrix_exp", "cholesky_inverse", "geqrf"])
def test_top_level_functions_take_input_by_keyword_as_torch(name):
    import inspect
    a = tg.tensor([[2.0, 1.0], [1.0, 3.0]], dtype=tg.float64)
    by_keyword, by_position = getattr(tg, name)(input=a), getattr(tg, name)(a)
    for k, p in zip(*(r if isinstance(r, tuple) else (r,) for r in (by_keyword, by_position))):
        assert k.shape == p.shape and k.dtype == p.dtype
        if "rand" not in name and "empty" not in name:
            np.testing.assert_array_equal(k.numpy(), p.numpy())
    assert next(iter(inspect.signature(getattr(tg, name)).parameters)) == "input"



def test_float16_times_a_0d_float_tensor_keeps_it_in_float32_as_torch():
    x = tg.tensor([1e-4, 2.0]).half()
    assert (x * tg.tensor(1e5)).tolist() == [10.0, np.inf]
    assert (x / tg.tensor(1e-5, dtype=tg.float64)).tolist() == [10.0, np.inf]


@pytest.mark.parametrize("write", ["x[1:] //= 2.0", "v = x[1:]; v //= 2.0",
                                   "x[1:].div_(2.0, rounding_mode='floor')"])
def test_a_write_without_gradient_into_a_view_stops_the_gradient_there(write):
    a = tg.tensor([1.5, 2.0, -3.3, 7.0], requires_grad=True)
    x = a * 1
    exec(write, {"x": x})
    (x * x).sum().backward()
    assert x.tolist() == [1.5, 1.0, -2.0, 3.0] and a.grad.tolist() == [3.0, 0.0, 0.0, 0.0]


def test_the_operator_on_a_view_made_under_no_grad_is_refused_as_the_method_is():
    a = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with tg.no_grad():
        v = a[1:]
    with pytest.raises(RuntimeError, match=r"x \+= y: x is a view made under no_grad\(\)"):
        v += a[:2]


class _FreeForm(_Scale, register=False):
    """out = a * k.   VJP: just g times k, nothing for k."""


def test_viz_draws_a_user_op_whose_vjp_line_is_free_form():
    import viz
    v = tg.tensor([1.0, 2.0], requires_grad=True)
    u = _FreeForm.apply(v, 3.0).sum()
    u.backward()
    assert viz.draw(u).source and "just g times k" in str(viz.trace(u))


def test_two_0d_tensors_float16_and_float32_still_promote_to_float32():
    loss = tg.tensor(1.0).half()
    assert (loss * tg.tensor(2.0 ** 127)).dtype == tg.float32     # (GradScaler's scale)
