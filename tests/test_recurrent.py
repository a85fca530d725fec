"""nn.recurrent: RNNCell, LSTMCell, GRUCell, RNN, LSTM, GRU.

Against a slow numpy reference written from the equations one time step at a time;
backpropagation through time worked by hand for the tanh RNN; first and second
derivatives against finite differences in float64 (each cell, and a 2-layer bidirectional
module of each kind); batch_first, unbatched and initial-state cases, dropout between
layers, init, names, reprs and errors; and (when torch is importable) outputs, final
states and every gradient against torch on random configurations."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
from nn import functional as F
from nn import init
from nn.recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell
from tinygrad_edu import Tensor

from checks import check_both, leaf

RNG = np.random.default_rng(0)
MODULES = {"RNN": RNN, "LSTM": LSTM, "GRU": GRU}


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


# ------------------------------------------------------------------------ slow reference
def reference_step(kind, x, h, c, p, nonlinearity="tanh"):
    """One time step from the documented equations, gate by gate; p holds numpy w_ih, w_hh,
    b_ih, b_hh (zeros without bias) and w_hr (LSTM projection) or None. Returns (h', c')."""
    H = p["w_hh"].shape[0] // {"RNN": 1, "LSTM": 4, "GRU": 3}[kind]

    def gate(k, of_x=True, of_h=True):       # W_i? x + b_i? and W_h? h + b_h? of gate k
        rows = slice(k * H, (k + 1) * H)
        return ((x @ p["w_ih"][rows].T + p["b_ih"][rows]) * of_x
                + (h @ p["w_hh"][rows].T + p["b_hh"][rows]) * of_h)

    if kind == "RNN":
        return (np.tanh(gate(0)) if nonlinearity == "tanh" else np.maximum(gate(0), 0)), None
    if kind == "LSTM":
        i, f, g, o = sigmoid(gate(0)), sigmoid(gate(1)), np.tanh(gate(2)), sigmoid(gate(3))
        c = f * c + i * g
        h = o * np.tanh(c)
        return (h if p["w_hr"] is None else h @ p["w_hr"].T), c
    r, z = sigmoid(gate(0)), sigmoid(gate(1))
    n = np.tanh(gate(2, of_h=False) + r * gate(2, of_x=False))
    return (1 - z) * n + z * h, None


def params_of(module, suffix=""):
    sd = {k: v.numpy() for k, v in module.state_dict().items()}
    w_ih = sd["weight_ih" + suffix]
    zeros = np.zeros(w_ih.shape[0])
    return {"w_ih": w_ih, "w_hh": sd["weight_hh" + suffix],
            "b_ih": sd.get("bias_ih" + suffix, zeros), "b_hh": sd.get("bias_hh" + suffix, zeros),
            "w_hr": sd.get("weight_hr" + suffix)}


def reference(module, x, h0=None, c0=None, between=lambda y: y):
    """The module's output and final states by loops over layers, directions and time, on
    (L, N, H_in) numpy input; `between` is applied to each layer's output but the last."""
    kind, D = type(module).__name__, 2 if module.bidirectional else 1
    nonlinearity = getattr(module, "nonlinearity", "tanh")
    L, N = x.shape[:2]
    H, P = module.hidden_size, module.proj_size or module.hidden_size
    h0 = np.zeros((module.num_layers * D, N, P)) if h0 is None else h0
    c0 = np.zeros((module.num_layers * D, N, H)) if c0 is None else c0
    h_n, c_n = [], []
    for layer in range(module.num_layers):
        out = np.zeros((L, N, D * P))
        for d in range(D):
            p = params_of(module, f"_l{layer}" + ("_reverse" if d else ""))
            h, c = h0[layer * D + d], c0[layer * D + d]
            for t in (range(L - 1, -1, -1) if d else range(L)):
                h, c = reference_step(kind, x[t], h, c, p, nonlinearity)
                out[t, :, d * P:(d + 1) * P] = h
            h_n.append(h)
            c_n.append(c)
        x = out if layer == module.num_layers - 1 else between(out)
    return x, np.stack(h_n), (np.stack(c_n) if kind == "LSTM" else None)


def flat(result):
    """(output, h_n) or (output, (h_n, c_n)) as a flat tuple."""
    out, state = result
    return (out, *state) if isinstance(state, tuple) else (out, state)


def make(kind, *args, **kwargs):
    return MODULES[kind](*args, **kwargs).double()


