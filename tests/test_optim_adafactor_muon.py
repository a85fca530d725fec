"""Adafactor and Muon: first steps worked out by hand, the orthogonalization, state names and
shapes, state_dict round trips, maximize, argument errors; and (when torch is installed)
parameters and state after 5 steps against torch.optim.Adafactor / torch.optim.Muon on
seeded random configurations."""
from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_edu as tg
from nn.optim.adafactor import Adafactor
from nn.optim.muon import Muon, zeropower_via_newtonschulz

NS = (3.4445, -4.7750, 2.0315)                  # torch's Newton-Schulz coefficients


def steps(optimizer_cls, starts: list[np.ndarray], grads: list[list[np.ndarray]],
          **options) -> tuple[list[tg.Tensor], object]:
    """Parameters starting at `starts`, moved by one step per entry of `grads` (set as
    .grad directly); returns the parameters and the optimizer."""
    params = [tg.Tensor(x.copy(), requires_grad=True) for x in starts]
    optimizer = optimizer_cls(params, **options)
    for gs in grads:
        for p, g in zip(params, gs):
            p.grad = tg.Tensor(g.copy())
        optimizer.step()
    return params, optimizer


def rms(x: np.ndarray) -> float:
    return math.sqrt(np.mean(x * x))


# ------------------------------------------------------------------ Adafactor by hand
def test_adafactor_scalar_first_step_literal():
    # w = 1: V = g**2, U = sign(g) = 1 (RMS 1 = d: no clip); rho = min(0.01, 1) = 0.01,
    # alpha = max(1e-3, |p|) rho = 0.02; decay first: 2 (1 - 0.01 * 0.1) = 1.998
    (p,), opt = steps(Adafactor, [np.array(2.0)], [[np.array(0.5)]], weight_decay=0.1)
    assert p.item() == pytest.approx(1.998 - 0.02, rel=1e-14)
    assert opt.state[p]["step"] == 1 and opt.state[p]["variance"] == 0.25
    # p = 0: alpha = eps2 * rho = 1e-5 (the step never vanishes with p)
    (p,), _ = steps(Adafactor, [np.zeros(3)], [[np.array([2.0, -3.0, 0.5])]])
    np.testing.assert_allclose(p.numpy(), [-1e-5, 1e-5, -1e-5], rtol=1e-12)


def test_adafactor_two_steps_by_hand_factored_and_not():
    rng = np.random.default_rng(1)
    p0, v0 = rng.standard_normal((3, 4)), rng.standard_normal(5)
    g = [[rng.standard_normal((3, 4)), rng.standard_normal(5)] for _ in range(2)]
    lr, wd, d = 0.3, 0.05, 1.5
    (p, v), opt = steps(Adafactor, [p0, v0], g, lr=lr, weight_decay=wd, d=d)
    eps1 = np.finfo(np.float64).eps
    row, col, var, x, y = np.zeros((3, 1)), np.zeros((1, 4)), np.zeros(5), p0, v0
    for t in (1, 2):
        w, rho = t ** -0.8, min(lr, 1 / math.sqrt(t))
        gm, gv = g[t - 1]
        row = (1 - w) * row + w * (gm ** 2).mean(axis=1, keepdims=True)
        col = (1 - w) * col + w * (gm ** 2).mean(axis=0, keepdims=True)
        u = gm / np.sqrt(row @ col / max(row.mean(), eps1))
        x = x * (1 - lr * wd) - max(1e-3, rms(x)) * rho * u / max(1, rms(u) / d)
        var = (1 - w) * var + w * gv ** 2
        u = gv / np.sqrt(var)
        y = y * (1 - lr * wd) - max(1e-3, rms(y)) * rho * u / max(1, rms(u) / d)
    np.testing.assert_allclose(p.numpy(), x, rtol=1e-13)
    np.testing.assert_allclose(v.numpy(), y, rtol=1e-13)
    assert list(opt.state[p]) == ["step", "row_var", "col_var"]
    np.testing.assert_allclose(opt.state[p]["row_var"], row, rtol=1e-14)
    np.testing.assert_allclose(opt.state[p]["col_var"], col, rtol=1e-14)
    assert list(opt.state[v]) == ["step", "variance"]
    np.testing.assert_allclose(opt.state[v]["variance"], var, rtol=1e-14)


