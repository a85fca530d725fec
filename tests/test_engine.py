"""Engine invariants: the chain rule on scalar examples, accumulation, graph walking, grad modes,
hooks, retained graphs, higher-order derivatives, `grad`, and memory."""
from __future__ import annotations

import gc
import math
import weakref

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu import Function, Tensor


def scalar(value: float, dtype=np.float64) -> Tensor:
    return Tensor(value, dtype=dtype, requires_grad=True)


class Dual:
    """Forward-mode reference: a value and its derivative along one input, for exact checks."""

    def __init__(self, value: float, deriv: float = 0.0) -> None:
        self.value, self.deriv = value, deriv

    @staticmethod
    def lift(x) -> Dual:
        return x if isinstance(x, Dual) else Dual(float(x))

    def __add__(self, other):
        o = Dual.lift(other)
        return Dual(self.value + o.value, self.deriv + o.deriv)

    __radd__ = __add__

    def __neg__(self):
        return Dual(-self.value, -self.deriv)

    def __sub__(self, other):
        return self + -Dual.lift(other)

    def __rsub__(self, other):
        return Dual.lift(other) - self

    def __mul__(self, other):
        o = Dual.lift(other)
        return Dual(self.value * o.value, self.deriv * o.value + self.value * o.deriv)

    __rmul__ = __mul__

    def __truediv__(self, other):
        o = Dual.lift(other)
        return Dual(self.value / o.value,
                    (self.deriv * o.value - self.value * o.deriv) / o.value ** 2)

    def __rtruediv__(self, other):
        return Dual.lift(other) / self

    def __pow__(self, p: float):
        return Dual(self.value ** p, p * self.value ** (p - 1) * self.deriv)

    def relu(self):
        return Dual(max(self.value, 0.0), self.deriv if self.value > 0 else 0.0)


# ---------------------------------------------------------------- micrograd's examples
def test_issue_example_exact():
    a, b = Tensor(2.0, requires_grad=True), Tensor(-3.0, requires_grad=True)
    c = a * b + b ** 2
    c.backward()
    assert c.item() == 3.0
    assert a.grad.item() == -3.0 and b.grad.item() == -4.0
    assert a.grad.shape == () and a.grad.dtype == np.float32


def micrograd_sanity(x):
    """micrograd's test_sanity_check expression."""
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    return h + q + q * x


def micrograd_more_ops(a, b):
    """micrograd's README / test_more_ops expression."""
    c = a + b
    d = a * b + b ** 3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e ** 2
    g = f / 2.0
    g = g + 10.0 / f
    return g


def test_micrograd_sanity_check():
    # y = (3x+2)^2 + (3x+2) x + (3x+2) x^2 where relu(z) = 0: y(-4) = -20, y'(-4) = 46
    x = scalar(-4.0)
    y = micrograd_sanity(x)
    y.backward()
    assert y.item() == -20.0
    assert x.grad.item() == 46.0
    dual = micrograd_sanity(Dual(-4.0, 1.0))
    assert (dual.value, dual.deriv) == (-20.0, 46.0)


def test_micrograd_more_ops():
    a, b = scalar(-4.0), scalar(2.0)
    g = micrograd_more_ops(a, b)
    g.backward()
    da = micrograd_more_ops(Dual(-4.0, 1.0), Dual(2.0))
    db = micrograd_more_ops(Dual(-4.0), Dual(2.0, 1.0))
    assert g.item() == pytest.approx(da.value, rel=1e-14)
    assert a.grad.item() == pytest.approx(da.deriv, rel=1e-12)
    assert b.grad.item() == pytest.approx(db.deriv, rel=1e-12)
    # the numbers micrograd's README prints
    assert (round(g.item(), 4), round(a.grad.item(), 4), round(b.grad.item(), 4)) == (
        24.7041, 138.8338, 645.5773)


def test_micrograd_more_ops_float32_default():
    a, b = Tensor(-4.0, requires_grad=True), Tensor(2.0, requires_grad=True)
    g = micrograd_more_ops(a, b)
    g.backward()
    assert g.dtype == np.float32 and a.grad.dtype == np.float32
    assert a.grad.item() == pytest.approx(138.8338, rel=1e-5)
    assert b.grad.item() == pytest.approx(645.5773, rel=1e-5)


def test_micrograd_examples_match_torch():
    torch = pytest.importorskip("torch")
    ta = torch.tensor(-4.0, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    tg_ = micrograd_more_ops(ta, tb)
    tg_.backward()
    a, b = scalar(-4.0), scalar(2.0)
    micrograd_more_ops(a, b).backward()
    assert a.grad.item() == pytest.approx(ta.grad.item(), rel=1e-13)
    assert b.grad.item() == pytest.approx(tb.grad.item(), rel=1e-13)


# random scalar DAGs: each step combines two earlier values, so values are reused many times
OPS = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
       "div": lambda a, b: a / (b * b + 1), "relu": lambda a, b: (a - b).relu() + b}
