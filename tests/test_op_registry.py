"""Every registered op against finite differences, driven by the registry `OPS`.

The cases live in `tests/gradcases/<family>.py`; `test_every_op_has_a_case` fails when
an op is registered without one, so coverage cannot silently shrink.
"""
from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

from gradcases import GradCase, all_cases, rand_tensor
import tinygrad_edu as tg
from tinygrad_edu import OPS, Function, GradcheckError, Tensor, gradcheck, gradgradcheck

CASES = all_cases()
SECOND_ORDER = [c for c in CASES if c.second_order]


def ops_in_graph(result) -> set[str]:
    """Names of the ops recorded in the graph that produced `result`."""
    outs = result if isinstance(result, (tuple, list)) else [result]
    seen, stack = set(), [o.grad_fn for o in outs if isinstance(o, Tensor) and o.grad_fn]
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(t.grad_fn for t in node.inputs if t.grad_fn is not None)
    return {node.name for node in seen}


def check(case: GradCase, checker) -> None:
    assert checker(case.fn, case.inputs(), eps=case.eps, atol=case.atol, rtol=case.rtol)


def test_case_ids_are_unique():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_case_exercises_its_op(case):
    assert case.op in OPS, f"{case.id}: {case.op!r} is not a registered op"
    assert case.op in ops_in_graph(case.fn(*case.inputs()))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_gradcheck(case):
    check(case, gradcheck)


@pytest.mark.parametrize("case", SECOND_ORDER, ids=lambda c: c.id)
def test_gradgradcheck(case):
    check(case, gradgradcheck)


def _defined_by_tests(cls: type) -> bool:
    return cls.__module__.split(".")[-1].startswith(("test_", "conftest"))


def test_every_op_has_a_case():
    covered = {c.op for c in CASES}
    missing = sorted(name for name, cls in OPS.items()
                     if cls.differentiable and not _defined_by_tests(cls) and name not in covered)
    assert not missing, f"registered ops without a GradCase in tests/gradcases/: {missing}"


def test_every_built_in_op_documents_its_vjp_and_what_it_saves():
    """The design rule: each primitive's docstring states its VJP and what backward keeps."""
    undocumented = sorted(
        name for name, cls in OPS.items() if not _defined_by_tests(cls) and (
            "Saves" not in cls.__doc__ and "saves" not in cls.__doc__
            or cls.differentiable and "VJP" not in cls.__doc__))
    assert not undocumented, f"ops whose docstring lacks its VJP or a Saves line: {undocumented}"


# ---------------------------------------------------------------- random shapes (hypothesis)
BINARY = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
          "div": lambda a, b: a / (b * b + 0.5), "maximum": lambda a, b: a.maximum(b)}


@settings(max_examples=12, deadline=None)
@given(op=st.sampled_from(sorted(BINARY)),
       shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
       seed=st.integers(0, 2**16))
def test_binary_ops_broadcast_random_shapes(op, shapes, seed):
    (sa, sb), result_shape = shapes.input_shapes, shapes.result_shape
    a, b = rand_tensor(*sa, seed=seed), rand_tensor(*sb, seed=seed + 1)
    out = BINARY[op](a, b)
    assert out.shape == result_shape
    assert gradcheck(BINARY[op], [a, b])
    out.sum().backward()
    assert a.grad.shape == sa and b.grad.shape == sb


@settings(max_examples=12, deadline=None)
@given(shape=st.lists(st.integers(1, 3), min_size=1, max_size=3),
       data=st.data(), keepdim=st.booleans(), reduction=st.sampled_from(["sum", "amax", "mean"]))
def test_reductions_random_axes(shape, data, keepdim, reduction):
    dims = data.draw(st.lists(st.integers(-len(shape), len(shape) - 1), min_size=1,
                              max_size=len(shape), unique_by=lambda d: d % len(shape)))
    a = rand_tensor(*shape, seed=len(dims))
    fn = lambda x: getattr(x, reduction)(tuple(dims), keepdim=keepdim)  # noqa: E731
    expected = getattr(np, {"amax": "max"}.get(reduction, reduction))(
        a.data, axis=tuple(dims), keepdims=keepdim)
    np.testing.assert_allclose(fn(a).data, expected)
    assert gradcheck(fn, [a])