def test_adafactor_3d_factors_the_last_two_axes_and_first_step_is_sign_like():
    # first step of a rank-1 g**2 (g = outer(r, c)): V = g**2 exactly, U = sign(g), RMS 1
    r, c = np.array([1.0, -2.0, 3.0]), np.array([0.5, 1.0])
    g = np.stack([np.outer(r, c), 2 * np.outer(r, c)])          # (2, 3, 2)
    (p,), opt = steps(Adafactor, [np.ones((2, 3, 2))], [[g]], lr=0.1)
    assert opt.state[p]["row_var"].shape == (2, 3, 1)
    assert opt.state[p]["col_var"].shape == (2, 1, 2)
    np.testing.assert_allclose(p.numpy(), 1 - 0.1 * np.sign(g), rtol=1e-13)


def test_adafactor_clipping_eps1_and_maximize():
    # a 1-D step with one large coordinate: U = sign(g) has RMS 1, d = 1 clips nothing; with
    # eps1 = 1 the small gradients are divided by 1 instead of |g|: U = [1, 0.1, 0.1, 0.1],
    # RMS(U) = sqrt(1.03 / 4) < 1 -- no clip either; d would clip it only below RMS(U)
    g = np.array([5.0, 0.1, -0.1, 0.1])
    (p,), _ = steps(Adafactor, [np.zeros(4)], [[g]], eps=(1.0, 1e-3))
    np.testing.assert_allclose(p.numpy(), -1e-5 * np.array([1, 0.1, -0.1, 0.1]), rtol=1e-12)
    # a zero gradient leaves p where it is (0 / eps1, not 0 / 0)
    (p,), _ = steps(Adafactor, [np.ones((2, 2))], [[np.zeros((2, 2))]])
    np.testing.assert_array_equal(p.numpy(), np.ones((2, 2)))
    # maximize with g is minimize with -g
    rng = np.random.default_rng(2)
    start, gs = rng.standard_normal((3, 2)), [[rng.standard_normal((3, 2))] for _ in range(3)]
    (up,), _ = steps(Adafactor, [start], gs, maximize=True, weight_decay=0.2)
    (down,), _ = steps(Adafactor, [start], [[-g for g in gr] for gr in gs], weight_decay=0.2)
    np.testing.assert_array_equal(up.numpy(), down.numpy())


def test_adafactor_float32_stays_float32_and_uses_its_eps():
    (p,), opt = steps(Adafactor, [np.zeros((2, 3), np.float32)],
                      [[np.full((2, 3), 1e-30, np.float32)]])
    assert p.dtype == np.float32 and opt.state[p]["row_var"].dtype == np.float32
    # g**2 underflows to 0 in float32: V = 0, clamped to eps1**2 with eps1 = 1.19e-7;
    # alpha = eps2 * rho = 1e-5
    np.testing.assert_allclose(p.numpy(), -1e-5 * 1e-30 / np.finfo(np.float32).eps,
                               rtol=1e-5)


def test_adafactor_step_is_scale_free_down_to_eps1():
    # V estimates g**2, so g = 1e-10 steps as far as g = 1 (sqrt(V) = 1e-10 > eps1 = 2.2e-16)
    tiny, _ = steps(Adafactor, [np.zeros((2, 2))], [[np.full((2, 2), 1e-10)]])
    unit, _ = steps(Adafactor, [np.zeros((2, 2))], [[np.ones((2, 2))]])
    np.testing.assert_allclose(tiny[0].numpy(), unit[0].numpy(), rtol=1e-12)
    np.testing.assert_allclose(unit[0].numpy(), -1e-5, rtol=1e-12)
    # below eps1 it is g / eps1: with eps1 = 1e-5, U = 1e-10 / 1e-5 = 1e-5
    (p,), _ = steps(Adafactor, [np.zeros(3)], [[np.full(3, 1e-10)]], eps=(1e-5, 1e-3))
    np.testing.assert_allclose(p.numpy(), -1e-5 * 1e-5, rtol=1e-12)


