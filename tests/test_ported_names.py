"""Names the adversarial, interpretability and second-order ports reached for: renorm
(PGD-L2), the trapezoid rule (integrated gradients), logcumsumexp, vdot/addr/addmv/ger
and linalg.vecdot, in-place addmm_/renorm_, grad(is_grads_batched=True) (Jacobian rows),
Module.register_backward_hook (guided backprop), jacrev's chunk_size, jacfwd's randomness
and func.stack_module_state (ensembles)."""
from __future__ import annotations

import numpy as np
import pytest

import nn
import nn.functional as F
import tinygrad_edu as tg
from tinygrad_edu import Tensor, gradcheck
from tinygrad_edu.func import functional_call, jacfwd, jacrev, stack_module_state, vmap


def t64(values, requires_grad: bool = False) -> Tensor:
    return Tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


def test_renorm_scales_only_the_long_slices_and_differentiates_through_the_norm():
    x = t64([[3.0, 4.0], [0.3, 0.4], [-6.0, 8.0]])                  # row norms 5, 0.5, 10
    out = x.renorm(2, 0, 1.0).numpy()
    np.testing.assert_allclose(out[0], [3, 4] / np.float64(5 + 1e-7), rtol=1e-15)
    np.testing.assert_array_equal(out[1], [0.3, 0.4])               # short: unchanged
    np.testing.assert_allclose(np.linalg.norm(out[2]), 10 / (10 + 1e-7), rtol=1e-15)
    columns = tg.renorm(x, 1, 1, 2.0).numpy()                      # L1 over each column
    norms = np.array([9.3, 12.4])
    np.testing.assert_allclose(np.abs(columns).sum(0), 2 * norms / (norms + 1e-7), rtol=1e-14)
    assert gradcheck(lambda a: a.renorm(2, 0, 1.0), [t64([[3.0, 4.0], [0.3, 0.4]], True)])
    y = x.clone()
    assert y.renorm_(2, 0, 1.0) is y and np.allclose(y.numpy(), out)
    with pytest.raises(ValueError, match="renorm: needs at least 2 dimensions"):
        t64([1.0, 2.0]).renorm(2, 0, 1.0)


def test_trapezoid_rule_with_spacing_points_and_running_sums():
    y = t64([[1.0, 2.0, 4.0], [0.0, 1.0, 0.0]])
    assert tg.trapezoid(y).numpy().tolist() == [4.5, 1.0]            # (1+2)/2 + (2+4)/2
    assert tg.trapz(y, dx=0.5).numpy().tolist() == [2.25, 0.5]
    x = t64([0.0, 1.0, 3.0])                                         # widths 1 and 2
    assert tg.trapezoid(y, x).numpy().tolist() == [7.5, 1.5]
    assert tg.trapezoid(y, t64([[0.0, 1.0, 3.0], [0.0, 2.0, 4.0]])).numpy().tolist() == [7.5, 2.0]
    assert tg.cumulative_trapezoid(y, x).numpy().tolist() == [[1.5, 7.5], [0.5, 1.5]]
    assert tg.trapezoid(y, dim=0).numpy().tolist() == [0.5, 1.5, 2.0]
    assert tg.trapezoid(t64([])).item() == 0.0
    # integrated gradients' completeness: the integral of 2t over [0, 1] is 1, exactly
    steps = np.linspace(0, 1, 11)
    assert tg.trapezoid(t64(2 * steps), t64(steps)).item() == pytest.approx(1.0, abs=1e-15)
    with pytest.raises(ValueError, match=r"trapezoid: 2 sample points x for 3 values"):
        tg.trapezoid(y, t64([0.0, 1.0]))
    with pytest.raises(TypeError, match="not both"):
        tg.trapezoid(y, x, dx=1.0)
    with pytest.raises(ValueError, match=r"trapezoid: sample points x of shape \(2, 1\) do "
                                         r"not fit y \(2, 3\) along dim 1"):
        tg.trapezoid(y, t64([[0.0], [1.0]]))           # one point per row: no widths


def test_logcumsumexp_is_exact_far_apart_and_in_float32():
    x = t64([-1000.0, 0.0, 1000.0, 999.0])
    out = tg.logcumsumexp(x, 0).numpy()
    assert out[0] == -1000.0 and out[1] == 0.0 and out[2] == 1000.0   # no overflow
    assert out[3] == pytest.approx(1000 + np.log1p(np.exp(-1.0)), rel=1e-15)
    values = np.random.default_rng(0).standard_normal(10_000).astype(np.float32)
    exact = np.logaddexp.accumulate(values.astype(np.float64))
    got = Tensor(values).logcumsumexp(0).numpy()
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, exact, rtol=1.2e-7)             # rounded once
    assert Tensor(2.0).logcumsumexp(0).item() == 2.0
    # its VJP is linear in g, so the double-VJP trick (jvp) and mixed derivatives hold
    from tinygrad_edu.func import jvp
    a, v = t64([0.5, -1.0, 2.0]), t64([1.0, 2.0, 3.0])
    _, jv = jvp(lambda y: y.logcumsumexp(0), (a,), (v,))
    jac = jacrev(lambda y: y.logcumsumexp(0))(a).numpy()
    np.testing.assert_allclose(jv.numpy(), jac @ v.numpy(), rtol=1e-14)
    x, w = t64([0.5, -1.0, 2.0], True), t64([1.0, 0.0, -2.0], True)
    (gx,) = tg.grad((w * x.logcumsumexp(0)).sum(), x, create_graph=True)
    (gw,) = tg.grad(gx.sum(), w)              # d/dw_i sum_j J_ij = 1, also where w_i = 0
    np.testing.assert_allclose(gw.numpy(), [1.0, 1.0, 1.0], rtol=1e-15)
    with pytest.raises(TypeError, match="logcumsumexp: expected a floating point input"):
        tg.tensor([1, 2]).logcumsumexp(0)