@settings(max_examples=10, deadline=None)
@given(perm=st.permutations(range(4)), seed=st.integers(0, 2**16))
def test_permute_reshape_random(perm, seed):
    a = rand_tensor(2, 3, 1, 2, seed=seed)
    fn = lambda x: x.permute(*perm).reshape(-1, 2) * x.sum()  # noqa: E731
    np.testing.assert_array_equal(a.permute(*perm).data, a.data.transpose(perm))
    assert gradcheck(fn, [a]) and gradgradcheck(fn, [a])


# ---------------------------------------------------------------- a user's own op
def test_user_op_registers_and_passes_gradcheck(unregister):
    class Cube(Function):
        """out = a**3.   VJP: dL/da = g * 3 * a**2.   Saves a."""

        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a ** 3

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return g * 3 * a * a

    assert OPS["cube"] is Cube
    x = rand_tensor(2, 3)
    y = Cube.apply(x)
    assert y.grad_fn.name == "cube" and "Cube" in repr(y)
    np.testing.assert_allclose(y.data, x.data ** 3)
    assert gradcheck(Cube.apply, [x]) and gradgradcheck(Cube.apply, [x])
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, 3 * x.data ** 2)


def test_user_op_name_attribute(unregister):
    class MyScale(Function):
        """out = 2 a.   VJP: dL/da = 2 g.   Saves nothing."""

        name = "twice"

        @staticmethod
        def forward(ctx, a):
            return 2 * a

        @staticmethod
        def backward(ctx, g):
            return 2 * g

    assert OPS["twice"] is MyScale and "my_scale" not in OPS


def test_a_user_op_cannot_take_a_built_in_name(unregister):
    with pytest.raises(ValueError, match=r"Mul: the op name 'mul' is taken by the built-in "
                                         r"tinygrad_edu.ops.elementwise.Mul"):
        class Mul(Function):
            @staticmethod
            def forward(ctx, a, b):
                return a * b
    assert OPS["mul"].__module__ == "tinygrad_edu.ops.elementwise"

    for scale in (2, 3):                 # a notebook cell run twice: the new one replaces it
        class Scale(Function):
            @staticmethod
            def forward(ctx, a):
                return scale * a

            @staticmethod
            def backward(ctx, g):
                return g.sum()           # a wrong shape: the engine names the op
    assert OPS["scale"] is Scale
    x = Tensor(np.ones(4), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"scale: backward returned a gradient of shape \(\) "
                                           r"for an input of shape \(4,\)"):
        Scale.apply(x).sum().backward()


def test_ops_mapping_is_read_only():
    with pytest.raises(TypeError):
        OPS["mul"] = None  # type: ignore[index]


class HalfSquare(Function, register=False):
    """out = a**2 with a wrong VJP (the factor 2 is missing)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a * a

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * a


class FrozenSquare(Function, register=False):
    """out = a**2 with a VJP that is right but not differentiable (uses a constant 2a)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a * a

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * Tensor(2 * a.data)


class NumpySquare(FrozenSquare, register=False):
    """FrozenSquare with its VJP in numpy (2 a g as arrays): right, but outside the graph."""

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return 2 * a.data * g.data


def test_a_numpy_vjp_gives_first_derivatives_and_refuses_second_ones():
    x = Tensor(np.array([3.0]), requires_grad=True)
    y = NumpySquare.apply(x) + x ** 3                  # dy/dx = 2x + 3x^2, d2y/dx2 = 2 + 6x
    NumpySquare.apply(x).sum().backward()
    assert x.grad.item() == 6.0                        # plain backward: as before
    (g,) = tg.grad(y.sum(), x, create_graph=True)
    assert g.item() == 6.0 + 27.0 and g.requires_grad
    # a constant in place of 2x would make this 18 (6x alone) instead of 20, silently
    with pytest.raises(RuntimeError, match="numpy_square: cannot differentiate its gradient: "
                                           "its backward returned numpy arrays"):
        tg.grad(g.sum(), x)


def test_gradgradcheck_of_a_numpy_vjp_says_why_it_fails():
    x = Tensor(np.array([0.5, -1.5]), requires_grad=True)
    assert tg.gradcheck(NumpySquare.apply, [x])
    with pytest.raises(RuntimeError, match="Write that backward with Tensor operations"):
        tg.gradgradcheck(NumpySquare.apply, [x])


