"""tg.autograd.graph: saved_tensors_hooks, save_on_cpu, disable_saved_tensors_hooks (torch's
semantics, checked against numbers worked out by hand)."""
import numpy as np
import pytest

import nn
import tinygrad_edu as tg
from tinygrad_edu.autograd.graph import (Node, disable_saved_tensors_hooks, save_on_cpu,
                                         saved_tensors_hooks)


def copying_hooks(log=None):
    """Hooks that keep a detached copy, as a move to disk or another device does."""
    def pack(t):
        if log is not None:
            log.append(("pack", t))
        return t.detach().clone()

    def unpack(p):
        if log is not None:
            log.append(("unpack", p))
        return p
    return saved_tensors_hooks(pack, unpack)


def test_pack_sees_what_each_op_saves():
    x = tg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    log = []
    with copying_hooks(log):
        y = x * x                 # Mul saves both factors: x, twice
        z = y.exp()               # Exp saves its output
        s = z.sum()               # Sum saves nothing
        r = x.relu()              # Relu saves its mask [x > 0]
    packed = [t for kind, t in log]
    assert len(packed) == 4
    assert packed[0] is x and packed[1] is x
    assert packed[2] is z
    assert packed[3].tolist() == [1.0, 0.0, 1.0] and not packed[3].requires_grad
    assert s.grad_fn is not None and r.grad_fn is not None


def test_unpack_runs_at_each_backward_and_its_values_are_used():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    log = []
    with copying_hooks(log):
        loss = (x * x).sum()
    log.clear()
    loss.backward(retain_graph=True)
    assert [kind for kind, _ in log] == ["unpack", "unpack"]
    loss.backward()
    assert len(log) == 4
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 8.0])      # 2x, twice

    x.grad = None
    with saved_tensors_hooks(lambda t: t.detach().clone(), lambda p: p * 10):
        y = (x * x).sum()
    y.backward()      # d(a*b)/dx with both saved factors read as 10x: 10x + 10x
    np.testing.assert_array_equal(x.grad.numpy(), [20.0, 40.0])


@pytest.mark.parametrize("make, second_derivative", [
    (lambda x: x ** 3, lambda x: 6 * x),                               # saves the leaf x
    (lambda x: (x * 1.5) ** 3, lambda x: 6 * 1.5 ** 3 * x),            # a non-leaf input
    (lambda x: (x * 1.5).exp(), lambda x: 1.5 ** 2 * np.exp(1.5 * x)),  # its output
])
def test_second_derivatives_reach_the_original_through_unpacked_copies(make,
                                                                       second_derivative):
    def derivatives(hooks):
        x = tg.tensor([0.5, -1.25], dtype=tg.float64, requires_grad=True)
        if hooks:
            with copying_hooks():
                y = make(x).sum()
        else:
            y = make(x).sum()
        (g,) = tg.grad(y, x, create_graph=True)
        (h,) = tg.grad(g.sum(), x)
        return g.numpy(), h.numpy()
    plain, hooked = derivatives(False), derivatives(True)
    np.testing.assert_array_equal(hooked[0], plain[0])
    np.testing.assert_array_equal(hooked[1], plain[1])
    np.testing.assert_allclose(hooked[1], second_derivative(np.array([0.5, -1.25])),
                               rtol=1e-14)


def test_training_step_with_saved_values_on_disk_matches_the_plain_step(tmp_path):
    paths = []

    def to_disk(t):
        path = tmp_path / f"saved{len(paths)}.npy"
        np.save(path, t.numpy())
        paths.append(path)
        return path

    def from_disk(path):
        return tg.tensor(np.load(path))

    def step(hooks):
        tg.manual_seed(0)
        model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Flatten(), nn.Linear(8, 3))
        x = tg.randn(2, 1, 4, 4)
        y = tg.tensor([0, 2])
        if hooks:
            with saved_tensors_hooks(to_disk, from_disk):
                loss = tg.cross_entropy(model(x), y)
        else:
            loss = tg.cross_entropy(model(x), y)
        loss.backward()
        return [p.grad.numpy() for p in model.parameters()]

    for plain, hooked in zip(step(False), step(True)):
        np.testing.assert_array_equal(hooked, plain)
    assert len(paths) >= 6 and all(p.exists() for p in paths)


def test_innermost_hooks_apply_and_only_inside_the_block():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    log = []
    outer = saved_tensors_hooks(lambda t: log.append("outer") or t, lambda t: t)
    inner = saved_tensors_hooks(lambda t: log.append("inner") or t, lambda t: t)
    with outer:
        with inner:
            x.exp()
        x.exp()
    x.exp()
    with outer, tg.no_grad():
        x.exp()                   # not recorded: nothing saved
    assert log == ["inner", "outer"]