steps_strategy = st.lists(st.tuples(st.sampled_from(sorted(OPS)), st.integers(0, 10**6),
                                    st.integers(0, 10**6)), min_size=1, max_size=25)


def evaluate(inputs: list, steps: list):
    values = list(inputs)
    for op, i, j in steps:
        values.append(OPS[op](values[i % len(values)], values[j % len(values)]))
    out = values[-1]
    for v in values[-4:-1]:
        out = out + v
    return out


@settings(max_examples=25, deadline=None)
@given(steps=steps_strategy, start=st.lists(st.floats(-1, 1), min_size=3, max_size=3))
def test_random_dags_match_forward_mode(steps, start):
    xs = [scalar(v) for v in start]
    evaluate(xs, steps).backward()
    for k, x in enumerate(xs):
        dual = evaluate([Dual(v, float(i == k)) for i, v in enumerate(start)], steps)
        assert x.grad is None or x.grad.item() == pytest.approx(dual.deriv, rel=1e-9, abs=1e-12)
        if x.grad is None:
            assert dual.deriv == 0


# ---------------------------------------------------------------- accumulation in the graph
def test_reused_tensor_accumulates():
    x = scalar(3.0)
    (x * x).backward()
    assert x.grad.item() == 6.0
    y = scalar(2.0)
    (y * y * y + y).backward()                     # 3y^2 + 1
    assert y.grad.item() == 13.0


def test_diamond():
    x = scalar(1.5)
    b, c = x * 2, x.exp()
    d = b * c                                       # 2x e^x -> 2 e^x (1 + x)
    d.backward()
    assert x.grad.item() == pytest.approx(2 * math.exp(1.5) * 2.5, rel=1e-14)


def test_broadcast_gradient_sums_to_operand_shape():
    a = Tensor(np.ones((2, 3)), requires_grad=True)
    b = Tensor(np.arange(3.0), requires_grad=True)
    c = Tensor(np.full((2, 1), 2.0), requires_grad=True)
    ((a * b) * c).sum().backward()
    np.testing.assert_array_equal(b.grad.data, [4.0, 4.0, 4.0])
    np.testing.assert_array_equal(c.grad.data, [[3.0], [3.0]])
    np.testing.assert_array_equal(a.grad.data, [[0, 2, 4], [0, 2, 4]])


class SpreadRow(Function, register=False):
    """out = a row (3,) broadcast to (2, 3), with a VJP that returns g as a plain ndarray of
    the output's shape: the engine must wrap it and sum it down to (3,) itself."""

    @staticmethod
    def forward(ctx, a):
        return np.broadcast_to(a, (2, 3)).copy()

    @staticmethod
    def backward(ctx, g):
        return g.data * 1.0


def test_a_vjp_may_return_a_broadcast_shaped_array():
    a = Tensor(np.arange(3.0), requires_grad=True)
    (SpreadRow.apply(a) * np.array([[1.0], [10.0]])).sum().backward()
    np.testing.assert_array_equal(a.grad.data, [11.0, 11.0, 11.0])


class Counted(Function, register=False):
    """out = 2a, counting backward calls and recording the gradients it receives."""

    calls: list = []

    @staticmethod
    def forward(ctx, a):
        return 2 * a

    @staticmethod
    def backward(ctx, g):
        Counted.calls.append(np.array(g.data))
        return 2 * g


def test_each_vjp_runs_once_after_all_contributions():
    Counted.calls = []
    x = scalar(0.5)
    y = Counted.apply(x)                            # y = 1
    z = y * y + y * 3 + y.exp() + y                 # dz/dy = 2y + 3 + e^y + 1
    z.backward()
    assert len(Counted.calls) == 1
    assert Counted.calls[0] == pytest.approx(2 + 3 + math.e + 1, rel=1e-14)
    assert x.grad.item() == pytest.approx(2 * (6 + math.e), rel=1e-14)


def test_vjp_runs_once_per_node_in_a_lattice():
    Counted.calls = []
    x = scalar(1.0)
    layer = [Counted.apply(x) for _ in range(3)]
    for _ in range(4):                              # every node feeds every node of the next layer
        total = layer[0] + layer[1] + layer[2]
        layer = [Counted.apply(total) for _ in range(3)]
    (layer[0] + layer[1] + layer[2]).backward()
    assert len(Counted.calls) == 15
    assert x.grad.item() == 3 * 2 ** 5 * 3 ** 4     # 3 paths per layer, factor 2 per node


def test_leaf_accumulates_over_two_backward_calls():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [5.0, 7.0])