def test_wrong_vjp_is_caught_with_details():
    x = rand_tensor(3, 2, seed=7)
    with pytest.raises(GradcheckError) as info:
        gradcheck(HalfSquare.apply, [x])
    message = str(info.value)
    for word in ("input 0", "worst element", "analytic", "numerical"):
        assert word in message
    analytic = float(re.search(r"analytic (\S+),", message).group(1))
    numerical = float(re.search(r"numerical (\S+) ", message).group(1))
    assert numerical == pytest.approx(2 * analytic, rel=1e-5)


def test_a_nan_numerical_derivative_fails_instead_of_passing():
    x = Tensor(np.array([1e-7, 0.5]), requires_grad=True)        # log(1e-7 - eps) is nan
    with np.errstate(invalid="ignore"), pytest.raises(GradcheckError, match="numerical nan"):
        gradcheck(lambda x: x.log() * 0 + 3 * x, [x])


def test_wrong_vjp_names_the_right_input():
    a, b = rand_tensor(3, seed=1), rand_tensor(3, seed=2)
    with pytest.raises(GradcheckError, match="input 1"):
        gradcheck(lambda a, b: a + HalfSquare.apply(b), [a, b])


def test_non_differentiable_vjp_fails_only_second_order():
    x = rand_tensor(4, seed=3)
    assert gradcheck(FrozenSquare.apply, [x])
    with pytest.raises(GradcheckError):
        gradgradcheck(FrozenSquare.apply, [x])


def test_raise_exception_false_returns_false_as_torch():
    x = rand_tensor(3, 2, seed=7)
    assert gradcheck(HalfSquare.apply, [x], raise_exception=False) is False
    assert gradgradcheck(FrozenSquare.apply, [x], raise_exception=False) is False
    assert gradgradcheck(lambda t: t ** 3, [x], raise_exception=False) is True
    with pytest.raises(ValueError, match="float64"):       # misuse still raises
        gradcheck(HalfSquare.apply, [x.float()], raise_exception=False)


def test_gradgradcheck_takes_grad_outputs_as_torch():
    x = rand_tensor(3, seed=5)
    constant_v = Tensor(np.array([1.0, -2.0, 0.5]))
    assert gradgradcheck(lambda t: t ** 3, [x], constant_v)
    assert gradgradcheck(lambda t: t ** 3, [x], [rand_tensor(3, seed=6)])
    with pytest.raises(GradcheckError):                    # d(v * frozen 2x)/dx is missed
        gradgradcheck(FrozenSquare.apply, [x], constant_v)
    with pytest.raises(ValueError, match=r"one Tensor per floating output.*\(3,\).*\(2,\)"):
        gradgradcheck(lambda t: t ** 3, [x], Tensor(np.ones(2)))


def test_gradcheck_of_inputs_in_any_memory_order_keeps_their_memory():
    array = np.random.default_rng(4).standard_normal((4, 3)).T      # Fortran order
    x = tg.from_numpy(array).requires_grad_()
    held = x.data                                # a view of array (see Tensor.detach)
    assert gradcheck(lambda t: t.exp() * t[0], [x]) and gradgradcheck(lambda t: t.exp(), [x])
    assert x.data is held and np.shares_memory(held, array)   # perturbed in place, restored
    np.testing.assert_array_equal(array, np.random.default_rng(4).standard_normal((4, 3)).T)


def test_gradcheck_needs_float64_and_an_input_requiring_grad():
    with pytest.raises(ValueError, match="float64"):
        gradcheck(lambda a: a * 2, [Tensor([1.0, 2.0], requires_grad=True)])
    with pytest.raises(ValueError, match="requires_grad"):
        gradcheck(lambda a: a * 2, [rand_tensor(2, requires_grad=False)])


def test_a_non_differentiable_op_is_registered_but_never_recorded(unregister):
    class RoundHalf(Function):
        """out = round(2a) / 2 (flat almost everywhere: no gradient)."""

        differentiable = False

        @staticmethod
        def forward(ctx, a):
            return np.round(2 * a) / 2

    x = Tensor([0.3, 1.2], requires_grad=True)
    y = RoundHalf.apply(x)
    assert OPS["round_half"] is RoundHalf
    assert y.grad_fn is None and not y.requires_grad
    assert y.tolist() == [0.5, 1.0]


