"""tinygrad_edu.func (torch.func): grad, grad_and_value, vjp, jvp, linearize, jacrev,
hessian, vmap, functional_call; torch.autograd.Variable; gradcheck of functions that take
gradients themselves (a gradient penalty, a MAML step)."""
from __future__ import annotations

import numpy as np
import pytest

import nn
import tinygrad_edu as tg
from tinygrad_edu import Tensor, gradcheck
from tinygrad_edu.func import (functional_call, grad, grad_and_value, hessian, jacrev, vjp,
                               vmap)


def t64(values, requires_grad: bool = False) -> Tensor:
    return Tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


def cubic(x: Tensor) -> Tensor:
    return (x ** 3).sum()


def test_grad_nests_and_leaves_plain_results():
    x = t64([1.0, 2.0])
    first = grad(cubic)(x)
    np.testing.assert_array_equal(first.numpy(), [3.0, 12.0])
    assert not first.requires_grad and not x.requires_grad
    second = grad(lambda v: grad(cubic)(v).sum())(x)
    np.testing.assert_array_equal(second.numpy(), [6.0, 12.0])
    third = grad(lambda v: grad(lambda w: grad(cubic)(w).sum())(v).sum())(x)
    np.testing.assert_array_equal(third.numpy(), [6.0, 6.0])
    np.testing.assert_array_equal(hessian(cubic)(x).numpy(), [[6.0, 0.0], [0.0, 12.0]])


def test_argnums_aux_value_and_trees():
    def f(w, b, x):
        out = (x @ w["a"] + b).sum()
        return out, {"twice": out * 2}
    w, b, x = {"a": t64([[1.0], [2.0]])}, t64([0.5]), t64([[3.0, 4.0]])
    (gw, gb), aux = grad(f, argnums=(0, 1), has_aux=True)(w, b, x)
    np.testing.assert_array_equal(gw["a"].numpy(), [[3.0], [4.0]])
    assert gb.item() == 1.0 and aux["twice"].item() == 23.0
    gradient, value = grad_and_value(lambda v: (v * v).sum())(t64([3.0]))
    assert gradient.item() == 6.0 and value.item() == 9.0
    with pytest.raises(RuntimeError, match=r"grad: func must return a 0-d Tensor \(a scalar\), "
                                           r"got \(1,\)"):
        grad(lambda v: v * 2)(t64([1.0]))                   # (as torch: not even one element)
    with pytest.raises(ValueError, match="grad: argnums 2 is out of range for 1 arguments"):
        grad(cubic, argnums=2)(t64([1.0]))


def test_vjp_and_jacrev_match_autograd_functional():
    x = t64([0.5, -1.0, 2.0])
    f = lambda v: v.sin() * v.sum()                         # noqa: E731
    out, pull_back = vjp(f, x)
    v = t64([1.0, 2.0, 3.0])
    (back,) = pull_back(v)
    np.testing.assert_allclose(back.numpy(), tg.autograd.functional.vjp(f, x, v)[1].numpy(),
                               rtol=1e-15)
    np.testing.assert_allclose(jacrev(f)(x).numpy(),
                               tg.autograd.functional.jacobian(f, x).numpy(), rtol=1e-15)
    np.testing.assert_allclose(out.numpy(), f(x).numpy())


def test_vmap_maps_axes_and_stacks_trees():
    a, b = t64(np.arange(6.0).reshape(3, 2)), t64([1.0, 2.0])
    np.testing.assert_array_equal(vmap(lambda u, w: (u * w).sum(), in_dims=(0, None))(a, b)
                                  .numpy(), [2.0, 8.0, 14.0])
    columns = vmap(lambda u: {"sum": u.sum(), "max": u.max()}, in_dims=1)(a)
    np.testing.assert_array_equal(columns["sum"].numpy(), [6.0, 9.0])
    pair = vmap(lambda u: (u, u * 2), out_dims=(0, 1))(a)
    assert pair[0].shape == (3, 2) and pair[1].shape == (2, 3)
    with pytest.raises(ValueError, match="vmap: the mapped axes must have one size"):
        vmap(lambda u, w: u + w)(a, t64([1.0, 2.0]))