def test_grad_is_fresh_and_not_aliased():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    g = Tensor([1.0, 1.0])
    y.backward(g)
    x.grad.data[0] = 100.0
    assert g.data[0] == 1.0


def test_retain_graph_allows_second_backward():
    x = scalar(2.0)
    y = x * x * x
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.item() == 24.0


def test_second_backward_on_freed_graph_raises():
    x = scalar(2.0)
    y = x * x
    y.backward()
    with pytest.raises(RuntimeError, match=r"retain_graph=True"):
        y.backward()


def test_second_backward_ok_when_nothing_was_saved():
    # torch's rule: only a node whose saved data was freed refuses a second pass
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x + 1 - x.neg()).sum()
    y.backward()
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [4.0, 4.0])


def test_backward_non_scalar_needs_gradient():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match=r"scalar"):
        y.backward()
    y.backward(Tensor([1.0, -1.0]))
    np.testing.assert_array_equal(x.grad.data, [2.0, -2.0])


def test_backward_gradient_is_cast_to_the_output_dtype_and_copied_into_grad():
    x = Tensor([1.0, 2.0], requires_grad=True)                   # float32
    (x * 2).backward(Tensor(np.ones(2)))                         # a float64 gradient
    assert x.grad.dtype == np.float32
    y = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    upstream = Tensor(np.ones(2))
    (y + 1).backward(upstream)                 # reaches the leaf unchanged through +
    upstream.data[:] = 7                       # the caller's tensor, not y.grad
    np.testing.assert_array_equal(y.grad.data, [1.0, 1.0])
    assert y.grad.data is not upstream.data


def test_grad_runs_only_the_graph_above_its_inputs():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    other = Tensor(np.array([3.0, 4.0]), requires_grad=True)
    calls = []
    other.register_hook(lambda g: calls.append(g))
    h = (x * x).tanh()
    (grad_h,) = tg.grad((h * 3 + other).sum(), h)
    np.testing.assert_array_equal(grad_h.data, [3.0, 3.0])
    assert calls == []                           # not an input: its hook is not called
    (h * 2).sum().backward()                     # the graph below h was not freed
    np.testing.assert_allclose(x.grad.data, 2 * (1 - np.tanh([1.0, 4.0]) ** 2) * [2.0, 4.0])


def test_in_place_operators_write_into_the_tensor_when_nothing_is_recorded():
    params = [Tensor(np.array([1.0, 2.0]), requires_grad=True)]
    (params[0] * params[0]).sum().backward()
    with tg.no_grad():
        for p in params:                     # the hand-written SGD step of torch tutorials
            p -= 0.25 * p.grad
            p *= 2
    np.testing.assert_array_equal(params[0].data, [1.0, 2.0])    # (x - 0.5 x) * 2
    assert params[0].is_leaf and params[0].requires_grad
    a = Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]))
    row = a[0]
    row += 10                                # a view: a sees it, as in torch
    row /= 2
    np.testing.assert_array_equal(a.data, [[5.5, 6.0], [3.0, 4.0]])


def test_in_place_methods_of_a_hand_written_training_step():
    w = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    for _ in range(2):
        (w * w).sum().backward()
        with tg.no_grad():
            w.sub_(w.grad, alpha=0.25)         # w -= 0.25 * 2w
            w.grad.zero_()                     # the torch idiom between steps
    np.testing.assert_array_equal(w.data, [0.25, -0.5])
    np.testing.assert_array_equal(w.grad.data, [0.0, 0.0])
    assert Tensor([1.0]).add_(2, alpha=3).tolist() == [7.0]
    assert Tensor([4.0]).mul_(2).div_(4).tolist() == [2.0]
    with pytest.raises(RuntimeError, match="fill_: a leaf tensor that requires grad"):
        w.fill_(0)


def test_in_place_operators_when_recorded_and_refused():
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"x \+= y: a leaf tensor that requires grad"):
        w += 1
    y = w * 2
    y += w                                   # recorded: y becomes the new tensor y + w
    y.sum().backward()
    np.testing.assert_array_equal(w.grad.data, [3.0, 3.0])
    counts = Tensor([1, 2])
    with pytest.raises(RuntimeError, match=r"cannot be written into x \(int64"):
        counts += 0.5
    with pytest.raises(RuntimeError, match="is read-only \\(a view made by expand"):
        flat = Tensor([1.0]).expand(3)
        flat += 1


def test_backward_on_single_element_non_0d():
    x = Tensor([3.0], requires_grad=True)
    (x * x).backward()
    np.testing.assert_array_equal(x.grad.data, [6.0])


def test_backward_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor(1.0).backward()


def test_long_chain_no_recursion_error():
    x = scalar(1.0)
    y = x
    for _ in range(100_000):
        y = y * 1.00001
    y.backward()
    assert x.grad.item() == pytest.approx(1.00001 ** 100_000, rel=1e-9)