def test_torch_style_functions_optional_arguments_setup_context_and_markers(unregister):
    class LinearFunction(Function):              # torch's docs example, bias optional
        """out = x W^T + b.   VJP: dL/dx = g W,  dL/dW = g^T x,  dL/db = sum_n g.   Saves x, W."""

        @staticmethod
        def forward(ctx, input, weight, bias=None):
            ctx.save_for_backward(input, weight, bias)
            return input @ weight.T if bias is None else input @ weight.T + bias

        @staticmethod
        def backward(ctx, g):
            input, weight, bias = ctx.saved_tensors
            return g @ weight, g.T @ input, None if bias is None else g.sum(0)

    x, w = rand_tensor(3, 4), rand_tensor(2, 4)
    assert tg.autograd.gradcheck(LinearFunction.apply, (x, w), fast_mode=True)  # 3 grads, 2 in
    assert gradcheck(LinearFunction.apply, (x, w, rand_tensor(2)))
    assert LinearFunction.apply(x, w, None).tolist() == LinearFunction.apply(x, w).tolist()

    class Square(Function):                      # torch 2: forward without ctx + setup_context
        """out = a^2.   VJP: dL/da = 2 g a.   Saves a."""

        @staticmethod
        def forward(a):
            return a * a

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return 2 * g * a

    assert gradcheck(Square.apply, [x]) and gradgradcheck(Square.apply, [x])

    class Positive(Function):                    # a mask: marked, and of a bool dtype
        """out = [a > 0], no gradient.   VJP: none.   Saves nothing."""

        @staticmethod
        def forward(ctx, a):
            ctx.mark_non_differentiable()
            return a > 0

        @staticmethod
        def backward(ctx, g):
            return None

    mask = Positive.apply(x)
    assert not mask.requires_grad and mask.grad_fn is None