CONFIGS = [("RNN", dict(num_layers=2, bidirectional=True)),
           ("RNN", dict(nonlinearity="relu", bias=False)),
           ("LSTM", dict(num_layers=2, bidirectional=True)),
           ("LSTM", dict(num_layers=2, proj_size=2, bidirectional=True, bias=False)),
           ("GRU", dict(num_layers=3)),
           ("GRU", dict(bidirectional=True, bias=False))]


@pytest.mark.parametrize("kind, options", CONFIGS)
def test_modules_match_the_equations_step_by_step(kind, options):
    m = make(kind, 3, 4, **options)
    lstm, D = kind == "LSTM", 2 if m.bidirectional else 1
    for L, N in [(5, 3), (1, 1)]:
        x = RNG.standard_normal((L, N, 3))
        h0 = RNG.standard_normal((m.num_layers * D, N, m.proj_size or 4))
        c0 = RNG.standard_normal((m.num_layers * D, N, 4))
        out, h_n, c_n = reference(m, x, h0, c0 if lstm else None)
        got = flat(m(Tensor(x), (Tensor(h0), Tensor(c0)) if lstm else Tensor(h0)))
        for a, b in zip(got, [out, h_n, c_n][:3 if lstm else 2]):
            np.testing.assert_allclose(a.numpy(), b, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_batch_first_unbatched_and_initial_state(kind):
    m = make(kind, 2, 3, num_layers=2, bidirectional=True)
    x = RNG.standard_normal((4, 2, 2))
    want = reference(m, x)
    plain = flat(m(Tensor(x)))                             # hx=None: zeros
    for a, b in zip(plain, want):
        np.testing.assert_allclose(a.numpy(), b, rtol=1e-12, atol=1e-14)
    zeros = tuple(tg.zeros(*s.shape, dtype=tg.float64) for s in plain[1:])
    given = flat(m(Tensor(x), zeros if kind == "LSTM" else zeros[0]))
    assert all(np.array_equal(a.numpy(), b.numpy()) for a, b in zip(given, plain))
    m.batch_first = True                                   # (N, L, H_in) in and out
    bf = flat(m(Tensor(x.transpose(1, 0, 2))))
    np.testing.assert_array_equal(bf[0].numpy(), plain[0].numpy().transpose(1, 0, 2))
    assert all(np.array_equal(a.numpy(), b.numpy()) for a, b in zip(bf[1:], plain[1:]))
    for batch_first in (False, True):                      # unbatched (L, H_in): batch_first
        m.batch_first = batch_first                        # does not apply
        one = flat(m(Tensor(x[:, 1])))
        assert one[0].shape == (4, 6) and all(s.shape == (4, 3) for s in one[1:])
        for a, b in zip(one, plain):                       # (a batch of 1 may take another
            np.testing.assert_allclose(a.numpy(), b.numpy()[..., 1, :], rtol=1e-14,  # GEMM
                                       atol=4e-16)          # kernel: 1-2 ulp of entries ~1)
    state = tuple(Tensor(RNG.standard_normal((4, 3))) for _ in plain[1:])
    got = flat(m(Tensor(x[:, 0]), state if kind == "LSTM" else state[0]))
    batched = tuple(s.unsqueeze(1) for s in state)
    m.batch_first = False
    ref = flat(m(Tensor(x[:, :1]), batched if kind == "LSTM" else batched[0]))
    for a, b in zip(got, ref):
        np.testing.assert_allclose(a.numpy(), b.numpy()[..., 0, :], rtol=1e-14, atol=4e-16)


def test_empty_batch_and_size_one_axes():
    out, (h, c) = LSTM(1, 1, proj_size=0)(tg.zeros(1, 1, 1))
    assert out.shape == h.shape == c.shape == (1, 1, 1)
    out, h = GRU(2, 3, num_layers=2, bidirectional=True)(tg.zeros(4, 0, 2))
    assert out.shape == (4, 0, 6) and h.shape == (4, 0, 3)
    assert RNNCell(2, 3)(tg.zeros(0, 2)).shape == (0, 3)


@pytest.mark.parametrize("cell, kind", [(RNNCell, "RNN"), (LSTMCell, "LSTM"), (GRUCell, "GRU")])
def test_cells_match_the_equations(cell, kind):
    for options in ({}, {"bias": False}, {"nonlinearity": "relu"}):
        if "nonlinearity" in options and cell is not RNNCell:
            continue
        m = cell(3, 4, **options).double()
        p = params_of(m)
        x, h, c = (RNG.standard_normal(s) for s in [(2, 3), (2, 4), (2, 4)])
        want_h, want_c = reference_step(kind, x, h, c, p, options.get("nonlinearity", "tanh"))
        got = m(Tensor(x), (Tensor(h), Tensor(c)) if kind == "LSTM" else Tensor(h))
        got = got if kind == "LSTM" else (got,)
        np.testing.assert_allclose(got[0].numpy(), want_h, rtol=1e-13)
        if kind == "LSTM":
            np.testing.assert_allclose(got[1].numpy(), want_c, rtol=1e-13)
        none = m(Tensor(x))                                 # hx None: zeros
        zero_h, _ = reference_step(kind, x, 0 * h, 0 * c, p, options.get("nonlinearity", "tanh"))
        np.testing.assert_allclose((none[0] if kind == "LSTM" else none).numpy(), zero_h,
                                   rtol=1e-13)
        single = m(Tensor(x[0]), (Tensor(h[0]), Tensor(c[0])) if kind == "LSTM"
                   else Tensor(h[0]))                       # unbatched (H_in,) and (H,)
        single = single if kind == "LSTM" else (single,)
        assert all(s.shape == (4,) for s in single)
        np.testing.assert_allclose(single[0].numpy(), want_h[0], rtol=1e-13)


# ------------------------------------------------------------- backprop through time by hand
def test_backprop_through_time_by_hand():
    """The tanh RNN's gradients from the module docstring's BPTT recursion: the gradient of
    h_t flows to h_{t-1} through W_hh, and every step adds to the shared weights' gradient."""
    m = RNN(3, 4).double()
    p = params_of(m, "_l0")
    L, N = 6, 2
    x, h0 = RNG.standard_normal((L, N, 3)), RNG.standard_normal((1, N, 4))
    g_out, g_hn = RNG.standard_normal((L, N, 4)), RNG.standard_normal((1, N, 4))
    hs = [h0[0]]
    for t in range(L):
        hs.append(np.tanh(x[t] @ p["w_ih"].T + p["b_ih"] + hs[-1] @ p["w_hh"].T + p["b_hh"]))
    grads = {k: np.zeros_like(v) for k, v in p.items() if v is not None}
    dx, dh = np.zeros_like(x), g_hn[0].copy()
    for t in reversed(range(L)):
        dh += g_out[t]                          # what h_t's own output received
        da = dh * (1 - hs[t + 1] ** 2)          # through tanh
        grads["w_hh"] += da.T @ hs[t]
        grads["w_ih"] += da.T @ x[t]
        grads["b_ih"] += da.sum(0)
        grads["b_hh"] += da.sum(0)
        dx[t] = da @ p["w_ih"]
        dh = da @ p["w_hh"]                     # on to h_{t-1}, through W_hh
    xt, h0t = leaf(x), leaf(h0)
    out, h_n = m(xt, h0t)
    ((out * Tensor(g_out)).sum() + (h_n * Tensor(g_hn)).sum()).backward()
    np.testing.assert_allclose(xt.grad.numpy(), dx, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(h0t.grad.numpy()[0], dh, rtol=1e-12, atol=1e-14)
    for name, key in [("weight_ih_l0", "w_ih"), ("weight_hh_l0", "w_hh"), ("bias_ih_l0", "b_ih"),
                      ("bias_hh_l0", "b_hh")]:
        np.testing.assert_allclose(getattr(m, name).grad.numpy(), grads[key], rtol=1e-12)


def test_long_sequences_slice_in_blocks_and_keep_every_gradient():
    """L = 11: blocks of 4, 4, 3 steps; the input gradient of each step arrives once."""
    m = GRU(1, 1, bias=False).double()
    x = leaf(RNG.standard_normal((11, 1, 1)))
    out, _ = m(x)
    (g,) = tg.grad(out[-1].sum(), [x])
    assert np.all(g.numpy() != 0)
    np.testing.assert_allclose(out.numpy(), reference(m, x.numpy())[0], rtol=1e-13)


# --------------------------------------------------------------------- finite differences
@pytest.mark.parametrize("cell, options", [(RNNCell, {}), (RNNCell, {"nonlinearity": "relu"}),
                                           (LSTMCell, {}), (GRUCell, {}),
                                           (GRUCell, {"bias": False})])
def test_cells_first_and_second_derivatives(cell, options):
    m = cell(2, 3, **options).double()
    x, h, c = (leaf(RNG.standard_normal(s)) for s in [(2, 2), (2, 3), (2, 3)])
    if cell is LSTMCell:
        check_both(lambda x, h, c, *params: m(x, (h, c)), [x, h, c, *m.parameters()])
    else:
        check_both(lambda x, h, *params: m(x, h), [x, h, *m.parameters()])


@pytest.mark.parametrize("kind, hidden, options", [("RNN", 2, {"bidirectional": True}),
                                                  ("GRU", 1, {"bidirectional": True}),
                                                  ("LSTM", 1, {"bidirectional": True}),
                                                  ("LSTM", 2, {"proj_size": 1})])
def test_two_layer_modules_first_and_second_derivatives(kind, hidden, options):
    """gradcheck for the input, the initial states and every parameter; gradgradcheck (the
    slow one) for the input and the second layer's recurrent weight."""
    m = make(kind, 1, hidden, num_layers=2, **options)
    D = 2 if m.bidirectional else 1
    sizes = (m.proj_size or hidden, hidden)[:2 if kind == "LSTM" else 1]
    states = [leaf(RNG.standard_normal((2 * D, 1, size))) for size in sizes]
    x = leaf(RNG.standard_normal((3, 1, 1)))

    def run(x, *rest):
        return flat(m(x, tuple(rest[:2]) if kind == "LSTM" else rest[0]))

    assert tg.gradcheck(run, [x, *states, *m.parameters()])
    assert tg.gradgradcheck(run, [x, *(s.detach() for s in states), m.weight_hh_l1])


# ------------------------------------------------------------------------------- dropout
def test_dropout_between_layers_only_when_training():
    m = make("LSTM", 2, 3, num_layers=3, dropout=1.0, bidirectional=True)
    x = RNG.standard_normal((4, 2, 2))
    drop_all = reference(m, x, between=lambda y: 0 * y)    # layers 1, 2 see zeros; the
    for a, b in zip(flat(m(Tensor(x))), drop_all):         # last output is not dropped
        np.testing.assert_allclose(a.numpy(), b, rtol=1e-12, atol=1e-14)
    m.eval()
    for a, b in zip(flat(m(Tensor(x))), reference(m, x)):
        np.testing.assert_allclose(a.numpy(), b, rtol=1e-12, atol=1e-14)


def test_dropout_masks_come_from_the_seeded_generator():
    m = make("GRU", 2, 3, num_layers=2, dropout=0.5)
    x = RNG.standard_normal((5, 2, 2))
    tg.manual_seed(7)
    got = flat(m(Tensor(x)))
    tg.manual_seed(7)              # the module's one draw: layer 1's input, shape (L, N, H)
    want = reference(m, x, between=lambda y: F.dropout(Tensor(y), 0.5).numpy())
    for a, b in zip(got, want):
        np.testing.assert_allclose(a.numpy(), b, rtol=1e-12, atol=1e-14)
    eval_out = flat(m.eval()(Tensor(x)))[0].numpy()
    assert not np.allclose(got[0].numpy(), eval_out)


# ---------------------------------------------------------------- parameters, init, repr
def test_parameter_names_shapes_and_order():
    m = LSTM(3, 5, num_layers=2, bidirectional=True, proj_size=2)
    names = [(n, p.shape) for n, p in m.named_parameters()]
    assert names[:5] == [("weight_ih_l0", (20, 3)), ("weight_hh_l0", (20, 2)),
                         ("bias_ih_l0", (20,)), ("bias_hh_l0", (20,)), ("weight_hr_l0", (2, 5))]
    assert [n for n, _ in names[5:]] == [
        "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse",
        "bias_hh_l0_reverse", "weight_hr_l0_reverse", "weight_ih_l1", "weight_hh_l1",
        "bias_ih_l1", "bias_hh_l1", "weight_hr_l1", "weight_ih_l1_reverse",
        "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse",
        "weight_hr_l1_reverse"]
    assert m.weight_ih_l1.shape == (20, 4)               # both directions of layer 0, proj 2
    assert m.flatten_parameters() is None                # torch's cuDNN call: nothing to do
    g = GRU(3, 5, num_layers=2, bias=False)
    assert list(g.state_dict()) == ["weight_ih_l0", "weight_hh_l0", "weight_ih_l1",
                                    "weight_hh_l1"]
    assert g.all_weights[1][0] is g.weight_ih_l1 and not hasattr(g, "bias_ih_l0")
    c = RNNCell(3, 5, bias=False)
    assert [n for n, _ in c.named_parameters()] == ["weight_ih", "weight_hh"]
    assert c.bias_ih is None and c.bias_hh is None
    assert LSTMCell(3, 5).weight_hh.shape == (20, 5) and GRUCell(3, 5).weight_ih.shape == (15, 3)
    assert RNN(3, 5).weight_ih_l0.dtype == np.float32
    assert GRU(3, 5, dtype=tg.float64).weight_hh_l0.dtype == np.float64


def test_init_is_uniform_in_parameter_order_from_the_seeded_generator():
    for make_module, hidden in [(lambda: GRU(3, 16, num_layers=2, bidirectional=True), 16),
                                (lambda: LSTMCell(3, 9), 9)]:
        tg.manual_seed(3)
        m = make_module()
        bound = 1 / math.sqrt(hidden)
        tg.manual_seed(3)
        for p in m.parameters():
            want = init.uniform_(Tensor(np.zeros(p.shape, np.float32)), -bound, bound)
            np.testing.assert_array_equal(p.numpy(), want.numpy())
        values = np.concatenate([p.numpy().ravel() for p in m.parameters()])
        assert values.min() >= -bound and values.max() <= bound
        assert values.min() < -0.9 * bound and values.max() > 0.9 * bound


def test_reprs():
    assert repr(RNN(3, 4)) == "RNN(3, 4)"
    assert repr(RNN(3, 4, 2, nonlinearity="relu", bias=False, batch_first=True, dropout=0.5,
                    bidirectional=True)) == ("RNN(3, 4, num_layers=2, bias=False, batch_first="
                                             "True, dropout=0.5, bidirectional=True)")
    assert repr(LSTM(3, 4, proj_size=2)) == "LSTM(3, 4, proj_size=2)"
    assert repr(GRU(3, 4, num_layers=2)) == "GRU(3, 4, num_layers=2)"
    assert repr(RNNCell(3, 4, bias=False, nonlinearity="relu")) == \
        "RNNCell(3, 4, bias=False, nonlinearity=relu)"
    assert repr(LSTMCell(3, 4, bias=False)) == "LSTMCell(3, 4, bias=False)"
    assert repr(GRUCell(3, 4)) == "GRUCell(3, 4)"


def test_state_dict_round_trip():
    a, b = LSTM(2, 3, num_layers=2, proj_size=1), LSTM(2, 3, num_layers=2, proj_size=1)
    b.load_state_dict({k: v.numpy() for k, v in a.state_dict().items()})
    x = tg.randn(4, 2, 2)
    assert all(np.array_equal(p.numpy(), q.numpy()) for p, q in zip(flat(a(x)), flat(b(x))))


# --------------------------------------------------------------------------------- errors
def raises(error, match, fn, *args, **kwargs):
    with pytest.raises(error, match=match):
        fn(*args, **kwargs)


def test_bad_inputs_name_the_module_and_the_shapes():
    rnn, lstm, cell = RNN(3, 4, num_layers=2), LSTM(3, 4), LSTMCell(3, 4)
    raises(RuntimeError, r"RNN: input.size\(-1\) must be equal to input_size. Expected 3, got 7 "
           r"\(input shape \(5, 2, 7\)\)", rnn, tg.zeros(5, 2, 7))
    raises(ValueError, r"RNN: Expected input to be 2D or 3D, got 4D tensor instead \(shape "
           r"\(2, 5, 2, 3\)\)", rnn, tg.zeros(2, 5, 2, 3))
    raises(ValueError, "RNN: Expected input to be 2D or 3D, got 1D", rnn, tg.zeros(3))
    raises(TypeError, "RNN: input must be a Tensor, got ndarray", rnn, np.zeros((5, 2, 3)))
    raises(RuntimeError, r"RNN: expected hx of shape \(2, 2, 4\) for an input of shape "
           r"\(5, 2, 3\), got \(1, 2, 4\)", rnn, tg.zeros(5, 2, 3), tg.zeros(1, 2, 4))
    raises(RuntimeError, r"RNN: for batched 3-D input, hx should be 3-D, got \(2, 4\)", rnn,
           tg.zeros(5, 2, 3), tg.zeros(2, 4))
    raises(RuntimeError, r"RNN: for unbatched 2-D input, hx should be 2-D, got \(2, 1, 4\)",
           rnn, tg.zeros(5, 3), tg.zeros(2, 1, 4))
    raises(RuntimeError, r"RNN: Expected sequence length to be larger than 0 \(input shape "
           r"\(0, 2, 3\)\)", rnn, tg.zeros(0, 2, 3))
    raises(ValueError, "RNN: input and hidden states must have the weight dtype float32, got "
           r"float64. Convert the input: input.to\(float32\)", rnn, tg.zeros(5, 2, 3,
                                                                           dtype=tg.float64))
    raises(RuntimeError, r"LSTM: hx must be a tuple \(h_0, c_0\)", lstm, tg.zeros(5, 2, 3),
           tg.zeros(1, 2, 4))
    raises(RuntimeError, r"LSTM: expected c_0 of shape \(1, 2, 4\) for an input of shape "
           r"\(5, 2, 3\), got \(1, 3, 4\)", lstm, tg.zeros(5, 2, 3),
           (tg.zeros(1, 2, 4), tg.zeros(1, 3, 4)))
    raises(RuntimeError, r"LSTMCell: input.size\(-1\) must be equal to input_size. Expected 3, "
           r"got 5 \(input shape \(2, 5\)\)", cell, tg.zeros(2, 5))
    raises(ValueError, "LSTMCell: Expected input to be 1D or 2D, got 3D", cell, tg.zeros(2, 2, 3))
    raises(RuntimeError, r"LSTMCell: hidden1 must have shape \(2, 4\) for an input of shape "
           r"\(2, 3\), got \(3, 4\)", cell, tg.zeros(2, 3), (tg.zeros(2, 4), tg.zeros(3, 4)))
    raises(RuntimeError, r"LSTMCell: hidden0 must have shape \(4,\) for an input of shape "
           r"\(3,\), got \(1, 4\)", cell, tg.zeros(3), (tg.zeros(1, 4), tg.zeros(4)))
    raises(ValueError, "GRUCell: Expected hidden to be 1D or 2D, got 3D", GRUCell(3, 4),
           tg.zeros(2, 3), tg.zeros(1, 2, 4))
    raises(RuntimeError, r"LSTMCell: hx must be a tuple \(h, c\)", cell, tg.zeros(2, 3),
           (tg.zeros(2, 4),))


def test_bad_options_fail_at_construction():
    raises(ValueError, "proj_size argument is only supported for LSTM", RNNBase, "GRU", 3, 4,
           proj_size=2)
    raises(ValueError, "RNNBase: unknown mode 'LSTMX'", RNNBase, "LSTMX", 3, 4)
    raises(ValueError, "LSTM: proj_size has to be smaller than hidden_size, got proj_size=4 "
           "and hidden_size=4", LSTM, 3, 4, proj_size=4)
    raises(ValueError, "LSTM: proj_size should be a positive integer or zero to disable "
           "projections, got -1", LSTM, 3, 4, proj_size=-1)
    for bad in (1.5, -0.1, True, "0.5"):
        raises(ValueError, r"GRU: dropout should be a number in range \[0, 1\]", GRU, 3, 4,
               num_layers=2, dropout=bad)
    raises(ValueError, "Unknown nonlinearity 'gelu'. Select from 'tanh' or 'relu'.", RNN, 3, 4,
           nonlinearity="gelu")
    raises(ValueError, "Unknown nonlinearity 'gelu'", RNNCell, 3, 4, nonlinearity="gelu")
    raises(ValueError, "RNN: hidden_size must be greater than zero, got 0", RNN, 3, 0)
    raises(ValueError, "GRU: num_layers must be greater than zero, got 0", GRU, 3, 4, 0)
    raises(TypeError, "LSTM: input_size should be of type int, got: float", LSTM, 3.0, 4)
    raises(RuntimeError, "RNN: tinygrad_edu computes on the CPU only", RNN, 3, 4, device="cuda")
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1, "
                                         "but got dropout=0.5 and num_layers=1") as caught:
        LSTM(3, 4, dropout=0.5)
    assert caught[0].filename == __file__                 # the warning points at the caller
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        LSTM(3, 4, num_layers=2, dropout=0.5)


# ------------------------------------------------------------------------ against torch
def torch_twin(torch, kind, *args, **kwargs):
    """A torch module in float64 and ours with its state_dict loaded (through numpy)."""
    theirs = getattr(torch.nn, kind)(*args, **kwargs).double()
    ours = getattr(__import__("nn.recurrent", fromlist=[kind]), kind)(*args, **kwargs).double()
    result = ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    assert not result.missing_keys and not result.unexpected_keys
    assert repr(ours) == repr(theirs)
    return theirs, ours


def compare_with_torch(torch, theirs, ours, inputs, pack):
    """Run both on the same float64 inputs (pack(list) -> the call's arguments), backprop a
    random projection of every output; compare outputs, input and parameter gradients."""
    tin = [torch.tensor(a, requires_grad=True) for a in inputs]
    oin = [leaf(a) for a in inputs]
    touts = [t for t in _flatten(theirs(*pack(tin)))]
    oouts = [t for t in _flatten(ours(*pack(oin)))]
    assert [tuple(t.shape) for t in touts] == [o.shape for o in oouts]
    weights = [RNG.standard_normal(tuple(t.shape)) for t in touts]
    sum((t * torch.tensor(w)).sum() for t, w in zip(touts, weights)).backward()
    sum((o * Tensor(w)).sum() for o, w in zip(oouts, weights)).backward()
    for t, o in zip(touts, oouts):
        np.testing.assert_allclose(o.numpy(), t.detach().numpy(), rtol=0, atol=1e-10)
    for t, o in zip(tin, oin):
        np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=0, atol=1e-10)
    for name, p in theirs.named_parameters():
        np.testing.assert_allclose(getattr(ours, name).grad.numpy(), p.grad.numpy(), rtol=0,
                                   atol=1e-10, err_msg=name)