# ------------------------------------------------------------------ Muon by hand
def quintic(s: float, k: int = 5) -> float:
    for _ in range(k):
        s = NS[0] * s + NS[1] * s ** 3 + NS[2] * s ** 5
    return s


def test_muon_first_step_literal_on_a_known_svd():
    # g = [[3, 0, 0], [0, 1, 0]]: U = V = I, singular values 3 and 1. The first momentum
    # (and its Nesterov mix) is a multiple of g, so NS sees g / ||g||_F = g / sqrt(10)
    g = np.array([[3.0, 0, 0], [0, 1.0, 0]])
    (p,), opt = steps(Muon, [np.ones((2, 3))], [[g]], lr=0.1, weight_decay=0.5)
    ortho = np.array([[quintic(3 / math.sqrt(10)), 0, 0], [0, quintic(1 / math.sqrt(10)), 0]])
    np.testing.assert_allclose(p.numpy(), 0.95 - 0.1 * ortho, rtol=1e-13)  # sqrt(max(1, 2/3))
    assert list(opt.state[p]) == ["momentum_buffer"]
    np.testing.assert_allclose(opt.state[p]["momentum_buffer"], 0.05 * g, rtol=1e-15)
    # tall: the transpose, with lr * sqrt(3 / 2); match_rms_adamw: lr * 0.2 * sqrt(3)
    (p,), _ = steps(Muon, [np.zeros((3, 2))], [[g.T]], lr=0.1)
    np.testing.assert_allclose(p.numpy(), -0.1 * math.sqrt(1.5) * ortho.T, rtol=1e-13)
    (p,), _ = steps(Muon, [np.zeros((3, 2))], [[g.T]], lr=0.1, adjust_lr_fn="match_rms_adamw")
    np.testing.assert_allclose(p.numpy(), -0.1 * 0.2 * math.sqrt(3) * ortho.T, rtol=1e-13)


def test_muon_momentum_by_hand_without_orthogonalization():
    # ns_steps = 0: the step is the direction over its Frobenius norm
    rng = np.random.default_rng(3)
    g1, g2 = rng.standard_normal((2, 4)), rng.standard_normal((2, 4))
    for nesterov in (True, False):
        (p,), opt = steps(Muon, [np.zeros((2, 4))], [[g1], [g2]], lr=1.0, weight_decay=0.0,
                          momentum=0.8, nesterov=nesterov, ns_steps=0)
        m1 = 0.2 * g1
        m2 = 0.8 * m1 + 0.2 * g2
        u1, u2 = (0.8 * m1 + 0.2 * g1, 0.8 * m2 + 0.2 * g2) if nesterov else (m1, m2)
        expected = -u1 / np.linalg.norm(u1) - u2 / np.linalg.norm(u2)
        np.testing.assert_allclose(p.numpy(), expected, rtol=1e-13)
        np.testing.assert_allclose(opt.state[p]["momentum_buffer"], m2, rtol=1e-14)


def test_newton_schulz_orthogonalizes():
    rng = np.random.default_rng(4)
    g = rng.standard_normal((8, 20))
    s = np.linalg.svd(zeropower_via_newtonschulz(g, NS, 5, 1e-7), compute_uv=False)
    assert 0.68 < s.min() and s.max() < 1.21 and s.std() > 0.01     # near 1, not exactly
    # the classic cubic iteration (1.5, -0.5, 0) converges to U V^T itself; tall works too
    u, _, vt = np.linalg.svd(g.T, full_matrices=False)
    np.testing.assert_allclose(zeropower_via_newtonschulz(g.T, (1.5, -0.5, 0.0), 40, 1e-7),
                               u @ vt, atol=1e-12)
    # a zero gradient gives a zero step (0 / eps, not 0 / 0)
    np.testing.assert_array_equal(zeropower_via_newtonschulz(np.zeros((2, 3)), NS, 5, 1e-7),
                                  np.zeros((2, 3)))