def test_heavy_fan_out():
    x = Tensor(np.ones(2), requires_grad=True)
    parts = [x * float(i) for i in range(20_000)]
    total = parts[0]
    for p in parts[1:]:
        total = total + p
    total.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [sum(range(20_000))] * 2)


def test_deep_chain_of_reshapes_and_grad():
    x = Tensor(np.arange(6.0), requires_grad=True)
    y = x
    for i in range(20_000):
        y = y.reshape(2, 3) if i % 2 == 0 else y.reshape(6)
    (y * y).sum().backward()
    np.testing.assert_array_equal(x.grad.data, 2 * np.arange(6.0))


# ---------------------------------------------------------------- grad modes
def test_no_grad_records_nothing():
    x = Tensor([1.0], requires_grad=True)
    with tg.no_grad():
        assert not tg.is_grad_enabled()
        y = (x * 2).exp().sum()
    assert tg.is_grad_enabled()
    assert y.grad_fn is None and not y.requires_grad and y.is_leaf


def test_no_grad_decorator_and_enable_grad():
    x = Tensor([1.0], requires_grad=True)

    @tg.no_grad()
    def frozen(t):
        with tg.enable_grad():
            inner = t * 3
        return t * 2, inner

    outer, inner = frozen(x)
    assert outer.grad_fn is None and inner.grad_fn is not None
    assert tg.is_grad_enabled()
    assert frozen.__name__ == "frozen"


def test_inference_mode_is_no_grad_and_mode_false_is_enable_grad():
    x = Tensor([1.0], requires_grad=True)
    with tg.inference_mode():
        assert not (x * 2).requires_grad
        with tg.inference_mode(False):               # records again, as torch
            assert (x * 2).requires_grad
        assert not tg.is_grad_enabled()
    with tg.no_grad(), tg.inference_mode(False):
        assert (x * 2).requires_grad

    @tg.inference_mode
    def predict(t):
        return t * 2

    @tg.inference_mode(mode=False)
    def train(t):
        return t * 2

    assert not predict(x).requires_grad and train(x).requires_grad
    assert tg.is_grad_enabled()


def test_grad_mode_decorators_without_parentheses_and_on_generators():
    x = Tensor([1.0], requires_grad=True)

    @tg.no_grad
    def doubled():
        return x * 2

    @tg.no_grad()
    def steps():
        yield x * 2                  # runs when next() is called, after the decorator returned
        yield x * 3

    assert not doubled().requires_grad and tg.is_grad_enabled()
    assert [s.requires_grad for s in steps()] == [False, False] and tg.is_grad_enabled()


def test_set_grad_enabled_as_call_block_and_decorator():
    x = Tensor([1.0], requires_grad=True)
    with tg.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert tg.is_grad_enabled()

    @tg.set_grad_enabled(False)
    def frozen():
        return (x * 2).requires_grad

    assert tg.is_grad_enabled() and frozen() is False and tg.is_grad_enabled()
    tg.set_grad_enabled(False)
    try:
        assert not tg.is_grad_enabled()
    finally:
        tg.set_grad_enabled(True)


def test_grad_mode_restored_after_exception():
    with pytest.raises(ZeroDivisionError):
        with tg.no_grad():
            1 / 0
    assert tg.is_grad_enabled()


def test_set_grad_enabled():
    tg.set_grad_enabled(False)
    try:
        assert (Tensor([1.0], requires_grad=True) * 2).grad_fn is None
    finally:
        tg.set_grad_enabled(True)


def test_detach_cuts_the_graph():
    x = scalar(3.0)
    y = x * x.detach()                              # d/dx = x (the detached factor is constant)
    y.backward()
    assert x.grad.item() == 3.0


# ---------------------------------------------------------------- hooks and retain_grad
def test_hooks_see_the_right_gradient():
    seen = {}

    def recorder(name):
        def hook(g):
            seen[name] = g.data.copy()          # returns None: the gradient is kept
        return hook

    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    x.register_hook(recorder("x"))
    y.register_hook(recorder("y"))
    (y * y).sum().backward()
    np.testing.assert_array_equal(seen["y"], [6.0, 12.0])       # 2y
    np.testing.assert_array_equal(seen["x"], [18.0, 36.0])      # 2y * 3
    np.testing.assert_array_equal(x.grad.data, seen["x"])


def test_hook_replaces_gradient():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.register_hook(lambda g: g * 0 + 1)
    x.register_hook(lambda g: g * 10)
    (y * y).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [30.0, 30.0])