def _flatten(result):
    if isinstance(result, (tuple, list)):
        return [t for r in result for t in _flatten(r)]
    return [result]


def test_modules_match_torch_on_random_configurations():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    for _ in range(12):
        kind = str(rng.choice(["RNN", "LSTM", "GRU"]))
        hidden, layers = int(rng.integers(1, 5)), int(rng.integers(1, 4))
        options = dict(num_layers=layers, bias=bool(rng.random() < 0.7),
                       batch_first=bool(rng.random() < 0.5),
                       bidirectional=bool(rng.random() < 0.5), dropout=0.3 * (layers > 1))
        if kind == "RNN":
            options["nonlinearity"] = str(rng.choice(["tanh", "relu"]))
        if kind == "LSTM" and hidden > 1 and rng.random() < 0.5:
            options["proj_size"] = int(rng.integers(1, hidden))
        theirs, ours = torch_twin(torch, kind, 3, hidden, **options)
        theirs.eval(), ours.eval()                      # dropout masks are not comparable
        L, N, D = int(rng.integers(1, 6)), int(rng.integers(1, 4)), 1 + options["bidirectional"]
        unbatched = rng.random() < 0.25
        shape = (L, 3) if unbatched else ((N, L, 3) if options["batch_first"] else (L, N, 3))
        out_size = options.get("proj_size") or hidden
        state_shape = (layers * D,) + (() if unbatched else (N,))
        inputs = [rng.standard_normal(shape)]
        if rng.random() < 0.7:                          # an initial state, else zeros
            inputs.append(rng.standard_normal(state_shape + (out_size,)))
            if kind == "LSTM":
                inputs.append(rng.standard_normal(state_shape + (hidden,)))
        if kind == "LSTM" and len(inputs) == 3:
            pack = lambda a: (a[0], (a[1], a[2]))      # noqa: E731
        else:
            pack = lambda a: a                          # noqa: E731
        compare_with_torch(torch, theirs, ours, inputs, pack)