def test_vector_products_and_in_place_addmm():
    a, b = t64([1.0, 2.0, 3.0]), t64([4.0, -1.0, 0.5])
    assert tg.vdot(a, b).item() == 3.5 and a.vdot(b).item() == 3.5
    np.testing.assert_array_equal(tg.ger(a, b).numpy(), np.outer(a.numpy(), b.numpy()))
    m = t64(np.ones((3, 3)))
    np.testing.assert_array_equal(tg.addr(m, a, b, beta=2, alpha=0.5).numpy(),
                                  2 + 0.5 * np.outer(a.numpy(), b.numpy()))
    np.testing.assert_array_equal(tg.addmv(a, m, b, alpha=2).numpy(), a.numpy() + 7.0)
    assert tg.linalg.vecdot(t64(np.ones((2, 3))), a).numpy().tolist() == [6.0, 6.0]
    c = t64(np.eye(3))
    assert c.addmm_(m, m) is c
    np.testing.assert_array_equal(c.numpy(), np.eye(3) + 3)


def test_batched_grad_outputs_give_jacobian_rows():
    x = t64([[0.5, -1.0], [2.0, 0.25]], requires_grad=True)
    y = (x ** 3).sum(1)                                              # y_i = sum_j x_ij^3
    (rows,) = tg.autograd.grad(y, x, grad_outputs=tg.eye(2, dtype=tg.float64),
                               is_grads_batched=True)
    assert rows.shape == (2, 2, 2)
    np.testing.assert_array_equal(rows.numpy()[1], [[0, 0], 3 * x.numpy()[1] ** 2])
    with pytest.raises(ValueError, match="the same batch size"):
        tg.autograd.grad([x.sum(), (2 * x).sum()], x, [tg.ones(2), tg.ones(3)],
                         is_grads_batched=True)


def test_register_backward_hook_on_relu_is_guided_backprop():
    relu = nn.ReLU()
    handle = relu.register_backward_hook(lambda m, grad_in, grad_out: (grad_in[0].clamp(min=0),))
    x = t64([1.0, -1.0, 2.0], requires_grad=True)
    (relu(x) * t64([-3.0, 5.0, 4.0])).sum().backward()
    assert x.grad.numpy().tolist() == [0.0, 0.0, 4.0]                # negative grads cut
    handle.remove()


def test_jacrev_options_and_stacked_module_state():
    square = lambda v: v ** 2                                        # noqa: E731
    x = t64([1.0, 3.0])
    assert jacrev(square, chunk_size=1)(x).numpy().tolist() == [[2.0, 0.0], [0.0, 6.0]]
    assert jacfwd(square, randomness="same")(x).numpy().tolist() == [[2.0, 0.0], [0.0, 6.0]]
    with pytest.raises(ValueError, match="jacrev: chunk_size must be a positive int"):
        jacrev(square, chunk_size=0)
    with pytest.raises(ValueError, match="jacfwd: randomness must be"):
        jacfwd(square, randomness="fresh")
    models = [nn.Linear(2, 1).double() for _ in range(3)]
    params, buffers = stack_module_state(models)
    assert params["weight"].shape == (3, 1, 2) and params["weight"].is_leaf
    assert params["weight"].requires_grad and buffers == {}
    inputs = t64([[1.0, 2.0]])
    out = vmap(lambda p: functional_call(models[0], p, (inputs,)))(params)
    for k, m in enumerate(models):
        np.testing.assert_allclose(out.numpy()[k], m(inputs).detach().numpy(), rtol=1e-15)
    with pytest.raises(RuntimeError, match="same class"):
        stack_module_state([nn.Linear(2, 1), nn.Tanh()])