def test_hook_results_are_checked_and_never_aliased_by_grad():
    x = Tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: g.sum())
    with pytest.raises(RuntimeError, match=r"hook: <lambda> returned float32 \(\) for a "
                                           r"gradient of float32 \(2,\)"):
        (x * 2).sum().backward()
    y = Tensor([1.0, 2.0], requires_grad=True)
    y.register_hook(lambda g: g.double())
    with pytest.raises(RuntimeError, match="returned float64"):
        (y * 2).sum().backward()
    mine = Tensor([5.0, 5.0])
    logged = []
    z = Tensor([1.0, 2.0], requires_grad=True)
    z.register_hook(logged.append)
    z.register_hook(lambda g: mine)
    (z * 2).sum().backward()
    z.grad.data[:] = 0                             # .grad is its own copy
    assert mine.tolist() == [5.0, 5.0] and logged[0].tolist() == [2.0, 2.0]


def test_a_hook_that_removes_itself_does_not_skip_the_next():
    x = Tensor([1.0, 1.0], requires_grad=True)
    handles = []
    handles.append(x.register_hook(lambda g: handles[0].remove()))
    x.register_hook(lambda g: g * 3)
    (x * 1).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_leaf_hook_sees_the_summed_gradient_once():
    calls = []
    x = scalar(2.0)
    x.register_hook(lambda g: calls.append(g.item()))
    (x * x + x).backward()
    assert calls == [5.0]


def test_retain_grad():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = x * 5
    y.retain_grad()
    (y * y + z).sum().backward(retain_graph=True)
    np.testing.assert_array_equal(y.grad.data, [4.0, 8.0])
    with pytest.warns(UserWarning, match=r"non-leaf tensor .* call \.retain_grad\(\)"):
        assert z.grad is None                    # as torch: a warning, the grad stays None
    z.grad = Tensor([1.0, 1.0])                  # assigned: no warning (torch's rule)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert z.grad.tolist() == [1.0, 1.0]
    (y * 0 + y).sum().backward()
    np.testing.assert_array_equal(y.grad.data, [5.0, 9.0])      # accumulates like a leaf


def test_requires_grad_and_grad_assignments_are_checked():
    labels = Tensor([1, 2])
    with pytest.raises(RuntimeError, match="only floating point tensors can require grad"):
        labels.requires_grad = True
    assert not labels.requires_grad
    x = Tensor([1.0, 2.0])
    x.requires_grad = True
    y = x * 2
    for flag in (False, True):
        with pytest.raises(RuntimeError, match="only a leaf's flag can be changed"):
            y.requires_grad = flag
    for flag in (1, None, "yes"):
        with pytest.raises(TypeError, match="requires_grad must be a bool"):
            x.requires_grad = flag
    with pytest.raises(RuntimeError, match="cannot be its own gradient"):
        x.grad = x
    with pytest.raises(RuntimeError, match=r"assigned gradient is float32 \(3,\) but the "
                                           r"tensor is float32 \(2,\)"):
        x.grad = Tensor([1.0, 2.0, 3.0])
    with pytest.raises(RuntimeError, match="float64"):
        x.grad = Tensor(np.array([1.0, 2.0]))
    with pytest.raises(TypeError, match="expected a Tensor or None, got ndarray"):
        x.grad = np.ones(2, np.float32)
    x.grad = Tensor([0.5, 0.5])                  # accepted, and backward adds to it
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.5, 2.5])


# ---------------------------------------------------------------- higher order and grad()
def test_second_and_third_derivative_of_cube():
    x = scalar(2.0)
    y = x ** 3
    (dy,) = tg.grad(y, x, create_graph=True)
    (d2y,) = tg.grad(dy, x, create_graph=True)
    (d3y,) = tg.grad(d2y, x)
    assert (dy.item(), d2y.item(), d3y.item()) == (12.0, 12.0, 6.0)


def test_backward_create_graph_then_differentiate_grad():
    x = scalar(3.0)
    y = x * x * x + x * x
    y.backward(create_graph=True)
    g = x.grad                                      # 3x^2 + 2x = 33, a graph Tensor
    assert g.item() == 33.0 and g.requires_grad
    x.grad = None
    g.backward()
    assert x.grad.item() == 20.0                    # 6x + 2


@pytest.mark.parametrize("name, f, d1, d2", [
    ("exp", lambda x: x.exp(), math.exp, math.exp),
    ("div", lambda x: 1 / x, lambda v: -1 / v ** 2, lambda v: 2 / v ** 3),
    ("sqrt", lambda x: x.sqrt(), lambda v: 0.5 * v ** -0.5, lambda v: -0.25 * v ** -1.5),
    ("tanh", lambda x: x.tanh(), lambda v: 1 - math.tanh(v) ** 2,
     lambda v: -2 * math.tanh(v) * (1 - math.tanh(v) ** 2)),
    ("log", lambda x: x.log(), lambda v: 1 / v, lambda v: -1 / v ** 2),
    ("sigmoid", lambda x: x.sigmoid(), lambda v: math.exp(-v) / (1 + math.exp(-v)) ** 2,
     lambda v: (s := 1 / (1 + math.exp(-v))) * (1 - s) * (1 - 2 * s)),
])
def test_second_derivative_of_0d_scalar_ops(name, f, d1, d2):
    # 0-d results may be numpy scalars; they must still connect the saved output to the graph
    x = scalar(0.7)
    (g,) = tg.grad(f(x), x, create_graph=True)
    assert g.requires_grad
    (h,) = tg.grad(g, x)
    assert g.item() == pytest.approx(d1(0.7), rel=1e-12)
    assert h.item() == pytest.approx(d2(0.7), rel=1e-12)