def test_cells_match_torch():
    torch = pytest.importorskip("torch")
    for kind, options in [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu", "bias": False}),
                          ("LSTMCell", {}), ("LSTMCell", {"bias": False}), ("GRUCell", {})]:
        theirs, ours = torch_twin(torch, kind, 3, 4, **options)
        for shape in [(2,), ()]:                        # batched and unbatched
            x, h, c = (RNG.standard_normal(shape + (n,)) for n in (3, 4, 4))
            if kind == "LSTMCell":
                compare_with_torch(torch, theirs, ours, [x, h, c],
                                   lambda a: (a[0], (a[1], a[2])))
            else:
                compare_with_torch(torch, theirs, ours, [x, h], lambda a: a)
            compare_with_torch(torch, theirs, ours, [x], lambda a: a)     # hx None
            theirs.zero_grad(), ours.zero_grad()


def test_torch_raises_the_same_error_types():
    torch = pytest.importorskip("torch")
    theirs, ours = torch_twin(torch, "LSTM", 3, 4, num_layers=2)
    cases = [((5, 2, 7), None), ((2, 5, 2, 3), None), ((0, 2, 3), None),
             ((5, 2, 3), ((2, 3, 4), (2, 2, 4))), ((5, 2, 3), ((2, 2, 4), (2, 4)))]
    for shape, hx in cases:
        errors = []
        for module, make in [(theirs, lambda s: torch.zeros(s, dtype=torch.float64)),
                             (ours, lambda s: tg.zeros(*s, dtype=tg.float64))]:
            with pytest.raises(Exception) as info:
                module(make(shape), None if hx is None else tuple(make(s) for s in hx))
            errors.append(info.type)
        assert errors[0] is errors[1], (shape, hx, errors)