def test_per_sample_gradients_equal_one_backward_per_sample():
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1)).double()
    params = {k: v.detach() for k, v in model.named_parameters()}
    x, y = t64(np.random.default_rng(1).normal(size=(5, 3))), t64(np.ones((5, 1)))

    def loss(p, xb, yb):
        return ((functional_call(model, p, (xb.unsqueeze(0),)) - yb) ** 2).sum()

    per_sample = vmap(grad(loss), in_dims=(None, 0, 0))(params, x, y)
    for i in range(5):
        model.zero_grad()
        ((model(x[i:i + 1]) - y[i]) ** 2).sum().backward()
        for name, p in model.named_parameters():
            np.testing.assert_allclose(per_sample[name].numpy()[i], p.grad.numpy(), rtol=1e-14)


def test_functional_call_swaps_restores_and_ties():
    net = nn.Linear(2, 2, bias=False).double()
    original = net.weight
    w = t64(np.eye(2), requires_grad=True)
    out = functional_call(net, {"weight": w}, t64([[1.0, 2.0]]))
    np.testing.assert_array_equal(out.detach().numpy(), [[1.0, 2.0]])
    out.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [[1.0, 2.0], [1.0, 2.0]])
    assert net.weight is original and original.grad is None
    tied = nn.Sequential(net, nn.Linear(2, 2, bias=False).double())
    tied[1].weight = tied[0].weight
    doubled = functional_call(tied, {"0.weight": t64(2 * np.eye(2))}, (t64([[1.0, 1.0]]),))
    np.testing.assert_array_equal(doubled.numpy(), [[4.0, 4.0]])    # both layers took it
    with pytest.raises(ValueError, match="no parameter or buffer named 'bias'"):
        functional_call(net, {"bias": t64([0.0, 0.0])}, t64([[1.0, 2.0]]), strict=True)
    with pytest.raises(ValueError, match="strict=True, but no value for"):
        functional_call(nn.Linear(2, 1), {"weight": tg.ones(1, 2)}, tg.ones(1, 2), strict=True)


def test_maml_meta_gradient_through_functional_call():
    """The meta-gradient of one inner SGD step, against central differences."""
    tg.manual_seed(3)
    model = nn.Sequential(nn.Linear(1, 8), nn.Tanh(), nn.Linear(8, 1)).double()
    rng = np.random.default_rng(2)
    xs, ys = t64(rng.normal(size=(6, 1))), t64(rng.normal(size=(6, 1)))

    def meta_loss(*weights):
        names = [k for k, _ in model.named_parameters()]
        params = dict(zip(names, weights))
        inner = ((functional_call(model, params, xs[:3]) - ys[:3]) ** 2).mean()
        grads = tg.grad(inner, weights, create_graph=True)
        fast = {k: w - 0.1 * g for k, w, g in zip(names, weights, grads)}
        return ((functional_call(model, fast, xs[3:]) - ys[3:]) ** 2).mean()

    weights = [p.detach().clone().requires_grad_() for p in model.parameters()]
    assert gradcheck(meta_loss, weights)


def test_gradcheck_of_a_gradient_penalty_and_variable():
    w = t64([[0.5, -1.0], [2.0, 0.3]], requires_grad=True)
    x = t64([[0.2, 0.7]], requires_grad=True)

    def penalty(w, x):
        (g,) = tg.grad((x @ w).tanh().sum(), [x], create_graph=True)
        return ((g.norm() - 1) ** 2).sum()

    assert tg.autograd.gradcheck(penalty, (w, x))
    from tinygrad_edu.autograd import Variable
    t = tg.ones(2)
    v = Variable(t, requires_grad=True)
    assert v.requires_grad and not t.requires_grad and isinstance(t, Variable)
    np.testing.assert_array_equal(Variable(t).numpy(), [1.0, 1.0])