def test_torch_style_calls_markers_and_mistakes(unregister):
    class Lin(Function):
        """out = x W^T + b.   VJP: dL/dx = g W,  dL/dW = g^T x,  dL/db = sum_n g.   Saves x, W."""

        @staticmethod
        def forward(ctx, x, weight, bias=None, scale=1.0):
            ctx.save_for_backward(x, weight)
            ctx.seen = ctx.needs_input_grad
            return scale * (x @ weight.T) + (0 if bias is None else bias)

        @staticmethod
        def backward(ctx, g):
            x, weight = ctx.saved_tensors
            return g @ weight, g.T @ x, g.sum(0), None

    x, w, b = rand_tensor(3, 4), rand_tensor(2, 4), rand_tensor(2)
    out = Lin.apply(x, w, b, scale=2.0)            # a number by name reaches forward
    out.sum().backward()
    assert b.grad.tolist() == [3.0, 3.0] and out.grad_fn.seen == (True, True, True)
    assert Lin.apply(x, w, None).grad_fn.seen == (True, True, False)    # (torch's length)
    b.grad = None
    by_name = Lin.apply(x, w, bias=b)              # a Tensor by name is an input, as torch
    by_name.sum().backward()
    assert by_name.grad_fn.seen == (True, True, True) and b.grad.tolist() == [3.0, 3.0]
    skipped = Lin.apply(x, w, scale=2.0, bias=b)   # (any order)
    assert skipped.grad_fn.seen == (True, True, True, False)
    np.testing.assert_array_equal(skipped.data, out.data)

    class Scaled(Function):
        """out = 2 x.   VJP: dL/dx = 2 g."""

        @staticmethod
        def forward(ctx, x, scale=2.0, *, shift=None):
            return scale * x

        @staticmethod
        def backward(ctx, g):
            return g * 2.0, None

    y = rand_tensor(3)
    skipped_default = Scaled.apply(scale=2.0, x=y)
    assert skipped_default.grad_fn.needs_input_grad == (True, False)
    skipped_default.sum().backward()
    assert y.grad.tolist() == [2.0, 2.0, 2.0]
    with pytest.raises(TypeError, match=r"Scaled.apply: the Tensor shift= is keyword-only in "
                       r"forward, so it would get no gradient"):
        Scaled.apply(y, shift=y)

    class KeywordOnly(Function):
        """out = y.   VJP: g."""

        @staticmethod
        def forward(ctx, *, y):
            return y

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(TypeError, match=r"KeywordOnly.apply: the Tensor y= is keyword-only"):
        KeywordOnly.apply(y=y)
    with pytest.raises(TypeError, match=r"Scaled.apply: got an unexpected keyword argument "
                       r"'bogus' \(the arguments are forward's\)"):
        Scaled.apply(y, bogus=y)

    class Dense(Function):                         # torch 2's style: defaults bound, as torch
        """out = x W^T + b.   VJP: as Lin's.   Saves x, W."""

        @staticmethod
        def forward(x, weight, bias=None):
            return x @ weight.T + (0 if bias is None else bias)

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(*inputs[:2])
            ctx.seen = ctx.needs_input_grad

        @staticmethod
        def backward(ctx, g):
            x, weight = ctx.saved_tensors
            return g @ weight, g.T @ x, None

    assert Dense.apply(x, w).grad_fn.seen == (True, True, False)
    assert gradcheck(Dense.apply, [x, w])
    with pytest.raises(RuntimeError, match="lin: backward returned a gradient for argument 2, "
                       "which was None in apply"):
        Lin.apply(x, w, None).sum().backward()

    class Sort(Function):                          # one output per Function here: the values
        """out = sort(a).   VJP: dL/da = g scattered back to where each value came from."""

        @staticmethod
        def forward(ctx, a):
            order = np.argsort(a, axis=-1)
            ctx.mark_non_differentiable(order)     # not the output: ignored, as torch
            ctx.save_for_backward(order)
            return np.take_along_axis(a, order, -1)

        @staticmethod
        def backward(ctx, g):
            (order,) = ctx.saved_tensors
            return g.new_zeros(g.shape).scatter(-1, order, g)

    a = Tensor(np.array([[3.0, 1.0, 2.0]]), requires_grad=True)
    (Sort.apply(a) * Tensor(np.array([[1.0, 2.0, 3.0]]))).sum().backward()
    assert a.grad.tolist() == [[3.0, 1.0, 2.0]]

    class Forgetful(Function):
        """out = 2 a (forgets to return it).   VJP: none.   Saves nothing."""

        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)

    with pytest.raises(TypeError, match="Forgetful.forward returned NoneType; it must return "
                       "a numpy array .*: is its return statement missing"):
        Forgetful.apply(x)
    with pytest.raises(TypeError, match="forgetful: save_for_backward keeps arrays.*argument "
                       "1 is a tuple"):
        Function.save_for_backward(Forgetful.__new__(Forgetful), np.zeros(1), (x, w))

    class AddOne(Function):
        """out = a + 1, written in place.   VJP: dL/da = g.   Saves nothing."""

        @staticmethod
        def forward(ctx, a):
            a += 1
            ctx.mark_dirty(a)
            return a

    with pytest.raises(ValueError, match="AddOne.forward: .*read-only: .*ctx.mark_dirty"):
        AddOne.apply(x)

    class NoBackward(Function):
        """out = a.   VJP: not written."""

        @staticmethod
        def forward(ctx, a):
            return a.copy()

    with pytest.raises(NotImplementedError, match="no_backward: backward is not defined: give "
                       "NoBackward a @staticmethod backward"):
        NoBackward.apply(x).sum().backward()
    with pytest.raises(TypeError, match=r"run an op with NoBackward.apply\(...\)"):
        NoBackward.__new__(NoBackward)(x)


def test_once_differentiable_names_the_op_in_a_second_derivative(unregister):
    from tinygrad_edu.autograd.function import once_differentiable

    class Cube(Function):
        """out = a^3.   VJP: dL/da = 3 g a^2 (not differentiable again).   Saves a."""

        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a ** 3

        @staticmethod
        @once_differentiable
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return 3 * g * a * a

    x = rand_tensor(4)
    assert gradcheck(Cube.apply, [x])
    with pytest.raises(RuntimeError, match="cube: a second derivative through this gradient "
                       "is not available: its backward is marked @once_differentiable"):
        gradgradcheck(Cube.apply, [x])