# ------------------------------------------------------------------ state_dict round trips
@pytest.mark.parametrize("cls, options, shapes", [
    (Adafactor, dict(lr=0.2, weight_decay=0.1, maximize=True), [(), (4,), (3, 2), (2, 2, 3)]),
    (Muon, dict(lr=0.05, nesterov=False, adjust_lr_fn="match_rms_adamw"), [(3, 2), (2, 5)]),
])
def test_state_dict_round_trip_continues_identically(cls, options, shapes, tmp_path):
    rng = np.random.default_rng(5)
    starts = [rng.standard_normal(s) for s in shapes]
    grads = [[rng.standard_normal(s) for s in shapes] for _ in range(5)]
    straight, _ = steps(cls, starts, grads, **options)
    first, opt = steps(cls, starts, grads[:3], **options)
    saved = opt.state_dict()
    tg.save(saved, tmp_path / "optimizer.npz")            # through a file, as a checkpoint
    loaded = tg.load(tmp_path / "optimizer.npz")
    params = [tg.Tensor(p.numpy().copy(), requires_grad=True) for p in first]
    resumed = cls(params, lr=1.0)                     # the options come from the state too
    resumed.load_state_dict(loaded)
    assert resumed.param_groups[0]["lr"] == options["lr"]
    for gs in grads[3:]:
        for p, g in zip(params, gs):
            p.grad = tg.Tensor(g)
        resumed.step()
    for p, q in zip(params, straight):
        np.testing.assert_array_equal(p.numpy(), q.numpy())


def test_adafactor_load_refuses_a_factor_of_the_wrong_shape():
    (p,), opt = steps(Adafactor, [np.ones((3, 4))], [[np.ones((3, 4))]])
    saved = opt.state_dict()
    saved["state"][0]["row_var"] = np.zeros((4, 1))
    with pytest.raises(ValueError, match=r"Adafactor.load_state_dict: state 'row_var' of "
                                         r"parameter 0 has shape \(4, 1\), expected \(3, 1\)"):
        Adafactor([tg.Tensor(np.ones((3, 4)), requires_grad=True)]).load_state_dict(saved)


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize("options, message", [
    (dict(lr=-1.0), r"Adafactor: lr, weight_decay must be >= 0, got lr=-1.0"),
    (dict(weight_decay=float("nan")), r"got weight_decay=nan"),
    (dict(beta2_decay=0.5), r"Adafactor: beta2_decay must be <= 0, got 0.5"),
    (dict(eps=(-1.0, 1e-3)), r"Adafactor: eps must be \(eps1, eps2\) with eps1 None or >= 0 "
                             r"and eps2 >= 0, got \(-1.0, 0.001\)"),
    (dict(eps=(None, -1e-3)), r"eps2 >= 0, got \(None, -0.001\)"),
    (dict(eps=(1e-30,)), r"Adafactor: eps must be \(eps1, eps2\)"),
    (dict(d=0.5), r"Adafactor: d \(the clipping threshold\) must be >= 1, got 0.5"),
])
def test_adafactor_errors(options, message):
    with pytest.raises(ValueError, match=message):
        Adafactor([tg.Tensor(np.ones(2), requires_grad=True)], **options)


@pytest.mark.parametrize("options, message", [
    (dict(lr=-1.0), r"Muon: lr, momentum, weight_decay must be >= 0, got lr=-1.0"),
    (dict(momentum=-0.5), r"got momentum=-0.5"),
    (dict(adjust_lr_fn="adam"), r"Muon: adjust_lr_fn must be None, 'original' or "
                                r"'match_rms_adamw', got 'adam'"),
    (dict(ns_coefficients=(1.0, 2.0)), r"Muon: ns_coefficients must be three numbers"),
    (dict(ns_steps=100), r"Muon: ns_steps must be an integer in \[0, 100\), got 100"),
    (dict(ns_steps=2.5), r"got 2.5"),
])
def test_muon_option_errors(options, message):
    with pytest.raises(ValueError, match=message):
        Muon([tg.Tensor(np.ones((2, 2)), requires_grad=True)], **options)


