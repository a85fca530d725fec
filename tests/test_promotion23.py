"""Integer and bool inputs as torch 2.13 takes them (the dtype-promotion QA of session 23):
the losses and distances torch composes from -, pow and exp promote int to float32; an int
input with a float partner computes in the float dtype; softmax refuses integers; dropout
in eval mode returns any dtype unchanged; special.round keeps integers; True ** mask is
refused. Each pinned by value and dtype, and (when torch is importable) in a seeded sweep of
dtype pairs against torch."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import nn
import nn.functional as F
import tinygrad_edu as tg
from tinygrad_edu.cnn import _float_operands, floating_input

RNG = np.random.default_rng(23)
INTS = [[1, 2, 0], [3, 1, 2]]
OTHER = [[2, 0, 1], [1, 1, 3]]
THIRD = [[0, 3, 3], [2, 2, 0]]


def ints(rows=INTS, dtype=tg.int64) -> tg.Tensor:
    return tg.tensor(rows, dtype=dtype)


def same(out: tg.Tensor, expected: tg.Tensor, dtype) -> None:
    """out has `dtype` and expected's values."""
    assert out.dtype == dtype
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-6)


# ---------------------------------------------------------------------------- int -> float
COMPOSED = {   # each call on (a, b, c); as torch, integer operands compute in float32
    "pairwise_distance": lambda a, b, c: F.pairwise_distance(a, b),
    "margin_ranking_loss": lambda a, b, c: F.margin_ranking_loss(a[0], b[0], tg.tensor([1, -1, 1])),
    "triplet_margin_loss": lambda a, b, c: F.triplet_margin_loss(a, b, c, reduction="none"),
    "triplet_margin_with_distance_loss":
        lambda a, b, c: F.triplet_margin_with_distance_loss(a, b, c, margin=2.0),
    "cosine_embedding_loss": lambda a, b, c: F.cosine_embedding_loss(a, b, tg.tensor([1, -1])),
    "poisson_nll_loss": lambda a, b, c: F.poisson_nll_loss(a, b, log_input=False, full=True),
    "local_response_norm": lambda a, b, c: F.local_response_norm(a.reshape(1, 2, 3), 2),
    "softsign": lambda a, b, c: F.softsign(a),
    "tanhshrink": lambda a, b, c: F.tanhshrink(a),
}


@pytest.mark.parametrize("name", COMPOSED)
@pytest.mark.parametrize("dtype", [tg.int64, tg.int32, tg.uint8])
def test_integer_operands_compute_in_float32(name, dtype):
    call = COMPOSED[name]
    out = call(ints(INTS, dtype), ints(OTHER, dtype), ints(THIRD, dtype))
    same(out, call(ints().float(), ints(OTHER).float(), ints(THIRD).float()), tg.float32)
    assert np.isfinite(out.numpy()).all() and np.abs(out.numpy()).max() > 0.1


def test_integer_operands_follow_the_default_dtype():
    tg.set_default_dtype(tg.float64)
    try:
        out = F.pairwise_distance(ints(), ints(OTHER))
    finally:
        tg.set_default_dtype(tg.float32)
    assert out.dtype == tg.float64
    np.testing.assert_allclose(out.numpy(), [6 ** 0.5, 5 ** 0.5], rtol=1e-5)   # (eps 1e-6)


def test_bool_operands_of_cosine_embedding_loss_are_zeros_and_ones():
    a, b = tg.tensor([[True, False, True]]), tg.tensor([[True, True, False]])
    out = F.cosine_embedding_loss(a, b, tg.tensor([1]))
    assert out.dtype == tg.float32 and out.item() == pytest.approx(0.5, abs=1e-6)   # 1 - 1/2


def test_an_integer_input_with_a_float_partner_takes_the_float_dtype():
    target32, target64 = tg.tensor([0.5, 1.5, 4.0]), tg.tensor([0.5, 1.5, 4.0], dtype=tg.float64)
    x = tg.tensor([1, 2, 3])
    same(F.mse_loss(x, target32), tg.tensor((0.25 + 0.25 + 1) / 3), tg.float32)
    same(F.mse_loss(x, target64), tg.tensor((0.25 + 0.25 + 1) / 3), tg.float64)
    same(F.l1_loss(x, target32), tg.tensor(2 / 3), tg.float32)
    same(F.smooth_l1_loss(tg.tensor([True, False, True]), target32),
         tg.tensor((0.125 + 1.0 + 2.5) / 3), tg.float32)
    same(F.mse_loss(target32, x), tg.tensor(0.5), tg.float32)     # (the usual direction)
    rows, floats = ints(), ints(OTHER).float()
    for a, b in ((rows, floats), (floats, rows)):
        same(F.cosine_similarity(a, b), tg.tensor([2 / 5, 10 / (14 * 11) ** 0.5]), tg.float32)
        same(F.pairwise_distance(a, b), tg.tensor([6 ** 0.5, 5 ** 0.5]), tg.float32)