def test_foreach_functions_update_every_tensor_of_a_list():
    """timm's EMA: ema = decay * ema + (1 - decay) * param, as _foreach_ calls."""
    ema = [t64([1.0, 2.0]), t64([[4.0]])]
    params = [t64([3.0, 0.0]), t64([[2.0]])]
    assert tg._foreach_mul_(ema, 0.5) == ema               # in place, the list back
    tg._foreach_add_(ema, params, alpha=0.5)
    assert [e.numpy().tolist() for e in ema] == [[2.0, 1.0], [[3.0]]]
    tg._foreach_lerp_(ema, params, [1.0, 0.5])           # a value per tensor
    assert [e.numpy().tolist() for e in ema] == [[3.0, 0.0], [[2.5]]]
    roots = tg._foreach_sqrt(tg._foreach_abs([t64([4.0]), t64([-9.0])]))
    assert isinstance(roots, tuple) and [r.item() for r in roots] == [2.0, 3.0]
    assert [n.item() for n in tg._foreach_norm([t64([3.0, 4.0]), t64([1.0])])] == [5.0, 1.0]
    tg._foreach_zero_(ema)
    assert ema[1].item() == 0.0
    with pytest.raises(ValueError, match="_foreach_mul_: 2 tensors but a list of 3 values"):
        tg._foreach_mul_(ema, [1.0, 2.0, 3.0])
    # torch's multi-tensor Adam: a scale per tensor as addcdiv's 4th argument, and
    # bias corrections as number ** tensors
    params, num, den = [t64([1.0]), t64([2.0])], [t64([1.0]), t64([1.0])], [t64([2.0]), t64([4.0])]
    tg._foreach_addcdiv_(params, num, den, t64([-1.0, -2.0]))
    assert [p.item() for p in params] == [0.5, 1.5]
    powers = tg._foreach_pow(0.9, [t64(2.0), t64(1.0)])
    assert [x.item() for x in powers] == pytest.approx([0.81, 0.9])
    tg._foreach_maximum_(params, t64([1.0]))
    assert [p.item() for p in params] == [1.0, 1.5]
    with pytest.raises(ValueError, match="_foreach_copy_: 2 tensors but 1 sources"):
        tg._foreach_copy_(params, [t64([0.0])])


def test_score_matching_port_names():
    """fork_rng, inv_ex/solve_ex (info as LAPACK's), multi_dot, linalg.diagonal,
    exponential_ and vmap's randomness modes, as the score/energy-model port used them."""
    tg.manual_seed(5)
    with tg.random.fork_rng():
        inside = tg.randn(3).numpy()
    assert np.array_equal(tg.randn(3).numpy(), inside)         # the stream is unchanged
    a = t64([[[1.0, 2.0], [2.0, 4.0]], [[2.0, 0.0], [0.0, 4.0]]])
    inverse, info = tg.linalg.inv_ex(a)
    assert info.numpy().tolist() == [2, 0] and np.isnan(inverse.numpy()[0]).all()
    np.testing.assert_array_equal(inverse.numpy()[1], [[0.5, 0.0], [0.0, 0.25]])
    solution, info = tg.linalg.solve_ex(a, t64([[1.0, 1.0], [1.0, 1.0]]))
    assert solution.numpy()[1].tolist() == [0.5, 0.25] and info.numpy().tolist() == [2, 0]
    assert tg.linalg.inv_ex(t64(np.diag([1.0, 0.0, 1.0]))).info.item() == 2
    with pytest.raises(np.linalg.LinAlgError, match="inv_ex: inverse: a matrix of shape"):
        tg.linalg.inv_ex(a, check_errors=True)
    row, m, col = t64([1.0, 2.0]), t64([[1.0, 0.0, 2.0], [0.0, 1.0, 0.0]]), t64([1.0, 1.0, 1.0])
    assert tg.linalg.multi_dot([row, m, col]).item() == 5.0
    assert tg.linalg.diagonal(t64(np.arange(8.0).reshape(2, 2, 2))).numpy().tolist() == \
        [[0.0, 3.0], [4.0, 7.0]]
    draws = tg.empty(20_000, dtype=tg.float64).exponential_(4.0).numpy()
    assert draws.min() >= 0 and draws.mean() == pytest.approx(0.25, rel=0.03)
    same = vmap(lambda x: x + tg.randn(2, dtype=tg.float64), randomness="same")(tg.zeros(3, 2))
    assert (same.numpy() == same.numpy()[0]).all()
    different = vmap(lambda x: x + tg.randn(2), randomness="different")(tg.zeros(3, 2))
    assert not (different.numpy() == different.numpy()[0]).all()
    with pytest.raises(RuntimeError, match="vmap: func drew random numbers"):
        vmap(lambda x: x + tg.randn(2))(tg.zeros(3, 2))