@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
def test_packed_batch_runs_each_sequence_over_its_own_steps(mode):
    """A packed batch gives what running each sequence alone gives: outputs and final
    states, both directions, in the caller's batch order (lengths not sorted)."""
    from nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
    tg.manual_seed(0)
    model = {"RNN": RNN, "LSTM": LSTM, "GRU": GRU}[mode](3, 4, num_layers=2,
                                                          bidirectional=True).double()
    x = tg.randn(5, 3, 3, dtype=tg.float64)
    lengths = [2, 5, 3]
    packed_out, packed_state = model(pack_padded_sequence(x, lengths, enforce_sorted=False))
    padded, got_lengths = pad_packed_sequence(packed_out)
    assert got_lengths.tolist() == lengths
    h_n = packed_state[0] if mode == "LSTM" else packed_state
    for b, n in enumerate(lengths):
        alone_out, alone_state = model(x[:n, b:b + 1])
        alone_h = alone_state[0] if mode == "LSTM" else alone_state
        np.testing.assert_allclose(padded.data[:n, b], alone_out.data[:, 0], rtol=1e-12)
        np.testing.assert_allclose(h_n.data[:, b], alone_h.data[:, 0], rtol=1e-12)
        assert np.all(padded.data[n:, b] == 0)             # padding after its steps