def test_uint8_operands_are_subtracted_as_floats():
    # torch subtracts two uint8 tensors in uint8 first, so 0 - 2 wraps around to 254
    a, b = tg.tensor([[0, 5]], dtype=tg.uint8), tg.tensor([[2, 5]], dtype=tg.uint8)
    assert F.pairwise_distance(a, b).item() == pytest.approx(2.0, abs=1e-5)
    assert F.margin_ranking_loss(a[0], b[0], tg.tensor([1, 1])).item() == pytest.approx(1.0)


def test_the_gradient_reaches_a_float32_input_through_the_promotion():
    x = tg.tensor([[0.5, 1.0, 2.0]], requires_grad=True)
    F.mse_loss(x, tg.tensor([[1.0, 1.0, 1.0]], dtype=tg.float64), reduction="sum").backward()
    assert x.grad.dtype == tg.float32 and x.grad.tolist() == [[-1.0, 0.0, 2.0]]


@pytest.mark.parametrize("name, call", [
    ("mse_loss", lambda x, n: F.mse_loss(x, n)),
    ("l1_loss", lambda x, n: F.l1_loss(n, x)),
    ("smooth_l1_loss", lambda x, n: F.smooth_l1_loss(n, x, beta=0.5)),
    ("cosine_similarity", lambda x, n: F.cosine_similarity(n, x)),
    ("pairwise_distance", lambda x, n: F.pairwise_distance(x, n, p=3.0)),
    ("margin_ranking_loss", lambda x, n: F.margin_ranking_loss(x[0], n[0], n[1] - 2)),
    ("triplet_margin_loss", lambda x, n: F.triplet_margin_loss(x, n, n.flip(0), swap=True)),
    ("cosine_embedding_loss", lambda x, n: F.cosine_embedding_loss(n, x, tg.tensor([1, -1]))),
    ("poisson_nll_loss", lambda x, n: F.poisson_nll_loss(x, n, full=True)),
])
def test_gradients_with_an_integer_partner(name, call):
    x = tg.tensor(RNG.standard_normal((2, 3)), requires_grad=True)
    n = ints(THIRD)
    assert call(x, n).dtype == tg.float64
    assert tg.gradcheck(lambda x: call(x, n), [x]) and tg.gradgradcheck(lambda x: call(x, n), [x])


def test_gradients_of_local_response_norm_at_an_edge_shape():
    x = tg.tensor(RNG.standard_normal((1, 1, 2)), requires_grad=True)     # one channel
    assert tg.gradcheck(lambda x: F.local_response_norm(x, 3, alpha=0.5), [x])
    assert tg.gradgradcheck(lambda x: F.local_response_norm(x, 3, alpha=0.5), [x])


