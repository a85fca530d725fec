"""F.scaled_dot_product_attention and nn.MultiheadAttention (nn/attention.py): against slow
references written from the equations (one query, one head at a time), first and second
derivatives by finite differences, masks of both kinds, causal, padding, batch_first,
unbatched inputs, dropout, init, state_dict keys, errors; and (when torch is importable)
outputs, attention weights and every gradient against torch in float64."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import nn
import tinygrad_edu as tg
from nn import functional as F
from attention_reference import mha_reference, random_masks, reference_attention
from nn.attention import MultiheadAttention, scaled_dot_product_attention
from tinygrad_edu import Tensor, gradcheck, gradgradcheck

RNG = np.random.default_rng(7)


def leaf(shape) -> Tensor:
    return Tensor(RNG.standard_normal(shape), requires_grad=True)


# ------------------------------------------------------------------ slow references
def sdpa_reference(q, k, v, mask=None, causal=False, scale=None):
    """Broadcast the batch dimensions, build the additive mask, run the slow reference."""
    batch = np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    L, S = q.shape[-2], k.shape[-2]
    q, k, v = (np.broadcast_to(x, batch + x.shape[-2:]).reshape(-1, *x.shape[-2:])
               for x in (q, k, v))
    bias = np.zeros((L, S))
    if causal:
        bias[np.triu_indices(L, 1, S)] = -np.inf
    elif mask is not None:
        bias = np.where(mask, 0.0, -np.inf) if mask.dtype == bool else mask
    bias = np.broadcast_to(bias, batch + (L, S)).reshape(-1, L, S)
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    out, _ = reference_attention(q, k, v, bias, scale)
    return out.reshape(batch + out.shape[-2:])


# ------------------------------------------------------------ scaled_dot_product_attention
SDPA_CASES = {
    "plain": dict(q=(2, 3, 4), k=(2, 5, 4), v=(2, 5, 6)),
    "2-D": dict(q=(3, 4), k=(5, 4), v=(5, 2)),
    "size-1 axes": dict(q=(1, 1, 1), k=(1, 1, 1), v=(1, 1, 1)),
    "heads": dict(q=(2, 3, 4, 2), k=(2, 3, 5, 2), v=(2, 3, 5, 3)),
    "broadcast batch": dict(q=(2, 3, 3, 4), k=(1, 3, 5, 4), v=(5, 2)),
    "bool mask": dict(q=(2, 3, 4), k=(2, 5, 4), v=(2, 5, 6), mask="bool"),
    "float mask": dict(q=(2, 3, 4), k=(2, 5, 4), v=(2, 5, 6), mask="float"),
    "causal L < S": dict(q=(2, 3, 4), k=(2, 5, 4), v=(2, 5, 6), causal=True),
    "causal L > S": dict(q=(2, 5, 4), k=(2, 3, 4), v=(2, 3, 6), causal=True),
    "scale": dict(q=(2, 3, 4), k=(2, 5, 4), v=(2, 5, 6), scale=0.3),
}


def _mask(kind, L, S):
    if kind == "bool":
        mask = RNG.random((L, S)) < 0.7
        mask[:, 0] = True                         # no row fully masked here
        return mask
    if kind == "float":
        mask = RNG.standard_normal((L, S))
        mask[RNG.random((L, S)) < 0.3] = -np.inf
        mask[:, 0] = 0.5
        return mask
    return None


@pytest.mark.parametrize("name", SDPA_CASES)
def test_sdpa_matches_slow_reference(name):
    case = SDPA_CASES[name]
    q, k, v = (RNG.standard_normal(case[x]) for x in "qkv")
    mask = _mask(case.get("mask"), q.shape[-2], k.shape[-2])
    out = scaled_dot_product_attention(Tensor(q), Tensor(k), Tensor(v),
                                       None if mask is None else Tensor(mask),
                                       is_causal=case.get("causal", False),
                                       scale=case.get("scale"))
    expected = sdpa_reference(q, k, v, mask, case.get("causal", False), case.get("scale"))
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", ["plain", "size-1 axes", "broadcast batch", "bool mask",
                                  "float mask", "causal L > S", "scale"])
def test_sdpa_first_and_second_derivatives(name):
    case = SDPA_CASES[name]
    q, k, v = (leaf(case[x]) for x in "qkv")
    mask = _mask(case.get("mask"), q.shape[-2], k.shape[-2])
    inputs = [q, k, v]
    if mask is not None:
        inputs.append(Tensor(mask, requires_grad=mask.dtype != bool))

    def f(q, k, v, mask=None):
        return scaled_dot_product_attention(q, k, v, mask, is_causal=case.get("causal", False),
                                            scale=case.get("scale"))
    assert gradcheck(f, inputs)
    assert gradgradcheck(f, inputs)


def test_sdpa_grouped_query_attention_repeats_each_kv_head():
    q, k, v = leaf((2, 6, 3, 4)), leaf((2, 2, 5, 4)), leaf((2, 3, 5, 2))
    out = scaled_dot_product_attention(q, k, v, enable_gqa=True)
    expected = sdpa_reference(q.numpy(), np.repeat(k.numpy(), 3, axis=1),
                              np.repeat(v.numpy(), 2, axis=1))
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-14)
    small = [leaf((1, 4, 2, 2)), leaf((1, 2, 3, 2)), leaf((1, 1, 3, 2))]
    f = (lambda q, k, v: scaled_dot_product_attention(q, k, v, enable_gqa=True))
    assert gradcheck(f, small) and gradgradcheck(f, small)


@pytest.mark.parametrize("mask", [np.array([[True, False], [False, False], [False, True]]),
                                  np.array([[0.0, -np.inf], [-np.inf, -np.inf], [1.0, 2.0]])])
def test_sdpa_fully_masked_row_gives_zero_output_and_gradient(mask):
    q, k, v = leaf((3, 2)), leaf((2, 2)), leaf((2, 3))
    out = scaled_dot_product_attention(q, k, v, Tensor(mask))
    assert np.array_equal(out.numpy()[1], np.zeros(3)) and np.isfinite(out.numpy()).all()
    out.sum().backward()
    assert np.array_equal(q.grad.numpy()[1], np.zeros(2))
    np.testing.assert_allclose(out.numpy(), sdpa_reference(q.numpy(), k.numpy(), v.numpy(), mask),
                               rtol=1e-12)
    assert gradcheck(scaled_dot_product_attention, [q, k, v, Tensor(mask)])


def test_sdpa_empty_and_zero_width():
    out = scaled_dot_product_attention(leaf((2, 3, 4)), leaf((2, 0, 4)), leaf((2, 0, 5)))
    assert out.shape == (2, 3, 5) and not out.numpy().any()          # no keys: zeros
    assert gradcheck(scaled_dot_product_attention, [leaf((2, 3)), leaf((0, 3)), leaf((0, 2))])
    assert scaled_dot_product_attention(leaf((2, 0, 4)), leaf((2, 3, 4)),
                                        leaf((2, 3, 5))).shape == (2, 0, 5)
    v = leaf((3, 5))                                  # E = 0: every score 0, weights uniform
    out = scaled_dot_product_attention(leaf((2, 0)), leaf((3, 0)), v)
    np.testing.assert_allclose(out.numpy(), np.broadcast_to(v.numpy().mean(0), (2, 5)))


def test_sdpa_float32_mask_on_float64_query_and_dtypes():
    q = leaf((3, 2))
    mask = RNG.standard_normal((3, 3))
    out = scaled_dot_product_attention(q, q, q, Tensor(mask.astype(np.float32)))
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.numpy(), sdpa_reference(
        q.numpy(), q.numpy(), q.numpy(), mask.astype(np.float32).astype(np.float64)))
    assert scaled_dot_product_attention(q.float(), q.float(), q.float()).dtype == np.float32


def test_sdpa_dropout_drops_weights_with_the_seeded_generator():
    q, k, v = leaf((2, 3, 4)), leaf((2, 5, 4)), leaf((2, 5, 6))
    tg.manual_seed(3)
    out = scaled_dot_product_attention(q, k, v, dropout_p=0.4)
    tg.manual_seed(3)
    weights = F.dropout((q.matmul(k.mT) / 2).softmax(-1), 0.4)
    np.testing.assert_allclose(out.numpy(), weights.matmul(v).numpy(), rtol=1e-13)
    assert not scaled_dot_product_attention(q, k, v, dropout_p=1.0).numpy().any()


@pytest.mark.parametrize("args,kwargs,error,match", [
    (((2, 3), (2, 3), (2, 3)), dict(dtypes=("float64", "float32", "float64")), TypeError,
     "same dtype"),
    (((2, 3), (2, 3), (2, 3)), dict(dtypes=("int64",) * 3), TypeError, "floating point"),
    (((3,), (3,), (3,)), {}, ValueError, "at least 2 dimensions"),
    (((2, 3), (4, 2), (4, 5)), {}, ValueError, r"expected key \(..., S, 3\)"),
    (((2, 3), (4, 3), (5, 5)), {}, ValueError, "value"),
    (((2, 2, 3), (3, 4, 3), (3, 4, 3)), {}, ValueError, "do not broadcast"),
    (((2, 3), (4, 3), (4, 5)), dict(mask=np.ones((3, 4), bool)), ValueError,
     r"attn_mask of shape \(3, 4\) does not broadcast"),
    (((2, 3), (4, 3), (4, 5)), dict(mask=np.ones((2, 2, 4), bool)), ValueError,
     "does not broadcast"),
    (((1, 3, 4), (1, 5, 4), (2, 5, 3)), dict(mask=np.ones((2, 3, 5), bool)), ValueError,
     r"broadcast to the scores' shape \(1, 3, 5\)"),      # value's batch is not the scores
    (((2, 3), (4, 3), (4, 5)), dict(mask=np.ones((2, 4), np.int64)), TypeError,
     "attn_mask must be bool"),
    (((2, 3), (4, 3), (4, 5)), dict(mask=np.ones((2, 4), bool), is_causal=True), ValueError,
     "not both"),
    (((6, 2, 3), (4, 4, 3), (4, 4, 3)), dict(enable_gqa=True), ValueError, "must divide"),
    (((2, 3), (4, 3), (4, 5)), dict(enable_gqa=True), ValueError, "enable_gqa needs"),
    (((2, 3), (4, 3), (4, 5)), dict(dropout_p=1.5), ValueError, "between 0 and 1"),
])
def test_sdpa_errors_name_the_op_and_shapes(args, kwargs, error, match):
    dtypes = kwargs.pop("dtypes", ("float64",) * 3)
    q, k, v = (Tensor(np.ones(s, dtype=d)) for s, d in zip(args, dtypes))
    mask = kwargs.pop("mask", None)
    with pytest.raises(error, match=match) as info:
        scaled_dot_product_attention(q, k, v, None if mask is None else Tensor(mask), **kwargs)
    assert "dropout" in str(info.value) or "scaled_dot_product_attention" in str(info.value)


def test_sdpa_float64_mask_on_float32_query_is_refused():
    q = Tensor(np.ones((2, 3), np.float32))
    with pytest.raises(TypeError, match=r"query's dtype float32, got float64; convert it "
                                        r"with attn_mask.to\(query.dtype\)$"):
        scaled_dot_product_attention(q, q, q, Tensor(np.zeros((2, 2))))   # (no "or float32")


# ------------------------------------------------------------------ MultiheadAttention
@pytest.mark.parametrize("kwargs,expected", [
    ({}, {"in_proj_weight": (12, 4), "in_proj_bias": (12,), "out_proj.weight": (4, 4),
          "out_proj.bias": (4,)}),
    (dict(bias=False), {"in_proj_weight": (12, 4), "out_proj.weight": (4, 4)}),
    (dict(kdim=3, vdim=5), {"q_proj_weight": (4, 4), "k_proj_weight": (4, 3),
                            "v_proj_weight": (4, 5), "in_proj_bias": (12,),
                            "out_proj.weight": (4, 4), "out_proj.bias": (4,)}),
    (dict(add_bias_kv=True), {"in_proj_weight": (12, 4), "in_proj_bias": (12,),
                              "bias_k": (1, 1, 4), "bias_v": (1, 1, 4),
                              "out_proj.weight": (4, 4), "out_proj.bias": (4,)}),
])
def test_mha_parameter_names_shapes_and_order_are_torchs(kwargs, expected):
    m = MultiheadAttention(4, 2, **kwargs)
    assert {k: tuple(v.shape) for k, v in m.state_dict().items()} == expected
    assert list(m.state_dict()) == list(expected)
    assert [name for name, _ in m.named_parameters()] == list(expected)
    assert repr(m) == ("MultiheadAttention(\n  (out_proj): NonDynamicallyQuantizableLinear("
                       f"in_features=4, out_features=4, bias={kwargs.get('bias', True)})\n)")
    assert (m.head_dim, m._qkv_same_embed_dim) == (2, "kdim" not in kwargs)
    if "add_bias_kv" not in kwargs:
        assert m.bias_k is None and m.bias_v is None


def test_mha_init_is_torchs():
    E = 64
    m = MultiheadAttention(E, 4, add_bias_kv=True)
    w = m.in_proj_weight.numpy()
    bound = math.sqrt(6 / (E + 3 * E))                          # xavier_uniform_ on (3E, E)
    assert 0.95 * bound < np.abs(w).max() <= bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound
    out = m.out_proj.weight.numpy()                             # Linear's kaiming_uniform_
    assert 0.9 / math.sqrt(E) < np.abs(out).max() <= 1 / math.sqrt(E)
    assert not m.in_proj_bias.numpy().any() and not m.out_proj.bias.numpy().any()
    std = math.sqrt(2 / (E + E))                                # xavier_normal_ on (1, 1, E)
    for extra in (m.bias_k, m.bias_v):
        assert 0.6 * std < extra.numpy().std() < 1.4 * std
    separate = MultiheadAttention(4, 2, kdim=6, vdim=2)
    for weight, fan_in in ((separate.q_proj_weight, 4), (separate.k_proj_weight, 6),
                           (separate.v_proj_weight, 2)):
        assert np.abs(weight.numpy()).max() <= math.sqrt(6 / (4 + fan_in))
    assert MultiheadAttention(4, 2, dtype=tg.float64).in_proj_weight.dtype == np.float64


MHA_CASES = {
    "self-attention": (dict(), dict(self_attention=True)),
    "cross-attention, kdim, vdim": (dict(kdim=3, vdim=5), dict()),
    "no bias": (dict(bias=False), dict()),
    "bias_kv and zero_attn": (dict(add_bias_kv=True, add_zero_attn=True), dict(kpm="bool")),
    "zero_attn": (dict(add_zero_attn=True), dict(mask="bool")),
    "bool mask and padding": (dict(), dict(mask="bool", kpm="bool")),
    "float 3-D mask and padding": (dict(), dict(mask="float3", kpm="float")),
    "one head": (dict(num_heads=1), dict(mask="float3")),
    "need_weights=False": (dict(), dict(mask="bool", need_weights=False)),
}


def _mha_case(name, L=3, S=4, N=2):
    options, call = MHA_CASES[name]
    options = dict(options)
    m = MultiheadAttention(4, options.pop("num_heads", 2), **options).double()
    if call.get("self_attention"):
        S = L
    query = RNG.standard_normal((L, N, 4))
    key = query if call.get("self_attention") else RNG.standard_normal((S, N, m.kdim))
    value = query if call.get("self_attention") else RNG.standard_normal((S, N, m.vdim))
    mask, kpm = random_masks(RNG, call.get("mask"), call.get("kpm"), L, S, N, m.num_heads)
    return m, (query, key, value), mask, kpm, call.get("need_weights", True)


def _as_tensor(a):
    return None if a is None else Tensor(a)


@pytest.mark.parametrize("name", MHA_CASES)
def test_mha_matches_slow_reference(name):
    m, (query, key, value), mask, kpm, need_weights = _mha_case(name)
    out, weights = m(Tensor(query), Tensor(key), Tensor(value), _as_tensor(kpm),
                     need_weights=need_weights, attn_mask=_as_tensor(mask),
                     average_attn_weights=False)
    expected, expected_weights = mha_reference(m, query, key, value, mask, kpm, need_weights)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-14)
    if need_weights:
        np.testing.assert_allclose(weights.numpy(), expected_weights, rtol=1e-12, atol=1e-14)
        _, averaged = m(Tensor(query), Tensor(key), Tensor(value), _as_tensor(kpm),
                        attn_mask=_as_tensor(mask))
        np.testing.assert_allclose(averaged.numpy(), expected_weights.mean(1), rtol=1e-12)
    else:
        assert weights is None


def test_mha_batch_first_and_unbatched_agree_with_sequence_first():
    m, (query, key, value), mask, kpm, _ = _mha_case("bool mask and padding")
    out, weights = m(Tensor(query), Tensor(key), Tensor(value), Tensor(kpm),
                     attn_mask=Tensor(mask))
    m.batch_first = True
    first = m(*(Tensor(x.transpose(1, 0, 2)) for x in (query, key, value)), Tensor(kpm),
              attn_mask=Tensor(mask))
    np.testing.assert_allclose(first[0].numpy(), out.numpy().transpose(1, 0, 2), rtol=1e-13)
    np.testing.assert_allclose(first[1].numpy(), weights.numpy(), rtol=1e-13)
    for n in range(2):                        # unbatched: (L, E), padding (S,), mask (H, L, S)
        single = m(*(Tensor(x[:, n]) for x in (query, key, value)), Tensor(kpm[n]),
                   attn_mask=Tensor(np.stack([mask, mask])), average_attn_weights=False)
        expected = mha_reference(m, query[:, n:n + 1], key[:, n:n + 1], value[:, n:n + 1],
                                 mask, kpm[n:n + 1])
        np.testing.assert_allclose(single[0].numpy(), expected[0][:, 0], rtol=1e-12)
        np.testing.assert_allclose(single[1].numpy(), expected[1][0], rtol=1e-12)


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")     # numpy's, for the nan
def test_mha_fully_masked_query_nan_with_weights_zero_without():
    m, (query, key, value), _, _, _ = _mha_case("self-attention", L=3, N=2)
    kpm = Tensor(np.array([[False, False, False], [True, True, True]]))
    out, weights = m(Tensor(query), Tensor(key), Tensor(value), kpm)
    assert np.isnan(out.numpy()[:, 1]).all() and np.isnan(weights.numpy()[1]).all()
    assert np.isfinite(out.numpy()[:, 0]).all()
    out, _ = m(Tensor(query), Tensor(key), Tensor(value), kpm, need_weights=False)
    np.testing.assert_array_equal(out.numpy()[:, 1], np.broadcast_to(m.out_proj.bias.numpy(),
                                                                     (3, 4)))


def test_mha_is_causal_is_a_hint_for_attn_mask():
    m, (query, key, value), _, _, _ = _mha_case("self-attention")
    causal = np.triu(np.ones((3, 3), bool), 1)
    x = Tensor(query)
    with_mask = m(x, x, x, attn_mask=Tensor(causal), need_weights=False)[0]
    hinted = m(x, x, x, attn_mask=Tensor(causal), need_weights=False, is_causal=True)[0]
    np.testing.assert_allclose(hinted.numpy(), with_mask.numpy(), rtol=1e-13)
    # torch uses the causal mask in place of attn_mask when need_weights=False, no padding
    other = m(x, x, x, attn_mask=Tensor(np.zeros((3, 3), bool)), need_weights=False,
              is_causal=True)[0]
    np.testing.assert_allclose(other.numpy(), with_mask.numpy(), rtol=1e-13)
    with pytest.raises(RuntimeError, match="MultiheadAttention: is_causal=True .* needs attn_mask"):
        m(x, x, x, is_causal=True)


def test_mha_dropout_only_when_training_and_on_the_returned_weights():
    m, (query, key, value), _, _, _ = _mha_case("self-attention")
    m.dropout = 0.5
    x = Tensor(query)
    m.eval()
    plain, plain_weights = m(x, x, x, average_attn_weights=False)
    m.train()
    tg.manual_seed(5)
    out, weights = m(x, x, x, average_attn_weights=False)
    tg.manual_seed(5)
    np.testing.assert_array_equal(m(x, x, x)[0].numpy(), out.numpy())    # reproducible
    kept = weights.numpy() != 0
    assert 0 < kept.mean() < 1
    np.testing.assert_allclose(weights.numpy()[kept], 2 * plain_weights.numpy()[kept])
    assert not np.allclose(out.numpy(), plain.numpy())


@pytest.mark.parametrize("name", ["self-attention", "cross-attention, kdim, vdim",
                                  "bias_kv and zero_attn", "float 3-D mask and padding"])
def test_mha_first_and_second_derivatives(name):
    m, arrays, mask, kpm, need_weights = _mha_case(name, L=2, S=2, N=1)
    inputs = [Tensor(a, requires_grad=True) for a in arrays[:1 if arrays[0] is arrays[1] else 3]]
    float_mask = mask is not None and mask.dtype != bool

    masks = [Tensor(mask, requires_grad=True)] if float_mask else []

    def f(*args):             # the parameters, when passed, are perturbed in place
        query, key, value = (args[0],) * 3 if len(inputs) == 1 else args[:3]
        return m(query, key, value, _as_tensor(kpm), attn_mask=args[-1] if masks
                 else _as_tensor(mask), average_attn_weights=False)
    assert gradcheck(f, inputs + list(m.parameters()) + masks)
    assert gradgradcheck(f, inputs + masks)


@pytest.mark.parametrize("call,error,match", [
    (dict(query=(3, 2, 5)), ValueError, r"shapes \(L, N, E\), \(S, N, kdim\), \(S, N, vdim\) "
     r"with E=4, kdim=4, vdim=4, got \(3, 2, 5\)"),
    (dict(query=(3, 2, 4, 1)), ValueError, "query must be unbatched 2-D"),
    (dict(key=(3, 4)), ValueError, "key and value must be 3-D"),
    (dict(value=(4, 2, 4)), ValueError, r"got \(3, 2, 4\), \(3, 2, 4\) and \(4, 2, 4\)"),
    (dict(key=(3, 1, 4), value=(3, 1, 4)), ValueError, "expected query"),
    (dict(batch_first=True, value=(2, 3, 4)), ValueError, r"shapes \(N, L, E\), \(N, S, kdim\)"),
    (dict(mask=np.ones((4, 4), bool)), ValueError, r"attn_mask must have shape \(L, S\)"),
    (dict(mask=np.ones((2, 3, 3), bool)), ValueError, r"\(N \* num_heads, L, S\)"),
    (dict(mask=np.ones((1, 3, 4), bool), is_causal=True), ValueError,      # (not skipped)
     r"attn_mask must have shape \(L, S\) = \(3, 3\)"),
    (dict(mask=np.ones(3, bool)), ValueError, "attn_mask must be 2-D"),
    (dict(kpm=np.ones((2, 4), bool)), ValueError, r"key_padding_mask must have shape \(N, S\)"),
    (dict(kpm=np.ones(3, bool)), ValueError, "key_padding_mask must be 2-D"),
    (dict(mask=np.zeros((3, 3), np.int64)), TypeError, "attn_mask must be bool or floating"),
    (dict(mask=np.zeros((3, 3), np.float32)), TypeError, "query's dtype float64, got float32"),
    (dict(dtype=np.int64), TypeError, "expected a floating point input"),
    (dict(dtype=np.float32), TypeError, r"query must have the projection weights' dtype "
     r"float64, got float32. Convert the input: query.to\(float64\), or the model"),
])
def test_mha_errors_name_the_module_and_shapes(call, error, match):
    m = MultiheadAttention(4, 2, batch_first=call.get("batch_first", False)).double()
    q = np.ones(call.get("query", (3, 2, 4)), call.get("dtype", np.float64))
    k = np.ones(call.get("key", (3, 2, 4)), call.get("dtype", np.float64))
    v = np.ones(call.get("value", (3, 2, 4)), call.get("dtype", np.float64))
    with pytest.raises(error, match=match) as info:
        m(Tensor(q), Tensor(k), Tensor(v), _as_tensor(call.get("kpm")),
          attn_mask=_as_tensor(call.get("mask")), is_causal=call.get("is_causal", False),
          need_weights=not call.get("is_causal", False))
    assert "MultiheadAttention" in str(info.value)


def test_a_transformer_layer_names_the_dtype_mismatch_and_its_fix():
    layer = nn.TransformerEncoderLayer(4, 2, 8)                 # float32 weights
    with pytest.raises(TypeError, match=r"MultiheadAttention: query must have the projection "
                                        r"weights' dtype float32, got float64"):
        layer(Tensor(np.ones((3, 2, 4))))


def test_sdpa_kernel_checks_its_backends_and_runs_the_formula():
    from nn.attention import SDPBackend, sdpa_kernel
    q = Tensor(np.random.default_rng(0).standard_normal((2, 3, 4)))
    expected = scaled_dot_product_attention(q, q, q).data
    for choice in (SDPBackend.MATH, [SDPBackend.FLASH_ATTENTION, SDPBackend.MATH]):
        with sdpa_kernel(choice):
            np.testing.assert_array_equal(scaled_dot_product_attention(q, q, q).data, expected)
    assert int(SDPBackend.EFFICIENT_ATTENTION) == 2             # torch's values
    with pytest.raises(TypeError, match="sdpa_kernel: expected SDPBackend values, got 'math'"):
        with sdpa_kernel("math"):
            pass


def test_mha_construction_errors_and_mixed_mask_warning():
    with pytest.raises(ValueError, match="MultiheadAttention: embed_dim \\(5\\) must be divisible"):
        MultiheadAttention(5, 2)
    with pytest.raises(ValueError, match="greater than 0"):
        MultiheadAttention(0, 2)
    m = MultiheadAttention(4, 2)
    x = Tensor(np.ones((3, 2, 4), np.float32))
    with pytest.warns(UserWarning, match="deprecated"):
        m(x, x, x, Tensor(np.zeros((2, 3), bool)), attn_mask=Tensor(np.zeros((3, 3), np.float32)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # float32 mask on a float64 query: accepted where torch calls SDPA (need_weights=False)
        m.double()(x.double(), x.double(), x.double(), need_weights=False,
                   attn_mask=Tensor(np.zeros((3, 3), np.float32)))


# ------------------------------------------------------------------ against torch
def test_sdpa_matches_torch_on_random_cases():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    for trial in range(30):
        batch = tuple(rng.integers(1, 3, size=rng.integers(0, 3)))
        L, S, E, Ev = rng.integers(1, 5, size=4)
        arrays = [rng.standard_normal(batch + shape) for shape in ((L, E), (S, E), (S, Ev))]
        causal, mask = trial % 4 == 3, None
        if trial % 4 == 1:
            mask = rng.random((L, S)) < 0.6                       # fully masked rows too
        elif trial % 4 == 2:
            mask = np.where(rng.random((L, S)) < 0.3, -np.inf, rng.standard_normal((L, S)))
        scale = None if trial % 3 else 0.7
        ours = [Tensor(a, requires_grad=True) for a in arrays]
        theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
        if mask is not None and mask.dtype != bool:
            ours.append(Tensor(mask, requires_grad=True))
            theirs.append(torch.tensor(mask, requires_grad=True))
        bool_mask = None if mask is None or mask.dtype != bool else mask
        out = scaled_dot_product_attention(*ours[:3], ours[3] if len(ours) > 3 else
                                           _as_tensor(bool_mask), is_causal=causal, scale=scale)
        expected = torch.nn.functional.scaled_dot_product_attention(
            *theirs[:3], theirs[3] if len(theirs) > 3 else
            None if bool_mask is None else torch.tensor(bool_mask), is_causal=causal, scale=scale)
        np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=0, atol=1e-12)
        direction = rng.standard_normal(out.shape)
        grads = tg.grad((out * Tensor(direction)).sum(), ours)
        expected_grads = torch.autograd.grad((expected * torch.tensor(direction)).sum(), theirs)
        for g, e in zip(grads, expected_grads):
            np.testing.assert_allclose(g.numpy(), e.numpy(), rtol=0, atol=1e-10)


def _random_mha_config(rng):
    heads = int(rng.integers(1, 4))
    E = heads * int(rng.integers(1, 3))
    separate = rng.random() < 0.3
    options = dict(bias=bool(rng.random() < 0.7), add_bias_kv=bool(rng.random() < 0.3),
                   add_zero_attn=bool(rng.random() < 0.3), batch_first=bool(rng.random() < 0.5),
                   kdim=int(rng.integers(1, 5)) if separate else None,
                   vdim=int(rng.integers(1, 5)) if separate else None)
    return E, heads, options


def test_mha_matches_torch_on_random_configurations():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    for trial in range(40):
        E, H, options = _random_mha_config(rng)
        theirs = torch.nn.MultiheadAttention(E, H, **options).double()
        ours = MultiheadAttention(E, H, **options).double()
        ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
        N, L, S = (int(n) for n in rng.integers(1, 4, size=3))
        batched = rng.random() < 0.8

        def shape(length, width):
            if not batched:
                return (length, width)
            return (N, length, width) if options["batch_first"] else (length, N, width)
        arrays = [rng.standard_normal(shape(L, E)), rng.standard_normal(shape(S, ours.kdim)),
                  rng.standard_normal(shape(S, ours.vdim))]
        mask = kpm = None
        pick = rng.random()
        if pick < 0.3:
            mask = rng.random((L, S)) < 0.3
        elif pick < 0.5:
            mask = np.where(rng.random((L, S)) < 0.3, -np.inf, rng.standard_normal((L, S)))
        elif pick < 0.6:
            mask = rng.random(((N if batched else 1) * H, L, S)) < 0.3
        if rng.random() < 0.4:
            kpm = rng.random((N, S) if batched else (S,)) < 0.3
        call = dict(need_weights=bool(rng.random() < 0.6),
                    average_attn_weights=bool(rng.random() < 0.5))
        ours_in = [Tensor(a, requires_grad=True) for a in arrays]
        theirs_in = [torch.tensor(a, requires_grad=True) for a in arrays]
        with warnings.catch_warnings():              # the mixed-mask deprecation
            warnings.simplefilter("ignore")
            out, weights = ours(*ours_in, _as_tensor(kpm), attn_mask=_as_tensor(mask), **call)
            expected, expected_weights = theirs(
                *theirs_in, None if kpm is None else torch.tensor(kpm),
                attn_mask=None if mask is None else torch.tensor(mask), **call)
        np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=0, atol=1e-12)
        if call["need_weights"]:
            np.testing.assert_allclose(weights.numpy(), expected_weights.detach().numpy(),
                                       rtol=0, atol=1e-12)
        else:
            assert weights is None and expected_weights is None
        if np.isnan(out.numpy()).any():
            continue
        direction = rng.standard_normal(out.shape)
        params = [p for _, p in ours.named_parameters()]
        grads = tg.grad((out * Tensor(direction)).sum(), ours_in + params)
        expected_grads = torch.autograd.grad((expected * torch.tensor(direction)).sum(),
                                             theirs_in + list(theirs.parameters()),
                                             allow_unused=True)
        for g, e in zip(grads, expected_grads):
            np.testing.assert_allclose(g.numpy(), 0 if e is None else e.numpy(), rtol=0,
                                       atol=1e-10)