def test_mixture_of_experts_and_nerf_port_names():
    """einsum promotes a pure product of float and int (GShard's dispatch), topk's indices
    view(-1), bit operations (hash encodings), fmax/fmin, masked_scatter,
    unique_consecutive, poisson, the dtype shorthands and the remaining fills."""
    import nn.functional as F
    gates = t64([[0.2, 0.8], [0.6, 0.4]])
    dispatch = tg.einsum("se,sc->sec", gates, F.one_hot(tg.tensor([1, 0]), 2))
    assert dispatch.dtype == np.float64 and dispatch.numpy()[0].tolist() == [[0, 0.2], [0, 0.8]]
    with pytest.raises(TypeError, match="einsum: the operands must have one dtype"):
        tg.einsum("se,se->s", gates, tg.tensor([[1, 0], [0, 1]]))
    _, chosen = t64([[0.1, 0.9, 0.5, 0.3]]).topk(2, dim=-1)           # 8k >= n: the sort
    assert chosen.view(-1).numpy().tolist() == [1, 2]
    h = tg.tensor([5, -7, 12])
    assert (h << 2).numpy().tolist() == [20, -28, 48] and (h >> 1).numpy().tolist() == [2, -4, 6]
    assert (1 << tg.tensor([0, 3])).numpy().tolist() == [1, 8]
    assert tg.bitwise_xor(h, 3).numpy().tolist() == [6, -6, 15]
    assert h.bitwise_not().numpy().tolist() == [-6, 6, -13]
    a, b = t64([1.0, np.nan, 2.0], True), t64([1.0, 5.0, np.nan], True)
    top = tg.fmax(a, b)
    assert top.numpy().tolist() == [1.0, 5.0, 2.0] and tg.fmin(a, b).numpy()[1] == 5.0
    top.sum().backward()
    assert a.grad.numpy().tolist() == [1.0, 0.0, 1.0]              # ties to input, as torch
    x = t64(np.zeros((2, 2)), True)
    filled = x.masked_scatter(tg.tensor([[True, False], [False, True]]), t64([7.0, 8.0, 9.0]))
    assert filled.numpy().tolist() == [[7.0, 0.0], [0.0, 8.0]]
    runs, inverse, counts = tg.unique_consecutive(tg.tensor([1, 1, 2, 2, 3, 1, 1]),
                                                 return_inverse=True, return_counts=True)
    assert runs.numpy().tolist() == [1, 2, 3, 1] and counts.numpy().tolist() == [2, 2, 1, 2]
    assert inverse.numpy().tolist() == [0, 0, 1, 1, 2, 3, 3]
    tg.manual_seed(0)
    assert tg.poisson(tg.full((20_000,), 3.0, dtype=tg.float64)).numpy().var() == \
        pytest.approx(3.0, rel=0.05)
    v = t64([1.7, -2.0])
    assert (v.short().dtype, v.char().dtype, v.byte().dtype) == (np.int16, np.int8, np.uint8)
    trials = tg.zeros(10_000, dtype=tg.float64).geometric_(0.25).numpy()
    assert trials.min() >= 1 and trials.mean() == pytest.approx(4.0, rel=0.05)


def test_alpha_dropout_keeps_a_standardized_input_standardized():
    import nn
    import nn.functional as F
    tg.manual_seed(0)
    x = Tensor(np.random.default_rng(0).standard_normal(400_000))
    y = F.alpha_dropout(x, 0.2, training=True).numpy()
    assert abs(y.mean()) < 0.01 and y.std() == pytest.approx(1.0, abs=0.01)
    lowest = -1.0507009873554805 * 1.6732632423543772
    a = 1 / np.sqrt(0.8 * (1 + 0.2 * lowest ** 2))
    dropped = np.isclose(y, a * lowest + -a * lowest * 0.2)      # every dropped element
    assert dropped.mean() == pytest.approx(0.2, abs=0.005)
    w = t64([1.0, -2.0, 3.0], requires_grad=True)
    F.alpha_dropout(w, 0.5, training=True).sum().backward()
    scale = round(1 / np.sqrt(0.5 * (1 + 0.5 * lowest ** 2)), 12)
    assert set(np.round(w.grad.numpy(), 12)) <= {0.0, scale}     # a * mask
    assert F.alpha_dropout(x, 0.5) is x and nn.AlphaDropout(0.5).eval()(x) is x
    channels = nn.FeatureAlphaDropout(0.5)(tg.ones(4, 6, 5)).numpy()
    assert (channels == channels[..., :1]).all()                  # one draw per channel
    assert np.array_equal(F.alpha_dropout(x, 1.0, training=True).numpy(), np.zeros(400_000))


def test_fixes_from_the_third_recheck():
    # fake quantization rounds x / scale first, then shifts (odd zero points), clamps inf
    x = Tensor(np.array([0.5, 1.5, 2.5, -0.5, np.inf, -np.inf], np.float32), requires_grad=True)
    q = tg.fake_quantize_per_tensor_affine(x, 1.0, 1, -128, 127)
    assert q.numpy().tolist() == [0.0, 2.0, 2.0, 0.0, 126.0, -129.0]
    q.sum().backward()
    assert x.grad.numpy().tolist() == [1, 1, 1, 1, 0, 0]
    # LAPACK finds this singular where a float64 re-elimination sees no exact zero
    inverse, info = tg.linalg.inv_ex(t64(np.arange(1.0, 10.0).reshape(3, 3)))
    assert info.item() == 3 and np.isnan(inverse.numpy()).all()
    # anomaly mode is restored by a recursive decorated function
    @tg.autograd.detect_anomaly()
    def depth(n: int) -> int:
        return 0 if n == 0 else 1 + depth(n - 1)
    depth(3)
    assert not tg.is_anomaly_enabled()
    rows = np.random.default_rng(0).standard_normal((5, 2))
    assert tg.linalg.lstsq(t64(rows), t64(np.ones(5)), driver="gelsd").residuals.shape == (1,)
    assert tg.unique_consecutive(tg.tensor(5)).numpy().tolist() == [5]
    t = tg.tensor([6, 5])
    alias = t
    alias &= tg.tensor([3, 3])                            # in place: the alias sees it
    alias <<= 1
    assert t.numpy().tolist() == [4, 2]
    batch = t64(np.stack([np.diag([1.0, 1e-3]), np.diag([1.0, 1e-1])]))
    assert tg.linalg.matrix_rank(batch, atol=t64([1e-2, 1e-2])).numpy().tolist() == [1, 2]
    assert tg.zeros(4).masked_scatter(tg.ones(3, 4, dtype=tg.bool_), tg.arange(12.0)).shape \
        == (3, 4)
    import tinygrad_edu.distributions as D
    assert D.kl_divergence(D.HalfCauchy(t64(1.0)), D.HalfCauchy(t64(2.0))).item() == \
        pytest.approx(np.log(9 / 8), rel=1e-15)