# ---------------------------------------------------------------------------- still refused
@pytest.mark.parametrize("call, message", [
    (lambda: F.mse_loss(ints(), ints(OTHER)),
     r"^mse_loss: expected a floating point input, got dtypes int64 and int64$"),
    (lambda: F.smooth_l1_loss(ints().bool(), ints(OTHER).bool()),
     r"^smooth_l1_loss: expected a floating point input, got dtypes bool and bool$"),
    (lambda: F.cosine_similarity(ints(dtype=tg.int32), ints(OTHER).bool()),
     r"^cosine_similarity: expected a floating point input, got dtypes int32 and bool$"),
    (lambda: F.l1_loss(ints().bool(), ints(OTHER).float()),
     r"^l1_loss: expected a floating point or integer input, got dtype bool \(as torch\)$"),
    (lambda: F.l1_loss(ints().float(), ints(OTHER).bool()), r"^l1_loss: .* got dtype bool"),
    (lambda: F.pairwise_distance(ints().float(), ints(OTHER).bool()),
     r"^pairwise_distance: expected a floating point or integer input, got dtype bool"),
    (lambda: F.margin_ranking_loss(tg.ones(2), tg.zeros(2), tg.tensor([True, False])),
     r"^margin_ranking_loss: .* got dtype bool"),
    (lambda: F.triplet_margin_loss(ints(), ints().bool(), ints()),
     r"^triplet_margin_loss: .* got dtype bool"),
    (lambda: F.local_response_norm(tg.ones(1, 2, 3, dtype=tg.bool), 2),
     r"^local_response_norm: .* got dtype bool"),
    (lambda: F.softsign(tg.tensor([True])), r"^softsign: .* got dtype bool"),
    (lambda: F.huber_loss(ints(), ints(OTHER).float()),         # (torch's huber_loss too)
     r"^huber_loss: expected a floating point input, got dtype int64$"),
    (lambda: F.dropout(ints(), 0.5), r"^dropout: expected a floating point input, got dtype"),
    (lambda: F.alpha_dropout(ints(), 0.5, training=True), r"^alpha_dropout: expected a float"),
    (lambda: F.dropout2d(ints().reshape(1, 2, 3), 1.5), r"^dropout2d: dropout probability"),
])
def test_refusals_name_the_op_and_the_dtypes(call, message):
    with pytest.raises((TypeError, ValueError), match=message):
        call()


def test_floating_input_takes_the_kinds_it_is_given():
    x = ints().reshape(1, 2, 3)
    assert floating_input("max_pool1d", x, (2, 3), "signal", kinds="fiu") is x
    with pytest.raises(TypeError, match=r"^max_pool1d: expected a floating point or integer "
                                        r"input, got dtype bool$"):
        floating_input("max_pool1d", x.bool(), (2, 3), "signal", kinds="fiu")
    with pytest.raises(TypeError, match=r"^avg_pool2d: expected a floating point input, got "
                                        r"dtype int64$"):
        floating_input("avg_pool2d", x)
    scalar = tg.tensor(2.5, dtype=tg.float64)
    a, b = _float_operands("op", x.float(), scalar)        # (a 0-d float64 does not widen)
    assert (a.dtype, b.dtype) == (tg.float32, tg.float32) and b.item() == 2.5
    a, b = _float_operands("op", x, scalar)                 # (but it lifts the integers)
    assert (a.dtype, b.dtype) == (tg.float64, tg.float64) and a.tolist() == [[[1, 2, 0],
                                                                              [3, 1, 2]]]


# ---------------------------------------------------------------------------- softmax
SOFTMAXES = {
    "softmax": lambda x, **kw: tg.softmax(x, 1, **kw),
    "log_softmax": lambda x, **kw: F.log_softmax(x, 1, **kw),
    "Tensor.softmax": lambda x, **kw: x.softmax(1, **kw),
    "special.softmax": lambda x, **kw: tg.special.softmax(x, 1, **kw),
    "special.log_softmax": lambda x, **kw: tg.special.log_softmax(x, 1, **kw),
    "nn.Softmax": lambda x, **kw: nn.Softmax(1)(x.to(kw["dtype"]) if kw else x),
    "nn.LogSoftmax": lambda x, **kw: nn.LogSoftmax(1)(x.to(kw["dtype"]) if kw else x),
}


@pytest.mark.parametrize("name", SOFTMAXES)
@pytest.mark.parametrize("dtype", [tg.int64, tg.uint8, tg.bool])
def test_softmax_refuses_integers_and_takes_a_dtype(name, dtype):
    x = ints(INTS, dtype)
    op = "log_softmax" if "log" in name.lower() else "softmax"
    with pytest.raises(TypeError, match=rf"^{op}: expected a floating point input, got dtype "
                                        rf"{x.dtype} \(as torch; pass dtype=tg.float32"):
        SOFTMAXES[name](x)
    out = SOFTMAXES[name](x, dtype=tg.float32)
    expected = x.float().softmax(1)
    same(out, expected.log() if op == "log_softmax" else expected, tg.float32)
    assert out.numpy()[0, 0] != out.numpy()[0, 2]