def test_closed_over_tensors_keep_their_gradient():
    """A gradient penalty written with func.grad trains the critic's parameters, and a
    closed-over variable of an outer transform is differentiated (the recheck found both
    silently 0 when only the arguments were looked at)."""
    critic = nn.Linear(3, 1).double()
    x = t64([[0.3, -0.2, 0.5]])
    penalty = (grad(lambda v: critic(v).tanh().sum())(x).norm() - 1) ** 2
    penalty.backward()
    w, b = critic.weight.detach().numpy(), critic.bias.item()
    slope = 1 - np.tanh(x.numpy() @ w.T + b) ** 2                 # d tanh / d pre-activation
    norm = np.abs(slope.item()) * np.linalg.norm(w)
    eps, shifted = 1e-6, w.copy()
    shifted[0, 0] += eps                                          # finite difference in w00
    norm_plus = (1 - np.tanh(x.numpy() @ shifted.T + b).item() ** 2) * np.linalg.norm(shifted)
    numeric = ((norm_plus - 1) ** 2 - (norm - 1) ** 2) / eps
    assert critic.weight.grad.numpy()[0, 0] == pytest.approx(numeric, rel=1e-4)
    outer = grad(lambda a: grad(lambda u: a * u * u)(t64(3.0)))(t64(2.0))
    assert outer.item() == 6.0 and not outer.requires_grad      # d/da (2 a u) at u = 3


def test_vjp_and_jacrev_take_trees_and_vmap_the_edges():
    out, pull_back = vjp(lambda v: (v * 2, v * 3), t64([1.0, 2.0]))
    np.testing.assert_array_equal(pull_back((t64([1.0, 1.0]), t64([1.0, 1.0])))[0].numpy(),
                                  [5.0, 5.0])
    jac = jacrev(lambda d: d["w"] ** 2)({"w": t64([1.0, 2.0])})
    np.testing.assert_array_equal(jac["w"].numpy(), [[2.0, 0.0], [0.0, 4.0]])
    assert vmap(lambda v, scale=1.0: v * scale)(tg.ones(2, 3), scale=2.0).shape == (2, 3)
    per_column = vmap(lambda d: d["a"].sum(), in_dims=({"a": 1},))({"a": tg.ones(2, 3)})
    assert per_column.shape == (3,)
    with pytest.raises(ValueError, match="vmap: the mapped axis has size 0"):
        vmap(lambda v: v.sum())(tg.ones(0, 3))
    with pytest.raises(ValueError, match=r"vmap: in_dim 2 is out of range for an argument "
                                         r"with 2 dims"):
        vmap(lambda v: v, in_dims=2)(tg.ones(2, 3))


def test_functional_call_refuses_two_values_for_tied_weights():
    tied = nn.Sequential(nn.Linear(2, 2, bias=False), nn.Linear(2, 2, bias=False))
    tied[1].weight = tied[0].weight
    with pytest.raises(ValueError, match="'1.weight' is tied to another name given a "
                                         "different value"):
        functional_call(tied, {"0.weight": tg.ones(2, 2), "1.weight": tg.zeros(2, 2)},
                        tg.ones(1, 2))
    out = functional_call(tied, {"0.weight": tg.ones(2, 2), "1.weight": tg.zeros(2, 2)},
                          tg.ones(1, 2), tie_weights=False)
    np.testing.assert_array_equal(out.numpy(), [[0.0, 0.0]])


def test_the_argument_is_kept_apart_from_the_same_tensor_closed_over():
    """Found by the fourth recheck ("perturbation confusion"): a tensor that requires grad
    and is also used by the function through a closure; torch's values."""
    a = t64(0.3)
    inner_uses_outer = grad(lambda u: grad(lambda x: (u * x).sin())(u))(a)
    assert inner_uses_outer.item() == pytest.approx(np.cos(0.09) - 0.18 * np.sin(0.09),
                                                    rel=1e-14)
    w = t64(3.0, requires_grad=True)
    assert grad(lambda v: v * 2.0 + w ** 2)(w).item() == 2.0
    first, second = grad(lambda p, q: p * q * q, argnums=(0, 1))(w, w)
    assert (first.item(), second.item()) == (9.0, 18.0)
    with pytest.raises(ValueError, match="argnums .* names an argument twice"):
        grad(lambda p: p, argnums=(0, 0))(w)
    _, aux = grad(lambda v: ((v ** 2).sum(), v * 3), has_aux=True)(t64([1.0]))
    assert not aux.requires_grad