def test_global_module_forward_hooks_run_before_each_modules_own():
    import nn
    from nn.modules.module import register_module_forward_hook, register_module_forward_pre_hook
    seen = []
    net = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    net[1].register_forward_hook(lambda m, i, o: seen.append("own ReLU"))
    post = register_module_forward_hook(lambda m, i, o: seen.append(type(m).__name__))
    pre = register_module_forward_pre_hook(lambda m, i: seen.append("pre " + type(m).__name__))
    try:
        net(tg.ones(1, 2))
    finally:
        post.remove()
        pre.remove()
    assert seen == ["pre Sequential", "pre Linear", "Linear", "pre ReLU", "ReLU", "own ReLU",
                    "Sequential"]
    net(tg.ones(1, 2))
    assert len(seen) == 8                                   # removed: only the ReLU's own


def test_sequence_labelling_port_names():
    rows, cols = tg.unravel_index(tg.tensor([7, 0, 11, -1]), (3, 4))   # beam search's split
    assert rows.numpy().tolist() == [1, 0, 2, 2] and cols.numpy().tolist() == [3, 0, 3, 3]
    with pytest.warns(DeprecationWarning, match="where: a uint8 condition is deprecated"):
        picked = tg.where(tg.tensor([1, 0], dtype=tg.uint8), t64([1.0, 2.0]), t64([3.0, 4.0]))
    assert picked.numpy().tolist() == [1.0, 4.0]                   # pytorch-crf's masks


def test_implicit_layer_port_names():
    """block_diag (KKT matrices), linalg.LinAlgError, cond, torch.cholesky and
    triangular_solve (deprecated forms), FunctionCtx, and the hint when a user's forward
    calls a torch method on its numpy inputs."""
    kkt = tg.block_diag(t64([[2.0, 0.0], [0.0, 2.0]]), t64([1.0, 1.0]), t64(0.0))
    assert kkt.shape == (4, 5) and kkt.numpy()[2].tolist() == [0, 0, 1, 1, 0]
    with pytest.raises(tg.linalg.LinAlgError):
        tg.linalg.inv(tg.zeros(2, 2))
    assert tg.linalg.cond(t64(np.diag([4.0, 0.5]))).item() == pytest.approx(8.0, rel=1e-15)
    assert tg.linalg.cond(t64(np.diag([4.0, 0.5])), 1).item() == pytest.approx(8.0, rel=1e-15)
    a = t64([[4.0, 2.0], [2.0, 3.0]])
    np.testing.assert_allclose(tg.cholesky(a, True).numpy(), tg.linalg.cholesky(a).mT.numpy())
    upper = t64([[2.0, 1.0], [0.0, 4.0]])
    x, copy = tg.triangular_solve(t64([[3.0], [4.0]]), upper)
    assert x.numpy().ravel().tolist() == [1.0, 1.0] and copy is not upper
    assert tg.autograd.function.FunctionCtx is tg.autograd.Function

    class Flat(tg.autograd.Function):
        @staticmethod
        def forward(ctx: tg.autograd.function.FunctionCtx, x):
            return x.view(-1)                                     # numpy: a dtype, not a shape

        @staticmethod
        def backward(ctx, g):
            return g
    with pytest.raises(TypeError, match=r"Flat.forward: .* x.reshape\(-1\) for x.view\(-1\)"):
        Flat.apply(t64([[1.0, 2.0]], requires_grad=True))


def test_fixes_from_the_fourth_recheck():
    import nn.functional as F
    import tinygrad_edu.distributions as D
    relaxed = D.RelaxedOneHotCategorical(t64(0.5), probs=t64([3.0, 1.0]))   # unnormalized
    np.testing.assert_allclose(relaxed.probs.numpy(), [0.75, 0.25], rtol=1e-15)
    with pytest.raises(ValueError, match="expected probs in"):
        D.RelaxedBernoulli(t64(1.0), probs=t64(1.5))
    x32 = Tensor(np.ones((2, 3, 4), np.float32))
    assert F.alpha_dropout(x32, 0.5, True).dtype == np.float32
    assert tg.block_diag(tg.tensor([[1, 2]]), tg.tensor([[1.5]])).dtype == np.float32
    with pytest.raises(ValueError, match="feature dropout needs at least 2 dimensions"):
        F.feature_alpha_dropout(tg.ones(5), 0.5, True)
    volume = Tensor(np.arange(24.0).reshape(1, 1, 2, 3, 4), requires_grad=True)
    points = np.array([[0.0, 0, 0], [np.nan, 0, 0], [np.inf, 0, 0]]).reshape(1, 1, 1, 3, 3)
    out = F.grid_sample(volume, Tensor(points), align_corners=False)
    assert out.numpy().ravel().tolist() == [11.5, 0.0, 0.0]          # nan points read 0
    out.sum().backward()
    assert np.isfinite(volume.grad.numpy()).all()
    e = tg.linalg.matrix_exp(t64(np.stack([np.eye(2), [[np.nan, 0.0], [0.0, 1.0]]])))
    assert np.isnan(e.numpy()[1]).all() and e.numpy()[0, 0, 0] == pytest.approx(np.e)
    singular = t64(np.stack([np.eye(2), [[1.0, 2.0], [2.0, 4.0]]]))
    assert tg.linalg.cond(singular, 1).numpy().tolist() == [1.0, np.inf]
    assert tg.linalg.qr(tg.zeros(0, 3, 2, dtype=tg.float64)).R.shape == (0, 2, 2)
    assert tg.unravel_index(tg.tensor([3]), 4)[0].numpy().tolist() == [3]
    assert tg.triangular_solve(t64([[2.0]]), t64([[4.0]])).solution.item() == 0.5
    with pytest.raises(ValueError, match="ctc_loss: target_lengths must be at least 0"):
        F.ctc_loss(Tensor(np.zeros((2, 1, 3))), tg.tensor([[1]]), (2,), (-1,))


