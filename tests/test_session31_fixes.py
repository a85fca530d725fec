"""Fixes from the thirty-first session's sweeps (autograd extension points and hooks, data
loading): each test pins torch 2.13's behaviour, written out as numbers so that torch is not
needed."""
import numpy as np
import pytest

import nn
import tinygrad_edu as tg


# ------------------------------------------------------------------ a user's numpy backward
class ScaleShift(tg.Function):
    """out = 2 a + 1; backward returns a constant Jacobian diagonal kept on ctx."""

    @staticmethod
    def forward(ctx, a):
        ctx.jacobian = np.full(a.shape, 2.0)
        return a * 2 + 1

    @staticmethod
    def backward(ctx, grad):
        return ctx.jacobian


class SavedExp(tg.Function):
    """out = e^a; backward returns the saved output's array when the incoming grad is 1."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(out := np.exp(a))
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return out.data if np.all(grad.data == 1) else grad.data * out.data


def test_an_array_returned_by_a_users_backward_is_copied_into_grad():
    x = tg.tensor([1.0, 2.0, 3.0], dtype=tg.float64, requires_grad=True)
    out = ScaleShift.apply(x)
    loss = out.sum()
    for _ in range(3):
        loss.backward(retain_graph=True)
    assert x.grad.tolist() == [6.0, 6.0, 6.0]
    assert out.grad_fn.jacobian.tolist() == [2.0, 2.0, 2.0]   # (was accumulated into: 8, 4)
    x.grad.zero_()
    assert out.grad_fn.jacobian.tolist() == [2.0, 2.0, 2.0]


def test_a_saved_output_returned_by_a_users_backward_keeps_the_forward_value():
    x = tg.tensor([0.0, 1.0], dtype=tg.float64, requires_grad=True)
    out = SavedExp.apply(x)
    loss = out.sum()
    loss.backward(retain_graph=True)
    loss.backward()
    np.testing.assert_allclose(x.grad.data, 2 * np.exp([0.0, 1.0]), rtol=1e-15)
    np.testing.assert_allclose(out.data, np.exp([0.0, 1.0]), rtol=1e-15)


# ------------------------------------------------------------------ global module backward hooks
def _hooked_run(log: list) -> None:
    linear = nn.Linear(3, 2, dtype=tg.float64)
    with tg.no_grad():
        linear.weight.copy_(tg.tensor(np.arange(6.0).reshape(2, 3) / 10))
        linear.bias.zero_()
    model = nn.Sequential(linear, nn.Tanh())
    model.register_full_backward_hook(lambda module, gi, go: log.append(("own",)))
    x = tg.ones(4, 3, dtype=tg.float64, requires_grad=True)
    model(x).sum().backward()


def _sums(grads: tuple) -> list:
    return [round(float(g.sum()), 6) for g in grads]


def test_global_backward_hooks_run_for_every_module_before_its_own_as_torch():
    log, module = [], nn.modules.module
    handles = [
        module.register_module_full_backward_pre_hook(
            lambda m, go: log.append(("pre", type(m).__name__, _sums(go)))),
        module.register_module_full_backward_hook(
            lambda m, gi, go: log.append(("full", type(m).__name__, _sums(gi))))]
    try:
        _hooked_run(log)
    finally:
        for handle in handles:
            handle.remove()
    assert log == [("pre", "Sequential", [8.0]), ("pre", "Tanh", [8.0]),      # (torch 2.13's
                   ("full", "Tanh", [4.880628]), ("pre", "Linear", [4.880628]),  # order and
                   ("full", "Linear", [2.56226]), ("full", "Sequential", [2.56226]),  # sums)
                   ("own",)]
    log.clear()
    _hooked_run(log)                                       # removed: only the module's own
    assert log == [("own",)]


def test_global_deprecated_backward_hook_is_the_full_one():
    seen = []
    handle = nn.modules.module.register_module_backward_hook(
        lambda m, gi, go: seen.append(type(m).__name__))
    try:
        nn.ReLU()(tg.ones(2, requires_grad=True)).sum().backward()
    finally:
        handle.remove()
    assert seen == ["ReLU"]


# ------------------------------------------------------------------ autograd.functional names
def test_functional_input_errors_name_the_function_called():
    x = tg.tensor([1.0, 2.0], dtype=tg.float64)
    functional = tg.autograd.functional
    with pytest.raises(TypeError, match="^vjp: the inputs must be a Tensor or a tuple"):
        functional.vjp(lambda a, b: a * b, [x, x], x)
    with pytest.raises(TypeError, match="^jacobian: the inputs"):
        functional.jacobian(lambda a: a, [x])


# ------------------------------------------------------------------ DataLoader and __getitems__
X, Y = np.arange(6, dtype=np.float32).reshape(6, 1), np.arange(6)


class Augmented(nn.data.TensorDataset):
    def __getitems__(self, indices):
        return [(x * 100, y) for x, y in (self[i] for i in indices)]


class TenfoldSubset(nn.data.Subset):
    def __getitems__(self, indices):
        return [(x * 10, y) for x, y in (self[i] for i in indices)]


def _first_inputs(dataset) -> list:
    return next(iter(nn.data.DataLoader(dataset, batch_size=3)))[0].data.ravel().tolist()


def test_data_loader_calls_a_datasets_own_getitems_as_torch():
    assert _first_inputs(Augmented(X, Y)) == [0.0, 100.0, 200.0]
    assert _first_inputs(nn.data.Subset(Augmented(X, Y), [1, 2, 3])) == [100.0, 200.0, 300.0]
    assert _first_inputs(TenfoldSubset(nn.data.TensorDataset(X, Y), [1, 2, 3])) == [
        10.0, 20.0, 30.0]
    assert _first_inputs(nn.data.Subset(nn.data.TensorDataset(X, Y), [1, 2, 3])) == [
        1.0, 2.0, 3.0]                                       # (the fast path)


class Stream(nn.data.IterableDataset):
    def __iter__(self):
        return iter(range(4))


@pytest.mark.parametrize("option", [{"sampler": []}, {"batch_sampler": []},
                                    {"shuffle": True}])
def test_data_loader_refuses_any_sampler_for_a_stream(option):
    with pytest.raises(ValueError, match=f"so {next(iter(option))} does not apply"):
        nn.data.DataLoader(Stream(), **option)
    assert len(list(nn.data.DataLoader(Stream(), shuffle=False))) == 4


# ------------------------------------------------------------------ nn.utils
def _weight_normed_linear() -> nn.Linear:
    layer = nn.Linear(2, 2, dtype=tg.float64)
    with tg.no_grad():
        layer.weight.copy_(tg.tensor([[0.5, -1.0], [2.0, 0.25]], dtype=tg.float64))
        layer.bias.copy_(tg.tensor([0.1, -0.2], dtype=tg.float64))
    return nn.utils.parametrizations.weight_norm(layer)


def test_functional_call_replaces_a_parametrized_weight_by_the_given_tensor():
    from nn.utils.stateless import functional_call
    layer, x = _weight_normed_linear(), tg.ones(1, 2, dtype=tg.float64)
    w = tg.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=tg.float64, requires_grad=True)
    out = functional_call(nn.Sequential(layer), {"0.weight": w}, (x,))
    np.testing.assert_allclose(out.data, [[3.1, 6.8]], rtol=1e-15)  # x @ w.T + bias
    out.sum().backward()
    assert w.grad.tolist() == [[1.0, 1.0], [1.0, 1.0]]
    assert layer.parametrizations.weight.original0.grad is None
    np.testing.assert_allclose(layer(x).data, [[-0.4, 2.05]], rtol=1e-14)   # its own again
    with pytest.raises(ValueError, match="no parameter or buffer named 'weight'"):
        functional_call(layer, {"weight": w}, (x,), strict=True)          # (as torch)


def test_a_float32_max_norm_clips_float64_gradients_in_float64():
    p = tg.zeros(3, dtype=tg.float64, requires_grad=True)
    p.grad = tg.tensor([3.0, 4.0, 1.0], dtype=tg.float64)
    nn.utils.clip_grad_norm_([p], tg.tensor(0.3, dtype=tg.float32))
    coefficient = float(np.float32(0.3)) / (np.sqrt(26.0) + 1e-6)
    np.testing.assert_allclose(p.grad.data, coefficient * np.array([3.0, 4.0, 1.0]),
                               rtol=1e-15)


def test_old_style_weight_norm_weight_is_in_the_graph_before_the_first_forward():
    layer = nn.utils.weight_norm(nn.Linear(3, 2, dtype=tg.float64))
    assert layer.weight.requires_grad                     # (torch: computed from g and v)
    (layer.weight ** 2).sum().backward()
    np.testing.assert_allclose(layer.weight_g.grad.data, 2 * layer.weight_g.data, rtol=1e-14)


def test_spectral_norm_refuses_an_axis_the_weight_lacks():
    for dim in (2, -3):
        with pytest.raises(IndexError, match=f"spectral_norm: dim {dim} is out of range"):
            nn.utils.spectral_norm(nn.Linear(3, 4), dim=dim)


def test_parametrized_weight_norm_loads_an_old_weight_norm_state_dict():
    old = nn.utils.weight_norm(nn.Linear(3, 2))
    new = nn.Sequential(nn.utils.parametrizations.weight_norm(nn.Linear(3, 2)))
    result = new.load_state_dict({"0." + k: v for k, v in old.state_dict().items()})
    assert (result.missing_keys, result.unexpected_keys) == ([], [])
    np.testing.assert_allclose(new[0].weight.data, old.weight.data, rtol=1e-6)


# ------------------------------------------------------------------ Function.vjp
def test_a_users_function_may_name_its_backward_vjp_as_torch():
    class Halve(tg.Function):
        forward = staticmethod(lambda ctx, a: a / 2)
        vjp = staticmethod(lambda ctx, grad: grad / 2)

    x = tg.tensor([2.0, -1.0], dtype=tg.float64, requires_grad=True)
    Halve.apply(x).sum().backward()
    assert x.grad.tolist() == [0.5, 0.5]
    assert tg.Function.vjp is tg.Function.backward
    with pytest.raises(TypeError, match="define backward or vjp"):
        class Both(tg.Function):
            backward = vjp = staticmethod(lambda ctx, grad: grad)