def test_jacrev_of_tuples_and_empty_outputs_and_vmap_structure_checks():
    x = t64([1.0, 2.0])
    sines, sums = jacrev(lambda v: (v.sin(), v.sum()))(x)
    np.testing.assert_allclose(sines.numpy(), np.diag(np.cos([1.0, 2.0])), rtol=1e-15)
    np.testing.assert_array_equal(sums.numpy(), [1.0, 1.0])
    (haa, hab), (hba, hbb) = hessian(lambda p, q: (p * p * q).sum(), argnums=(0, 1))(x, x)
    np.testing.assert_array_equal(hab.numpy(), [[2.0, 0.0], [0.0, 4.0]])
    np.testing.assert_array_equal(hbb.numpy(), np.zeros((2, 2)))
    assert jacrev(lambda v: v[:0])(x).shape == (0, 2)
    pair = (t64(np.arange(6.0).reshape(2, 3)), t64([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="in_dims entry .* does not match the structure"):
        vmap(lambda t: t[0].sum(), in_dims=((0,),))(pair)
    with pytest.raises(ValueError, match="out_dims has 3 entries for 2 outputs"):
        vmap(lambda u: (u, u.sum()), out_dims=(0, 0, 0))(pair[0])
    with pytest.raises(ValueError, match="randomness must be 'error', 'different' or 'same'"):
        vmap(lambda u: u, randomness="bogus")
    shared = vmap(lambda u: (u * 2, pair[1]), out_dims=(0, None))(pair[0])
    assert shared[1].shape == (3,)


def test_jvp_and_linearize_give_the_jacobian_times_the_tangent():
    """J v from the double-VJP trick equals jacrev's J times v and a central difference,
    for a tree output; forward-over-reverse (jvp of grad) is the Hessian times v."""
    from tinygrad_edu.func import jvp, linearize
    rng = np.random.default_rng(3)
    x, v = t64(rng.standard_normal(3)), t64(rng.standard_normal(3))
    w = t64(rng.standard_normal((2, 3)))

    def f(x: Tensor) -> tuple:
        return w @ x.sin(), {"square": (x * x).sum()}
    out, jv = jvp(f, (x,), (v,))
    assert np.allclose(out[0].numpy(), w.numpy() @ np.sin(x.numpy()), rtol=1e-15)
    assert np.allclose(jv[0].numpy(), jacrev(lambda y: f(y)[0])(x).numpy() @ v.numpy(),
                       rtol=1e-14)
    h = 1e-6
    numeric = ((f(x + h * v)[1]["square"] - f(x - h * v)[1]["square"]) / (2 * h)).item()
    assert jv[1]["square"].item() == pytest.approx(numeric, rel=1e-8)
    assert jv[1]["square"].item() == pytest.approx(2 * (x * v).sum().item(), rel=1e-14)

    def g(x: Tensor) -> Tensor:
        return (x.sin() * x).sum()
    _, hv = jvp(grad(g), (x,), (v,))
    assert np.allclose(hv.numpy(), hessian(g)(x).numpy() @ v.numpy(), rtol=1e-13)

    out, push = linearize(lambda y: y.exp() * 2, x)
    for scale in (1.0, -3.0):                        # linear in v, f run once
        assert np.allclose(push(v * scale).numpy(), 2 * np.exp(x.numpy()) * v.numpy() * scale,
                           rtol=1e-15)
    assert not out.requires_grad and not push(v).requires_grad


def test_jvp_nests_in_grad_reaches_closed_over_tensors_and_checks_its_arguments():
    from tinygrad_edu.func import jvp
    x, v = t64([0.5, -1.0, 2.0]), t64([1.0, 2.0, -0.5])
    # reverse over forward: d/dx of J v for f = sum x^3 is 6 x v
    outer = grad(lambda y: jvp(cubic, (y,), (v,))[1])(x)
    assert np.allclose(outer.numpy(), 6 * x.numpy() * v.numpy(), rtol=1e-15)
    p = t64([1.0, 2.0, 3.0], requires_grad=True)      # a parameter closed over
    _, jv = jvp(lambda y: (p * y * y).sum(), (x,), (v,))
    jv.backward()                                     # d/dp of sum 2 p x v = 2 x v
    assert np.allclose(p.grad.numpy(), 2 * x.numpy() * v.numpy(), rtol=1e-15)
    out, jv, aux = jvp(lambda y: (y.cos(), y * 2), (x,), (v,), has_aux=True)
    assert np.allclose(aux.numpy(), 2 * x.numpy()) and not aux.requires_grad
    assert np.allclose(jv.numpy(), -np.sin(x.numpy()) * v.numpy(), rtol=1e-15)
    _, zero = jvp(lambda y: y.sum() * 0 + 1.0, (x,), (v,))   # an output that ignores x
    assert zero.item() == 0.0
    with pytest.raises(TypeError, match="jvp: primals must be a tuple"):
        jvp(cubic, x, (v,))
    with pytest.raises(TypeError, match="jvp: tangents must be a tuple with one entry per"):
        jvp(cubic, (x,), v)
    with pytest.raises(ValueError, match=r"jvp: tangent 0 has shape \(2,\), its primal \(3,\)"):
        jvp(cubic, (x,), (t64([1.0, 2.0]),))
    _, jv32 = jvp(cubic, (x,), (v.float(),))          # a tangent takes its primal's dtype
    assert jv32.dtype == np.float64


def test_jacrev_and_hessian_keep_nested_dict_and_namedtuple_outputs():
    """The Jacobian of each output leaf sits where that leaf sat: hessian over a dict of
    parameters is a dict of dicts (torch's layout), nested tuples stay nested."""
    from collections import namedtuple
    x = t64([1.0, 2.0])
    jac = jacrev(lambda y: {"a": y * 2, "b": y ** 2})(x)
    assert sorted(jac) == ["a", "b"]
    assert np.array_equal(jac["b"].numpy(), np.diag([2.0, 4.0]))
    nested = jacrev(lambda y: ((y * 2, y.sum()), y ** 2))(x)
    assert np.array_equal(nested[0][1].numpy(), [1.0, 1.0])       # d sum / dx, not a row
    assert np.array_equal(nested[1].numpy(), np.diag([2.0, 4.0]))
    Pair = namedtuple("Pair", "double square")
    pair = jacrev(lambda y: Pair(y * 2, y ** 2))(x)
    assert isinstance(pair, Pair) and np.array_equal(pair.double.numpy(), 2 * np.eye(2))
    params = {"w": t64([1.0, 2.0]), "b": t64([0.5])}
    h = hessian(lambda d: (d["w"] ** 3).sum() * d["b"].sum())(params)
    # f = b sum w^3: d2f/dw2 = diag(6 w b), d2f/dw db = 3 w^2, d2f/db2 = 0
    assert np.array_equal(h["w"]["w"].numpy(), np.diag([3.0, 6.0]))
    assert np.array_equal(h["w"]["b"].numpy(), [[3.0], [12.0]])
    assert np.array_equal(h["b"]["w"].numpy(), [[3.0, 12.0]])
    assert np.array_equal(h["b"]["b"].numpy(), [[0.0]])


def test_functional_call_ignores_unknown_names_unless_strict_as_torch():
    layer = nn.Linear(2, 1, bias=False).double()
    weight = tg.tensor([[1.0, 2.0]], dtype=tg.float64, requires_grad=True)
    merged = {"weight": weight, "other.weight": tg.zeros(3, dtype=tg.float64)}
    out = tg.func.functional_call(layer, merged, (tg.ones(1, 2, dtype=tg.float64),))
    assert out.item() == 3.0
    with pytest.raises(ValueError, match="functional_call: strict=True, but the module has no "
                                         "parameter or buffer named 'other.weight'"):
        tg.func.functional_call(layer, merged, (tg.ones(1, 2, dtype=tg.float64),),
                                strict=True)