def test_mixed_partials():
    x, y = scalar(2.0), scalar(3.0)
    f = x * y ** 2
    gx, gy = tg.grad(f, [x, y], create_graph=True)
    (gxy,) = tg.grad(gx, y)                         # d/dy (y^2) = 2y
    (gyx,) = tg.grad(gy, x, retain_graph=True)      # d/dx (2xy) = 2y
    assert gxy.item() == gyx.item() == 6.0


def test_grad_does_not_touch_dot_grad():
    x = scalar(2.0)
    x.grad = Tensor(100.0, dtype=np.float64)
    (g,) = tg.grad(x * x, x)
    assert g.item() == 4.0 and x.grad.item() == 100.0
    y = scalar(1.0)
    tg.grad(y * 3, [y])
    assert y.grad is None


def test_grad_allow_unused():
    x, unused = scalar(2.0), scalar(5.0)
    with pytest.raises(RuntimeError, match="allow_unused"):
        tg.grad(x * 2, [x, unused])
    gx, gu = tg.grad(x * 2, [x, unused], allow_unused=True)
    assert gx.item() == 2.0 and gu is None


def test_grad_outputs_and_multiple_outputs():
    x = Tensor([1.0, 2.0, 3.0], dtype=np.float64, requires_grad=True)
    y1, y2 = x * x, x.sum()
    (g,) = tg.grad([y1, y2], [x], grad_outputs=[Tensor([1.0, 0.0, 2.0], dtype=np.float64),
                                                 Tensor(10.0, dtype=np.float64)])
    np.testing.assert_array_equal(g.data, [12.0, 10.0, 22.0])
    with pytest.raises(RuntimeError, match="shape"):
        tg.grad(x * x, x, grad_outputs=Tensor([1.0, 2.0], dtype=np.float64))
    with pytest.raises(RuntimeError, match="scalar"):
        tg.grad(x * x, x)


def test_grad_with_respect_to_intermediate():
    x = scalar(2.0)
    h = x * 3
    y = h * h
    gh, gx = tg.grad(y, [h, x])
    assert gh.item() == 12.0 and gx.item() == 36.0


def test_grad_retain_graph_defaults_to_create_graph():
    x = scalar(2.0)
    y = x * x
    tg.grad(y, x)
    with pytest.raises(RuntimeError, match="retain_graph"):
        tg.grad(y, x)
    z = x * x
    tg.grad(z, x, create_graph=True)
    assert tg.grad(z, x)[0].item() == 4.0


def test_hessian_vector_product_matches_closed_form():
    a = np.array([[2.0, 1.0], [1.0, 3.0]])
    x = Tensor(np.array([0.5, -1.0]), requires_grad=True)
    f = (x @ Tensor(a) @ x) * 0.5 + (x ** 3).sum()  # H = A + diag(6x)
    (g,) = tg.grad(f, x, create_graph=True)
    v = Tensor(np.array([1.0, 2.0]))
    (hv,) = tg.grad((g * v).sum(), x)
    np.testing.assert_allclose(hv.data, (a + np.diag(6 * x.data)) @ v.data, rtol=1e-14)


# ---------------------------------------------------------------- memory
def training_step(w: Tensor, x: Tensor, y: Tensor) -> Tensor:
    h = (x @ w).tanh()
    loss = ((h - y) ** 2).mean()
    loss.backward()
    with tg.no_grad():
        w.data -= 0.1 * w.grad.data
    w.grad = None
    return loss


def test_training_loop_graph_is_freed_without_gc():
    tg.manual_seed(0)
    w = tg.randn(4, 3, requires_grad=True)
    x, y = tg.randn(8, 4), tg.randn(8, 3)
    gc.collect()
    gc.disable()
    try:
        loss = training_step(w, x, y)
        node = weakref.ref(loss.grad_fn)
        w.register_hook(lambda g: None)
        del loss
        assert node() is None, "the graph of a finished step is only freed by the cycle collector"
        for _ in range(200):
            training_step(w, x, y)
        assert gc.collect() == 0, "the training loop made reference cycles"
    finally:
        gc.enable()