def test_names_from_the_eighteenth_ports():
    """Dtype queries, inference-mode queries, in-place mask builders and out= (LLM,
    detection and embedding ports)."""
    assert tg.promote_types(tg.int32, tg.float32) == np.float32
    assert tg.promote_types(tg.uint8, tg.int8) == np.int16
    assert tg.result_type(tg.tensor([1, 2]), 2.5) == np.float32
    assert tg.result_type(5, tg.tensor([1, 2], dtype=tg.int32)) == np.int32
    assert tg.result_type(tg.ones(2), tg.ones((), dtype=tg.float64)) == np.float32
    assert not tg.can_cast(tg.float64, tg.int32) and tg.can_cast(tg.int64, tg.int8)
    assert not tg.can_cast(tg.int64, tg.bool_)
    causal = tg.full((3, 3), float("-inf")).triu_(1)
    assert causal.tolist() == [[0, -np.inf, -np.inf], [0, 0, -np.inf], [0, 0, 0]]
    assert tg.ones(3, 3).tril_(-1).tolist() == [[0, 0, 0], [1, 0, 0], [1, 1, 0]]
    running = tg.tensor([1.0, 2.0, 3.0])
    assert running.cumsum_(0) is running and running.tolist() == [1.0, 3.0, 6.0]
    assert not tg.is_inference_mode_enabled()
    with tg.inference_mode():
        assert tg.is_inference_mode_enabled() and not tg.is_grad_enabled()
        with tg.inference_mode(False):
            assert not tg.is_inference_mode_enabled() and tg.is_grad_enabled()
    assert not tg.is_inference_mode_enabled() and not tg.ones(1).is_inference()

    @tg.inference_mode()
    def generate() -> bool:
        return tg.is_inference_mode_enabled()
    assert generate() and not tg.is_inference_mode_enabled()


def test_out_for_the_functions_ported_code_calls_with_it():
    x1 = tg.tensor([4.0, 1.0, 3.0])
    xx1 = tg.empty(0)
    assert tg.index_select(x1, 0, tg.tensor([2, 0]), out=xx1) is xx1     # ssd.pytorch's nms
    assert xx1.tolist() == [3.0, 4.0]
    heat = tg.zeros(3)
    tg.max(heat, tg.tensor([0.5, 0.0, 2.0]), out=heat)                   # CenterNet
    assert heat.tolist() == [0.5, 0.0, 2.0]
    values, indices = tg.empty(0), tg.empty(0, dtype=tg.int64)
    result = tg.sort(x1, descending=True, out=(values, indices))
    assert result.values is values and indices.tolist() == [0, 2, 1]
    joined = tg.empty(4)
    assert tg.cat([x1[:2], x1[2:3], x1[:1]], out=joined).tolist() == [4.0, 1.0, 3.0, 4.0]
    with pytest.raises(TypeError, match="sort: this result needs out= as a tuple of 2 "
                                        "tensors, got Tensor"):
        tg.sort(x1, out=values)
    w = tg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="where.* don't support automatic differentiation"):
        tg.where(tg.tensor([True, False]), w, 0.0, out=tg.empty(2))


def test_nanmedian_msort_signbit():
    nan = float("nan")
    rows = tg.tensor([[nan, 3.0, 1.0, nan, 2.0], [nan, nan, nan, nan, nan],
                      [4.0, 1.0, 1.0, 2.0, nan]])
    values, indices = tg.nanmedian(rows, 1)
    assert values.tolist()[0] == 2.0 and np.isnan(values.tolist()[1])
    assert values.tolist()[2] == 1.0 and indices.tolist() == [4, 0, 2]
    assert tg.nanmedian(rows).item() == 2.0 and np.isnan(tg.nanmedian(tg.tensor([nan])).item())
    x = tg.tensor([1.0, nan, 1.0, 3.0], requires_grad=True)
    tg.nanmedian(x).backward()                     # the two 1s share the gradient
    assert x.grad.tolist() == [0.5, 0.0, 0.5, 0.0]
    assert tg.nanmedian(tg.tensor([3, 1, 2])).item() == 2
    assert tg.msort(tg.tensor([[3.0, 1.0], [1.0, 2.0]])).tolist() == [[1.0, 1.0], [3.0, 2.0]]
    assert tg.signbit(tg.tensor([-0.0, 0.0, -np.inf])).tolist() == [True, False, True]