def test_an_input_kept_on_ctx_is_refused_for_second_derivatives(unregister):
    class CubeKept(tg.Function):
        """out = x^3.   VJP: dL/dx = g 3 x^2.   Keeps x as ctx.x (not saved)."""

        @staticmethod
        def forward(ctx, x):
            ctx.x = x
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            return g * 3 * ctx.x ** 2

    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    (CubeKept.apply(x) ** 2).sum().backward()
    assert x.grad.tolist() == [6.0, 192.0]                # first derivatives are right
    with pytest.raises(RuntimeError, match=r"cube_kept: forward kept an input that requires "
                                           r"grad, or its output, as ctx\.x.*save_for_backward"):
        tg.grad((CubeKept.apply(x) ** 2).sum(), x, create_graph=True)   # the second
    # derivative was [18, 288], x taken for a constant; 30 x^4 = [30, 480] is right


def test_arguments_that_are_not_data_reach_forward_as_they_are(unregister):
    class Scaled(tg.Function):
        """out = 2 x for mode 'double', x otherwise.   VJP: dL/dx = g (2 or 1)."""

        @staticmethod
        def forward(ctx, x, mode, offset):
            ctx.factor = 2.0 if mode == "double" else 1.0
            return x * ctx.factor + (0.0 if offset is None else offset)

        @staticmethod
        def backward(ctx, g):
            return g * ctx.factor, None, None

    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = Scaled.apply(x, "double", None)       # a str, and a None that is not trailing
    y.sum().backward()                        # (both were refused)
    assert y.tolist() == [2.0, 4.0] and x.grad.tolist() == [2.0, 2.0]
    assert gradcheck(lambda t: Scaled.apply(t, "same", 0.5), [x])


def test_a_forward_written_with_tensor_methods_says_it_gets_arrays(unregister):
    class TorchStyleLinear(tg.Function):
        @staticmethod
        def forward(ctx, input, weight):
            return input.mm(weight.t())

        @staticmethod
        def backward(ctx, g):
            return None, None

    with pytest.raises(AttributeError, match=r"TorchStyleLinear\.forward: .*no attribute 'mm'"
                                             r".*numpy arrays here.*a @ b\.T"):
        TorchStyleLinear.apply(Tensor(np.ones((2, 3))), Tensor(np.ones((4, 3))))


def test_outputs_and_containers_kept_on_ctx_are_refused_too(unregister):
    class SigmoidKept(tg.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.s = 1 / (1 + np.exp(-x))
            return ctx.s

        @staticmethod
        def backward(ctx, g):
            return g * ctx.s * (1 - ctx.s)

    class SquareKept(tg.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.keep = {"x": x}
            return x * x

        @staticmethod
        def backward(ctx, g):
            return 2 * g * ctx.keep["x"]

    x = Tensor(np.array([0.3, -1.2]), requires_grad=True)
    for op, name in ((SigmoidKept, r"ctx\.s"), (SquareKept, r"ctx\.keep")):
        with pytest.raises(RuntimeError, match=rf"forward kept .* as {name}"):
            tg.grad((op.apply(x) ** 2).sum(), x, create_graph=True)    # silently wrong before


def test_numbers_and_flags_reach_a_users_forward_as_they_are(unregister):
    class Scale(tg.Function):
        @staticmethod
        def forward(ctx, x, k, keep, axis):
            assert ctx.needs_input_grad == (True, False, False, False)   # readable in forward
            ctx.k = k
            return (x * k).sum(axis=axis, keepdims=keep)

        @staticmethod
        def backward(ctx, g):
            return (g * ctx.k).expand(2, 3), None, None, None

    x = Tensor(np.ones((2, 3)), requires_grad=True)
    out = Scale.apply(x, 0.1, True, 1)           # a float stays a float64 0.1, a bool a bool
    assert out.shape == (2, 1) and out.tolist() == [[0.30000000000000004]] * 2
    out.sum().backward()
    assert x.grad.tolist() == [[0.1] * 3] * 2


def test_a_gradient_for_an_argument_that_is_not_a_tensor_is_an_error(unregister):
    class Shift(tg.Function):                    # returns d/dk too, which has nowhere to go
        @staticmethod
        def forward(ctx, x, k):
            return x + k

        @staticmethod
        def backward(ctx, g):
            return g, g.sum()

    x = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"shift: backward returned a gradient for "
                                           r"argument 1, which is not a Tensor .* return None"):
        Shift.apply(x, 2.0).sum().backward()     # torch raises too; it was dropped silently