def test_training_loop_memory_is_flat():
    """1,000 steps: traced memory grows by less than 256 bytes a step.

    One leaked step would be kilobytes (nodes, Tensors, arrays of 32x8 floats). The small
    growth allowed is Python's free list of 2-tuples filling up (freed tuples stay traced).
    """
    import tracemalloc
    tg.manual_seed(0)
    w = tg.randn(16, 8, requires_grad=True)
    x, y = tg.randn(32, 16), tg.randn(32, 8)
    for _ in range(50):                             # warm up caches
        training_step(w, x, y)
    tracemalloc.start()
    try:
        for _ in range(100):
            training_step(w, x, y)
        after_100, _ = tracemalloc.get_traced_memory()
        for _ in range(900):
            training_step(w, x, y)
        after_1000, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (after_1000 - after_100) / 900 < 256, (after_100, after_1000)


def test_nodes_share_needs_tuples_and_the_shared_set_stays_small():
    """needs_input_grad is one shared tuple per pattern (fewer objects for the collector),
    and only for ops of up to three inputs: a cat of many tensors does not grow the set."""
    from tinygrad_edu import function
    a, b, c = Tensor(1.0, requires_grad=True), Tensor(2.0, requires_grad=True), Tensor(3.0)
    assert (a * b).grad_fn.needs_input_grad is (b * a).grad_fn.needs_input_grad == (True, True)
    assert (a * c).grad_fn.needs_input_grad is (b * c).grad_fn.needs_input_grad == (True, False)
    rng = np.random.default_rng(0)
    for n in range(4, 40):
        parts = [Tensor(np.ones(2), requires_grad=bool(r)) for r in rng.integers(0, 2, n)]
        parts[0].requires_grad_()
        node = tg.cat(parts).grad_fn
        assert node.needs_input_grad == tuple(p.requires_grad for p in parts)
    assert all(len(k) <= 3 for k in function._NEEDS) and len(function._NEEDS) <= 11


def test_registry_and_hooks_do_not_keep_tensors_alive():
    x = Tensor(np.ones(1000), requires_grad=True)
    (x * 2).sum().backward()
    ref = weakref.ref(x)
    del x
    assert ref() is None


def test_grads_are_writeable_arrays_of_their_own():
    """.grad never aliases another .grad, the user's gradient or a read-only broadcast view."""
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()                      # Add's VJP hands the same g to both
    assert not np.shares_memory(a.grad.data, b.grad.data)
    x = Tensor(np.ones((3, 4)), requires_grad=True)
    x.sum().backward()                            # Sum's VJP is a stride-0 broadcast view
    assert x.grad.data.flags.writeable and x.grad.data.flags.owndata
    seed = Tensor(np.ones(2, np.float32))
    a.grad = None
    a.backward(seed)
    assert not np.shares_memory(a.grad.data, seed.data)
    a.grad.data[0] = 7.0
    assert seed.data[0] == 1.0 and b.grad.data[0] == 1.0


def test_a_hook_handle_removes_its_own_registration():
    seen = []

    def double(g):
        seen.append("double")
        return g * 2

    x = Tensor([1.0], requires_grad=True)
    first = x.register_hook(double)
    second = x.register_hook(double)
    second.remove()
    second.remove()                              # a second remove() takes nothing else
    (x * 3).sum().backward()
    assert seen == ["double"] and x.grad.tolist() == [6.0]
    first.remove()


def test_post_accumulate_grad_hooks_run_after_grad_is_updated():
    w = Tensor([1.0, 2.0], requires_grad=True)
    w.grad = Tensor([10.0, 10.0])
    seen = []
    w.register_hook(lambda g: g * 2)                 # runs first: .grad gets 2 * g
    handle = w.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.numpy()))
    (w * Tensor([3.0, 4.0])).sum().backward()
    np.testing.assert_array_equal(seen[0], [16.0, 18.0])
    tg.grad((w * w).sum(), w)                        # no .grad filled, no hook called
    assert len(seen) == 1
    handle.remove()
    (w * 1.0).sum().backward()
    assert len(seen) == 1


def test_an_optimizer_step_inside_backward():
    """torch's tutorial idiom: each parameter is updated (and its .grad dropped) as soon as
    its gradient is accumulated."""
    rng = np.random.default_rng(0)
    w1, w2 = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    x = rng.standard_normal((5, 3))

    def loss(a, b):
        return ((Tensor(x) @ a).tanh() @ b).square().sum()
    params = [Tensor(w1, requires_grad=True), Tensor(w2, requires_grad=True)]
    reference = [Tensor(w1, requires_grad=True), Tensor(w2, requires_grad=True)]
    loss(*reference).backward()
    expected = [p.numpy() - 0.1 * p.grad.numpy() for p in reference]

    def sgd_step(p):
        with tg.no_grad():
            p -= 0.1 * p.grad
        p.grad = None
    for p in params:
        p.register_post_accumulate_grad_hook(sgd_step)
    loss(*params).backward()
    for p, e in zip(params, expected):
        assert p.grad is None
        np.testing.assert_allclose(p.numpy(), e, rtol=1e-15)