def test_legacy_tensor_methods_of_older_detection_code():
    scores = tg.tensor([0.5, 0.25], dtype=tg.float64)
    keep = scores.new(3).zero_().long()                  # ssd.pytorch's nms
    assert keep.dtype == np.int64 and keep.tolist() == [0, 0, 0]
    assert scores.new([1, 2]).dtype == np.float64 and scores.new().shape == (0,)
    assert scores.new(tg.Size([2, 1])).shape == (2, 1) and scores.ndimension() == 1
    w = tg.tensor([1.0, 2.0, 3.0, 4.0])
    assert w.resize_(2, 3) is w and w.tolist() == [[1, 2, 3], [4, 0, 0]]
    assert w.resize_as_(tg.ones(2)).tolist() == [1.0, 2.0]
    with pytest.raises(RuntimeError, match="resize_: cannot resize a tensor that requires "
                                           "grad"):
        tg.ones(2, requires_grad=True).resize_(3)
    with pytest.raises(RuntimeError, match="cuda: tinygrad_edu computes on the CPU only"):
        w.cuda()


def test_buffer_assigned_to_a_module_is_registered():
    class Cache(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.table = nn.Buffer(tg.arange(3.0))
            self.cache = nn.Buffer(tg.zeros(2), persistent=False)
            self.plain = tg.ones(1)                      # a plain tensor stays an attribute

    module = Cache()
    assert [name for name, _ in module.named_buffers()] == ["table", "cache"]
    assert list(module.state_dict()) == ["table"]
    assert isinstance(module.table, nn.Buffer) and not isinstance(module.plain, nn.Buffer)
    assert type(module.table) is tg.Tensor and not module.table.requires_grad
    assert module.double().table.dtype == np.float64


def test_gaussian_nll_loss_promotes_a_float64_target_and_var():
    import nn.functional as F
    x = Tensor(np.array([0.5, -1.0], np.float32))
    loss = F.gaussian_nll_loss(x, t64([0.25, 0.0]), t64([0.5, 2.0]))
    assert loss.dtype == np.float64
    xs = np.array([0.5, -1.0], np.float32).astype(np.float64)
    expected = np.mean(0.5 * (np.log([0.5, 2.0]) + (xs - [0.25, 0.0]) ** 2 / [0.5, 2.0]))
    assert loss.item() == pytest.approx(expected, rel=1e-15)
    assert F.gaussian_nll_loss(x, tg.tensor([1, 0]), Tensor(np.ones(2, np.float32))).dtype \
        == np.float32


@pytest.mark.parametrize("name, periodic, expected", [
    ("hann_window", False, [0.0, 0.5, 1.0, 0.5, 0.0]),
    ("hann_window", True, [0.0, 0.345491502812526, 0.904508497187474, 0.904508497187474,
                           0.345491502812526]),
    ("hamming_window", False, [0.08, 0.54, 1.0, 0.54, 0.08]),
    ("blackman_window", False, [0.0, 0.34, 1.0, 0.34, 0.0]),
    ("bartlett_window", False, [0.0, 0.5, 1.0, 0.5, 0.0]),
    ("kaiser_window", False, [1 / np.i0(12.0), np.i0(12.0 * np.sqrt(0.75)) / np.i0(12.0),
                              1.0, np.i0(12.0 * np.sqrt(0.75)) / np.i0(12.0),
                              1 / np.i0(12.0)]),
])
def test_window_functions(name, periodic, expected):
    window = getattr(tg, name)(5, periodic, dtype=tg.float64)
    np.testing.assert_allclose(window.numpy(), expected, rtol=1e-13, atol=1e-16)
    assert getattr(tg, name)(1).tolist() == [1.0] and getattr(tg, name)(0).shape == (0,)
    assert getattr(tg, name)(4).dtype == np.float32 and not window.requires_grad


def test_window_parameters_and_errors():
    np.testing.assert_allclose(tg.hamming_window(3, False, 0.5, 0.5, dtype=tg.float64).numpy(),
                               [0.0, 1.0, 0.0], atol=1e-16)
    np.testing.assert_allclose(tg.kaiser_window(3, False, beta=0.0, dtype=tg.float64).numpy(),
                               [1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="hann_window: window_length must be non-negative"):
        tg.hann_window(-1)


@pytest.mark.parametrize("edge_order", [1, 2])
def test_gradient_matches_numpys_finite_differences(edge_order):
    rng = np.random.default_rng(5)
    f = rng.standard_normal((5, 6))
    coords = (np.sort(rng.uniform(0, 3, 5)), np.sort(rng.uniform(0, 3, 6)))
    for ours, theirs in [
            (tg.gradient(t64(f), edge_order=edge_order), np.gradient(f, edge_order=edge_order)),
            (tg.gradient(t64(f), spacing=[0.5, 2.0], edge_order=edge_order),
             np.gradient(f, 0.5, 2.0, edge_order=edge_order)),
            (tg.gradient(t64(f), spacing=tuple(map(t64, coords)), edge_order=edge_order),
             np.gradient(f, *coords, edge_order=edge_order)),
            (tg.gradient(t64(f), dim=1, spacing=0.25, edge_order=edge_order),
             [np.gradient(f, 0.25, axis=1, edge_order=edge_order)])]:
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a.numpy(), b, rtol=1e-13, atol=1e-13)
    x = t64(f, requires_grad=True)
    fn = lambda t: tg.gradient(t, spacing=(t64(coords[0]),), dim=0,  # noqa: E731
                               edge_order=edge_order)[0]
    assert gradcheck(fn, [x])


def test_gradient_of_exact_polynomials_and_errors():
    (slope,) = tg.gradient(tg.tensor([1, 4, 9, 16]))      # integers: a float result
    assert slope.dtype == np.float32 and slope.tolist() == [3.0, 4.0, 6.0, 7.0]
    (exact,) = tg.gradient(t64([1.0, 4.0, 9.0, 16.0]), edge_order=2)   # x^2 at 1..4: 2x
    np.testing.assert_allclose(exact.numpy(), [2.0, 4.0, 6.0, 8.0], rtol=1e-15)
    with pytest.raises(ValueError, match="gradient: each dim must have at least edge_order "
                                         r"\+ 1 = 3 samples"):
        tg.gradient(t64([1.0, 2.0]), edge_order=2)
    with pytest.raises(ValueError, match="gradient: spacing gives 1 values for 2 dims"):
        tg.gradient(tg.ones(2, 2), spacing=[1.0])


def test_recheck_fixes_of_the_eighteenth_session():
    import nn.functional as F
    z = tg.zeros(4, 5)
    assert z.new(z.shape).shape == (4, 5) and z.new([4, 5]).tolist() == [4.0, 5.0]
    assert tg.can_cast(tg.int64, tg.uint8) and not tg.can_cast(tg.float32, tg.int64)
    assert not tg.can_cast(tg.int32, tg.bool_)
    small = tg.tensor([3, 4], dtype=tg.uint8)
    assert small.fmod_(tg.tensor([2, 3])).tolist() == [1, 1] and small.dtype == np.uint8
    into = tg.empty(3, dtype=tg.uint8)
    assert tg.cumprod(tg.tensor([1, 2, 3]), 0, out=into).tolist() == [1, 2, 6]
    w = tg.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    view = w[:2]
    w.resize_(3, 2)                                # same size: the same memory, version + 1
    assert w._version == 1 and np.shares_memory(view.data, w.data)
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    saved = x * 1
    y = saved * saved
    other = tg.tensor([7.0, 8.0])
    other.resize_(2)                               # does not touch what y saved
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]
    c = tg.tensor([3.0, 4.0])
    product = (x * c).sum()                        # Mul saves c
    with tg.no_grad():
        c.add_(1.0)                                # changed after it was saved ...
    c.resize_(2)                                   # ... and a same-size resize_ keeps that
    with pytest.raises(RuntimeError, match="was changed in place after the forward pass"):
        product.backward()
    up = nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1)
    image = tg.randn(2, 5, 5)                      # unbatched: 2 or 3 entries
    assert up(image, output_size=(3, 10, 10)).shape == (3, 10, 10)
    with pytest.raises(ValueError, match="for a 3-D input, output_size must have 2 or 3 "
                                         "elements, got 4"):
        up(image, output_size=(1, 3, 10, 10))
    pooled, indices = F.max_pool2d(tg.randn(1, 1, 4, 4), 2, return_indices=True)
    with pytest.raises(ValueError, match="max_unpool2d: output_size must have 2 entries"):
        F.max_unpool2d(pooled, indices, 2, output_size=(1, 4, 4))