def test_ops_inside_a_pack_hook_are_not_packed_again():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    calls = []

    def pack(t):
        calls.append(t)
        return (t * 2).detach()

    with saved_tensors_hooks(pack, lambda p: p / 2):
        y = x.exp().sum()
    y.backward()
    assert len(calls) == 1
    np.testing.assert_allclose(x.grad.numpy(), np.exp([1.0, 2.0]), rtol=1e-6)


def test_a_users_function_is_packed_like_a_built_in_op():
    class Halved(tg.autograd.Function, register=False):     # (kept out of tg.OPS)
        """out = a * b / 2.   VJP: g b / 2, g a / 2.   Saves a and b."""

        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b / 2

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            return g * b / 2, g * a / 2

    x = tg.tensor([2.0], requires_grad=True)
    w = tg.tensor([6.0])
    log = []
    with copying_hooks(log):
        y = Halved.apply(x, w)
    y.sum().backward()
    assert [kind for kind, _ in log] == ["pack", "pack", "unpack", "unpack"]
    assert log[0][1] is x and log[1][1] is w
    assert x.grad.tolist() == [3.0]


def test_probability_targets_keep_their_gradient_under_hooks():
    logits = tg.tensor([[0.5, -1.0, 2.0]], dtype=tg.float64, requires_grad=True)
    target = tg.tensor([[0.2, 0.3, 0.5]], dtype=tg.float64, requires_grad=True)
    with copying_hooks():
        tg.cross_entropy(logits, target).backward()
    lp = np.log(np.exp([0.5, -1.0, 2.0]) / np.exp([0.5, -1.0, 2.0]).sum())
    np.testing.assert_allclose(target.grad.numpy(), [-lp], rtol=1e-14)
    np.testing.assert_allclose(logits.grad.numpy(), [np.exp(lp) - [0.2, 0.3, 0.5]],
                               rtol=1e-13)


def test_save_on_cpu_gives_the_same_gradients():
    x = tg.tensor([0.3, -0.7], requires_grad=True)
    with save_on_cpu(pin_memory=True):
        (x.tanh() * x).sum().backward()
    t = np.tanh([0.3, -0.7])
    np.testing.assert_allclose(x.grad.numpy(), t + np.array([0.3, -0.7]) * (1 - t ** 2),
                               rtol=1e-6)


def test_node_is_the_base_of_every_grad_fn():
    y = tg.tensor([1.0], requires_grad=True) * 2
    assert isinstance(y.grad_fn, Node)


def test_bad_hooks_get_clear_errors():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with saved_tensors_hooks(lambda t: t, lambda p: 3):
        y = x.exp().sum()
    with pytest.raises(TypeError, match="exp: saved_tensors_hooks: unpack_hook must return "
                                        "a Tensor, got int"):
        y.backward()

    with saved_tensors_hooks(lambda t: t, lambda p: tg.zeros(5)):
        y = x.exp().sum()
    with pytest.raises(RuntimeError, match=r"exp: .*returned float32 \(5,\) for a saved "
                                           r"float32 \(2,\) tensor"):
        y.backward()

    a = tg.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match="mul: saved_tensors_hooks: the pack hook changed "
                                           "its input"):
        with saved_tensors_hooks(lambda t: t if t.requires_grad else t.add_(1), lambda t: t):
            x * a


def test_disable_saved_tensors_hooks():
    with disable_saved_tensors_hooks("hooks are off in this block"):
        with pytest.raises(RuntimeError, match="hooks are off in this block"):
            with saved_tensors_hooks(lambda t: t, lambda t: t):
                pass
    with saved_tensors_hooks(lambda t: t, lambda t: t):
        with pytest.raises(RuntimeError, match="no hooks here"):
            with disable_saved_tensors_hooks("no hooks here"):
                pass
    with saved_tensors_hooks(lambda t: t, lambda t: t):     # usable again afterwards
        pass


def test_a_pack_hook_writing_a_graph_input_is_refused_and_identity_packing_makes_no_cycle():
    import gc
    x = tg.tensor([1.0, -1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="exp: saved_tensors_hooks: the pack hook changed "
                                           "its input"):
        with saved_tensors_hooks(lambda t: t.mul_(2) if t.grad_fn is not None else t,
                                 lambda t: t):
            (x * 1).exp()
    enabled = gc.isenabled()
    gc.disable()
    try:
        a = x * 1
        with saved_tensors_hooks(lambda t: t, lambda t: t):
            y = a.exp()                  # Exp saves its output, packed as itself
        del y                            # freed at once (no cycle): a has no reader left
        a.mul_(3.0)
    finally:
        if enabled:
            gc.enable()
    a.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0, 3.0]