def test_post_accumulate_grad_hooks_are_for_leaves_and_their_result_is_ignored():
    x = Tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="only leaf tensors"):
        (x * 2).register_post_accumulate_grad_hook(lambda t: None)
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor([1.0]).register_post_accumulate_grad_hook(lambda t: None)
    v = Tensor([0.0, 0.0, 0.0], requires_grad=True)          # torch's docstring example
    v.register_post_accumulate_grad_hook(lambda p: p.add_(p.grad, alpha=-0.01))
    v.backward(Tensor([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(v.numpy(), [-0.01, -0.02, -0.03], rtol=1e-6)


class KeepsItsArrays(Function, register=False):
    """out = a * c; a VJP that hands back arrays it holds: c (saved) and g itself."""

    @staticmethod
    def forward(ctx, a, c):
        ctx.save_for_backward(c)
        return a * c

    @staticmethod
    def backward(ctx, g):
        (c,) = ctx.saved_tensors
        return c, g.data.astype(np.float64)


def test_grad_never_aliases_what_a_users_vjp_returned_and_has_the_leafs_dtype():
    a = Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    c = Tensor(np.array([5.0, 6.0], dtype=np.float32), requires_grad=True)
    KeepsItsArrays.apply(a, c).sum().backward()
    assert a.grad is not c and not np.shares_memory(a.grad.data, c.data)
    assert (a.grad.dtype, c.grad.dtype) == (np.float32, np.float32)     # c's came as float64
    with tg.no_grad():
        a.grad.zero_()
    assert c.tolist() == [5.0, 6.0] and c.grad.tolist() == [1.0, 1.0]


def test_calling_a_node_gives_its_vjp_as_torch():
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    b = tg.tensor([3.0, 4.0], requires_grad=True)
    ga, gb = (a * b).grad_fn(tg.ones(2))
    assert ga.tolist() == [3.0, 4.0] and gb.tolist() == [1.0, 2.0]
    assert ga.grad_fn is not None                     # recorded under grad mode, as torch
    with tg.no_grad():
        assert a.exp().grad_fn is None
    e = a.exp()
    with tg.no_grad():
        np.testing.assert_allclose(e.grad_fn(tg.ones(2)).numpy(), np.exp([1.0, 2.0]))
    assert (a * tg.tensor([5.0, 6.0])).grad_fn(tg.ones(2))[1] is None
    assert (a + tg.tensor(1.0)).grad_fn(tg.ones(2))[1] is None       # broadcast: summed
    with pytest.raises(TypeError, match="mul: a node takes one gradient"):
        (a * b).grad_fn(tg.ones(2), tg.ones(2))
    with pytest.raises(TypeError, match=r"run an op with Function.apply"):
        Function()(a)


def test_detach_in_place_refuses_to_cut_a_live_graph():
    x = tg.tensor([1.0, 2.0], dtype=tg.float64, requires_grad=True)
    y = x * 2
    z = (y + 1).sum()
    with pytest.raises(RuntimeError, match="detach_: a recorded op that is still alive read "
                                           "this tensor.* use y = y.detach()"):
        y.detach_()
    z.backward()                                  # the graph is intact
    assert x.grad.tolist() == [2.0, 2.0]
    assert y.detach_() is y and y.grad_fn is None and not y.requires_grad  # graph freed
    h, w = tg.tensor([0.5]), tg.tensor([2.0], requires_grad=True)   # truncated backprop
    for _ in range(3):                                              # through time
        h = (h * w).tanh()
        loss = (h * h).sum()
        loss.backward()
        h.detach_()                               # loss (and its graph) still alive
    assert h.grad_fn is None and w.grad is not None


def test_backward_with_inputs_runs_post_accumulate_hooks_and_grad_needs_inputs():
    w = tg.tensor([1.0, 2.0], dtype=tg.float64, requires_grad=True)

    def step(p):                                  # torch's optimizer-in-backward recipe
        with tg.no_grad():
            p -= 0.1 * p.grad
        p.grad = None
    w.register_post_accumulate_grad_hook(step)
    (w * w).sum().backward(inputs=[w])
    np.testing.assert_allclose(w.numpy(), [0.8, 1.6], rtol=1e-15)
    with pytest.raises(ValueError, match="grad: inputs is empty"):
        tg.autograd.grad((w * w).sum(), [])
    with tg.autograd.no_grad():
        assert not tg.is_grad_enabled()
    assert tg.autograd.set_grad_enabled is tg.set_grad_enabled
    assert tg.autograd.inference_mode is tg.inference_mode