@pytest.mark.parametrize("shape", [(), (3,), (2, 3, 4)])
def test_muon_refuses_parameters_that_are_not_matrices(shape):
    bad = tg.Tensor(np.ones(shape), requires_grad=True)
    with pytest.raises(ValueError, match=rf"Muon: only supports 2-D parameters \(weight "
                                         rf"matrices\), got a parameter of shape "
                                         rf"{re_shape(shape)}; optimize biases"):
        Muon([tg.Tensor(np.ones((2, 2)), requires_grad=True), bad])
    opt = Muon([tg.Tensor(np.ones((2, 2)), requires_grad=True)])
    with pytest.raises(ValueError, match="Muon: only supports 2-D parameters"):
        opt.add_param_group({"params": [bad]})
    assert len(opt.param_groups) == 1                # the refused group was not kept


def re_shape(shape: tuple) -> str:
    return str(shape).replace("(", r"\(").replace(")", r"\)")


# ------------------------------------------------------------------ torch
def _compare(ours: np.ndarray, theirs: np.ndarray, dtype: type, what: str) -> float:
    """Assert agreement to rounding (relative to the array's size) and return the worst
    difference relative to max |theirs|."""
    rtol = 1e-6 if dtype == np.float32 else 1e-12
    scale = max(float(np.abs(theirs).max(initial=0.0)), np.finfo(dtype).tiny)
    worst = float(np.abs(ours - theirs).max(initial=0.0)) / scale
    assert ours.shape == theirs.shape and worst <= rtol, f"{what}: {worst:.3g} > {rtol}"
    return worst


def _against_torch(torch, cls, starts, grads, options, dtype):
    """5 steps of ours and torch's optimizer; compare parameters and state."""
    ours, mine = steps(cls, starts, grads, **options)
    theirs = [torch.tensor(x.copy(), requires_grad=True) for x in starts]
    reference = getattr(torch.optim, cls.__name__)(theirs, **options)
    for gs in grads:
        for p, g in zip(theirs, gs):
            p.grad = torch.tensor(g.copy())
        reference.step()
    worst = 0.0
    torch_state = reference.state_dict()["state"]
    for i, (p, q) in enumerate(zip(ours, theirs)):
        worst = max(worst, _compare(p.numpy(), q.detach().numpy(), dtype, f"param {i}"))
        assert list(mine.state[p]) == list(torch_state[i])            # torch's names, order
        for key, value in mine.state[p].items():
            expected = torch_state[i][key].numpy()
            if key == "step":
                assert value == expected
            else:
                assert value.dtype == expected.dtype
                worst = max(worst, _compare(value, expected, dtype, f"{key} {i}"))
    return worst


ADAFACTOR_SHAPES = [(), (1,), (7,), (1, 1), (3, 4), (5, 1), (1, 6), (2, 3, 4), (2, 1, 3, 2)]


@pytest.mark.parametrize("seed", range(24))
def test_adafactor_matches_torch(seed):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(100 + seed)
    dtype = (np.float32, np.float64)[seed % 2]
    shapes = [ADAFACTOR_SHAPES[i] for i in rng.choice(len(ADAFACTOR_SHAPES), 3, replace=False)]
    options = dict(lr=float(rng.choice([1e-2, 0.1, 0.5])),
                   beta2_decay=float(rng.choice([-0.8, -0.5, -1.0])),
                   eps=((None, 1e-3), (1e-12, 1e-3), (None, 0.5))[seed % 3],
                   d=float(rng.choice([1.0, 1.0, 2.0])),
                   weight_decay=float(rng.choice([0.0, 0.1])), maximize=bool(seed % 4 == 1))
    starts = [(rng.standard_normal(s) * rng.choice([0.01, 1.0, 10.0])).astype(dtype)
              for s in shapes]
    grads = [[rng.standard_normal(s).astype(dtype) for s in shapes] for _ in range(5)]
    _against_torch(torch, Adafactor, starts, grads, options, dtype)