# ---------------------------------------------------------------------------- small ones
def test_special_round_keeps_integers_as_tg_round():
    x = tg.tensor([-3, 2, 7], dtype=tg.int32)
    for out in tg.special.round(x), tg.round(x):
        assert out.dtype == tg.int32 and out.tolist() == [-3, 2, 7]
    assert tg.special.round(tg.tensor([2.5, -1.6])).tolist() == [2.0, -2.0]
    with pytest.raises(TypeError, match=r"^round: not implemented for bool tensors$"):
        tg.special.round(tg.tensor([True]))


def test_a_bool_to_the_power_of_a_bool_tensor_is_refused():
    mask = tg.tensor([False, True])
    for base in True, False, np.True_:
        with pytest.raises(TypeError, match=r"^pow: a bool to the power of a bool tensor is "
                                            r"not supported \(as torch\)$"):
            base ** mask
    assert (mask ** True).dtype == tg.bool and (mask ** True).tolist() == [False, True]
    assert (2 ** mask).dtype == tg.int64 and (2 ** mask).tolist() == [1, 2]
    assert (True ** tg.tensor([1, 2])).tolist() == [1, 1]


DROPOUTS = {
    "dropout": lambda x, p, training: F.dropout(x, p, training),
    "dropout2d": lambda x, p, training: F.dropout2d(x, p, training),
    "alpha_dropout": lambda x, p, training: F.alpha_dropout(x, p, training),
    "feature_alpha_dropout": lambda x, p, training: F.feature_alpha_dropout(x, p, training),
    "nn.Dropout": lambda x, p, training: nn.Dropout(p).train(training)(x),
}


@pytest.mark.parametrize("name", DROPOUTS)
@pytest.mark.parametrize("dtype", [tg.int64, tg.uint8, tg.bool])
def test_dropout_returns_any_dtype_unchanged_when_it_is_the_identity(name, dtype):
    x = ints(INTS, dtype).reshape(1, 2, 3)
    for p, training in ((0.5, False), (0.0, True)):
        out = DROPOUTS[name](x, p, training)
        assert out.dtype == dtype and out.tolist() == x.tolist()
    with pytest.raises(TypeError, match="expected a floating point input, got dtype"):
        DROPOUTS[name](x, 0.5, True)


# ---------------------------------------------------------------------------- against torch
DTYPES = ["bool", "uint8", "int32", "int64", "float32", "float64"]
NEVER = lambda a, b: False          # noqa: E731
WRAPS = lambda a, b: a == b == "uint8"     # noqa: E731  (torch: uint8 0 - 2 = 254; here -2)
PAIRS = {   # name: (call with torch or tg, its nn.functional and two tensors; the dtype pairs
    # where we knowingly differ from torch)
    "pairwise_distance": (lambda lib, F, a, b: F.pairwise_distance(a, b), WRAPS),
    "cosine_similarity": (lambda lib, F, a, b: F.cosine_similarity(a, b), NEVER),
    "mse_loss": (lambda lib, F, a, b: F.mse_loss(a, b), NEVER),
    "l1_loss": (lambda lib, F, a, b: F.l1_loss(a, b), NEVER),
    "smooth_l1_loss": (lambda lib, F, a, b: F.smooth_l1_loss(a, b, beta=0.5), NEVER),
    "huber_loss": (lambda lib, F, a, b: F.huber_loss(a, b, reduction="sum"),
                   lambda a, b: (a, b) == ("float32", "float64")),   # (float64 here: QA item 8)
    "margin_ranking_loss": (lambda lib, F, a, b: F.margin_ranking_loss(
        a[0], b[1], lib.tensor([1, -1, 1])), WRAPS),
    "triplet_margin_loss": (lambda lib, F, a, b: F.triplet_margin_loss(a, a.flip(0), b),
                            lambda a, b: a == "uint8"),
    "triplet_margin_with_distance_loss": (lambda lib, F, a, b:
                                          F.triplet_margin_with_distance_loss(a, b, b.flip(1)),
                                          WRAPS),
    "cosine_embedding_loss": (lambda lib, F, a, b: F.cosine_embedding_loss(
        a, b, lib.tensor([1, -1])), NEVER),
    "poisson_nll_loss": (lambda lib, F, a, b: F.poisson_nll_loss(a, b, log_input=False,
                                                                 full=True),
                         lambda a, b: "bool" in (a, b)),     # (bools are 0 and 1 in every mode)
}