def test_pack_and_pad_round_trip_with_gradients():
    from nn.utils.rnn import pack_padded_sequence, pack_sequence, pad_packed_sequence
    x = tg.arange(12.0).reshape(4, 3, 1).requires_grad_()
    packed = pack_padded_sequence(x, [4, 2, 3], enforce_sorted=False)
    assert packed.batch_sizes.tolist() == [3, 3, 2, 1]
    assert packed.data.reshape(-1).tolist() == [0, 2, 1, 3, 5, 4, 6, 8, 9]
    padded, lengths = pad_packed_sequence(packed, batch_first=True, padding_value=-1.0)
    assert lengths.tolist() == [4, 2, 3] and padded[1, :, 0].tolist() == [1, 4, -1, -1]
    padded.sum().backward()
    assert x.grad[:, 1, 0].tolist() == [1, 1, 0, 0]       # padding takes no gradient
    with pytest.raises(RuntimeError, match="lengths must be sorted in decreasing order"):
        pack_padded_sequence(x, [2, 4, 3])
    assert pack_sequence([tg.ones(3, 2), tg.ones(1, 2)]).batch_sizes.tolist() == [2, 1, 1]


def test_unpad_and_unpack_sequence_give_the_sequences_back():
    from nn.utils.rnn import pack_sequence, pad_sequence, unpack_sequence, unpad_sequence
    a, b, c = tg.tensor([1.0, 2.0]), tg.tensor([3.0, 4.0, 5.0]), tg.tensor([6.0])
    for batch_first in (False, True):
        padded = pad_sequence([a, b, c], batch_first=batch_first)
        pieces = unpad_sequence(padded, tg.tensor([2, 3, 1]), batch_first=batch_first)
        assert [p.tolist() for p in pieces] == [[1, 2], [3, 4, 5], [6]]
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    pieces = unpack_sequence(pack_sequence([b, x * 3, c], enforce_sorted=False))
    assert [p.tolist() for p in pieces] == [[3, 4, 5], [3, 6], [6]]
    pieces[1].sum().backward()
    assert x.grad.tolist() == [3, 3]
    with pytest.raises(ValueError, match="unpad_sequence: 2 lengths for a batch of 3"):
        unpad_sequence(pad_sequence([a, b, c]), [2, 3])


def test_flat_weights_names_as_torch_lists_them():
    layer = GRU(3, 4, num_layers=2, bidirectional=True)
    assert layer._flat_weights_names == [name for name, _ in layer.named_parameters()]
    assert layer._flat_weights_names[:4] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0",
                                             "bias_hh_l0"]
    assert layer._flat_weights[0] is layer.weight_ih_l0


def test_a_packed_input_with_a_wrong_batch_of_initial_states_gets_the_shape_error():
    from nn.utils.rnn import pack_padded_sequence
    gru = GRU(2, 3)
    packed = pack_padded_sequence(tg.randn(4, 3, 2), [4, 2, 3], enforce_sorted=False)
    with pytest.raises(RuntimeError, match=r"GRU: expected hx of shape \(1, 3, 3\) .* got "
                                           r"\(1, 2, 3\)"):
        gru(packed, tg.zeros(1, 2, 3))
    assert gru(packed, tg.zeros(1, 3, 3))[1].shape == (1, 3, 3)