MUON_SHAPES = [(1, 1), (1, 5), (5, 1), (3, 3), (4, 7), (9, 2), (6, 6)]


@pytest.mark.parametrize("seed", range(24))
def test_muon_matches_torch_with_its_newton_schulz_in_the_params_dtype(seed, monkeypatch):
    """torch runs Newton-Schulz in bfloat16; with that cast made a copy in the same dtype
    its steps must be ours to rounding."""
    torch = pytest.importorskip("torch")
    monkeypatch.setattr(torch.Tensor, "bfloat16", lambda self: self.clone())
    rng = np.random.default_rng(200 + seed)
    dtype = (np.float32, np.float64)[seed % 2]
    shapes = [MUON_SHAPES[i] for i in rng.choice(len(MUON_SHAPES), 2, replace=False)]
    options = dict(lr=float(rng.choice([1e-3, 0.02, 0.1])),
                   weight_decay=float(rng.choice([0.0, 0.1])),
                   momentum=float(rng.choice([0.0, 0.9, 0.95])), nesterov=bool(seed % 4 < 2),
                   ns_steps=int(rng.choice([1, 3, 5])),
                   adjust_lr_fn=(None, "original", "match_rms_adamw")[seed % 3])
    if seed % 5 == 0:
        options["ns_coefficients"] = (2.0, -1.5, 0.5)
    starts = [rng.standard_normal(s).astype(dtype) for s in shapes]
    grads = [[rng.standard_normal(s).astype(dtype) for s in shapes] for _ in range(5)]
    _against_torch(torch, Muon, starts, grads, options, dtype)


def test_muon_against_torch_in_bfloat16_differs_by_its_rounding_only():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    start, g = rng.standard_normal((6, 10)), rng.standard_normal((6, 10))
    (ours,), _ = steps(Muon, [start], [[g]], lr=0.1)
    theirs = torch.tensor(start, requires_grad=True)
    theirs.grad = torch.tensor(g)
    torch.optim.Muon([theirs], lr=0.1).step()
    ours_step, their_step = ours.numpy() - start, theirs.detach().numpy() - start
    relative = np.abs(ours_step - their_step).max() / np.abs(their_step).max()
    assert 1e-4 < relative < 0.05                    # bfloat16 keeps 8 bits: ~0.4% per value


def test_adafactor_loads_a_torch_state_dict_and_continues_as_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    shapes = [(4,), (3, 5)]
    starts = [rng.standard_normal(s) for s in shapes]
    grads = [[rng.standard_normal(s) for s in shapes] for _ in range(4)]
    theirs = [torch.tensor(x.copy(), requires_grad=True) for x in starts]
    reference = torch.optim.Adafactor(theirs, lr=0.1, weight_decay=0.1)
    ours = [tg.Tensor(x.copy(), requires_grad=True) for x in starts]
    mine = Adafactor(ours, lr=0.1, weight_decay=0.1)
    for k, gs in enumerate(grads):
        for p, g in zip(theirs, gs):
            p.grad = torch.tensor(g)
        reference.step()
        if k == 1:                                    # after 2 steps: copy torch's state
            saved = reference.state_dict()
            for p, q in zip(ours, theirs):
                p.data[...] = q.detach().numpy()
            mine.load_state_dict({"state": {i: {key: v.numpy() for key, v in entry.items()}
                                            for i, entry in saved["state"].items()},
                                  "param_groups": saved["param_groups"]})
        elif k > 1:
            for p, g in zip(ours, gs):
                p.grad = tg.Tensor(g)
            mine.step()
    assert mine.state[ours[0]]["step"] == 4
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.numpy(), q.detach().numpy(), rtol=1e-12)