def _pair(torch, name, a, b, values):
    call, differs = PAIRS[name]
    if differs(a, b):
        return None
    xs = [values[i].astype(d) for i, d in enumerate((a, b))]
    try:
        want = call(torch, torch.nn.functional, *(torch.from_numpy(x.copy()) for x in xs))
    except (RuntimeError, NotImplementedError):
        with pytest.raises(TypeError, match=f"^{name}: expected"):
            call(tg, F, *(tg.tensor(x) for x in xs))
        return None
    got = call(tg, F, *(tg.tensor(x) for x in xs))
    assert str(got.dtype) == str(want.dtype).removeprefix("torch."), (name, a, b)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=2e-6, atol=1e-6)
    return float(np.abs(got.numpy() - want.numpy()).max())


@pytest.mark.parametrize("name", PAIRS)
def test_dtype_pairs_against_torch(name):
    torch = pytest.importorskip("torch")
    values = [RNG.integers(0, 4, (2, 3)) for _ in range(2)]
    diffs = [_pair(torch, name, a, b, values) for a, b in itertools.product(DTYPES, DTYPES)]
    assert sum(d is not None for d in diffs) >= 9          # (the float rows at least)


@pytest.mark.parametrize("dtype", DTYPES)
def test_one_operand_functions_against_torch(dtype):
    torch = pytest.importorskip("torch")
    x = (RNG.integers(0, 3, (1, 2, 3, 2)) * 2).astype(dtype)   # (even: torch's integer avg
    calls = {                                                   # pool in lrn is then exact)
        "local_response_norm": lambda lib, F, x: F.local_response_norm(x, 2, alpha=0.1),
        "softsign": lambda lib, F, x: F.softsign(x),
        "tanhshrink": lambda lib, F, x: F.tanhshrink(x),
        "softmax": lambda lib, F, x: F.softmax(x, 1),
        "log_softmax": lambda lib, F, x: F.log_softmax(x, -1),
        "softmax_float64": lambda lib, F, x: F.softmax(x, 1, dtype=lib.float64),
        "softmin": lambda lib, F, x: F.softmin(x, 1),
        "dropout_eval": lambda lib, F, x: F.dropout(x, 0.3, training=False),
        "alpha_dropout_p0": lambda lib, F, x: F.alpha_dropout(x, 0.0, training=True),
    }
    compared = 0
    for name, call in calls.items():
        if name == "local_response_norm" and dtype in ("int32", "uint8"):
            continue           # (torch has no avg_pool for them; we compute in float32)
        try:
            want = call(torch, torch.nn.functional, torch.from_numpy(x.copy()))
        except (RuntimeError, NotImplementedError):
            with pytest.raises(TypeError, match="expected a floating point"):
                call(tg, F, tg.tensor(x))
            continue
        got = call(tg, F, tg.tensor(x))
        compared += 1
        assert str(got.dtype) == str(want.dtype).removeprefix("torch."), (name, dtype)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=2e-6, atol=1e-6)
    assert compared >= 3            # (softmax_float64 and the two dropouts take every dtype)


def test_powers_of_bools_against_torch():
    torch = pytest.importorskip("torch")
    mask = [False, True, True]
    for base in True, False, 2, 2.5, -1:
        try:
            want = base ** torch.tensor(mask)
        except NotImplementedError:
            with pytest.raises(TypeError, match="^pow: a bool"):
                base ** tg.tensor(mask)
            continue
        got = base ** tg.tensor(mask)
        assert str(got.dtype) == str(want.dtype).removeprefix("torch.")
        assert got.tolist() == want.tolist()


def test_integer_max_pool_1d_3d_dropout_1d_3d_and_lp_pool_as_torch():
    import nn.functional as F
    signal = tg.tensor([[[3, 1, 4, 1, 5, 9]]])                      # int64 (N, C, L)
    assert F.max_pool1d(signal, 2).tolist() == [[[3, 4, 9]]]
    assert F.max_pool1d(signal, 2).dtype == tg.int64
    volume = tg.arange(8).reshape(1, 1, 2, 2, 2)
    assert F.max_pool3d(volume, 2).tolist() == [[[[[7]]]]]
    for dropout, x in ((F.dropout1d, signal), (F.dropout3d, volume)):
        assert dropout(x, training=False) is x and dropout(x, p=0.0) is x
    pooled = F.lp_pool1d(tg.tensor([[[0, 1]]]), 1, 2)               # int: float32 windows
    assert pooled.dtype == tg.float32 and pooled.tolist() == [[[1.0]]]