def test_rrelu_draws_a_slope_per_element_while_training_and_uses_the_mean_in_eval():
    x = tg.tensor([-1.0, 0.0, 2.0, -3.0] * 250, dtype=tg.float64, requires_grad=True)
    tg.manual_seed(0)
    module = nn.RReLU(0.1, 0.3)
    assert repr(module) == "RReLU(lower=0.1, upper=0.3)"
    out = module(x)
    out.sum().backward()
    slope = x.grad.numpy()
    negative = x.numpy() <= 0
    assert np.all(slope[~negative] == 1) and np.all((slope[negative] >= 0.1)
                                                     & (slope[negative] <= 0.3))
    assert np.allclose(out.numpy(), np.where(negative, slope * x.numpy(), x.numpy()))
    assert len(np.unique(slope[negative])) > 500 and abs(slope[negative].mean() - 0.2) < 0.01
    tg.manual_seed(0)
    assert np.array_equal(nn.RReLU(0.1, 0.3)(x).numpy(), out.numpy())     # reproducible
    module.eval()
    assert np.allclose(module(x).numpy(), np.where(negative, 0.2 * x.numpy(), x.numpy()))
    assert F.rrelu(tg.tensor([-1.0]), training=False).item() == pytest.approx(-(1/8 + 1/3) / 2)
    with pytest.raises(ValueError, match=r"rrelu: lower \(0.5\) must not be greater than upper"):
        F.rrelu(x, 0.5, 0.2, training=True)
